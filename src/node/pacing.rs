//! Pacing the chunk GETs other nodes send: a node serves chunks to clients at full speed, but
//! to a known peer (a GET whose source IP is the IP in some peer's URL) only
//! [`PEER_GETS_PER_SECOND`] a second per source network prefix (the network file's
//! [`Diversity`] rule: /24 for IPv4, /48 for IPv6 by default),
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
use crate::wire::network::{Diversity, NetPrefix, NodeInfo};

/// Chunk GETs answered per second to the known peers of one network prefix.
pub const PEER_GETS_PER_SECOND: u32 = 2;
/// The longest a peer prefix's GETs may queue before more are refused at once.
pub const MAX_PEER_QUEUE: Duration = Duration::from_secs(10);
/// Prefixes remembered before those whose turn has passed are forgotten.
const PREFIXES_KEPT: usize = 4096;

/// A peer GET refused because its prefix already has [`MAX_PEER_QUEUE`] of GETs waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "too many chunk GETs from the nodes of the network of {0}: nodes are served at most 2 chunks a second per /24 (/48)"
)]
pub struct PeerQueueFull(pub IpAddr);

/// The per-prefix turns of peers' chunk GETs.
#[derive(Debug, Default)]
pub(crate) struct PeerPacing {
    /// Each prefix's next free turn.
    next_turn: Mutex<HashMap<NetPrefix, Instant>>,
}

impl PeerPacing {
    /// Waits until a chunk GET from `source` may be answered: at once for a client; for the
    /// IP of one of `peers`, its prefix's (under `diversity`) next turn plus
    /// [`PEER_GET_DELAY`].
    pub(crate) async fn wait(
        &self,
        source: IpAddr,
        peers: &[NodeInfo],
        diversity: &Diversity,
    ) -> Result<(), PeerQueueFull> {
        let source = source.to_canonical();
        if !peers.iter().any(|peer| url_ip(&peer.url) == Some(source)) {
            return Ok(());
        }
        let prefix = NetPrefix::of(source, diversity.ipv4_prefix, diversity.ipv6_prefix);
        let turn = self
            .take_turn(prefix, Instant::now())
            .ok_or(PeerQueueFull(source))?;
        tokio::time::sleep_until(turn + PEER_GET_DELAY).await;
        Ok(())
    }

    /// Books the next turn of `prefix` at or after `now`; `None` when its queue is full.
    fn take_turn(&self, prefix: NetPrefix, now: Instant) -> Option<Instant> {
        let spacing = Duration::from_secs(1) / PEER_GETS_PER_SECOND;
        let mut turns = self
            .next_turn
            .lock()
            .expect("the pacing table is never poisoned");
        if turns.len() >= PREFIXES_KEPT {
            turns.retain(|_, next| *next > now);
        }
        let next = turns.entry(prefix).or_insert(now);
        let turn = (*next).max(now);
        if turn > now + MAX_PEER_QUEUE {
            return None;
        }
        *next = turn + spacing;
        Some(turn)
    }
}

/// The IP literal in a node URL's host (`None` for a DNS name).
pub fn url_ip(url: &str) -> Option<IpAddr> {
    let parsed = reqwest::Url::parse(url).ok()?;
    let host = parsed.host_str()?;
    let literal = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
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
    fn urls_give_their_ip() {
        assert_eq!(
            url_ip("http://127.0.4.1:9000"),
            Some("127.0.4.1".parse().unwrap())
        );
        assert_eq!(url_ip("http://[::1]:80"), Some("::1".parse().unwrap()));
        assert_eq!(url_ip("https://node.example.org"), None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_peer_waits_its_turn_and_the_delay_and_a_client_never_waits() {
        let pacing = PeerPacing::default();
        let diversity = Diversity::default();
        let peers = [node("http://127.0.5.1:7000")];
        let started = Instant::now();
        let client = "127.0.0.1".parse().unwrap();
        pacing.wait(client, &peers, &diversity).await.unwrap();
        assert_eq!(started.elapsed(), Duration::ZERO, "a client is not paced");
        let peer = "127.0.5.1".parse().unwrap();
        pacing.wait(peer, &peers, &diversity).await.unwrap();
        assert_eq!(started.elapsed(), PEER_GET_DELAY);
        let now = Instant::now();
        let prefix = |ip: &str| NetPrefix::of(ip.parse().unwrap(), 24, 48);
        let turns: Vec<Instant> = (0..4)
            .map(|_| pacing.take_turn(prefix("127.0.5.77"), now).unwrap())
            .collect();
        let spacing = Duration::from_millis(500);
        assert_eq!(turns[1] - turns[0], spacing);
        assert_eq!(turns[3] - turns[0], 3 * spacing);
        let far = (0..40)
            .map(|_| pacing.take_turn(prefix("127.0.6.9"), now))
            .find(Option::is_none);
        assert!(
            far.is_some(),
            "a queue longer than {MAX_PEER_QUEUE:?} is refused"
        );
    }
}
