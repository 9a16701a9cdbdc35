//! What a running node shares between its request handlers and its background tasks (peer
//! refresh, upkeep, the earnings tally): [`NodeState`], and the request counts `GET /stats`
//! reports.
//!
//! Invariants: one [`NodeState`] per node, behind an [`Arc`] ([`Shared`]); everything in it
//! is safe to use from many requests at once, and the node's requests to peers all go through
//! its one [`Outbound`] client.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use alloy::signers::local::PrivateKeySigner;
use tokio::sync::Semaphore;

use crate::node::admission::Admission;
use crate::node::earnings::Earnings;
use crate::node::forward::Forwarder;
use crate::node::metrics::Metrics;
use crate::node::ops::Ops;
use crate::node::outbound::Outbound;
use crate::node::pacing::PeerPacing;
use crate::node::peers::Peers;
use crate::node::server::SourceLimits;
use crate::node::store::ChunkStore;
use crate::wire::types::Amount;

/// Everything a request handler needs.
#[derive(Debug)]
pub(crate) struct NodeState {
    pub(crate) signer: PrivateKeySigner,
    pub(crate) store: Arc<ChunkStore>,
    pub(crate) peers: Peers,
    pub(crate) admission: Admission,
    pub(crate) earnings: Arc<Earnings>,
    pub(crate) base_price: Amount,
    /// Slots for PUT bodies coming in.
    pub(crate) puts: Semaphore,
    /// Slots for chunks read out (GETs, challenges).
    pub(crate) gets: Semaphore,
    pub(crate) sources: SourceLimits,
    pub(crate) requests: RequestCounts,
    pub(crate) forwarder: Forwarder,
    /// The node's client for its requests to peers (no redirects, no proxy, its network's
    /// reach, leaving from its listen IP).
    pub(crate) outbound: Outbound,
    pub(crate) close_group: usize,
    pub(crate) pacing: PeerPacing,
    /// Reads the vault's registry.
    pub(crate) chain: crate::vault::Vault,
    /// Registry lookups for announcing addresses not in the registry yet, at most
    /// [`crate::node::server::MAX_REGISTRY_LOOKUPS`] at once.
    pub(crate) registry_lookups: Semaphore,
    /// What the node counts for `GET /metrics`.
    pub(crate) metrics: Arc<Metrics>,
    /// Readiness and drain.
    pub(crate) ops: Ops,
}

/// A node's state as its handlers and tasks hold it.
pub(crate) type Shared = Arc<NodeState>;

/// Requests served since the node started, by kind: what `GET /stats` reports (benchmarks use
/// it to count what a client sent).
#[derive(Debug, Default, serde::Serialize)]
pub(crate) struct RequestCounts {
    pub(crate) quotes: AtomicU64,
    pub(crate) puts: AtomicU64,
    pub(crate) put_bytes: AtomicU64,
    pub(crate) gets: AtomicU64,
    pub(crate) announcements: AtomicU64,
    /// Replica PUTs (from peers' upkeep or `ferry repair`), not counted in `puts`.
    pub(crate) replica_puts: AtomicU64,
    pub(crate) challenges: AtomicU64,
}

/// Adds `by` to `counter`.
pub(crate) fn count(counter: &AtomicU64, by: u64) {
    counter.fetch_add(by, Ordering::Relaxed);
}
