//! The node's view of the network: itself plus the peers it learned and when each last
//! answered.
//!
//! A refresh re-reads the network file (the devnet may rewrite its `bootstrap` list after the
//! node started), asks every bootstrap URL and every remembered peer for `GET /info`, then asks
//! the bootstrap nodes for their `/peers` and confirms each new entry with its own `/info`, so
//! a node that joined anywhere spreads to every node within a refresh or two. Refreshes run
//! every [`REFRESH_INTERVAL`] in the background, each followed by a signed announcement of this
//! node to the bootstrap nodes, and on demand (a `/peers` asked while only the node itself is
//! known, a PUT quoted by an unknown issuer), never more than once per [`MIN_REFRESH_GAP`]:
//! callers that arrive together share one refresh. A PUT's refresh is rate-limited further
//! ([`Peers::refresh_on_demand`]): at most one per [`ON_DEMAND_GAP`], and other callers are
//! refused at once rather than made to wait.
//!
//! Invariants:
//! - the node always knows itself;
//! - a peer is learned only from its own `/info` (an announcement or another node's `/peers`
//!   only says where to ask), and only if the vault's registry lists its rewards address as an
//!   active node at that id ([`Registry::admits`]), so no node can claim a place on the ring it
//!   does not own, and a key nobody staked for is no peer; a peer whose registration ends
//!   leaves the view at the next registry read;
//! - close groups take at most one node per network prefix ([`Diversity`]), as clients do;
//! - peers are keyed by the URL they were asked at: a node restarted with a new key replaces
//!   its old entry;
//! - a peer that has not answered for [`PEER_EXPIRY`] ages out of the view ([`Peers::all`]:
//!   `/peers`, forwarding), but is remembered for [`PEER_MEMORY`], the life of its quotes, so a
//!   proof carrying its quote still finds it in the close group ([`Peers::view_for`]), and
//!   it comes back as soon as it answers again.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use alloy::signers::local::PrivateKeySigner;
use futures::StreamExt;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::node::gossip::{self, CONNECT_TIMEOUT, ProbeError};
use crate::wire::announce::Announcement;
use crate::wire::network::{Diversity, NetworkConfig, NodeInfo, node_url};
use crate::wire::registry::Registry;
use crate::wire::signed::{Freshness, unix_now};
use crate::wire::types::{ChunkAddress, NodeId};

/// How often peers are refreshed (and this node announced) in the background.
pub const REFRESH_INTERVAL: Duration = Duration::from_secs(10);
/// The shortest time between two refreshes.
pub const MIN_REFRESH_GAP: Duration = Duration::from_secs(1);
/// The shortest time between two refreshes asked for by PUTs (unknown quote issuers).
pub const ON_DEMAND_GAP: Duration = Duration::from_secs(5);
/// A peer that has not answered for this long leaves the view.
pub const PEER_EXPIRY: Duration = Duration::from_secs(30);
/// How long a peer that left the view is remembered for close-group membership: as long as
/// its quotes are valid.
pub const PEER_MEMORY: Duration = Freshness::NODE.max_age;
const PARALLEL_QUERIES: usize = 16;
/// The most new peers one refresh confirms from the bootstrap nodes' `/peers`.
const MAX_NEW_PER_REFRESH: usize = 64;
/// The most peers remembered; the longest silent are forgotten first.
const MAX_PEERS: usize = 4096;
/// Announcements checked at once (each asks the announced URL for its `/info`).
const PARALLEL_ADMISSIONS: usize = 4;

/// Why an announced node was not added to the view.
#[derive(Debug, thiserror::Error)]
pub enum AdmitError {
    /// Too many announcements are being checked already.
    #[error("too many announcements are being checked; announce again in a few seconds")]
    Busy,
    /// The announced URL did not answer `/info`.
    #[error("the announced URL {url} did not answer /info: {reason}")]
    Unreachable {
        /// The URL.
        url: String,
        /// What went wrong (reported only).
        reason: String,
    },
    /// The node at the URL is not the one announced.
    #[error("the node at {url} says it is {answered}, not the announced {announced}")]
    Mismatch {
        /// The URL.
        url: String,
        /// The id it answered with.
        answered: NodeId,
        /// The id announced.
        announced: NodeId,
    },
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

/// Whether `node` is among the `k` nodes of `nodes` closest to `chunk`, one per prefix.
pub fn membership(
    diversity: &Diversity,
    nodes: &[NodeInfo],
    chunk: &ChunkAddress,
    node: &NodeId,
    k: usize,
) -> Membership {
    if !nodes.iter().any(|n| n.id == *node) {
        return Membership::Unknown;
    }
    if diversity
        .close_group(chunk, nodes, k)
        .iter()
        .any(|n| n.id == *node)
    {
        Membership::Close
    } else {
        Membership::NotClose
    }
}

/// A peer and when it last answered.
#[derive(Debug, Clone)]
struct Known {
    info: NodeInfo,
    last_seen: Instant,
}

/// The peers a node knows, itself included.
#[derive(Debug)]
pub struct Peers {
    me: NodeInfo,
    /// The node's key, to sign announcements with; `None` for a node that does not announce.
    signer: Option<PrivateKeySigner>,
    network_file: PathBuf,
    http: reqwest::Client,
    known: RwLock<HashMap<String, Known>>,
    registry: RwLock<Arc<Registry>>,
    diversity: Diversity,
    last_refresh: tokio::sync::Mutex<Option<Instant>>,
    last_on_demand: std::sync::Mutex<Option<Instant>>,
    admissions: Semaphore,
}

/// The normal form of a URL from the network file or a peer (unchanged when it is not a
/// plain node URL, so it is still asked, and fails on its own).
fn normal(url: &str) -> String {
    node_url(url).unwrap_or_else(|_| url.trim_end_matches('/').to_owned())
}

impl Peers {
    /// A view holding only `me`, refreshed from the bootstrap list in `network_file`; with
    /// `signer` (`me`'s key), `me` is announced to the bootstrap nodes after each refresh.
    /// Peers count only as `registry` (kept current with [`Peers::set_registry`]) admits them,
    /// and close groups follow `diversity`.
    pub fn new(
        me: NodeInfo,
        signer: Option<PrivateKeySigner>,
        network_file: PathBuf,
        registry: Registry,
        diversity: Diversity,
    ) -> Self {
        Self {
            registry: RwLock::new(Arc::new(registry)),
            diversity,
            me,
            signer,
            network_file,
            http: reqwest::Client::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .build()
                .expect("the HTTP client builds"),
            known: RwLock::new(HashMap::new()),
            last_refresh: tokio::sync::Mutex::new(None),
            last_on_demand: std::sync::Mutex::new(None),
            admissions: Semaphore::new(PARALLEL_ADMISSIONS),
        }
    }

    /// This node.
    pub fn me(&self) -> &NodeInfo {
        &self.me
    }

    /// The vault's registry as last read.
    pub fn registry(&self) -> Arc<Registry> {
        self.registry
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Replaces the registry with a newer read of the vault's.
    pub fn set_registry(&self, registry: Registry) {
        *self
            .registry
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Arc::new(registry);
    }

    /// The close-group rule of the network.
    pub fn diversity(&self) -> &Diversity {
        &self.diversity
    }

    /// The nodes in the view (answered within [`PEER_EXPIRY`]), this one first, then the
    /// others ordered by id; one entry per id.
    pub fn all(&self) -> Vec<NodeInfo> {
        self.seen_within(PEER_EXPIRY)
    }

    /// The view a proof quoted by `issuers` is judged in: the nodes in the view, plus those
    /// of the issuers that left it within [`PEER_MEMORY`] (a node that quoted and then went
    /// silent keeps its place; other silent nodes push no one out of a close group).
    pub fn view_for(&self, issuers: &[NodeId]) -> Vec<NodeInfo> {
        let mut view = self.all();
        let remembered = self.seen_within(PEER_MEMORY);
        view.extend(
            remembered
                .into_iter()
                .filter(|node| issuers.contains(&node.id) && !view.iter().any(|v| v.id == node.id))
                .collect::<Vec<_>>(),
        );
        view
    }

    fn seen_within(&self, window: Duration) -> Vec<NodeInfo> {
        let registry = self.registry();
        let known = self.known.read().unwrap_or_else(PoisonError::into_inner);
        let mut others: Vec<NodeInfo> = known
            .values()
            .filter(|peer| peer.info.id != self.me.id && peer.last_seen.elapsed() <= window)
            .filter(|peer| registry.admits(&peer.info))
            .map(|peer| peer.info.clone())
            .collect();
        others.sort_by(|a, b| (a.id, &a.url).cmp(&(b.id, &b.url)));
        others.dedup_by_key(|peer| peer.id);
        let mut all = Vec::with_capacity(others.len() + 1);
        all.push(self.me.clone());
        all.extend(others);
        all
    }

    /// True while no other node is in the view.
    pub fn knows_only_itself(&self) -> bool {
        self.all().len() == 1
    }

    /// Where `node` stands among the `k` nodes closest to `chunk`, in the view a quote by
    /// `node` is judged in ([`Peers::view_for`]).
    pub fn membership(&self, chunk: &ChunkAddress, node: &NodeId, k: usize) -> Membership {
        membership(&self.diversity, &self.view_for(&[*node]), chunk, node, k)
    }

    /// Re-reads the bootstrap list, asks each bootstrap URL and each remembered peer for its
    /// `/info`, then confirms the new peers the bootstrap nodes know. Failures are logged and
    /// leave the view as it was (a peer silent for [`PEER_EXPIRY`] leaves it).
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
        let bootstrap = self.bootstrap().await;
        let mut urls: HashSet<String> = bootstrap.iter().cloned().collect();
        urls.extend(self.remembered_urls());
        let answers = self.probe_all(urls).await;
        self.learn(answers);
        let heard = self.hear_from(&bootstrap).await;
        let answers = self.probe_all(heard).await;
        self.learn(answers);
        self.forget_the_long_silent();
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

    /// Refreshes and announces this node to the bootstrap nodes every [`REFRESH_INTERVAL`]
    /// (the first at once) until `shutdown` is cancelled.
    pub async fn refresh_until(&self, shutdown: CancellationToken) {
        let mut ticks = tokio::time::interval(REFRESH_INTERVAL);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = ticks.tick() => {
                    self.refresh().await;
                    self.announce().await;
                }
            }
        }
    }

    /// Sends a fresh signed announcement of this node to every bootstrap node (unless the
    /// node does not announce).
    async fn announce(&self) {
        let Some(signer) = &self.signer else {
            return;
        };
        let announcement = Announcement::sign(&self.me.url, self.me.id, signer, unix_now());
        let bootstrap = self.bootstrap().await;
        let answers: Vec<_> = futures::stream::iter(bootstrap)
            .map(|url| {
                let announcement = announcement.clone();
                async move {
                    let answer = gossip::announce(&self.http, &url, &announcement).await;
                    (url, answer)
                }
            })
            .buffer_unordered(PARALLEL_QUERIES)
            .collect()
            .await;
        for (url, answer) in answers {
            if let Err(error) = answer {
                tracing::debug!(%url, %error, "announcement not taken");
            }
        }
    }

    /// Adds an announced node (its announcement already verified) once its URL answers
    /// `/info` as that node. A node already in the view at that URL is left as it is.
    pub async fn admit(&self, announced: NodeInfo) -> Result<(), AdmitError> {
        if announced.id == self.me.id || self.in_view_at(&announced) {
            return Ok(());
        }
        let _slot = self
            .admissions
            .try_acquire()
            .map_err(|_| AdmitError::Busy)?;
        let url = announced.url.clone();
        let answered =
            gossip::info(&self.http, &url)
                .await
                .map_err(|error| AdmitError::Unreachable {
                    url: url.clone(),
                    reason: crate::exit::with_causes(&error),
                })?;
        if answered != announced {
            return Err(AdmitError::Mismatch {
                url,
                answered: answered.id,
                announced: announced.id,
            });
        }
        tracing::info!(%url, id = %announced.id, "admitted an announced peer");
        self.learn(vec![(url, Ok(answered))]);
        Ok(())
    }

    fn in_view_at(&self, node: &NodeInfo) -> bool {
        let known = self.known.read().unwrap_or_else(PoisonError::into_inner);
        known
            .get(&node.url)
            .is_some_and(|peer| peer.info == *node && peer.last_seen.elapsed() <= PEER_EXPIRY)
    }

    fn remembered_urls(&self) -> Vec<String> {
        let known = self.known.read().unwrap_or_else(PoisonError::into_inner);
        known.keys().cloned().collect()
    }

    /// The bootstrap list, in normal form, without this node.
    async fn bootstrap(&self) -> Vec<String> {
        let path = self.network_file.clone();
        let listed = match tokio::task::spawn_blocking(move || NetworkConfig::load(&path)).await {
            Ok(Ok(network)) => network.bootstrap,
            Ok(Err(error)) => {
                tracing::warn!(%error, "cannot re-read the network file; keeping the known peers");
                Vec::new()
            }
            Err(error) => {
                tracing::error!(%error, "reading the network file panicked");
                Vec::new()
            }
        };
        listed
            .iter()
            .map(|url| normal(url))
            .filter(|url| *url != self.me.url)
            .collect()
    }

    async fn probe_all(
        &self,
        urls: impl IntoIterator<Item = String>,
    ) -> Vec<(String, Result<NodeInfo, ProbeError>)> {
        futures::stream::iter(urls)
            .map(|url| async move {
                let answer = gossip::info(&self.http, &url).await;
                (url, answer)
            })
            .buffer_unordered(PARALLEL_QUERIES)
            .collect()
            .await
    }

    /// The URLs the bootstrap nodes list that are not in this view yet (at most
    /// [`MAX_NEW_PER_REFRESH`]); each still has to answer `/info` itself.
    async fn hear_from(&self, bootstrap: &[String]) -> Vec<String> {
        let lists: Vec<_> = futures::stream::iter(bootstrap.to_vec())
            .map(|url| async move {
                let list = gossip::peers(&self.http, &url).await;
                (url, list)
            })
            .buffer_unordered(PARALLEL_QUERIES)
            .collect()
            .await;
        let in_view: HashSet<String> = self.all().into_iter().map(|peer| peer.url).collect();
        let registry = self.registry();
        let mut heard = HashSet::new();
        for (url, list) in lists {
            match list {
                Ok(entries) => heard.extend(
                    entries
                        .into_iter()
                        .filter(|entry| registry.admits(entry))
                        .filter_map(|entry| node_url(&entry.url).ok())
                        .filter(|entry| *entry != self.me.url && !in_view.contains(entry)),
                ),
                Err(error) => {
                    tracing::debug!(%url, %error, "bootstrap node did not list its peers")
                }
            }
        }
        heard.into_iter().take(MAX_NEW_PER_REFRESH).collect()
    }

    fn learn(&self, answers: Vec<(String, Result<NodeInfo, ProbeError>)>) {
        let registry = self.registry();
        let mut known = self.known.write().unwrap_or_else(PoisonError::into_inner);
        for (url, answer) in answers {
            match answer {
                Ok(info) if !registry.admits(&info) => {
                    tracing::warn!(%url, id = %info.id, rewards = %info.rewards, "ignoring a peer the vault's registry does not list at that id");
                }
                Ok(info) => {
                    let key = normal(&url);
                    if known.get(&key).map(|peer| &peer.info) != Some(&info) {
                        tracing::info!(%url, id = %info.id, "learned peer");
                    }
                    let last_seen = Instant::now();
                    known.insert(key, Known { info, last_seen });
                }
                Err(error) => tracing::debug!(%url, %error, "peer did not answer"),
            }
        }
    }

    /// Forgets peers silent for [`PEER_MEMORY`], and the longest silent beyond [`MAX_PEERS`].
    fn forget_the_long_silent(&self) {
        let mut known = self.known.write().unwrap_or_else(PoisonError::into_inner);
        known.retain(|_, peer| peer.last_seen.elapsed() <= PEER_MEMORY);
        if known.len() > MAX_PEERS {
            let mut by_age: Vec<(Instant, String)> = known
                .iter()
                .map(|(url, peer)| (peer.last_seen, url.clone()))
                .collect();
            by_age.sort();
            for (_, url) in by_age.into_iter().take(known.len() - MAX_PEERS) {
                known.remove(&url);
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
            id: NodeId(*blake3::hash(&[byte]).as_bytes()),
            url: format!("http://127.0.{byte}.1:{}", 9000 + byte as u16),
            rewards,
        }
    }

    /// A registry listing nodes 1 to 20 at their positions.
    fn registry() -> Registry {
        Registry::new(1, (1..=20).map(|byte| (node(byte).rewards, node(byte).id)))
    }

    fn peers(me: NodeInfo, network_file: &str) -> Peers {
        Peers::new(
            me,
            None,
            PathBuf::from(network_file),
            registry(),
            Diversity::default(),
        )
    }

    #[test]
    fn only_the_k_closest_known_nodes_are_in_a_chunks_close_group() {
        let nodes: Vec<NodeInfo> = (1..=10).map(node).collect();
        let chunk = ChunkAddress::of(b"some chunk");
        let order = Diversity::default().order(&chunk, &nodes);
        let (closest, fourth) = (order[0].id, order[3].id);
        assert_eq!(
            membership(&Diversity::default(), &nodes, &chunk, &closest, 3),
            Membership::Close
        );
        assert_eq!(
            membership(&Diversity::default(), &nodes, &chunk, &order[2].id, 3),
            Membership::Close
        );
        assert_eq!(
            membership(&Diversity::default(), &nodes, &chunk, &fourth, 3),
            Membership::NotClose
        );
        assert_eq!(
            membership(&Diversity::default(), &nodes, &chunk, &fourth, 7),
            Membership::Close
        );
        assert_eq!(
            membership(&Diversity::default(), &nodes, &chunk, &node(99).id, 7),
            Membership::Unknown
        );
    }

    #[test]
    fn a_small_network_puts_every_node_in_every_close_group() {
        let nodes: Vec<NodeInfo> = (1..=3).map(node).collect();
        for text in ["a", "b", "c", "d"] {
            let chunk = ChunkAddress::of(text.as_bytes());
            for n in &nodes {
                assert_eq!(
                    membership(&Diversity::default(), &nodes, &chunk, &n.id, 7),
                    Membership::Close
                );
            }
        }
    }

    #[test]
    fn peers_learned_from_their_own_info_join_the_view_and_forgers_do_not() {
        let peers = peers(node(1), "/nonexistent");
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

    #[test]
    fn a_silent_peer_leaves_the_view_but_is_remembered_for_its_quotes() {
        let peers = peers(node(1), "/nonexistent");
        peers.learn(vec![(node(2).url, Ok(node(2))), (node(3).url, Ok(node(3)))]);
        let long_ago = Instant::now()
            .checked_sub(PEER_EXPIRY + Duration::from_secs(1))
            .expect("the clock is past the expiry");
        peers
            .known
            .write()
            .unwrap()
            .get_mut(&node(3).url)
            .unwrap()
            .last_seen = long_ago;
        let in_view: Vec<NodeId> = peers.all().iter().map(|n| n.id).collect();
        assert_eq!(in_view, vec![node(1).id, node(2).id]);
        assert_eq!(peers.view_for(&[node(3).id]).len(), 3);
        assert_eq!(peers.view_for(&[node(4).id]).len(), 2);
        let chunk = ChunkAddress::of(b"y");
        assert_eq!(peers.membership(&chunk, &node(3).id, 7), Membership::Close);
        assert_eq!(
            membership(
                &Diversity::default(),
                &peers.view_for(&[node(2).id]),
                &chunk,
                &node(3).id,
                7
            ),
            Membership::Unknown,
            "a silent node that did not quote takes no place"
        );
        peers.learn(vec![(node(3).url, Ok(node(3)))]);
        assert_eq!(peers.all().len(), 3, "it is back once it answers");
    }

    #[tokio::test]
    async fn refreshes_are_spaced_coalesced_and_survive_a_missing_network_file() {
        let peers = peers(node(1), "/nonexistent/network.json");
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
        let peers = peers(node(1), "/nonexistent/network.json");
        assert!(peers.refresh_on_demand().await);
        let started = Instant::now();
        assert!(!peers.refresh_on_demand().await);
        assert!(
            started.elapsed() < MIN_REFRESH_GAP,
            "a refused caller does not wait"
        );
    }
}
