//! Pacing the chunk GETs other nodes send: a node serves chunks to clients at full speed, but
//! to a known peer (a GET whose source IP is the IP in some peer's URL) only
//! [`PEER_GETS_PER_SECOND`] a second per source network prefix (/24 for IPv4, /48 for IPv6),
//! and each answer only after [`PEER_GET_DELAY`], longer than any audit deadline. Honest nodes
//! never GET chunks from each other (they forward their own copies), so this costs them
//! nothing; a node that keeps nothing and fetches a chunk from its peers when challenged
//! always answers too late to count.
//!
//! Invariants: a client's GET (any other source IP) is never delayed; a peer's GET waits for
//! its turn in its prefix's queue and then [`PEER_GET_DELAY`], holding no transfer slot
//! meanwhile; a prefix's queue is at most [`MAX_PEER_QUEUE`] long (beyond, the GET is refused
//! at once), and the table of prefixes is bounded by forgetting those whose turn has passed.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::wire::challenge::PEER_GET_DELAY;
use crate::wire::network::NodeInfo;

/// Chunk GETs answered per second to the known peers of one network prefix.
pub const PEER_GETS_PER_SECOND: u32 = 2;
/// The longest a peer prefix's GETs may queue before more are refused at once.
pub const MAX_PEER_QUEUE: Duration = Duration::from_secs(10);
/// Prefixes remembered before those whose turn has passed are forgotten.
const PREFIXES_KEPT: usize = 4096;

/// A peer GET refused because its prefix already has [`MAX_PEER_QUEUE`] of GETs waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "too many chunk GETs from the nodes of network {0}: nodes are served at most 2 chunks a second per /24 (/48)"
)]
pub struct PeerQueueFull(pub IpAddr);

/// The per-prefix turns of peers' chunk GETs.
#[derive(Debug, Default)]
pub(crate) struct PeerPacing {
    /// Each prefix's next free turn.
    next_turn: Mutex<HashMap<IpAddr, Instant>>,
}

impl PeerPacing {
    /// Waits until a chunk GET from `source` may be answered: at once for a client; for the
    /// IP of one of `peers`, its prefix's next turn plus [`PEER_GET_DELAY`].
    pub(crate) async fn wait(&self, source: IpAddr, peers: &[NodeInfo]) -> Result<(), PeerQueueFull> {
        let source = source.to_canonical();
        if !peers.iter().any(|peer| url_ip(&peer.url) == Some(source)) {
            return Ok(());
        }
        let turn = self.take_turn(prefix(source), Instant::now())?;
        tokio::time::sleep_until(turn + PEER_GET_DELAY).await;
        Ok(())
    }

    /// Books the next turn of `prefix` at or after `now`.
    fn take_turn(&self, prefix: IpAddr, now: Instant) -> Result<Instant, PeerQueueFull> {
        let spacing = Duration::from_secs(1) / PEER_GETS_PER_SECOND;
        let mut turns = self.next_turn.lock().expect("the pacing table is never poisoned");
        if turns.len() >= PREFIXES_KEPT {
            turns.retain(|_, next| *next > now);
        }
        let next = turns.entry(prefix).or_insert(now);
        let turn = (*next).max(now);
        if turn > now + MAX_PEER_QUEUE {
            return Err(PeerQueueFull(prefix));
        }
        *next = turn + spacing;
        Ok(turn)
    }
}

/// The network prefix an address counts under: its /24 (IPv4) or /48 (IPv6).
pub fn prefix(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V4(v4) => IpAddr::from(u32::from(v4) & 0xffff_ff00),
        IpAddr::V6(v6) => IpAddr::from(u128::from(v6) & !((1u128 << 80) - 1)),
    }
}

/// The IP literal in a node URL's host (`None` for a DNS name).
pub fn url_ip(url: &str) -> Option<IpAddr> {
    let parsed = reqwest::Url::parse(url).ok()?;
    let host = parsed.host_str()?;
    let literal = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    literal.parse::<IpAddr>().ok().map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(url: &str) -> NodeInfo {
        NodeInfo {
            id: crate::wire::types::NodeId([1; 32]),
            url: url.into(),
            rewards: alloy::primitives::Address::ZERO,
        }
    }

    #[test]
    fn prefixes_are_a_slash_24_and_a_slash_48_and_urls_give_their_ip() {
        assert_eq!(
            prefix("127.0.3.77".parse().unwrap()),
            "127.0.3.0".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            prefix("2001:db8:1:2:3::9".parse().unwrap()),
            "2001:db8:1::".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            prefix("::ffff:10.1.2.3".parse().unwrap()),
            "10.1.2.0".parse::<IpAddr>().unwrap()
        );
        assert_eq!(url_ip("http://127.0.4.1:9000"), Some("127.0.4.1".parse().unwrap()));
        assert_eq!(url_ip("http://[::1]:80"), Some("::1".parse().unwrap()));
        assert_eq!(url_ip("https://node.example.org"), None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_peer_waits_its_turn_and_the_delay_and_a_client_never_waits() {
        let pacing = PeerPacing::default();
        let peers = [node("http://127.0.5.1:7000")];
        let started = Instant::now();
        pacing.wait("127.0.0.1".parse().unwrap(), &peers).await.unwrap();
        assert_eq!(started.elapsed(), Duration::ZERO, "a client is not paced");
        pacing.wait("127.0.5.1".parse().unwrap(), &peers).await.unwrap();
        assert_eq!(started.elapsed(), PEER_GET_DELAY);
        let now = Instant::now();
        let turns: Vec<Instant> = (0..4)
            .map(|_| pacing.take_turn(prefix("127.0.5.1".parse().unwrap()), now).unwrap())
            .collect();
        let spacing = Duration::from_millis(500);
        assert_eq!(turns[1] - turns[0], spacing);
        assert_eq!(turns[3] - turns[0], 3 * spacing);
        let far = (0..40)
            .map(|_| pacing.take_turn(prefix("127.0.5.9".parse().unwrap()), now))
            .find(Result::is_err);
        assert!(far.is_some(), "a queue longer than {MAX_PEER_QUEUE:?} is refused");
    }
}
