//! The PUT transport: storing one chunk on enough nodes, closest first, routing around failures.
//!
//! Invariants:
//! - a chunk counts as stored only once `replicas` nodes have acknowledged it with a valid
//!   signed storage receipt (or every node, on a network smaller than that);
//! - candidates are tried in XOR order, at most `replicas` at a time; a node that is down, slow
//!   or refusing is retried with exponential backoff when the failure may pass, then passed
//!   over for the next closest; every request has a timeout, so a chunk ends stored or failed,
//!   never hung.

use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use futures::stream::FuturesUnordered;

use crate::network::{NodeInfo, by_distance};
use crate::quote::StorageReceipt;
use crate::reporter::{Event, Reporter};
use crate::transport::{NodeClient, NodeError, Swarm};
use crate::types::ChunkAddress;

/// How hard to try storing one chunk.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts per node before passing it over (for failures that may pass).
    pub attempts_per_node: u32,
    /// Delay before the first retry; doubled each time.
    pub first_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts_per_node: 3,
            first_backoff: Duration::from_millis(200),
        }
    }
}

/// A chunk held by enough nodes.
#[derive(Debug, Clone)]
pub struct StoredChunk {
    /// The chunk.
    pub chunk: ChunkAddress,
    /// One signed receipt per node that holds it.
    pub receipts: Vec<StorageReceipt>,
}

/// A chunk that could not reach enough nodes.
#[derive(Debug, thiserror::Error)]
#[error("chunk {chunk} reached {held} of {needed} nodes; last error: {last}")]
pub struct PutFailure {
    /// The chunk.
    pub chunk: ChunkAddress,
    /// Nodes that acknowledged it.
    pub held: usize,
    /// Nodes needed.
    pub needed: usize,
    /// The last error seen.
    pub last: String,
}

/// Sends one chunk (already framed with its proof) to the closest nodes until `replicas` hold
/// it (every node, on a network smaller than that).
pub async fn store_chunk(
    client: &NodeClient,
    swarm: &Swarm,
    chunk: ChunkAddress,
    body: Bytes,
    replicas: usize,
    policy: RetryPolicy,
    reporter: &dyn Reporter,
) -> Result<StoredChunk, PutFailure> {
    let candidates = by_distance(&chunk, &swarm.nodes);
    let needed = swarm.replicas(replicas);
    let mut next = 0;
    let mut receipts = Vec::with_capacity(needed);
    let mut running = FuturesUnordered::new();
    let mut last = String::from("no node to try");
    let mut attempts = 0u32;
    loop {
        while receipts.len() + running.len() < needed && next < candidates.len() {
            let node = candidates[next];
            next += 1;
            running.push(put_with_retries(
                client,
                node,
                chunk,
                body.clone(),
                policy,
                reporter,
            ));
        }
        let Some((node, result)) = running.next().await else {
            break;
        };
        match result {
            Ok(receipt) => receipts.push(receipt),
            Err(error) => {
                attempts += 1;
                last = error.to_string();
                reporter.event(&Event::Retry {
                    chunk,
                    node: node.url.clone(),
                    attempt: attempts,
                    reason: format!("passing over this node: {error}"),
                });
            }
        }
        if receipts.len() >= needed {
            return Ok(StoredChunk { chunk, receipts });
        }
    }
    Err(PutFailure {
        chunk,
        held: receipts.len(),
        needed,
        last,
    })
}

async fn put_with_retries<'a>(
    client: &NodeClient,
    node: &'a NodeInfo,
    chunk: ChunkAddress,
    body: Bytes,
    policy: RetryPolicy,
    reporter: &dyn Reporter,
) -> (&'a NodeInfo, Result<StorageReceipt, NodeError>) {
    let mut backoff = policy.first_backoff;
    let mut attempt = 1;
    loop {
        let result = client
            .put(node, chunk, body.clone())
            .await
            .and_then(|answer| {
                if answer.receipt.chunk == chunk
                    && answer.receipt.node == node.rewards
                    && answer.receipt.is_valid()
                {
                    Ok(answer.receipt)
                } else {
                    Err(NodeError::Refused {
                        url: node.url.clone(),
                        status: 200,
                        message: "the storage receipt is not signed by this node for this chunk"
                            .into(),
                    })
                }
            });
        match result {
            Err(error) if error.is_retryable() && attempt < policy.attempts_per_node => {
                reporter.event(&Event::Retry {
                    chunk,
                    node: node.url.clone(),
                    attempt,
                    reason: error.to_string(),
                });
                tokio::time::sleep(backoff).await;
                backoff *= 2;
                attempt += 1;
            }
            other => return (node, other),
        }
    }
}
