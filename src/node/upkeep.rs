//! Keeping replicas up: every `--repair-interval`, the node checks that the
//! [`REPLICAS`] nodes closest to each chunk it holds (in its current view) hold it too, and
//! forwards the chunk with the payment proof it was admitted with to those that do not
//! (`PUT /replica/{address}`, which a peer admits by the same rules as a first PUT, save the
//! quote's age).
//!
//! Invariants:
//! - a pass asks each peer once per [`MAX_HELD_QUERY`] chunks (`POST /held`), never once per
//!   chunk, and at most [`PEERS_AT_ONCE`] peers and [`REPLICAS_AT_ONCE`] replicas are in flight,
//!   so memory stays at a few chunks;
//! - only chunks held since the previous pass are checked, so a chunk an upload is still
//!   placing is not copied over the client's own PUTs;
//! - a chunk without a kept proof is never forwarded (a peer would refuse it anyway), and a
//!   peer that does not answer is skipped until the next pass; nothing here ever pays;
//! - a peer's word on what it holds is taken as it is (a stat of its files, not a proof): a
//!   peer that lies only keeps its own copy from being restored; `ferry verify`'s challenges
//!   are what prove who holds a chunk.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use tokio_util::sync::CancellationToken;

use crate::node::forward::read_bounded;
use crate::node::server::NodeState;
use crate::wire::http::{HeldRequest, HeldResponse, MAX_HELD_QUERY, encode_put_raw};
use crate::wire::network::{NodeInfo, REPLICAS};
use crate::wire::types::ChunkAddress;

/// How often a node checks its chunks' replicas unless told otherwise: hourly.
pub const DEFAULT_REPAIR_INTERVAL: Duration = Duration::from_secs(3600);
/// Peers asked about their chunks at once.
const PEERS_AT_ONCE: usize = 4;
/// Replicas being forwarded at once (each a chunk in memory).
const REPLICAS_AT_ONCE: usize = 4;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const HELD_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest `/held` answer read: every chunk asked, in hex, with room to spare.
const MAX_HELD_ANSWER: usize = MAX_HELD_QUERY * 80 + 1024;

/// Runs a pass every `interval` until `shutdown` is cancelled.
pub(super) async fn run_until(
    state: Arc<NodeState>,
    interval: Duration,
    shutdown: CancellationToken,
) {
    let http = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .build()
        .expect("the HTTP client builds");
    let mut settled = HashSet::new();
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(interval) => {}
        }
        let held: HashSet<ChunkAddress> = state.store.addresses().into_iter().collect();
        let due: Vec<ChunkAddress> = held.intersection(&settled).copied().collect();
        settled = held;
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = pass(state.clone(), http.clone(), due) => {}
        }
    }
}

/// Checks `chunks`' closest nodes and forwards each chunk to those that lack it.
async fn pass(state: Arc<NodeState>, http: reqwest::Client, chunks: Vec<ChunkAddress>) {
    let view = state.peers.all();
    let me = state.peers.me().id;
    let mut wanted: HashMap<String, (NodeInfo, Vec<ChunkAddress>)> = HashMap::new();
    for chunk in &chunks {
        for node in state.peers.diversity().close_group(chunk, &view, REPLICAS) {
            if node.id != me {
                let entry = wanted.entry(node.url.clone());
                entry
                    .or_insert_with(|| (node.clone(), Vec::new()))
                    .1
                    .push(*chunk);
            }
        }
    }
    let missing: Vec<Vec<(NodeInfo, ChunkAddress)>> = futures::stream::iter(wanted.into_values())
        .map(|(peer, chunks)| {
            let http = http.clone();
            async move {
                let lacking = lacking(&http, &peer, chunks).await;
                lacking
                    .into_iter()
                    .map(|chunk| (peer.clone(), chunk))
                    .collect()
            }
        })
        .buffer_unordered(PEERS_AT_ONCE)
        .collect()
        .await;
    let missing: Vec<(NodeInfo, ChunkAddress)> = missing.into_iter().flatten().collect();
    if missing.is_empty() {
        tracing::debug!(chunks = chunks.len(), "upkeep: every replica in place");
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
        chunks = chunks.len(),
        missing = missing.len(),
        forwarded,
        "upkeep: forwarded replicas to close nodes that lacked them"
    );
}

/// The chunks of `chunks` that `peer` says it does not hold; none when it does not answer.
async fn lacking(
    http: &reqwest::Client,
    peer: &NodeInfo,
    chunks: Vec<ChunkAddress>,
) -> Vec<ChunkAddress> {
    let mut lacking = Vec::new();
    for batch in chunks.chunks(MAX_HELD_QUERY) {
        match ask_held(http, peer, batch).await {
            Ok(held) => {
                let held: HashSet<ChunkAddress> = held.into_iter().collect();
                lacking.extend(batch.iter().filter(|chunk| !held.contains(chunk)));
            }
            Err(error) => {
                tracing::debug!(peer = %peer.url, %error, "upkeep: peer did not say what it holds");
                return Vec::new();
            }
        }
    }
    lacking
}

async fn ask_held(
    http: &reqwest::Client,
    peer: &NodeInfo,
    chunks: &[ChunkAddress],
) -> Result<Vec<ChunkAddress>, String> {
    let request = HeldRequest {
        chunks: chunks.to_vec(),
    };
    let response = http
        .post(format!("{}/held", peer.url))
        .json(&request)
        .timeout(HELD_TIMEOUT)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("answered {}", response.status()));
    }
    let body = read_bounded(response, MAX_HELD_ANSWER)
        .await
        .map_err(|e| e.to_string())?;
    let answer: HeldResponse = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
    Ok(answer.held)
}

/// Sends `chunk` with its kept proof to `peer`; true when the peer took it.
async fn forward(state: &NodeState, peer: &NodeInfo, chunk: ChunkAddress) -> bool {
    let store = state.store.clone();
    let read = tokio::task::spawn_blocking(move || -> Result<Option<Vec<u8>>, String> {
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
        Ok(Ok(Some(body))) => Bytes::from(body),
        Ok(Ok(None)) => {
            tracing::debug!(%chunk, "upkeep: no kept proof or no bytes; not forwarding");
            return false;
        }
        Ok(Err(error)) => {
            tracing::warn!(%chunk, %error, "upkeep: cannot read the chunk to forward");
            return false;
        }
        Err(_) => return false,
    };
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
