//! The node's view of the network: itself plus the peers it learned from the bootstrap URLs.
//!
//! A refresh re-reads the network file (the devnet may rewrite its `bootstrap` list after the
//! node started) and asks each bootstrap URL for `GET /info`. Refreshes run every
//! [`REFRESH_INTERVAL`] in the background and on demand (a `/peers` asked while only the node
//! itself is known, a PUT quoted by an unknown issuer), never more than once per
//! [`MIN_REFRESH_GAP`]: callers that arrive together share one refresh. A PUT's refresh is
//! rate-limited further ([`Peers::refresh_on_demand`]): at most one per [`ON_DEMAND_GAP`],
//! and other callers are refused at once rather than made to wait.
//!
//! Invariants:
//! - the node always knows itself;
//! - a peer is learned only from its own `/info`, and only if its id is the one derived from
//!   its rewards address, so no node can claim a place on the ring it does not own;
//! - peers are keyed by the URL they were asked at: a node restarted with a new key replaces
//!   its old entry; a peer that stops answering is kept (its place in close groups stays).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{PoisonError, RwLock};
use std::time::{Duration, Instant};

use futures::StreamExt;
use tokio_util::sync::CancellationToken;

use crate::wire::network::{NetworkConfig, NodeInfo, by_distance};
use crate::wire::signed::node_id;
use crate::wire::types::{ChunkAddress, NodeId};

/// How often peers are refreshed in the background.
pub const REFRESH_INTERVAL: Duration = Duration::from_secs(10);
/// The shortest time between two refreshes.
pub const MIN_REFRESH_GAP: Duration = Duration::from_secs(1);
/// The shortest time between two refreshes asked for by PUTs (unknown quote issuers).
pub const ON_DEMAND_GAP: Duration = Duration::from_secs(5);
const PARALLEL_QUERIES: usize = 16;
/// How long a peer has to accept a connection, and to answer `/info`.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const INFO_TIMEOUT: Duration = Duration::from_secs(3);
/// The largest `/info` answer read from a peer.
const MAX_INFO_BYTES: usize = 16 * 1024;

/// Why a peer's `/info` was not learned.
#[derive(Debug, thiserror::Error)]
enum ProbeError {
    /// No connection or no answer in time.
    #[error("no answer")]
    Unreachable(#[source] reqwest::Error),
    /// An error status.
    #[error("answered {0}")]
    Status(reqwest::StatusCode),
    /// Longer than [`MAX_INFO_BYTES`].
    #[error("answered more than {MAX_INFO_BYTES} bytes")]
    TooLarge,
    /// Not a node's info.
    #[error("answered something that is not a node's info")]
    BadAnswer(#[source] serde_json::Error),
}

/// Asks `url` for its `/info`, within [`INFO_TIMEOUT`] and [`MAX_INFO_BYTES`].
async fn probe(http: &reqwest::Client, url: &str) -> Result<NodeInfo, ProbeError> {
    let mut response = http
        .get(format!("{}/info", url.trim_end_matches('/')))
        .timeout(INFO_TIMEOUT)
        .send()
        .await
        .map_err(ProbeError::Unreachable)?;
    if !response.status().is_success() {
        return Err(ProbeError::Status(response.status()));
    }
    let mut body = Vec::new();
    while let Some(piece) = response.chunk().await.map_err(ProbeError::Unreachable)? {
        if body.len() + piece.len() > MAX_INFO_BYTES {
            return Err(ProbeError::TooLarge);
        }
        body.extend_from_slice(&piece);
    }
    serde_json::from_slice(&body).map_err(ProbeError::BadAnswer)
}

/// Where a node stands relative to a chunk in this node's view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership {
    /// Among the chunk's K closest known nodes.
    Close,
    /// Known, but not among the K closest.
    NotClose,
    /// Not a node this node knows.
    Unknown,
}

/// Whether `node` is among the `k` nodes of `nodes` closest to `chunk`.
pub fn membership(nodes: &[NodeInfo], chunk: &ChunkAddress, node: &NodeId, k: usize) -> Membership {
    match by_distance(chunk, nodes).iter().position(|n| n.id == *node) {
        Some(rank) if rank < k => Membership::Close,
        Some(_) => Membership::NotClose,
        None => Membership::Unknown,
    }
}

/// The peers a node knows, itself included.
#[derive(Debug)]
pub struct Peers {
    me: NodeInfo,
    network_file: PathBuf,
    http: reqwest::Client,
    known: RwLock<HashMap<String, NodeInfo>>,
    last_refresh: tokio::sync::Mutex<Option<Instant>>,
    last_on_demand: std::sync::Mutex<Option<Instant>>,
}

impl Peers {
    /// A view holding only `me`, refreshed from the bootstrap list in `network_file`.
    pub fn new(me: NodeInfo, network_file: PathBuf) -> Self {
        Self {
            me,
            network_file,
            http: reqwest::Client::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .build()
                .expect("the HTTP client builds"),
            known: RwLock::new(HashMap::new()),
            last_refresh: tokio::sync::Mutex::new(None),
            last_on_demand: std::sync::Mutex::new(None),
        }
    }

    /// This node.
    pub fn me(&self) -> &NodeInfo {
        &self.me
    }

    /// Every known node, this one first, then the others ordered by id; one entry per id.
    pub fn all(&self) -> Vec<NodeInfo> {
        let known = self.known.read().unwrap_or_else(PoisonError::into_inner);
        let mut others: Vec<NodeInfo> = known
            .values()
            .filter(|peer| peer.id != self.me.id)
            .cloned()
            .collect();
        others.sort_by(|a, b| (a.id, &a.url).cmp(&(b.id, &b.url)));
        others.dedup_by_key(|peer| peer.id);
        let mut all = Vec::with_capacity(others.len() + 1);
        all.push(self.me.clone());
        all.extend(others);
        all
    }

    /// True while no other node is known.
    pub fn knows_only_itself(&self) -> bool {
        self.all().len() == 1
    }

    /// Where `node` stands among the `k` known nodes closest to `chunk`.
    pub fn membership(&self, chunk: &ChunkAddress, node: &NodeId, k: usize) -> Membership {
        membership(&self.all(), chunk, node, k)
    }

    /// Re-reads the bootstrap list and asks each URL for its `/info`. Failures are logged and
    /// leave the view as it was.
    ///
    /// When this returns, the view includes a refresh that began after the call did: either
    /// this call ran one (and returns `true`), or it waited for a concurrent caller's. A refresh
    /// starts no sooner than [`MIN_REFRESH_GAP`] after the previous one, so an early caller
    /// waits for the gap instead of being refused a fresh view.
    pub async fn refresh(&self) -> bool {
        let requested = Instant::now();
        let mut last = self.last_refresh.lock().await;
        if let Some(previous) = *last {
            if previous >= requested {
                return false;
            }
            let since = previous.elapsed();
            if since < MIN_REFRESH_GAP {
                tokio::time::sleep(MIN_REFRESH_GAP - since).await;
            }
        }
        let started = Instant::now();
        let urls: Vec<String> = self
            .bootstrap()
            .await
            .into_iter()
            .filter(|url| url.trim_end_matches('/') != self.me.url)
            .collect();
        let answers: Vec<_> = futures::stream::iter(urls)
            .map(|url| async move {
                let answer = probe(&self.http, &url).await;
                (url, answer)
            })
            .buffer_unordered(PARALLEL_QUERIES)
            .collect()
            .await;
        self.learn(answers);
        *last = Some(started);
        true
    }

    /// A refresh for a request that met an unknown node, at most one per [`ON_DEMAND_GAP`]:
    /// returns `false` at once, without refreshing, when one was asked for more recently.
    pub async fn refresh_on_demand(&self) -> bool {
        {
            let mut last = self
                .last_on_demand
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if last.is_some_and(|previous| previous.elapsed() < ON_DEMAND_GAP) {
                return false;
            }
            *last = Some(Instant::now());
        }
        self.refresh().await;
        true
    }

    /// Refreshes every [`REFRESH_INTERVAL`] (the first at once) until `shutdown` is cancelled.
    pub async fn refresh_until(&self, shutdown: CancellationToken) {
        let mut ticks = tokio::time::interval(REFRESH_INTERVAL);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = ticks.tick() => {
                    self.refresh().await;
                }
            }
        }
    }

    async fn bootstrap(&self) -> Vec<String> {
        let path = self.network_file.clone();
        match tokio::task::spawn_blocking(move || NetworkConfig::load(&path)).await {
            Ok(Ok(network)) => network.bootstrap,
            Ok(Err(error)) => {
                tracing::warn!(%error, "cannot re-read the network file; keeping the known peers");
                Vec::new()
            }
            Err(error) => {
                tracing::error!(%error, "reading the network file panicked");
                Vec::new()
            }
        }
    }

    fn learn(&self, answers: Vec<(String, Result<NodeInfo, ProbeError>)>) {
        let mut known = self.known.write().unwrap_or_else(PoisonError::into_inner);
        for (url, answer) in answers {
            match answer {
                Ok(info) if info.id != node_id(&info.rewards) => {
                    tracing::warn!(%url, id = %info.id, "ignoring a peer whose id is not its rewards address's");
                }
                Ok(info) => {
                    let key = url.trim_end_matches('/').to_owned();
                    if known.get(&key) != Some(&info) {
                        tracing::info!(%url, id = %info.id, "learned peer");
                        known.insert(key, info);
                    }
                }
                Err(error) => tracing::debug!(%url, %error, "bootstrap node did not answer"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::Address;

    fn node(byte: u8) -> NodeInfo {
        let rewards = Address::repeat_byte(byte);
        NodeInfo {
            id: node_id(&rewards),
            url: format!("http://127.0.0.1:{}", 9000 + byte as u16),
            rewards,
        }
    }

    #[test]
    fn only_the_k_closest_known_nodes_are_in_a_chunks_close_group() {
        let nodes: Vec<NodeInfo> = (1..=10).map(node).collect();
        let chunk = ChunkAddress::of(b"some chunk");
        let order = by_distance(&chunk, &nodes);
        let (closest, fourth) = (order[0].id, order[3].id);
        assert_eq!(membership(&nodes, &chunk, &closest, 3), Membership::Close);
        assert_eq!(
            membership(&nodes, &chunk, &order[2].id, 3),
            Membership::Close
        );
        assert_eq!(membership(&nodes, &chunk, &fourth, 3), Membership::NotClose);
        assert_eq!(membership(&nodes, &chunk, &fourth, 7), Membership::Close);
        assert_eq!(
            membership(&nodes, &chunk, &node(99).id, 7),
            Membership::Unknown
        );
    }

    #[test]
    fn a_small_network_puts_every_node_in_every_close_group() {
        let nodes: Vec<NodeInfo> = (1..=3).map(node).collect();
        for text in ["a", "b", "c", "d"] {
            let chunk = ChunkAddress::of(text.as_bytes());
            for n in &nodes {
                assert_eq!(membership(&nodes, &chunk, &n.id, 7), Membership::Close);
            }
        }
    }

    #[test]
    fn peers_learned_from_their_own_info_join_the_view_and_forgers_do_not() {
        let peers = Peers::new(node(1), PathBuf::from("/nonexistent"));
        assert!(peers.knows_only_itself());
        let mut forger = node(3);
        forger.id = NodeId([0; 32]);
        peers.learn(vec![
            (node(2).url, Ok(node(2))),
            (forger.url.clone(), Ok(forger)),
            (node(1).url, Ok(node(1))),
        ]);
        let ids: Vec<NodeId> = peers.all().iter().map(|n| n.id).collect();
        assert_eq!(ids, vec![node(1).id, node(2).id]);
        let chunk = ChunkAddress::of(b"x");
        assert_eq!(peers.membership(&chunk, &node(2).id, 7), Membership::Close);
        assert_eq!(
            peers.membership(&chunk, &node(3).id, 7),
            Membership::Unknown
        );
    }

    #[tokio::test]
    async fn refreshes_are_spaced_coalesced_and_survive_a_missing_network_file() {
        let peers = Peers::new(node(1), PathBuf::from("/nonexistent/network.json"));
        assert!(peers.refresh().await);
        let first = peers.last_refresh.lock().await.expect("refreshed");
        let concurrent = futures::future::join_all((0..5).map(|_| peers.refresh())).await;
        let ran = concurrent.iter().filter(|ran| **ran).count();
        assert!(
            (1..=2).contains(&ran),
            "{ran} refreshes for 5 concurrent callers"
        );
        let latest = peers.last_refresh.lock().await.expect("refreshed");
        assert!(latest - first >= MIN_REFRESH_GAP);
        assert!(peers.knows_only_itself());
    }

    #[tokio::test]
    async fn on_demand_refreshes_are_rate_limited_and_refused_at_once() {
        let peers = Peers::new(node(1), PathBuf::from("/nonexistent/network.json"));
        assert!(peers.refresh_on_demand().await);
        let started = Instant::now();
        assert!(!peers.refresh_on_demand().await);
        assert!(
            started.elapsed() < MIN_REFRESH_GAP,
            "a refused caller does not wait"
        );
    }
}
