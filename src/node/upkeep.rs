//! Keeping replicas up: every `--repair-interval`, the node checks that the
//! [`REPLICAS`] nodes closest to each chunk it holds (in its current view) hold it too, by
//! challenging them ([`crate::node::audit`]: fresh nonces, answers checked against its own
//! copy, within a deadline sized to a local read), and forwards the chunk with the payment
//! proof it was admitted with to those that do not prove it (`PUT /replica/{address}`, which
//! a peer admits by the same rules as a first PUT, save the quote's age).
//!
//! Invariants:
//! - a pass challenges each peer in batches (`POST /challenges`, at most a chunk's worth of
//!   bytes each), never once per chunk; it works through its chunks [`CHUNKS_PER_ROUND`] at a
//!   time, and at most [`PEERS_AT_ONCE`] peers and [`REPLICAS_AT_ONCE`] replicas are in
//!   flight, so memory stays at a few chunks;
//! - only chunks held since the previous pass are checked, so a chunk an upload is still
//!   placing is not copied over the client's own PUTs;
//! - a pass reads at most [`AUDIT_BYTES_PER_SECOND`] times the interval of its own chunks
//!   (hourly: every chunk of a large store; on a 5 s devnet, 20 MiB), chunks never audited
//!   first, then those audited longest ago, and a chunk is audited again only after the
//!   interval or [`MIN_REAUDIT`], whichever is longer; so audits cost a bounded share of the
//!   disk and every chunk comes round again;
//! - a peer counts as holding a chunk only by a proof: a claim, a false answer or a late one
//!   (a peer that fetches the chunk from elsewhere when challenged) counts as not holding, and
//!   gets a replica; a peer that cannot be reached is skipped until the next pass;
//! - a chunk without a kept proof is never forwarded (a peer would refuse it anyway), and
//!   nothing here ever pays.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::StreamExt;
use tokio_util::sync::CancellationToken;

use crate::blocking::blocking;
use crate::node::audit::{self, PeerAudit};
use crate::node::outbound::Outbound;
use crate::node::state::NodeState;
use crate::wire::http::encode_put_raw;
use crate::wire::network::{NodeInfo, REPLICAS};
use crate::wire::types::ChunkAddress;

/// How often a node checks its chunks' replicas unless told otherwise: hourly.
pub const DEFAULT_REPAIR_INTERVAL: Duration = Duration::from_secs(3600);
/// Peers challenged at once.
const PEERS_AT_ONCE: usize = 4;
/// Replicas being forwarded at once (each a chunk in memory).
const REPLICAS_AT_ONCE: usize = 4;
/// Chunks whose peers are challenged in one round of a pass (bounds the challenges in memory).
const CHUNKS_PER_ROUND: usize = 1024;
/// The bytes of its own chunks a pass may read per second of the repair interval.
pub const AUDIT_BYTES_PER_SECOND: u64 = 4 * 1024 * 1024;
/// The least time between two audits of a chunk's peers (on a devnet, passes run every few
/// seconds; chunks are audited as they settle, then every 10 minutes).
pub const MIN_REAUDIT: Duration = Duration::from_secs(600);

/// Runs a pass every `interval` until `shutdown` is cancelled, asking peers through the
/// node's one client for requests to peers.
pub(super) async fn run_until(
    state: Arc<NodeState>,
    interval: Duration,
    shutdown: CancellationToken,
) {
    let http = state.outbound.clone();
    let mut settled = HashSet::new();
    // When each chunk's peers were last audited.
    let mut audited: HashMap<ChunkAddress, Instant> = HashMap::new();
    let budget = AUDIT_BYTES_PER_SECOND.saturating_mul(interval.as_secs().max(1));
    let reaudit = interval.max(MIN_REAUDIT);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(interval) => {}
        }
        let held: HashSet<ChunkAddress> = state.store.addresses().into_iter().collect();
        let mut due: Vec<ChunkAddress> = held
            .intersection(&settled)
            .filter(|chunk| audited.get(chunk).is_none_or(|at| at.elapsed() >= reaudit))
            .copied()
            .collect();
        audited.retain(|chunk, _| held.contains(chunk));
        settled = held;
        // Never audited first, then the longest ago.
        due.sort_by_key(|chunk| audited.get(chunk).copied());
        tokio::select! {
            () = shutdown.cancelled() => return,
            done = pass(state.clone(), http.clone(), due, budget) => {
                let now = Instant::now();
                audited.extend(done.into_iter().map(|chunk| (chunk, now)));
            }
        }
    }
}

/// Challenges `chunks`' closest nodes, in order, until `budget` bytes of them are read, and
/// forwards each chunk to those that do not prove they hold it; returns the chunks audited.
async fn pass(
    state: Arc<NodeState>,
    http: Outbound,
    chunks: Vec<ChunkAddress>,
    mut budget: u64,
) -> Vec<ChunkAddress> {
    let view = state.peers.all();
    let me = state.peers.me().id;
    let diversity = state.peers.diversity();
    let mut done = Vec::new();
    for round in chunks.chunks(CHUNKS_PER_ROUND) {
        if budget == 0 {
            break;
        }
        let wanted: Vec<(ChunkAddress, Vec<NodeInfo>)> = round
            .iter()
            .map(|chunk| {
                let peers = diversity
                    .close_group(chunk, &view, REPLICAS)
                    .into_iter()
                    .filter(|node| node.id != me)
                    .cloned()
                    .collect();
                (*chunk, peers)
            })
            .collect();
        let store = state.store.clone();
        let prepared = blocking(move || audit::prepare(&store, wanted, budget)).await;
        budget = budget.saturating_sub(prepared.bytes);
        done.extend(prepared.chunks);
        let by_peer = prepared.by_peer;
        let audits: Vec<(NodeInfo, PeerAudit)> = futures::stream::iter(by_peer.into_values())
            .map(|(peer, audits)| {
                let http = http.clone();
                async move {
                    let result = audit::audit_peer(&http, &peer, audits).await;
                    (peer, result)
                }
            })
            .buffer_unordered(PEERS_AT_ONCE)
            .collect()
            .await;
        restore(&state, round.len(), audits).await;
    }
    done
}

/// Forwards each chunk a peer did not prove to that peer.
async fn restore(state: &Arc<NodeState>, chunks: usize, audits: Vec<(NodeInfo, PeerAudit)>) {
    let proven: usize = audits.iter().map(|(_, audit)| audit.proven.len()).sum();
    let late: usize = audits.iter().map(|(_, audit)| audit.late).sum();
    let unjudged: usize = audits.iter().map(|(_, audit)| audit.unjudged).sum();
    let missing: Vec<(NodeInfo, ChunkAddress)> = audits
        .into_iter()
        .flat_map(|(peer, audit)| {
            audit
                .lacking
                .into_iter()
                .map(move |chunk| (peer.clone(), chunk))
        })
        .collect();
    if missing.is_empty() {
        tracing::debug!(
            chunks,
            proven,
            unjudged,
            "upkeep: every replica proven in place"
        );
        return;
    }
    let results: Vec<bool> = futures::stream::iter(missing.clone())
        .map(|(peer, chunk)| {
            let state = state.clone();
            async move { forward(&state, &peer, chunk).await }
        })
        .buffer_unordered(REPLICAS_AT_ONCE)
        .collect()
        .await;
    let forwarded = results.iter().filter(|ok| **ok).count();
    tracing::info!(
        chunks,
        proven,
        missing = missing.len(),
        late,
        unjudged,
        forwarded,
        "upkeep: forwarded replicas to close nodes that did not prove they hold them"
    );
}

/// Sends `chunk` with its kept proof to `peer`; true when the peer took it.
async fn forward(state: &NodeState, peer: &NodeInfo, chunk: ChunkAddress) -> bool {
    let store = state.store.clone();
    let read = blocking(move || -> Result<Option<Vec<u8>>, String> {
        let Some(proof) = store.proof(&chunk).map_err(|e| e.to_string())? else {
            return Ok(None);
        };
        let Some(bytes) = store.get(&chunk).map_err(|e| e.to_string())? else {
            return Ok(None);
        };
        Ok(Some(encode_put_raw(&proof, &bytes)))
    })
    .await;
    let body = match read {
        Ok(Some(body)) => Bytes::from(body),
        Ok(None) => {
            tracing::debug!(%chunk, "upkeep: no kept proof or no bytes; not forwarding");
            return false;
        }
        Err(error) => {
            tracing::warn!(%chunk, %error, "upkeep: cannot read the chunk to forward");
            return false;
        }
    };
    state.metrics.replica_sent();
    match state.forwarder.replica(peer, chunk, body).await {
        Ok(_) => {
            tracing::debug!(%chunk, peer = %peer.url, "upkeep: replica forwarded");
            true
        }
        Err(error) => {
            tracing::warn!(%chunk, peer = %peer.url, error = %crate::exit::with_causes(&error), "upkeep: the peer did not take the replica");
            false
        }
    }
}
