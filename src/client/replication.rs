//! The PUT transport: storing one chunk on enough of its close group, sending it once when
//! the nodes forward it, and routing around failures and slow nodes.
//!
//! The client sends the chunk to the closest node of its close group asking it to forward
//! ([`PutMode::Forward`]): that node stores it, sends it on to the next closest nodes it knows
//! and answers with their storage receipts and its own. Whatever is still missing then
//! (a node that failed, lied, forwarded to too few, or is slow) the client sends to the
//! missing close-group nodes itself ([`PutMode::StoreOnly`]), as before forwarding existed.
//!
//! Invariants:
//! - only nodes this client itself places among the chunk's `close_group` closest (one per id)
//!   are asked, and only their storage receipts count, however they arrive (directly or
//!   through a forwarding node), so a node's word never widens where a chunk counts as stored;
//! - a chunk counts as stored only once `replicas` distinct nodes of that close group have
//!   each signed a storage receipt for this chunk with their rewards address (every node, on
//!   a network smaller than that); any other answer is that node's failure, and a receipt that
//!   does not check is ignored, so a node forging receipts for others gains nothing;
//! - a node's status or error text is never interpreted beyond "this node failed this chunk"
//!   (or "try this node again" for 5xx and 429): it never leads to a payment or a dropped proof;
//! - the forwarding node counts for all `replicas` until it answers or [`FORWARD_HEDGE_DELAY`]
//!   passes; after that, candidates are tried closest first, as many at a time as receipts are
//!   missing; when none of the PUTs in flight has answered within [`HEDGE_DELAY`], the next
//!   closest candidate is started too; every request has a deadline, so a chunk ends stored
//!   or failed, never hung;
//! - every byte of every PUT body sent is counted ([`Replicated::bytes_sent`]).

use std::collections::HashSet;
use std::time::Duration;

use alloy::primitives::Address;
use bytes::Bytes;
use futures::stream::FuturesUnordered;

use crate::client::nodes::{NodeClient, PutMode, RequestError, Swarm};
use crate::client::race::{Next, next_or_hedge};
use crate::client::reporter::{Event, Reporter};
use crate::wire::http::{FORWARD_BUDGET, PutResponse};
use crate::wire::network::NodeInfo;
use crate::wire::signed::StorageReceipt;
use crate::wire::types::ChunkAddress;

/// How long the PUTs in flight may go without any answer before the next candidate is asked.
pub const HEDGE_DELAY: Duration = Duration::from_secs(3);
/// How long the forwarding node may take before the client sends to the others itself: the
/// time it may spend forwarding, plus [`HEDGE_DELAY`].
pub const FORWARD_HEDGE_DELAY: Duration = Duration::from_secs(FORWARD_BUDGET.as_secs() + 3);

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
    /// Bytes of PUT bodies the client sent for it (every attempt counted).
    pub bytes_sent: u64,
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
    /// Bytes of PUT bodies the client sent for it (every attempt counted).
    pub bytes_sent: u64,
}

/// One PUT's end: the node, how it was asked, and its answer.
struct Answer<'a> {
    node: &'a NodeInfo,
    mode: PutMode,
    result: Result<PutResponse, RequestError>,
    bytes_sent: u64,
}

/// The receipts collected for one chunk, by the client's own rules.
struct Tally<'a> {
    chunk: ChunkAddress,
    /// The rewards addresses of the chunk's close group in the client's view.
    group: HashSet<Address>,
    receipts: Vec<StorageReceipt>,
    holders: HashSet<Address>,
    bytes_sent: u64,
    failures: u32,
    last: String,
    reporter: &'a dyn Reporter,
}

impl<'a> Tally<'a> {
    /// An empty tally for `chunk`, whose close group is `candidates`.
    fn new(chunk: ChunkAddress, candidates: &[&NodeInfo], reporter: &'a dyn Reporter) -> Self {
        Self {
            chunk,
            group: candidates.iter().map(|node| node.rewards).collect(),
            receipts: Vec::new(),
            holders: HashSet::new(),
            bytes_sent: 0,
            failures: 0,
            last: String::from("no node to try"),
            reporter,
        }
    }

    /// Counts `receipt` when it is a valid storage receipt for this chunk by a close-group
    /// node not counted yet.
    fn add(&mut self, receipt: StorageReceipt) -> bool {
        let counts = receipt.chunk == self.chunk
            && self.group.contains(&receipt.node)
            && !self.holders.contains(&receipt.node)
            && receipt.is_valid();
        if counts {
            self.holders.insert(receipt.node);
            self.receipts.push(receipt);
        }
        counts
    }

    fn fail(&mut self, node: &NodeInfo, error: RequestError) {
        self.failures += 1;
        self.last = error.to_string();
        self.reporter.event(&Event::Retry {
            chunk: self.chunk,
            node: node.url.clone(),
            attempt: self.failures,
            reason: format!("passing over this node: {error}"),
        });
    }

    fn count(&mut self, answer: Answer<'_>) {
        self.bytes_sent += answer.bytes_sent;
        let put = match answer.result {
            Ok(put) => put,
            Err(error) => return self.fail(answer.node, error),
        };
        if put.receipt.node != answer.node.rewards || !self.add(put.receipt) {
            // A receipt already counted (through a forwarding node) is no failure.
            if !self.holders.contains(&answer.node.rewards) {
                self.fail(
                    answer.node,
                    RequestError::Refused {
                        url: answer.node.url.clone(),
                        status: 200,
                        message: "the storage receipt is not signed by this node for this chunk"
                            .into(),
                    },
                );
            }
        }
        let offered = put.peer_receipts.len();
        let counted = put
            .peer_receipts
            .into_iter()
            .filter(|receipt| self.add(receipt.clone()))
            .count();
        if counted < offered {
            tracing::debug!(chunk = %self.chunk, node = %answer.node.url, offered, counted, "peer receipts that do not count were ignored");
        }
    }
}

/// Sends one chunk (already framed with its proof) to its close group until
/// `placement.replicas` distinct nodes hold it (every node, on a smaller network): once to the
/// closest node, which forwards it, then to the nodes still missing.
pub async fn replicate<'a>(
    client: &NodeClient,
    swarm: &'a Swarm,
    chunk: ChunkAddress,
    body: Bytes,
    placement: Placement,
    policy: RetryPolicy,
    reporter: &dyn Reporter,
) -> Result<Replicated, ReplicationFailure> {
    let candidates = swarm.close_group(&chunk, placement.close_group);
    let needed = swarm.replicas(placement.replicas);
    let mut tally = Tally::new(chunk, &candidates, reporter);
    let mut running = FuturesUnordered::new();
    let start = |node: &'a NodeInfo, mode| {
        put_with_retries(client, node, chunk, body.clone(), mode, policy, reporter)
    };
    // The forwarding node counts for every replica until it answers or is too slow.
    let mut forwarding = needed > 1 && !candidates.is_empty();
    let mut next = 0;
    if forwarding {
        running.push(start(candidates[0], PutMode::Forward));
        next = 1;
    }
    loop {
        let awaited = |running: usize, forwarding: bool| {
            if forwarding {
                running.saturating_sub(1) + needed
            } else {
                running
            }
        };
        while tally.holders.len() + awaited(running.len(), forwarding) < needed {
            let Some(node) = next_missing(&candidates, &mut next, &tally.holders) else {
                break;
            };
            running.push(start(node, PutMode::StoreOnly));
        }
        let delay = if forwarding {
            FORWARD_HEDGE_DELAY
        } else {
            HEDGE_DELAY
        };
        let may_hedge = (forwarding || next < candidates.len()) && !running.is_empty();
        match next_or_hedge(&mut running, may_hedge.then_some(delay)).await {
            Next::Hedge if forwarding => forwarding = false,
            Next::Hedge => {
                if let Some(node) = next_missing(&candidates, &mut next, &tally.holders) {
                    running.push(start(node, PutMode::StoreOnly));
                }
            }
            Next::Answer(None) => break,
            Next::Answer(Some(answer)) => {
                forwarding &= answer.mode != PutMode::Forward;
                tally.count(answer);
            }
        }
        if tally.holders.len() >= needed {
            return Ok(Replicated {
                chunk,
                receipts: tally.receipts,
                bytes_sent: tally.bytes_sent,
            });
        }
    }
    Err(ReplicationFailure {
        chunk,
        held: tally.holders.len(),
        needed,
        last: tally.last,
        bytes_sent: tally.bytes_sent,
    })
}

/// The next candidate from `next` on that does not hold the chunk yet.
fn next_missing<'a>(
    candidates: &[&'a NodeInfo],
    next: &mut usize,
    holders: &HashSet<Address>,
) -> Option<&'a NodeInfo> {
    while let Some(node) = candidates.get(*next) {
        *next += 1;
        if !holders.contains(&node.rewards) {
            return Some(node);
        }
    }
    None
}

async fn put_with_retries<'a>(
    client: &NodeClient,
    node: &'a NodeInfo,
    chunk: ChunkAddress,
    body: Bytes,
    mode: PutMode,
    policy: RetryPolicy,
    reporter: &dyn Reporter,
) -> Answer<'a> {
    let mut backoff = policy.first_backoff;
    let mut attempt = 1;
    let mut bytes_sent = 0;
    loop {
        bytes_sent += body.len() as u64;
        let result = client.put(node, chunk, body.clone(), mode).await;
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
            result => {
                return Answer {
                    node,
                    mode,
                    result,
                    bytes_sent,
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::reporter::Silent;
    use crate::wire::http::PutOutcome;
    use alloy::signers::local::PrivateKeySigner;

    fn node(signer: &PrivateKeySigner, port: u16) -> NodeInfo {
        NodeInfo {
            id: crate::wire::types::NodeId(*blake3::hash(signer.address().as_slice()).as_bytes()),
            url: format!("http://127.0.0.1:{port}"),
            rewards: signer.address(),
        }
    }

    #[test]
    fn only_valid_distinct_close_group_receipts_count_however_they_arrive() {
        let chunk = ChunkAddress::of(b"chunk");
        let keys: Vec<PrivateKeySigner> = (0..4).map(|_| PrivateKeySigner::random()).collect();
        let group: Vec<NodeInfo> = keys.iter().zip(1..).map(|(k, p)| node(k, p)).collect();
        let candidates: Vec<&NodeInfo> = group.iter().collect();
        let mut tally = Tally::new(chunk, &candidates, &Silent);
        let stranger = PrivateKeySigner::random();
        let forged = StorageReceipt {
            node: keys[2].address(),
            ..StorageReceipt::sign(chunk, &stranger)
        };
        let answer = Answer {
            node: &group[0],
            mode: PutMode::Forward,
            result: Ok(PutResponse {
                outcome: PutOutcome::Stored,
                receipt: StorageReceipt::sign(chunk, &keys[0]),
                peer_receipts: vec![
                    StorageReceipt::sign(chunk, &keys[1]),
                    StorageReceipt::sign(chunk, &keys[1]),
                    forged,
                    StorageReceipt::sign(chunk, &stranger),
                    StorageReceipt::sign(ChunkAddress::of(b"other"), &keys[3]),
                ],
            }),
            bytes_sent: 100,
        };
        tally.count(answer);
        let holders: HashSet<Address> = tally.receipts.iter().map(|r| r.node).collect();
        assert_eq!(
            holders,
            HashSet::from([keys[0].address(), keys[1].address()]),
            "the node's own and one genuine peer receipt; no duplicate, forgery, stranger or other chunk"
        );
        assert_eq!(tally.receipts.len(), 2);
        assert_eq!(tally.bytes_sent, 100);
        assert_eq!(tally.failures, 0);
        let lying = Answer {
            node: &group[3],
            mode: PutMode::StoreOnly,
            result: Ok(PutResponse {
                outcome: PutOutcome::Stored,
                receipt: StorageReceipt::sign(chunk, &stranger),
                peer_receipts: vec![],
            }),
            bytes_sent: 100,
        };
        tally.count(lying);
        assert_eq!(tally.receipts.len(), 2);
        assert_eq!(
            tally.failures, 1,
            "a node answering with another's receipt failed"
        );
        assert_eq!(tally.bytes_sent, 200);
    }
}
