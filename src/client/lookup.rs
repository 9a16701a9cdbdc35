//! Finding a chunk's close group without a full list of the network: ask the nodes known
//! closest to the chunk for the nodes they know closest to it (`GET /closest/{address}`), and
//! step towards it like a Kademlia lookup.
//!
//! The vault's registry says which ids are the chunk's closest registered nodes; a lookup is
//! needed only when the client does not know where some of them are reached. Each round asks
//! up to [`LOOKUP_WIDTH`] of the closest nodes not asked yet, and the lookup ends as soon as
//! every one of the registry's closest ids has a URL, when nothing closer is left to ask, or
//! after [`MAX_LOOKUP_ROUNDS`] rounds: at most `LOOKUP_WIDTH × MAX_LOOKUP_ROUNDS` requests per
//! chunk, whatever the size of the network. Nodes located are kept ([`Located`]) for the
//! chunks that follow, so chunks of one neighbourhood cost one lookup.
//!
//! Invariants: an entry counts only when the registry lists its rewards address at its id and
//! its URL is plain HTTP(S), as in discovery; every request is counted in [`Located`], which
//! `-v` reports.
//!
//! [`Swarm`] (here) is what a command knows of the network: the nodes discovery found, and
//! those lookups add.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use futures::stream::{FuturesUnordered, StreamExt};

use super::nodes::NodeClient;
use crate::wire::network::Diversity;
use crate::wire::network::NodeInfo;
use crate::wire::registry::Registry;
use crate::wire::types::{ChunkAddress, NodeId};

/// Nodes asked at once in one round of a lookup.
pub const LOOKUP_WIDTH: usize = 3;
/// The most rounds of one lookup.
pub const MAX_LOOKUP_ROUNDS: usize = 4;

/// The nodes lookups located, shared by every chunk of a command, and what they cost.
#[derive(Debug, Default)]
pub struct Located {
    nodes: Mutex<HashMap<NodeId, NodeInfo>>,
    requests: AtomicU64,
    lookups: AtomicU64,
}

impl Located {
    /// The nodes located so far.
    pub fn nodes(&self) -> Vec<NodeInfo> {
        let nodes = self.nodes.lock().unwrap_or_else(PoisonError::into_inner);
        nodes.values().cloned().collect()
    }

    fn add(&self, found: impl IntoIterator<Item = NodeInfo>) {
        let mut nodes = self.nodes.lock().unwrap_or_else(PoisonError::into_inner);
        for node in found {
            nodes.entry(node.id).or_insert(node);
        }
    }

    /// `/closest` requests sent so far.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Lookups run so far.
    pub fn lookups(&self) -> u64 {
        self.lookups.load(Ordering::Relaxed)
    }

    /// Logs (at info, which `-v` shows) how many lookups the command ran and the requests
    /// they took.
    pub fn log_cost(&self) {
        tracing::info!(
            "close groups: {} lookups of chunks whose closest nodes discovery did not find took {} requests (/closest)",
            self.lookups(),
            self.requests()
        );
    }
}

/// The `k` registered ids closest to `address`.
pub fn registered_closest(registry: &Registry, address: &ChunkAddress, k: usize) -> Vec<NodeId> {
    let mut ids: Vec<NodeId> = registry.positions().collect();
    ids.sort_by_key(|id| id.distance(address));
    ids.truncate(k);
    ids
}

impl NodeClient {
    /// Locates the `k` registered nodes closest to `address`, starting from `known` (see the
    /// module's text); what it finds near `address` is added to `located`.
    pub async fn lookup(
        &self,
        known: &[NodeInfo],
        address: &ChunkAddress,
        registry: &Registry,
        k: usize,
        located: &Located,
    ) {
        let wanted = registered_closest(registry, address, k);
        let mut candidates: HashMap<NodeId, NodeInfo> =
            known.iter().map(|node| (node.id, node.clone())).collect();
        let mut asked: HashSet<NodeId> = HashSet::new();
        located.lookups.fetch_add(1, Ordering::Relaxed);
        for round in 0..MAX_LOOKUP_ROUNDS {
            if wanted.iter().all(|id| candidates.contains_key(id)) {
                break;
            }
            let mut next: Vec<NodeInfo> = candidates
                .values()
                .filter(|node| !asked.contains(&node.id))
                .cloned()
                .collect();
            next.sort_by_key(|node| node.id.distance(address));
            next.truncate(LOOKUP_WIDTH);
            if next.is_empty() {
                break;
            }
            asked.extend(next.iter().map(|node| node.id));
            let mut pending: FuturesUnordered<_> = next
                .iter()
                .map(|node| self.closest(&node.url, address))
                .collect();
            let mut found = Vec::new();
            while let Some(answer) = pending.next().await {
                located.requests.fetch_add(1, Ordering::Relaxed);
                match answer {
                    Ok(entries) => found.extend(entries.into_iter().filter(|entry| {
                        registry.admits(entry)
                            && (entry.url.starts_with("http://")
                                || entry.url.starts_with("https://"))
                    })),
                    Err(error) => tracing::debug!(round, %error, "a lookup request failed"),
                }
            }
            for node in found {
                candidates.entry(node.id).or_insert(node);
            }
        }
        let near = registered_closest(registry, address, 2 * k);
        located.add(
            candidates
                .into_values()
                .filter(|node| near.contains(&node.id)),
        );
    }
}

/// The nodes a client found, and how many the network is known to have. Nodes that did not
/// answer discovery still count in `size`, so a network that is partly down never lowers the
/// bar: quotes need a majority of the full close group, and chunks the full replica count.
#[derive(Debug, Clone)]
pub struct Swarm {
    /// The nodes that answered (with the peers they know), by id.
    pub nodes: Vec<NodeInfo>,
    /// Nodes the network has: the vault's registry, the bootstrap list or the discovered set,
    /// whichever is largest.
    pub size: usize,
    /// The network's close-group rule.
    pub diversity: Diversity,
    /// The vault's registry the nodes were checked against (for lookups).
    pub registry: Option<Arc<Registry>>,
    /// The nodes lookups found for chunks whose closest nodes were not in `nodes`.
    pub located: Arc<Located>,
}

impl Swarm {
    /// Quotes needed for a chunk: a majority of a close group of `k` (or of the whole
    /// network when it is smaller).
    pub fn quote_majority(&self, k: usize) -> usize {
        k.min(self.size) / 2 + 1
    }

    /// The `k` nodes closest to `chunk` that this client knows, one per network prefix.
    pub fn close_group(&self, chunk: &ChunkAddress, k: usize) -> Vec<&NodeInfo> {
        self.diversity.close_group(chunk, &self.nodes, k)
    }

    /// `None` when this swarm knows the registry's `k` nodes closest to `address` (no
    /// request, as on a network where one node knows everyone); otherwise a swarm that also
    /// holds those a lookup finds ([`crate::client::lookup`]).
    pub async fn for_chunk(
        &self,
        client: &NodeClient,
        address: &ChunkAddress,
        k: usize,
    ) -> Option<Swarm> {
        let registry = self.registry.as_ref()?;
        let wanted = registered_closest(registry, address, k);
        let known: HashSet<NodeId> = self.nodes.iter().map(|node| node.id).collect();
        if wanted.iter().all(|id| known.contains(id)) {
            return None;
        }
        let mut nodes = self.nodes.clone();
        let mut located = self.located.nodes();
        if !wanted
            .iter()
            .all(|id| known.contains(id) || located.iter().any(|node| node.id == *id))
        {
            nodes.extend(located.iter().cloned());
            client
                .lookup(&nodes, address, registry, k, &self.located)
                .await;
            nodes.truncate(self.nodes.len());
            located = self.located.nodes();
        }
        nodes.extend(located.into_iter().filter(|node| !known.contains(&node.id)));
        nodes.sort_by_key(|node| node.id);
        Some(Swarm {
            nodes,
            size: self.size,
            diversity: self.diversity,
            registry: self.registry.clone(),
            located: self.located.clone(),
        })
    }

    /// Nodes that must hold a chunk: `wanted`, or every node on a smaller network.
    pub fn replicas(&self, wanted: usize) -> usize {
        wanted.min(self.size).max(1)
    }
}
