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
//! - a storage receipt is a claim: its node counts only once it also answers a fresh
//!   possession challenge, checked against the chunk's bytes the client holds, within a
//!   deadline sized to a local read ([`crate::client::possession`]); the holders a PUT's answer
//!   names are challenged all at once, as soon as it arrives, and a node that does not prove
//!   it is passed over;
//! - the chunk's body is held only while it is written ([`crate::client::bodies`]): the
//!   challenges for the nodes expected to hold it (the `replicas` closest) are hashed from the
//!   first body while it is sent, and a retry, a send to another node or a holder nobody
//!   expected reads the chunk again from its sources;
//! - a chunk counts as stored only once `replicas` distinct nodes of that close group have
//!   each signed a storage receipt for this chunk with their rewards address and proven they
//!   hold it (every node, on a network smaller than that); any other answer is that node's
//!   failure, and a receipt that does not check is ignored, so a node forging receipts for
//!   others gains nothing;
//! - a node's status or error text is never interpreted beyond "this node failed this chunk"
//!   (or "try this node again" for 5xx and 429): it never leads to a payment or a dropped proof;
//! - the forwarding node counts for all `replicas` until it answers or [`FORWARD_HEDGE_DELAY`]
//!   passes; after that, candidates are tried closest first, as many at a time as receipts are
//!   missing; when none of the PUTs in flight has answered within [`HEDGE_DELAY`], the next
//!   closest candidate is started too; every request has a deadline, so a chunk ends stored
//!   or failed, never hung;
//! - every byte of every PUT body sent is counted ([`Replicated::bytes_sent`]).

use std::collections::HashSet;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use alloy::primitives::Address;
use bytes::Bytes;
use futures::FutureExt;
use futures::future::{BoxFuture, Shared};
use futures::stream::FuturesUnordered;

use crate::blocking::{blocking, started};
use crate::client::bodies::ChunkBody;
use crate::client::nodes::{NodeClient, PutMode, RequestError, Swarm};
use crate::client::possession::{Prepared, Unproven, prepare, prove};
use crate::client::race::{Next, next_or_hedge};
use crate::client::reporter::{Event, Reporter};
use crate::wire::http::{FORWARD_BUDGET, PutResponse, split_put};
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

/// One PUT's end: the node, how it was asked, its answer, and which of the holders it names
/// proved they hold the chunk.
struct PutAnswer<'a> {
    node: &'a NodeInfo,
    mode: PutMode,
    result: Result<PutResponse, RequestError>,
    bytes_sent: u64,
    /// The answer's storage receipts that count for the chunk ([`checked_receipts`]).
    checked: Vec<StorageReceipt>,
    /// The rewards addresses of the named holders that answered their challenge.
    proven: HashSet<Address>,
    /// The named holders that did not, and why.
    unproven: Vec<(NodeInfo, Unproven)>,
}

/// The receipts collected for one chunk, by the client's own rules.
struct Tally<'a> {
    chunk: ChunkAddress,
    /// The rewards addresses of the chunk's close group in the client's view.
    group: HashSet<Address>,
    receipts: Vec<StorageReceipt>,
    holders: HashSet<Address>,
    /// Nodes that claimed the chunk and did not prove it: never asked again.
    refuted: HashSet<Address>,
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
            refuted: HashSet::new(),
            bytes_sent: 0,
            failures: 0,
            last: String::from("no node to try"),
            reporter,
        }
    }

    /// Counts `receipt` (one of an answer's [`checked_receipts`]) when its node is of the close
    /// group, not counted yet, and proved it holds the chunk (one of `proven`).
    fn add(&mut self, receipt: StorageReceipt, proven: &HashSet<Address>) -> bool {
        let counts = receipt.chunk == self.chunk
            && self.group.contains(&receipt.node)
            && proven.contains(&receipt.node)
            && !self.holders.contains(&receipt.node);
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

    fn count(&mut self, answer: PutAnswer<'_>) {
        self.bytes_sent += answer.bytes_sent;
        let put = match answer.result {
            Ok(put) => put,
            Err(error) => return self.fail(answer.node, error),
        };
        for (node, why) in answer.unproven {
            if !self.holders.contains(&node.rewards) && self.refuted.insert(node.rewards) {
                self.fail(
                    &node,
                    RequestError::Refused {
                        url: node.url.clone(),
                        status: 200,
                        message: format!(
                            "it acknowledged the chunk but did not prove it holds it: {why}"
                        ),
                    },
                );
            }
        }
        let proven = &answer.proven;
        let (own, peers): (Vec<_>, Vec<_>) = answer
            .checked
            .into_iter()
            .partition(|receipt| receipt.node == answer.node.rewards);
        if let Some(own) = own.into_iter().next() {
            // Counted when proven; an unproven node was reported above.
            self.add(own, proven);
        } else if !self.holders.contains(&answer.node.rewards) {
            // A receipt already counted (through a forwarding node) is no failure.
            self.fail(
                answer.node,
                RequestError::Refused {
                    url: answer.node.url.clone(),
                    status: 200,
                    message: "the storage receipt is not signed by this node for this chunk".into(),
                },
            );
        }
        let offered = put.peer_receipts.len();
        let counted = peers
            .into_iter()
            .filter(|receipt| self.add(receipt.clone(), proven))
            .count();
        if counted < offered {
            tracing::debug!(chunk = %self.chunk, node = %answer.node.url, offered, counted, "peer receipts that do not count were ignored");
        }
    }
}

/// Reads a chunk's body again from its sources (taking room for it), for a retry, a send to
/// another node or a challenge nobody expected.
pub trait Reread: Sync {
    /// The body, or why it cannot be read.
    fn body(&self) -> impl Future<Output = Result<ChunkBody, String>> + Send;
}

/// Sends one chunk, `first` (already framed with its proof, read into its room), to its close
/// group until `placement.replicas` distinct nodes hold it (every node, on a smaller network):
/// once to the closest node, which forwards it, then to the nodes still missing, reading it
/// again through `again` for each later send.
#[allow(clippy::too_many_arguments)]
pub async fn replicate<'a>(
    client: &NodeClient,
    swarm: &'a Swarm,
    chunk: ChunkAddress,
    first: ChunkBody,
    again: &impl Reread,
    placement: Placement,
    policy: RetryPolicy,
    reporter: &dyn Reporter,
) -> Result<Replicated, ReplicationFailure> {
    let candidates = swarm.close_group(&chunk, placement.close_group);
    let needed = swarm.replicas(placement.replicas);
    let mut tally = Tally::new(chunk, &candidates, reporter);
    // Declared before `running`, whose futures borrow them.
    let expected = &candidates[..needed.min(candidates.len())];
    let challenges = Challenges::start(chunk, &first, expected);
    let first = Mutex::new(Some(first));
    let mut running = FuturesUnordered::new();
    let (candidates_ref, challenges_ref, first_ref) = (&candidates, &challenges, &first);
    let start = move |node: &'a NodeInfo, mode| async move {
        let put = Put {
            client,
            chunk,
            again,
            policy,
            reporter,
        };
        let given = first_ref
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let answer = put_with_retries(&put, node, mode, given).await;
        prove_named(&put, answer, candidates_ref, challenges_ref).await
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
            let Some(node) = next_missing(&candidates, &mut next, &tally) else {
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
                if let Some(node) = next_missing(&candidates, &mut next, &tally) {
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

/// The chunk's bytes in a PUT body (after its proof), without a copy.
fn chunk_bytes(body: &Bytes) -> Bytes {
    let start = split_put(body).map_or(body.len(), |(proof, _)| 4 + proof.len());
    body.slice(start..)
}

/// Prepared challenges, by the rewards address of the node each is for.
type ByNode = Arc<Vec<(Address, Prepared)>>;

/// The challenges for the nodes expected to hold a chunk (one round's nonce, a hash for each),
/// hashed from its first body while it is sent; each handed out once, so no node is sent a
/// nonce twice.
struct Challenges {
    size: u64,
    ready: Shared<BoxFuture<'static, ByNode>>,
    used: Mutex<HashSet<Address>>,
}

impl Challenges {
    /// Starts hashing the challenges for `nodes` from `first`.
    fn start(chunk: ChunkAddress, first: &ChunkBody, nodes: &[&NodeInfo]) -> Self {
        let bytes = chunk_bytes(first.bytes());
        let size = bytes.len() as u64;
        let rewards: Vec<Address> = nodes.iter().map(|node| node.rewards).collect();
        let ready = started(move || {
            let prepared = prepare(chunk, &bytes, &rewards);
            Arc::new(rewards.into_iter().zip(prepared).collect::<Vec<_>>())
        })
        .boxed()
        .shared();
        Self {
            size,
            ready,
            used: Mutex::new(HashSet::new()),
        }
    }

    /// The prepared challenge for `node`, unless it had one already or none was prepared.
    async fn take(&self, node: Address) -> Option<Prepared> {
        let ready = self.ready.clone().await;
        let (_, prepared) = ready.iter().find(|(rewards, _)| *rewards == node)?;
        let mut used = self.used.lock().unwrap_or_else(PoisonError::into_inner);
        used.insert(node).then_some(*prepared)
    }
}

/// The storage receipts in a PUT's answer that count for `chunk`: the node's own and those
/// of the nodes it forwarded to, each for this chunk, by a node of the close group (`group`,
/// rewards addresses), one per node, each signature checked once. Receipts of other nodes are
/// not checked at all, so a node padding its answer costs the client nothing.
fn checked_receipts(
    response: &PutResponse,
    chunk: ChunkAddress,
    group: &HashSet<Address>,
) -> Vec<StorageReceipt> {
    let mut checked: Vec<StorageReceipt> = Vec::new();
    for receipt in std::iter::once(&response.receipt).chain(&response.peer_receipts) {
        let candidate = receipt.chunk == chunk
            && group.contains(&receipt.node)
            && !checked.iter().any(|known| known.node == receipt.node);
        if candidate && receipt.is_valid() {
            checked.push(receipt.clone());
        }
    }
    checked
}

/// The next candidate from `next` on that neither holds the chunk yet nor failed to prove it.
fn next_missing<'a>(
    candidates: &[&'a NodeInfo],
    next: &mut usize,
    tally: &Tally<'_>,
) -> Option<&'a NodeInfo> {
    while let Some(node) = candidates.get(*next) {
        *next += 1;
        if !tally.holders.contains(&node.rewards) && !tally.refuted.contains(&node.rewards) {
            return Some(node);
        }
    }
    None
}

/// Challenges, all at once, the close-group nodes a PUT's answer names as holders (the node
/// itself and those it forwarded to, each with a valid storage receipt for the chunk), with
/// the challenges prepared for them or, for a node nobody expected, ones hashed from the chunk
/// read again.
async fn prove_named<'a>(
    put: &Put<'_, impl Reread>,
    mut answer: PutAnswer<'a>,
    candidates: &[&NodeInfo],
    challenges: &Challenges,
) -> PutAnswer<'a> {
    let Ok(response) = &answer.result else {
        return answer;
    };
    let chunk = put.chunk;
    let group: HashSet<Address> = candidates.iter().map(|node| node.rewards).collect();
    answer.checked = checked_receipts(response, chunk, &group);
    let named: Vec<NodeInfo> = candidates
        .iter()
        .filter(|node| answer.checked.iter().any(|r| r.node == node.rewards))
        .map(|node| (*node).clone())
        .collect();
    let mut prepared = Vec::with_capacity(named.len());
    for node in &named {
        prepared.push(challenges.take(node.rewards).await);
    }
    if prepared.iter().any(Option::is_none) {
        let body = match put.again.body().await {
            Ok(body) => body,
            Err(reason) => {
                answer.unproven = named
                    .into_iter()
                    .map(|node| {
                        let failed = RequestError::Unread {
                            url: node.url.clone(),
                            reason: reason.clone(),
                        };
                        (node, Unproven::Failed(failed))
                    })
                    .collect();
                return answer;
            }
        };
        let bytes = chunk_bytes(body.bytes());
        drop(body);
        let unexpected: Vec<Address> = named
            .iter()
            .zip(&prepared)
            .filter(|(_, p)| p.is_none())
            .map(|(node, _)| node.rewards)
            .collect();
        let mut fresh = blocking(move || prepare(chunk, &bytes, &unexpected))
            .await
            .into_iter();
        for slot in prepared.iter_mut().filter(|p| p.is_none()) {
            *slot = fresh.next();
        }
    }
    let prepared = prepared.into_iter().flatten().collect();
    let possession = prove(put.client, challenges.size, &named, prepared).await;
    answer.proven = possession.proven;
    answer.unproven = possession.unproven;
    answer
}

/// What every PUT of one chunk shares.
struct Put<'a, R> {
    client: &'a NodeClient,
    chunk: ChunkAddress,
    again: &'a R,
    policy: RetryPolicy,
    reporter: &'a dyn Reporter,
}

/// PUTs the chunk to `node`, with `given` (the chunk's first body) or a body read again, and
/// tries again (reading it again) while the failure may pass.
async fn put_with_retries<'a>(
    put: &Put<'_, impl Reread>,
    node: &'a NodeInfo,
    mode: PutMode,
    mut given: Option<ChunkBody>,
) -> PutAnswer<'a> {
    let Put {
        client,
        chunk,
        again,
        policy,
        reporter,
    } = *put;
    let mut backoff = policy.first_backoff;
    let mut attempt = 1;
    let mut bytes_sent = 0;
    let answer = |result, bytes_sent| PutAnswer {
        node,
        mode,
        result,
        bytes_sent,
        checked: Vec::new(),
        proven: HashSet::new(),
        unproven: Vec::new(),
    };
    loop {
        let body = match given.take() {
            Some(body) => body,
            None => match again.body().await {
                Ok(body) => body,
                Err(reason) => {
                    let url = node.url.clone();
                    return answer(Err(RequestError::Unread { url, reason }), bytes_sent);
                }
            },
        };
        bytes_sent += body.len() as u64;
        let result = body
            .transmit(async |body, len| client.put_streamed(node, chunk, (body, len), mode).await)
            .await;
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
            result => return answer(result, bytes_sent),
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
        let response = PutResponse {
            outcome: PutOutcome::Stored,
            receipt: StorageReceipt::sign(chunk, &keys[0]),
            peer_receipts: vec![
                StorageReceipt::sign(chunk, &keys[1]),
                StorageReceipt::sign(chunk, &keys[1]),
                forged,
                StorageReceipt::sign(chunk, &stranger),
                StorageReceipt::sign(ChunkAddress::of(b"other"), &keys[3]),
                StorageReceipt::sign(chunk, &keys[2]),
            ],
        };
        let checked = checked_receipts(&response, chunk, &tally.group);
        assert_eq!(
            checked.iter().map(|r| r.node).collect::<Vec<_>>(),
            vec![keys[0].address(), keys[1].address(), keys[2].address()],
            "one genuine receipt per close-group node: no duplicate, forgery, stranger or other chunk"
        );
        let answer = PutAnswer {
            node: &group[0],
            mode: PutMode::Forward,
            result: Ok(response),
            bytes_sent: 100,
            checked,
            // keys[2] signed a valid receipt but did not answer its challenge.
            proven: HashSet::from([keys[0].address(), keys[1].address(), keys[3].address()]),
            unproven: vec![(
                group[2].clone(),
                Unproven::Failed(RequestError::TimedOut {
                    url: group[2].url.clone(),
                    after: Duration::from_secs(3),
                }),
            )],
        };
        tally.count(answer);
        let holders: HashSet<Address> = tally.receipts.iter().map(|r| r.node).collect();
        assert_eq!(
            holders,
            HashSet::from([keys[0].address(), keys[1].address()]),
            "the node's own and one genuine, proven peer receipt; no duplicate, forgery, stranger, other chunk or unproven holder"
        );
        assert_eq!(tally.receipts.len(), 2);
        assert_eq!(tally.bytes_sent, 100);
        assert_eq!(tally.failures, 1, "the unproven holder is passed over");
        assert!(tally.refuted.contains(&keys[2].address()));
        let lie = PutResponse {
            outcome: PutOutcome::Stored,
            receipt: StorageReceipt::sign(chunk, &stranger),
            peer_receipts: vec![],
        };
        let checked = checked_receipts(&lie, chunk, &tally.group);
        assert!(checked.is_empty());
        let lying = PutAnswer {
            node: &group[3],
            mode: PutMode::StoreOnly,
            result: Ok(lie),
            bytes_sent: 100,
            checked,
            proven: HashSet::new(),
            unproven: vec![],
        };
        tally.count(lying);
        assert_eq!(tally.receipts.len(), 2);
        assert_eq!(
            tally.failures, 2,
            "a node answering with another's receipt failed"
        );
        assert_eq!(tally.bytes_sent, 200);
    }
}
