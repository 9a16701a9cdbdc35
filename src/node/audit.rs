//! Auditing peers: proving, with fresh storage challenges checked against this node's own
//! copies, which of its chunks a peer holds now. The upkeep pass uses it instead of asking
//! peers what they hold.
//!
//! Invariants:
//! - a peer holds a chunk only by a signed answer to this round's nonce whose hash this node
//!   computed from its own verified copy, arriving within [`audit_deadline`] of the bytes its
//!   batch covers; a late batch proves nothing, so a peer that fetches chunks elsewhere when
//!   challenged (a relay) counts as not holding them;
//! - the expected hashes are computed before the challenge is sent (the deadline measures the
//!   peer, not this node), reading each chunk once for all the peers that should hold it;
//! - a peer that cannot be reached, is busy or refuses is not judged (it is asked again next
//!   pass), so a network hiccup sends no replicas.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::node::outbound::Outbound;
use crate::node::store::ChunkStore;
use crate::wire::answer::{PeerError, read_json};
use crate::wire::challenge::{
    BatchAnswer, ChallengeBatch, ChallengeRequest, MAX_BATCH_ANSWER_BYTES, audit_deadline,
    holding_hashes, pack_batches,
};
use crate::wire::network::NodeInfo;
use crate::wire::routes::Route;
use crate::wire::types::{ChunkAddress, HoldingHash};

/// One challenge this node will send, with the answer it expects.
#[derive(Debug, Clone)]
pub(crate) struct Audit {
    /// The challenge.
    pub(crate) request: ChallengeRequest,
    /// The hash of this node's copy under the challenge's nonce, for the peer asked.
    pub(crate) expected: HoldingHash,
    /// The chunk's size in bytes.
    pub(crate) size: u64,
}

/// The challenges of a round, by peer.
#[derive(Debug, Default)]
pub(crate) struct Prepared {
    /// Each peer (by URL) with the challenges it gets.
    pub(crate) by_peer: HashMap<String, (NodeInfo, Vec<Audit>)>,
    /// The chunks whose peers are challenged.
    pub(crate) chunks: Vec<ChunkAddress>,
    /// The bytes of this node's chunks read.
    pub(crate) bytes: u64,
}

/// Fresh challenges for each `(chunk, peers)`, in order, until `budget` bytes of chunks are
/// read, with their expected answers from this node's copy (blocking: reads and hashes each
/// chunk once; its peers share a fresh nonce, each with its own hash).
/// A chunk this node can no longer read is left out.
pub(crate) fn prepare(
    store: &ChunkStore,
    wanted: Vec<(ChunkAddress, Vec<NodeInfo>)>,
    budget: u64,
) -> Prepared {
    let mut prepared = Prepared::default();
    for (chunk, peers) in wanted {
        if prepared.bytes >= budget {
            break;
        }
        let bytes = match store.get(&chunk) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => continue,
            Err(error) => {
                tracing::warn!(%chunk, %error, "upkeep: cannot read the chunk to audit its peers");
                continue;
            }
        };
        prepared.bytes += bytes.len() as u64;
        prepared.chunks.push(chunk);
        // One nonce for the chunk's peers, each with its own hash, all in one pass over it.
        let request = ChallengeRequest::fresh(chunk);
        let rewards: Vec<_> = peers.iter().map(|peer| peer.rewards).collect();
        let expected = holding_hashes(&request.nonce, &rewards, &bytes);
        for (peer, expected) in peers.into_iter().zip(expected) {
            let audit = Audit {
                expected,
                request,
                size: bytes.len() as u64,
            };
            let entry = prepared.by_peer.entry(peer.url.clone());
            entry.or_insert_with(|| (peer, Vec::new())).1.push(audit);
        }
    }
    prepared
}

/// What auditing one peer showed.
#[derive(Debug, Default)]
pub(crate) struct PeerAudit {
    /// Chunks it proved it holds.
    pub(crate) proven: Vec<ChunkAddress>,
    /// Chunks it did not prove: not held, a false answer, or an answer after the deadline.
    pub(crate) lacking: Vec<ChunkAddress>,
    /// Of `lacking`, the chunks whose batch came back after its deadline.
    pub(crate) late: usize,
    /// Chunks not judged: the peer could not be asked.
    pub(crate) unjudged: usize,
}

/// Challenges `peer` with `audits`, batch by batch, each within its deadline.
pub(crate) async fn audit_peer(http: &Outbound, peer: &NodeInfo, audits: Vec<Audit>) -> PeerAudit {
    let mut result = PeerAudit::default();
    let sized = audits.into_iter().map(|audit| {
        let size = audit.size;
        (audit, size)
    });
    for batch in pack_batches(sized.collect()) {
        let audits: Vec<Audit> = batch.into_iter().map(|(audit, _)| audit).collect();
        let bytes = audits.iter().map(|audit| audit.size).sum();
        let deadline = audit_deadline(bytes);
        match challenge(http, peer, &audits, deadline).await {
            Ok(answers) => judge(peer, audits, answers, &mut result),
            Err(Asked::Late(after)) => {
                tracing::info!(peer = %peer.url, chunks = audits.len(), deadline = ?deadline, after = ?after, "upkeep: a peer answered its challenges too late to hold the chunks (relayed?)");
                result.late += audits.len();
                result
                    .lacking
                    .extend(audits.iter().map(|audit| audit.request.chunk));
            }
            Err(Asked::NotJudged(error)) => {
                tracing::debug!(peer = %peer.url, %error, "upkeep: a peer could not be challenged");
                result.unjudged += audits.len();
            }
        }
    }
    result
}

/// Sorts `audits` into proven and lacking by `answers`; verifying signatures is CPU work, a
/// few hundred per batch at most.
fn judge(peer: &NodeInfo, audits: Vec<Audit>, answers: BatchAnswer, result: &mut PeerAudit) {
    let mut by_chunk: HashMap<ChunkAddress, _> = answers
        .answers
        .into_iter()
        .map(|answer| (answer.chunk, answer))
        .collect();
    for audit in audits {
        let chunk = audit.request.chunk;
        let proven = by_chunk.remove(&chunk).is_some_and(|answer| {
            answer
                .check(&audit.request, peer.rewards, &audit.expected)
                .is_ok()
        });
        if proven {
            result.proven.push(chunk);
        } else {
            result.lacking.push(chunk);
        }
    }
}

/// Why a batch was not answered in time.
enum Asked {
    /// The answer did not come within the deadline.
    Late(Duration),
    /// The peer could not be asked (unreachable, busy, refused, garbled): no verdict.
    NotJudged(String),
}

async fn challenge(
    http: &Outbound,
    peer: &NodeInfo,
    audits: &[Audit],
    deadline: Duration,
) -> Result<BatchAnswer, Asked> {
    let batch = ChallengeBatch {
        challenges: audits.iter().map(|audit| audit.request).collect(),
    };
    let started = Instant::now();
    let exchange = async {
        let route = Route::Challenges;
        let response = http
            .request(route.method(), &route.url(&peer.url))?
            .json(&batch)
            .send()
            .await
            .map_err(PeerError::Unreachable)?;
        read_json(response, MAX_BATCH_ANSWER_BYTES).await
    };
    let judged = |answer: Result<BatchAnswer, PeerError>| {
        answer.map_err(|error| Asked::NotJudged(crate::exit::with_causes(&error)))
    };
    match tokio::time::timeout(deadline, exchange).await {
        Ok(answer) => judged(answer),
        Err(_) => Err(Asked::Late(started.elapsed())),
    }
}
