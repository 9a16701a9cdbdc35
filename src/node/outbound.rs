//! Where the node's own HTTP requests may go: every request a node makes to a peer (`/info`,
//! `/peers`, announcements, forwarded PUTs, replicas, challenges) goes through a client built
//! here, so an announcement, a peer list or a redirect cannot turn the node into a proxy into
//! its own host or LAN.
//!
//! Invariants:
//! - no client follows a redirect, and none uses a proxy from the environment (a proxy would
//!   resolve names where these checks cannot see);
//! - on a network whose file does not say `"private": true` ([`Reach::Public`]), no request
//!   connects to a loopback, private (RFC 1918, CGNAT, ULA), link-local, unspecified,
//!   multicast, reserved or documentation address: an IP literal is checked before any
//!   connection ([`Outbound::request`]), and a host name is resolved by [`CheckedResolver`],
//!   which refuses the name when any of its addresses is one of these, so the connection goes
//!   only to an address that was checked (no DNS rebinding between check and connect).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::wire::answer::PeerError;

/// Which addresses the node's requests may reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reach {
    /// Only public (globally routable) addresses.
    Public,
    /// Any address: the network file marks the network private (a devnet, a LAN).
    Private,
}

impl Reach {
    /// The reach a network file's `private` flag allows.
    pub(crate) fn of_network(private: bool) -> Self {
        if private {
            Reach::Private
        } else {
            Reach::Public
        }
    }

    /// Refuses `ip` when this reach does not allow it.
    pub(crate) fn check(self, ip: IpAddr) -> Result<(), Forbidden> {
        match (self, non_public_kind(ip)) {
            (Reach::Public, Some(kind)) => Err(Forbidden { ip, kind }),
            _ => Ok(()),
        }
    }
}

/// A request refused before connecting: its address is not one this network's nodes reach.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{ip} is a {kind} address, which nodes of a network not marked private never connect to")]
pub struct Forbidden {
    /// The address.
    pub ip: IpAddr,
    /// What kind of address it is.
    pub kind: &'static str,
}

impl Forbidden {
    /// The [`Forbidden`] somewhere in `error`'s chain of causes (a refused name arrives wrapped
    /// in reqwest's connect error).
    pub(crate) fn in_chain<'a>(
        error: &'a (dyn std::error::Error + 'static),
    ) -> Option<&'a Forbidden> {
        let mut cause = Some(error);
        while let Some(inner) = cause {
            if let Some(forbidden) = inner.downcast_ref::<Forbidden>() {
                return Some(forbidden);
            }
            cause = inner.source();
        }
        None
    }
}

/// A URL the node will not request, and why.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Refused {
    /// Not a URL with a host.
    #[error("{0:?} is not a URL with a host")]
    BadUrl(String),
    /// Its host is an address this network's nodes never reach.
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
}

impl From<Refused> for PeerError {
    fn from(refused: Refused) -> Self {
        PeerError::NotAsked(Box::new(refused))
    }
}

impl PeerError {
    /// The address check that refused a request of the node's, whether before connecting (an
    /// IP literal) or when its host name was resolved.
    pub(crate) fn forbidden(&self) -> Option<&Forbidden> {
        match self {
            PeerError::NotAsked(refused) => match refused.downcast_ref::<Refused>() {
                Some(Refused::Forbidden(forbidden)) => Some(forbidden),
                _ => None,
            },
            PeerError::Unreachable(error) => Forbidden::in_chain(error),
            _ => None,
        }
    }
}

/// The node's HTTP client for requests to peers, with the reach of its network.
#[derive(Debug, Clone)]
pub(crate) struct Outbound {
    http: reqwest::Client,
    reach: Reach,
}

impl Outbound {
    /// A client that connects within `connect_timeout`, follows no redirect and reaches only
    /// what `reach` allows. Its requests leave from `local` (the node's listen IP, when
    /// concrete), so peers see which node sends them.
    pub(crate) fn new(reach: Reach, connect_timeout: Duration, local: Option<IpAddr>) -> Self {
        let http = builder(reach)
            .connect_timeout(connect_timeout)
            .local_address(local)
            .tcp_nodelay(true)
            .build()
            .expect("the HTTP client builds");
        Self { http, reach }
    }

    /// A request of `method` to `url`, refused without connecting when `url`'s host is an IP
    /// address this network's nodes never reach (a host name is checked when it is resolved).
    pub(crate) fn request(
        &self,
        method: reqwest::Method,
        url: &str,
    ) -> Result<reqwest::RequestBuilder, Refused> {
        let parsed = reqwest::Url::parse(url).map_err(|_| Refused::BadUrl(url.to_owned()))?;
        let host = parsed
            .host_str()
            .ok_or_else(|| Refused::BadUrl(url.to_owned()))?;
        // The URL parser writes an IP host in its normal form (an IPv6 one in brackets).
        let literal = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = literal.parse::<IpAddr>() {
            self.reach.check(ip)?;
        }
        Ok(self.http.request(method, parsed))
    }
}

/// A client builder for requests to peers: no redirects, no environment proxy, and names
/// resolved by [`CheckedResolver`] for `reach`. IP literals must still be checked before a
/// request is sent ([`Outbound::request`], or URLs that passed it before).
pub(crate) fn builder(reach: Reach) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .dns_resolver(Arc::new(CheckedResolver { reach }))
}

/// Resolves host names with the system resolver and refuses a name any of whose addresses
/// its reach does not allow; the connection then goes to one of the checked addresses.
#[derive(Debug)]
pub(crate) struct CheckedResolver {
    reach: Reach,
}

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let reach = self.reach;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addresses: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            for address in &addresses {
                reach.check(address.ip())?;
            }
            let addresses: Addrs = Box::new(addresses.into_iter());
            Ok(addresses)
        })
    }
}

/// What kind of non-public address `ip` is, or `None` for a public one.
pub(crate) fn non_public_kind(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(ip) => v4_kind(ip),
        IpAddr::V6(ip) => v6_kind(ip),
    }
}

fn v4_kind(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    let kind = if ip.is_loopback() {
        "loopback"
    } else if ip.is_private() {
        "private"
    } else if a == 100 && (64..128).contains(&b) {
        "shared (CGNAT)"
    } else if ip.is_link_local() {
        "link-local"
    } else if a == 0 {
        "unspecified"
    } else if ip.is_multicast() {
        "multicast"
    } else if a >= 240 {
        "reserved"
    } else if ip.is_documentation() || (a == 198 && (b == 18 || b == 19)) {
        "documentation or benchmarking"
    } else if a == 192 && b == 0 && c == 0 {
        "protocol-assignment"
    } else {
        return None;
    };
    Some(kind)
}

fn v6_kind(ip: Ipv6Addr) -> Option<&'static str> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return v4_kind(v4);
    }
    let segments = ip.segments();
    let kind = if ip.is_loopback() {
        "loopback"
    } else if ip.is_unspecified() {
        "unspecified"
    } else if segments[0] & 0xfe00 == 0xfc00 {
        "unique local (ULA)"
    } else if segments[0] & 0xffc0 == 0xfe80 || segments[0] & 0xffc0 == 0xfec0 {
        "link-local"
    } else if ip.is_multicast() {
        "multicast"
    } else if segments[0] == 0x2001 && segments[1] == 0x0db8 {
        "documentation"
    } else if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] || segments[0] == 0x2002 {
        // NAT64 and 6to4 carry an IPv4 address: judged by it.
        let embedded = if segments[0] == 0x2002 {
            [segments[1], segments[2]]
        } else {
            [segments[6], segments[7]]
        };
        let v4 = Ipv4Addr::from((u32::from(embedded[0]) << 16) | u32::from(embedded[1]));
        return v4_kind(v4);
    } else if segments[..6] == [0; 6] {
        "IPv4-compatible"
    } else {
        return None;
    };
    Some(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_globally_routable_addresses_are_public() {
        for blocked in [
            "127.0.0.1",
            "127.9.3.1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "100.64.0.1",
            "100.127.255.1",
            "169.254.169.254",
            "0.0.0.0",
            "0.1.2.3",
            "224.0.0.1",
            "255.255.255.255",
            "240.0.0.1",
            "192.0.2.1",
            "198.51.100.7",
            "203.0.113.9",
            "198.18.0.1",
            "192.0.0.8",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::7f00:1",
            "2002:7f00:1::",
            "::127.0.0.1",
        ] {
            let ip: IpAddr = blocked.parse().unwrap();
            assert!(non_public_kind(ip).is_some(), "{blocked} counts as public");
            assert!(Reach::Public.check(ip).is_err(), "{blocked}");
            assert!(Reach::Private.check(ip).is_ok(), "{blocked}");
        }
        for public in [
            "1.1.1.1",
            "8.8.8.8",
            "100.63.255.255",
            "100.128.0.1",
            "172.32.0.1",
            "193.0.2.1",
            "2a00:1450::1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            let ip: IpAddr = public.parse().unwrap();
            assert_eq!(non_public_kind(ip), None, "{public}");
        }
    }

    #[tokio::test]
    async fn an_ip_literal_or_a_name_that_resolves_to_loopback_is_refused_without_connecting() {
        let outbound = Outbound::new(Reach::Public, Duration::from_secs(1), None);
        let error = outbound
            .request(reqwest::Method::GET, "http://127.0.0.1:9/info")
            .unwrap_err();
        assert!(
            matches!(
                error,
                Refused::Forbidden(Forbidden {
                    kind: "loopback",
                    ..
                })
            ),
            "{error}"
        );
        assert!(
            outbound
                .request(reqwest::Method::GET, "http://[::1]:9/info")
                .is_err()
        );
        let request = outbound
            .request(reqwest::Method::GET, "http://localhost:9/info")
            .expect("a name is checked when it is resolved");
        let error = request.send().await.unwrap_err();
        let forbidden = Forbidden::in_chain(&error).expect("refused as forbidden");
        assert!(forbidden.ip.is_loopback(), "{forbidden}");
        let private = Outbound::new(Reach::Private, Duration::from_secs(1), None);
        assert!(
            private
                .request(reqwest::Method::GET, "http://127.0.0.1:9/info")
                .is_ok()
        );
    }
}
