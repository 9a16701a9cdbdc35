//! The PUT transport: storing one chunk on enough of its close group, closest first, routing
//! around failures and slow nodes.
//!
//! Invariants:
//! - only nodes this client itself places among the chunk's `close_group` closest (one per id)
//!   are asked, so a node's word never widens where a chunk counts as stored;
//! - a chunk counts as stored only once `replicas` distinct nodes have answered with a storage
//!   receipt signed by that node (its rewards address) for this chunk (every node, on a
//!   network smaller than that); anything else is that node's failure;
//! - a node's status or error text is never interpreted beyond "this node failed this chunk"
//!   (or "try this node again" for 5xx and 429): it never leads to a payment or a dropped proof;
//! - candidates are tried closest first, `replicas` at a time; when none of the PUTs in flight
//!   has answered within [`HEDGE_DELAY`], the next closest candidate is started too, and the
//!   first `replicas` valid receipts win; every request has a deadline, so a chunk ends stored
//!   or failed, never hung.

use std::collections::HashSet;
use std::time::Duration;

use alloy::primitives::Address;
use bytes::Bytes;
use futures::stream::FuturesUnordered;

use crate::client::nodes::{NodeClient, RequestError, Swarm};
use crate::client::race::{Next, next_or_hedge};
use crate::client::reporter::{Event, Reporter};
use crate::wire::network::{NodeInfo, close_group};
use crate::wire::signed::StorageReceipt;
use crate::wire::types::ChunkAddress;

/// How long the PUTs in flight may go without any answer before the next candidate is asked.
pub const HEDGE_DELAY: Duration = Duration::from_secs(3);

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

/// Where a chunk must end up.
#[derive(Debug, Clone, Copy)]
pub struct Placement {
    /// Distinct nodes that must hold it.
    pub replicas: usize,
    /// The close group size: only the chunk's `close_group` closest nodes count.
    pub close_group: usize,
}

/// A chunk held by enough nodes.
#[derive(Debug, Clone)]
pub struct Replicated {
    /// The chunk.
    pub chunk: ChunkAddress,
    /// One signed receipt per node that holds it.
    pub receipts: Vec<StorageReceipt>,
}

/// A chunk that could not reach enough nodes.
#[derive(Debug, thiserror::Error)]
#[error("chunk {chunk} reached {held} of {needed} nodes; last error: {last}")]
pub struct ReplicationFailure {
    /// The chunk.
    pub chunk: ChunkAddress,
    /// Nodes that acknowledged it.
    pub held: usize,
    /// Nodes needed.
    pub needed: usize,
    /// The last error seen.
    pub last: String,
}

/// Sends one chunk (already framed with its proof) to the closest nodes of its close group
/// until `placement.replicas` distinct nodes hold it (every node, on a smaller network).
pub async fn replicate<'a>(
    client: &NodeClient,
    swarm: &'a Swarm,
    chunk: ChunkAddress,
    body: Bytes,
    placement: Placement,
    policy: RetryPolicy,
    reporter: &dyn Reporter,
) -> Result<Replicated, ReplicationFailure> {
    let candidates = close_group(&chunk, &swarm.nodes, placement.close_group);
    let needed = swarm.replicas(placement.replicas);
    let mut next = 0;
    let mut receipts = Vec::with_capacity(needed);
    let mut holders: HashSet<Address> = HashSet::new();
    let mut running = FuturesUnordered::new();
    let mut last = String::from("no node to try");
    let mut failures = 0u32;
    let start =
        |node: &'a NodeInfo| put_with_retries(client, node, chunk, body.clone(), policy, reporter);
    loop {
        while receipts.len() + running.len() < needed && next < candidates.len() {
            running.push(start(candidates[next]));
            next += 1;
        }
        let may_hedge = next < candidates.len() && !running.is_empty();
        let answer = match next_or_hedge(&mut running, may_hedge.then_some(HEDGE_DELAY)).await {
            Next::Hedge => {
                running.push(start(candidates[next]));
                next += 1;
                continue;
            }
            Next::Answer(answer) => answer,
        };
        let Some((node, result)) = answer else {
            break;
        };
        match result {
            Ok(receipt) if holders.insert(receipt.node) => receipts.push(receipt),
            Ok(_) => {}
            Err(error) => {
                failures += 1;
                last = error.to_string();
                reporter.event(&Event::Retry {
                    chunk,
                    node: node.url.clone(),
                    attempt: failures,
                    reason: format!("passing over this node: {error}"),
                });
            }
        }
        if receipts.len() >= needed {
            return Ok(Replicated { chunk, receipts });
        }
    }
    Err(ReplicationFailure {
        chunk,
        held: receipts.len(),
        needed,
        last,
    })
}

/// Whether `receipt` is `node`'s signed statement that it holds `chunk`.
fn is_receipt_of(receipt: &StorageReceipt, node: &NodeInfo, chunk: ChunkAddress) -> bool {
    receipt.chunk == chunk && receipt.node == node.rewards && receipt.is_valid()
}

async fn put_with_retries<'a>(
    client: &NodeClient,
    node: &'a NodeInfo,
    chunk: ChunkAddress,
    body: Bytes,
    policy: RetryPolicy,
    reporter: &dyn Reporter,
) -> (&'a NodeInfo, Result<StorageReceipt, RequestError>) {
    let mut backoff = policy.first_backoff;
    let mut attempt = 1;
    loop {
        let result = client
            .put(node, chunk, body.clone())
            .await
            .and_then(|answer| {
                if is_receipt_of(&answer.receipt, node, chunk) {
                    Ok(answer.receipt)
                } else {
                    Err(RequestError::Refused {
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
