//! Limits per network prefix on what the peer view takes in: one operator holds addresses in
//! few prefixes, so counting by prefix bounds what many identities from one place can do.
//!
//! A prefix is the network's [`Diversity`] prefix (by default the /24 of an IPv4 address or
//! the /48 of an IPv6 one), the same one close groups count ([`prefix_of`]).
//! Invariants:
//! - at most [`ADMISSIONS_PER_PREFIX`] announced URLs in one prefix are probed per
//!   [`ADMISSION_WINDOW`] (a fixed window per prefix), so announcements cannot make a node
//!   probe without end;
//! - at most [`PEERS_PER_PREFIX`] peers of one prefix are in the peer table; the ones there
//!   first stay, later ones are not learned while it is full. The network file's bootstrap
//!   URLs neither count nor are refused (the operator chose them).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::wire::network::{Diversity, NetPrefix};

/// Announced URLs of one prefix probed per [`ADMISSION_WINDOW`].
pub const ADMISSIONS_PER_PREFIX: u32 = 16;
/// The window [`ADMISSIONS_PER_PREFIX`] counts over.
pub const ADMISSION_WINDOW: Duration = Duration::from_secs(60);
/// Peers of one prefix in the peer table.
pub const PEERS_PER_PREFIX: usize = 16;
/// Prefixes whose admissions are counted at once; older windows are forgotten beyond it.
const MAX_COUNTED_PREFIXES: usize = 4096;

/// The prefix `ip` is in under the network's `diversity` rule (an IPv4-mapped IPv6 address
/// counts as its IPv4 address).
pub(crate) fn prefix_of(ip: IpAddr, diversity: &Diversity) -> NetPrefix {
    NetPrefix::of(ip, diversity.ipv4_prefix, diversity.ipv6_prefix)
}

/// The prefix of `url`'s host: its IP's, or that of the first address its name resolves to
/// (a name is where the node is, for what the table takes in); `None` when it has no host or
/// the name does not resolve.
pub(crate) async fn prefix_of_url(url: &str, diversity: &Diversity) -> Option<NetPrefix> {
    let parsed = reqwest::Url::parse(url).ok()?;
    let host = parsed.host_str()?;
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = literal.parse::<IpAddr>() {
        return Some(prefix_of(ip, diversity));
    }
    let port = parsed.port_or_known_default().unwrap_or(80);
    let mut addresses = tokio::net::lookup_host((host, port)).await.ok()?;
    addresses
        .next()
        .map(|address| prefix_of(address.ip(), diversity))
}

/// Announced URLs probed per prefix in the current window.
#[derive(Debug, Default)]
pub(crate) struct AdmissionWindows {
    windows: Mutex<HashMap<NetPrefix, (Instant, u32)>>,
}

impl AdmissionWindows {
    /// Counts one probe of an announced URL in `prefix` at `now`; `false` (nothing counted)
    /// when the prefix has had [`ADMISSIONS_PER_PREFIX`] in its window already.
    pub(crate) fn take(&self, prefix: NetPrefix, now: Instant) -> bool {
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        if windows.len() >= MAX_COUNTED_PREFIXES {
            windows
                .retain(|_, (start, _)| now.saturating_duration_since(*start) < ADMISSION_WINDOW);
        }
        let (start, count) = windows.entry(prefix).or_insert((now, 0));
        if now.saturating_duration_since(*start) >= ADMISSION_WINDOW {
            (*start, *count) = (now, 0);
        }
        if *count >= ADMISSIONS_PER_PREFIX {
            return false;
        }
        *count += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn prefix(text: &str) -> NetPrefix {
        prefix_of(ip(text), &Diversity::default())
    }

    #[test]
    fn a_prefix_is_the_networks_diversity_prefix() {
        assert_eq!(prefix("203.0.113.7"), prefix("203.0.113.200"));
        assert_ne!(prefix("203.0.113.7"), prefix("203.0.114.7"));
        assert_eq!(prefix("::ffff:203.0.113.7"), prefix("203.0.113.1"));
        assert_eq!(prefix("2001:db8:aa:1::1"), prefix("2001:db8:aa:ffff::2"));
        assert_ne!(prefix("2001:db8:aa::1"), prefix("2001:db8:ab::1"));
        let wide = Diversity {
            ipv4_prefix: 16,
            ipv6_prefix: 32,
        };
        assert_eq!(
            prefix_of(ip("203.0.113.7"), &wide),
            prefix_of(ip("203.0.9.7"), &wide)
        );
    }

    #[tokio::test]
    async fn a_urls_prefix_is_its_hosts() {
        let diversity = Diversity::default();
        assert_eq!(
            prefix_of_url("http://127.0.9.3:80", &diversity).await,
            Some(prefix("127.0.9.1"))
        );
        assert_eq!(
            prefix_of_url("http://[2001:db8:aa::1]:80", &diversity).await,
            Some(prefix("2001:db8:aa::2"))
        );
        assert_eq!(prefix_of_url("not a url", &diversity).await, None);
    }

    #[test]
    fn admissions_are_counted_per_prefix_per_window() {
        let windows = AdmissionWindows::default();
        let (a, b) = (prefix("10.0.0.1"), prefix("10.0.1.1"));
        let now = Instant::now();
        let taken = (0..100).take_while(|_| windows.take(a, now)).count();
        assert_eq!(taken, ADMISSIONS_PER_PREFIX as usize);
        assert!(windows.take(b, now), "another prefix has its own window");
        assert!(!windows.take(a, now + ADMISSION_WINDOW / 2));
        assert!(windows.take(a, now + ADMISSION_WINDOW), "a new window");
    }
}
