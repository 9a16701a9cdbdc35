//! The node's view of the network: itself plus the peers it learned and when each last
//! answered.
//!
//! A refresh re-reads the network file (the devnet may rewrite its `bootstrap` list after the
//! node started), asks every bootstrap URL and every remembered peer for `GET /info`, then asks
//! the bootstrap nodes for their `/peers` and confirms each new entry with its own `/info`, so
//! a node that joined anywhere spreads to every node within a refresh or two. Refreshes run
//! every [`REFRESH_INTERVAL`] in the background, each followed by a signed announcement of this
//! node to the bootstrap nodes, and on demand (a PUT quoted by an unknown issuer; a `/peers`
//! asked while only the node itself is known starts one in the background), never more than
//! once per [`MIN_REFRESH_GAP`]: callers that arrive together share one refresh. A PUT's
//! refresh is rate-limited further ([`Peers::refresh_on_demand`]): at most one per
//! [`ON_DEMAND_GAP`], and other callers are refused at once rather than made to wait.
//!
//! With SWIM attached ([`Peers::attach_swim`], what a serving node does), liveness comes from
//! the membership instead ([`liveness`]): a refresh asks `/info` only of bootstrap URLs it
//! never heard from and of [`liveness::SEEDS`] random bootstrap nodes, and announces to those
//! seeds only; the view is this node's SWIM members alive plus the peers that answered lately.
//! Per-node work then stays flat as the network grows.
//!
//! Against floods of announced URLs that stall:
//! - a refresh holds no lock while it waits on the network, and records each answer as it
//!   arrives, so `/peers` ([`Peers::all`]) always answers at once from memory;
//! - a refresh ends within [`REFRESH_BUDGET`]; it asks the bootstrap nodes first, then the
//!   remembered peers with the fewest failures in a row and the longest known first, so peers
//!   that answer are asked before those that stall; a URL not answered within the budget
//!   counts as failed, and one that failed [`MAX_STRIKES`] refreshes in a row is dropped and
//!   not asked again until it is announced again ([`crate::node::refreshing`]);
//! - at most [`ADMISSIONS_PER_PREFIX`] announced URLs of one network prefix (/24, /48) are
//!   probed a minute, and at most [`PEERS_PER_PREFIX`] peers of one prefix are in the table
//!   ([`crate::node::prefixes`]); bootstrap URLs are exempt from both.
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

use crate::node::prefixes::AdmissionWindows;
pub use crate::node::prefixes::{ADMISSIONS_PER_PREFIX, PEERS_PER_PREFIX};
pub use crate::node::refreshing::{MAX_STRIKES, MIN_REFRESH_GAP};
use crate::node::refreshing::{Strikes, Turns};

use alloy::signers::local::PrivateKeySigner;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::node::outbound::Outbound;
use crate::wire::network::{Diversity, NetPrefix, NodeInfo, node_url};
use crate::wire::registry::Registry;
use crate::wire::signed::Freshness;
use crate::wire::types::{ChunkAddress, NodeId};

/// How often peers are refreshed (and this node announced) in the background.
pub const REFRESH_INTERVAL: Duration = Duration::from_secs(10);
/// The longest one refresh may take: what is not answered by then counts as failed.
pub const REFRESH_BUDGET: Duration = Duration::from_secs(5);
/// The shortest time between two refreshes asked for by PUTs (unknown quote issuers).
pub const ON_DEMAND_GAP: Duration = Duration::from_secs(5);
/// A peer that has not answered for this long leaves the view.
pub const PEER_EXPIRY: Duration = Duration::from_secs(30);
/// How long a peer that left the view is remembered for close-group membership: as long as
/// its quotes are valid.
pub const PEER_MEMORY: Duration = Freshness::NODE.max_age;
const PARALLEL_QUERIES: usize = 32;
/// The most new peers one refresh confirms from the bootstrap nodes' `/peers`.
const MAX_NEW_PER_REFRESH: usize = 64;
/// The most peers remembered; the longest silent are forgotten first.
const MAX_PEERS: usize = 4096;
/// Announcements checked at once (each asks the announced URL for its `/info`).
const PARALLEL_ADMISSIONS: usize = 4;

/// Where a node stands relative to a chunk in this node's view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Among the chunk's K closest known nodes.
    Close,
    /// Known, but not among the K closest.
    NotClose,
    /// Not a node this node knows.
    Unknown,
}

/// Whether `node` is among the `k` nodes of `nodes` closest to `chunk`, one per prefix.
pub fn standing(
    diversity: &Diversity,
    nodes: &[NodeInfo],
    chunk: &ChunkAddress,
    node: &NodeId,
    k: usize,
) -> Standing {
    if !nodes.iter().any(|n| n.id == *node) {
        return Standing::Unknown;
    }
    if diversity
        .close_group(chunk, nodes, k)
        .iter()
        .any(|n| n.id == *node)
    {
        Standing::Close
    } else {
        Standing::NotClose
    }
}

/// A peer and when it last answered.
#[derive(Debug, Clone)]
struct Known {
    info: NodeInfo,
    last_seen: Instant,
    /// When it was first learned (a peer known longer is asked first).
    first_seen: Instant,
    /// Its URL's network prefix.
    prefix: Option<NetPrefix>,
}

/// What became of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Recorded {
    /// It is in the view.
    Learned,
    /// It answered, but its prefix has [`PEERS_PER_PREFIX`] peers in the table already.
    PrefixFull,
    /// It did not answer as a node may.
    Failed,
}

/// The peers a node knows, itself included.
#[derive(Debug)]
pub struct Peers {
    me: NodeInfo,
    /// The node's key, to sign announcements with; `None` for a node that does not announce.
    signer: Option<PrivateKeySigner>,
    network_file: PathBuf,
    http: Outbound,
    known: RwLock<HashMap<String, Known>>,
    registry: RwLock<Arc<Registry>>,
    diversity: Diversity,
    /// The bootstrap list as last read, in normal form.
    bootstrap: RwLock<HashSet<String>>,
    turns: Turns,
    strikes: Strikes,
    last_on_demand: std::sync::Mutex<Option<Instant>>,
    admissions: Semaphore,
    admissions_by_prefix: AdmissionWindows,
    /// The node's SWIM membership, once serving.
    swim: std::sync::OnceLock<crate::node::membership::driver::Membership>,
    /// Periodic refreshes run so far.
    refreshes: std::sync::atomic::AtomicU64,
    /// The network file's stamp when last read, and the bootstrap list it gave.
    bootstrap_read: std::sync::Mutex<Option<(probing::FileStamp, Vec<String>)>>,
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
    /// close groups follow `diversity`, and peers are asked through `http`, the node's client
    /// for requests to peers (its network's reach, from its listen IP).
    pub(crate) fn new(
        me: NodeInfo,
        signer: Option<PrivateKeySigner>,
        network_file: PathBuf,
        registry: Registry,
        diversity: Diversity,
        http: Outbound,
    ) -> Self {
        Self {
            registry: RwLock::new(Arc::new(registry)),
            diversity,
            me,
            signer,
            network_file,
            http,
            known: RwLock::new(HashMap::new()),
            bootstrap: RwLock::new(HashSet::new()),
            turns: Turns::default(),
            strikes: Strikes::default(),
            last_on_demand: std::sync::Mutex::new(None),
            admissions: Semaphore::new(PARALLEL_ADMISSIONS),
            admissions_by_prefix: AdmissionWindows::default(),
            swim: std::sync::OnceLock::new(),
            refreshes: std::sync::atomic::AtomicU64::new(0),
            bootstrap_read: std::sync::Mutex::new(None),
        }
    }

    /// Whether this node announces itself (and so joins SWIM).
    pub(crate) fn announces(&self) -> bool {
        self.signer.is_some()
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
        let registry = Arc::new(registry);
        *self
            .registry
            .write()
            .unwrap_or_else(PoisonError::into_inner) = registry.clone();
        if let Some(swim) = self.swim.get() {
            swim.offer_registry(registry);
        }
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
        let in_table = liveness::InTable::of(&known, &self.bootstrap_set());
        drop(known);
        others.extend(self.swim_alive(&registry, in_table));
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
    pub fn standing(&self, chunk: &ChunkAddress, node: &NodeId, k: usize) -> Standing {
        standing(&self.diversity, &self.view_for(&[*node]), chunk, node, k)
    }

    /// Re-reads the bootstrap list, asks each bootstrap URL and each remembered peer for its
    /// `/info`, then confirms the new peers the bootstrap nodes know, all within
    /// [`REFRESH_BUDGET`]. Each answer is recorded as it arrives; a URL that does not answer
    /// in time gets a strike, and is dropped at [`MAX_STRIKES`] in a row (a peer silent for
    /// [`PEER_EXPIRY`] leaves the view anyway).
    ///
    /// When this returns, the view includes a refresh that began after the call did: either
    /// this call ran one (and returns `true`), or it waited for a concurrent caller's. A refresh
    /// starts no sooner than [`MIN_REFRESH_GAP`] after the previous one, so an early caller
    /// waits for the gap instead of being refused a fresh view.
    pub async fn refresh(&self) -> bool {
        self.refresh_asking_seeds(true).await
    }

    /// [`Peers::refresh`]; with SWIM attached, the seeds are asked only when `seeds`.
    async fn refresh_asking_seeds(&self, seeds: bool) -> bool {
        let Some(turn) = self.turns.take().await else {
            return false;
        };
        let deadline = tokio::time::Instant::now() + REFRESH_BUDGET;
        let bootstrap = self.bootstrap().await;
        if self.swim.get().is_some() {
            self.refresh_by_swim(&bootstrap, deadline, seeds).await;
            turn.complete();
            return true;
        }
        let due = self.due_urls(&bootstrap);
        self.probe_within(due, deadline).await;
        let heard = tokio::time::timeout_at(deadline, self.hear_from(&bootstrap))
            .await
            .unwrap_or_default();
        self.probe_within(heard, deadline).await;
        self.forget_the_long_silent();
        turn.complete();
        true
    }

    /// True while no other node is in the view and no refresh is under way: `/peers` then
    /// starts one in the background.
    pub(crate) fn wants_refresh(&self) -> bool {
        self.knows_only_itself() && !self.turns.running()
    }

    /// A refresh for a request that met nodes this node does not know (`wanted`, e.g. a
    /// proof's quote issuers), at most one per [`ON_DEMAND_GAP`]; the nodes still unknown after
    /// it are then looked up ([`Peers::locate`]). When one was asked for more recently, waits
    /// for the refresh under way (or waiting for its turn) if there is one, and otherwise
    /// returns `false` at once, without refreshing.
    pub async fn refresh_on_demand(&self, wanted: &[NodeId]) -> bool {
        let recent = {
            let mut last = self
                .last_on_demand
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let recent = last.is_some_and(|previous| previous.elapsed() < ON_DEMAND_GAP);
            if !recent {
                *last = Some(Instant::now());
            }
            recent
        };
        if recent {
            // No new refresh; but one already under way or waiting for its turn is shared
            // (it ends within its budget).
            return self
                .turns
                .share_next(MIN_REFRESH_GAP + REFRESH_BUDGET)
                .await;
        }
        self.refresh().await;
        self.locate(wanted, tokio::time::Instant::now() + REFRESH_BUDGET)
            .await;
        true
    }

    /// Refreshes and announces this node to the bootstrap nodes every [`REFRESH_INTERVAL`]
    /// (the first at once) until `shutdown` is cancelled; with SWIM attached, in a network
    /// larger than this node's neighbourhood, the seeds are asked and announced to on every
    /// [`liveness::SEED_EVERY`]-th round only.
    pub async fn refresh_until(&self, shutdown: CancellationToken) {
        let mut ticks = tokio::time::interval(REFRESH_INTERVAL);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = ticks.tick() => {
                    let round = self.refreshes.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                    let seeds = self.swim.get().is_none() || self.seeds_due(round);
                    self.refresh_asking_seeds(seeds).await;
                    if seeds {
                        self.announce().await;
                    }
                }
            }
        }
    }
}

mod announcing;
pub use announcing::AdmitError;
mod liveness;
mod probing;
#[cfg(test)]
mod tests;
