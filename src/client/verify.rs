//! `verify`: does the network still hold every chunk of a file, now?
//!
//! For every chunk of the file (the data map's chunks too), the client fetches the chunk once,
//! from any node, and checks the bytes against the address; then each node of the chunk's
//! close group gets a fresh random challenge and must answer with the chunk's bytes hashed
//! under it, signed ([`crate::wire::challenge`]), within a deadline sized to a local read of
//! the chunk ([`crate::wire::challenge::audit_deadline`]). The client judges every answer against the bytes itself.
//!
//! Invariants:
//! - a replica counts only with an answer to this run's nonce, signed by the node asked, whose
//!   hash this client computed from bytes that hash to the chunk's address, that arrives
//!   within the deadline: a node cannot answer without the bytes, cannot replay an old answer,
//!   and a node that fetches the chunk from elsewhere when challenged (a relay) answers late
//!   and does not count;
//! - what a node says (a status, an error text) never counts as proof, and costs no more
//!   than that node's verdict for that chunk;
//! - nothing is paid; per chunk one fetch and one small request per close-group node, at most
//!   [`VerifyOptions::chunks_in_flight`] chunks at once (each one chunk in memory).

use std::collections::HashSet;
use std::time::Instant;

use bytes::Bytes;
use futures::{StreamExt, stream};

use crate::blocking::blocking;
use crate::client::chunking::Reference;
use crate::client::download::{DownloadError, file_map, folder_manifest};
use crate::client::lookup::Swarm;
use crate::client::nodes::{NodeClient, RequestError};
use crate::client::reporter::{Event, NodeFailure, Phase, Reporter};
use crate::exit::ErrorKind;
use crate::wire::challenge::{ChallengeFailure, ChallengeRequest, holding_hash};
use crate::wire::http::ChallengeAnswer;
use crate::wire::network::{CLOSE_GROUP_SIZE, Diversity, NodeInfo, REPLICAS, ring_order};
use crate::wire::types::ChunkAddress;
use crate::wire::types::MAX_CHUNK_BYTES;

/// How a verify (or repair) runs.
#[derive(Debug, Clone, Copy)]
pub struct VerifyOptions {
    /// Proven replicas a chunk needs to count as fully stored.
    pub replicas: usize,
    /// The close group size: the nodes challenged per chunk.
    pub close_group: usize,
    /// Chunks checked at once.
    pub chunks_in_flight: usize,
    /// The network's close-group rule (one node per prefix).
    pub diversity: Diversity,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        Self {
            replicas: REPLICAS,
            close_group: CLOSE_GROUP_SIZE,
            chunks_in_flight: 8,
            diversity: Diversity::default(),
        }
    }
}

/// What a verify could not do at all.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The reference is bad, or a chunk of its data map is not served by any node.
    #[error("cannot read the file's data map")]
    Map(#[source] DownloadError),
}

impl VerifyError {
    /// The class of failure (for the exit code): a data map chunk no node serves is lost.
    pub fn kind(&self) -> ErrorKind {
        match self {
            VerifyError::Map(DownloadError::NotFound { .. }) => ErrorKind::Lost,
            VerifyError::Map(error) => error.kind(),
        }
    }
}

/// What one node's answer to a chunk's challenge showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// It proved it holds the chunk.
    Proven,
    /// It says it does not hold the chunk.
    NotHeld,
    /// It answered, but its answer does not prove it holds the bytes.
    FalseAnswer(ChallengeFailure),
    /// It answered, but no node served the chunk's bytes to check the answer against.
    Unchecked,
    /// It did not answer within the deadline a local read allows: it does not count as
    /// holding the chunk (a node that relays the chunk from elsewhere is late).
    Late(std::time::Duration),
    /// The request failed (unreachable, timed out, refused, garbled).
    Failed(String),
}

impl Verdict {
    fn reason(&self) -> String {
        match self {
            Verdict::Proven => "proved it holds the chunk".into(),
            Verdict::NotHeld => "does not hold the chunk".into(),
            Verdict::FalseAnswer(failure) => format!("does not hold the chunk: {failure}"),
            Verdict::Unchecked => {
                "no node served the chunk's bytes to check its answer against".into()
            }
            Verdict::Late(deadline) => format!(
                "did not answer within the {deadline:?} a local read of the chunk allows, so it does not count as holding it"
            ),
            Verdict::Failed(error) => error.clone(),
        }
    }
}

/// One node of a chunk's close group, and its verdict.
#[derive(Debug, Clone)]
pub struct NodeCheck {
    /// The node.
    pub node: NodeInfo,
    /// Its place among the chunk's closest nodes, from 0.
    pub rank: usize,
    /// What its answer showed.
    pub verdict: Verdict,
}

/// How well one chunk is held.
#[derive(Debug, Clone)]
pub struct ChunkHealth {
    /// The chunk.
    pub chunk: ChunkAddress,
    /// Every node of its close group, closest first.
    pub checks: Vec<NodeCheck>,
}

impl ChunkHealth {
    /// The nodes that proved they hold it.
    pub fn holders(&self) -> impl Iterator<Item = &NodeInfo> {
        self.checks
            .iter()
            .filter(|check| check.verdict == Verdict::Proven)
            .map(|check| &check.node)
    }

    /// How many nodes proved they hold it.
    pub fn proven(&self) -> usize {
        self.holders().count()
    }

    /// The nodes that failed it: among its `replicas` closest and not proven, or answering
    /// falsely or late wherever they stand.
    pub fn failures(&self, replicas: usize) -> Vec<NodeFailure> {
        self.checks
            .iter()
            .filter(|check| match check.verdict {
                Verdict::Proven => false,
                Verdict::FalseAnswer(_) | Verdict::Late(_) => true,
                _ => check.rank < replicas,
            })
            .map(|check| NodeFailure {
                node: check.node.url.clone(),
                reason: check.verdict.reason(),
            })
            .collect()
    }

    fn event(&self, replicas: usize) -> Event {
        Event::ChunkVerified {
            chunk: self.chunk,
            proven: self.proven(),
            holders: self.holders().map(|node| node.url.clone()).collect(),
            failed: self.failures(replicas),
        }
    }
}

/// Whether a file is fully stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// Every chunk has its full count of proven replicas.
    Healthy,
    /// Some chunk has fewer, but every chunk at least one: `ferry repair` can fix it.
    Degraded,
    /// Some chunk is proven by no node.
    Lost,
}

/// What a verify found.
#[derive(Debug, Clone)]
pub struct VerifyReport {
    /// Every distinct chunk, data map chunks first.
    pub chunks: Vec<ChunkHealth>,
    /// Proven replicas a chunk needs.
    pub replicas: usize,
    /// Wall time.
    pub seconds: f64,
}

impl VerifyReport {
    /// Healthy, degraded or lost.
    pub fn health(&self) -> Health {
        if self.chunks.iter().any(|chunk| chunk.proven() == 0) {
            Health::Lost
        } else if self.below().next().is_some() {
            Health::Degraded
        } else {
            Health::Healthy
        }
    }

    fn counts(&self) -> Vec<usize> {
        let mut counts: Vec<usize> = self.chunks.iter().map(ChunkHealth::proven).collect();
        counts.sort_unstable();
        counts
    }

    /// The fewest proven replicas of any chunk.
    pub fn lowest(&self) -> usize {
        self.counts().first().copied().unwrap_or(0)
    }

    /// The median count of proven replicas (the lower median for an even count).
    pub fn median(&self) -> usize {
        let counts = self.counts();
        counts
            .get(counts.len().saturating_sub(1) / 2)
            .copied()
            .unwrap_or(0)
    }

    /// The chunks with fewer proven replicas than needed.
    pub fn below(&self) -> impl Iterator<Item = &ChunkHealth> {
        self.chunks
            .iter()
            .filter(|chunk| chunk.proven() < self.replicas)
    }

    /// Every node that failed some chunk, with how many chunks, most first.
    pub fn failed_nodes(&self) -> Vec<(String, usize)> {
        let mut counts = std::collections::BTreeMap::<String, usize>::new();
        for chunk in &self.chunks {
            for failure in chunk.failures(self.replicas) {
                *counts.entry(failure.node).or_default() += 1;
            }
        }
        let mut nodes: Vec<(String, usize)> = counts.into_iter().collect();
        nodes.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        nodes
    }

    /// Replaces the entries of the chunks in `rechecked`.
    pub fn update(&mut self, rechecked: Vec<ChunkHealth>) {
        for health in rechecked {
            if let Some(entry) = self.chunks.iter_mut().find(|c| c.chunk == health.chunk) {
                *entry = health;
            }
        }
    }
}

/// The distinct chunks behind `reference`: its data map chunks, then its pieces; for a
/// folder's reference, then those of every file its manifest names.
pub async fn file_chunks(
    client: &NodeClient,
    swarm: &Swarm,
    reference: Reference,
    reporter: &dyn Reporter,
) -> Result<Vec<ChunkAddress>, VerifyError> {
    let mut seen = HashSet::new();
    let mut all = Vec::new();
    let mut files = vec![reference];
    // A chunk that cannot be read here is judged (lost) by the challenges below; it only
    // keeps a folder's files from being listed, and the folder is lost then anyway.
    if let Ok(Some(manifest)) = folder_manifest(client, swarm, reference, reporter).await {
        files.extend(
            manifest
                .entries
                .iter()
                .filter_map(|entry| entry.reference()),
        );
        all.extend(manifest.pack_chunks().filter(|chunk| seen.insert(*chunk)));
    }
    for file in files {
        let (map, map_chunks) = file_map(client, swarm, file, reporter)
            .await
            .map_err(VerifyError::Map)?;
        let chunks = map_chunks
            .into_iter()
            .chain(map.chunks.iter().map(|chunk| chunk.address));
        all.extend(chunks.filter(|chunk| seen.insert(*chunk)));
    }
    Ok(all)
}

/// Challenges the close group of every chunk of the file behind `reference`.
pub async fn verify(
    client: &NodeClient,
    swarm: &Swarm,
    reference: Reference,
    options: VerifyOptions,
    reporter: &dyn Reporter,
) -> Result<VerifyReport, VerifyError> {
    let started = Instant::now();
    let chunks = file_chunks(client, swarm, reference, reporter).await?;
    let chunks = verify_chunks(client, swarm, &chunks, options, reporter).await;
    Ok(VerifyReport {
        chunks,
        replicas: options.replicas,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Challenges the close group of each of `chunks`, in order, reporting each as it is judged.
pub async fn verify_chunks(
    client: &NodeClient,
    swarm: &Swarm,
    chunks: &[ChunkAddress],
    options: VerifyOptions,
    reporter: &dyn Reporter,
) -> Vec<ChunkHealth> {
    let total = chunks.len() as u64;
    let mut judged = stream::iter(chunks)
        .map(|chunk| verify_chunk(client, swarm, *chunk, options))
        .buffered(options.chunks_in_flight.max(1));
    let mut healths = Vec::with_capacity(chunks.len());
    while let Some(health) = judged.next().await {
        reporter.event(&health.event(options.replicas));
        healths.push(health);
        reporter.progress(Phase::Verify, healths.len() as u64, total);
    }
    healths
}

/// Fetches the chunk once, then challenges every node of `chunk`'s close group at once,
/// each within the deadline of a local read of the chunk, and judges the answers against the
/// bytes.
async fn verify_chunk(
    client: &NodeClient,
    swarm: &Swarm,
    chunk: ChunkAddress,
    options: VerifyOptions,
) -> ChunkHealth {
    // The chunk's closest nodes, found by a lookup when discovery did not list them.
    let extended = swarm.for_chunk(client, &chunk, options.close_group).await;
    let nodes = &extended.as_ref().unwrap_or(swarm).nodes;
    let group: Vec<NodeInfo> = options
        .diversity
        .close_group(&chunk, nodes, options.close_group)
        .into_iter()
        .cloned()
        .collect();
    let bytes = fetch_verified(client, nodes, chunk).await;
    // Without the bytes the answers cannot be checked; the largest chunk's deadline then.
    let size = bytes
        .as_ref()
        .map_or(MAX_CHUNK_BYTES as u64, |bytes| bytes.len() as u64);
    let requests: Vec<ChallengeRequest> = group
        .iter()
        .map(|_| ChallengeRequest::fresh(chunk))
        .collect();
    let answers = futures::future::join_all(
        group
            .iter()
            .zip(&requests)
            .map(|(node, request)| client.challenge(node, request, size)),
    )
    .await;
    let checks = blocking(move || judge(group, &requests, answers, bytes)).await;
    ChunkHealth { chunk, checks }
}

/// The chunk's bytes from the closest node that serves bytes hashing to its address.
pub async fn fetch_verified(
    client: &NodeClient,
    nodes: &[NodeInfo],
    chunk: ChunkAddress,
) -> Option<Bytes> {
    for node in ring_order(&chunk, nodes) {
        let Ok(Some(bytes)) = client.get(node, chunk).await else {
            continue;
        };
        let checked = blocking(move || (ChunkAddress::of(&bytes) == chunk).then_some(bytes)).await;
        if checked.is_some() {
            return checked;
        }
        tracing::warn!(%chunk, node = %node.url, "node served bytes that are not the chunk");
    }
    None
}

/// Each node's verdict: its answer checked against the hash of `bytes` under its nonce.
fn judge(
    group: Vec<NodeInfo>,
    requests: &[ChallengeRequest],
    answers: Vec<Result<Option<ChallengeAnswer>, RequestError>>,
    bytes: Option<Bytes>,
) -> Vec<NodeCheck> {
    group
        .into_iter()
        .zip(requests.iter().zip(answers))
        .enumerate()
        .map(|(rank, (node, (request, answer)))| {
            let verdict = match (answer, &bytes) {
                (Err(RequestError::TimedOut { after, .. }), _) => Verdict::Late(after),
                (Err(error), _) => Verdict::Failed(error.to_string()),
                (Ok(None), _) => Verdict::NotHeld,
                (Ok(Some(_)), None) => Verdict::Unchecked,
                (Ok(Some(answer)), Some(bytes)) => {
                    let expected = holding_hash(&request.nonce, node.rewards, bytes);
                    match answer.check(request, node.rewards, &expected) {
                        Ok(()) => Verdict::Proven,
                        Err(failure) => Verdict::FalseAnswer(failure),
                    }
                }
            };
            NodeCheck {
                node,
                rank,
                verdict,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::Address;
    use alloy::signers::local::PrivateKeySigner;

    fn node(signer: &PrivateKeySigner) -> NodeInfo {
        NodeInfo {
            id: crate::wire::types::NodeId(*blake3::hash(signer.address().as_slice()).as_bytes()),
            url: format!("http://{}", signer.address()),
            rewards: signer.address(),
        }
    }

    #[test]
    fn only_answers_made_from_the_bytes_count_and_liars_are_named() {
        let bytes = Bytes::from_static(b"the chunk");
        let chunk = ChunkAddress::of(&bytes);
        let signers: Vec<_> = (0..5).map(|_| PrivateKeySigner::random()).collect();
        let group: Vec<NodeInfo> = signers.iter().map(node).collect();
        let requests: Vec<_> = group
            .iter()
            .map(|_| ChallengeRequest::fresh(chunk))
            .collect();
        let answers = vec![
            Ok(Some(ChallengeAnswer::answer(
                &requests[0],
                &bytes,
                &signers[0],
            ))),
            Ok(Some(ChallengeAnswer::answer(
                &requests[1],
                b"other bytes",
                &signers[1],
            ))),
            Ok(None),
            Ok(Some(ChallengeAnswer::answer(
                &requests[2],
                &bytes,
                &signers[3],
            ))),
            Err(RequestError::NoNodes { count: 1 }),
        ];
        let checks = judge(group, &requests, answers, Some(bytes));
        let verdicts: Vec<_> = checks.iter().map(|c| c.verdict.clone()).collect();
        assert_eq!(
            verdicts[..4],
            [
                Verdict::Proven,
                Verdict::FalseAnswer(ChallengeFailure::WrongHash),
                Verdict::NotHeld,
                Verdict::FalseAnswer(ChallengeFailure::WrongChallenge),
            ]
        );
        assert!(matches!(verdicts[4], Verdict::Failed(_)));
        let health = ChunkHealth { chunk, checks };
        assert_eq!(health.proven(), 1);
        let failed: Vec<String> = health.failures(2).into_iter().map(|f| f.node).collect();
        assert_eq!(
            failed.len(),
            2,
            "the second closest and the far liar: {failed:?}"
        );
        assert!(failed.contains(&format!("http://{}", signers[3].address())));
        assert!(!failed.contains(&format!("http://{}", signers[2].address())));
        let _ = Address::ZERO;
    }

    #[test]
    fn a_file_is_lost_when_a_chunk_has_no_proven_replica() {
        let signer = PrivateKeySigner::random();
        let check = |verdict| NodeCheck {
            node: node(&signer),
            rank: 0,
            verdict,
        };
        let chunk = |verdicts: Vec<Verdict>| ChunkHealth {
            chunk: ChunkAddress::of(b"x"),
            checks: verdicts.into_iter().map(check).collect(),
        };
        let report = |chunks| VerifyReport {
            chunks,
            replicas: 2,
            seconds: 0.0,
        };
        let full = || chunk(vec![Verdict::Proven, Verdict::Proven]);
        let half = || chunk(vec![Verdict::Proven, Verdict::NotHeld]);
        let none = || chunk(vec![Verdict::NotHeld, Verdict::Unchecked]);
        assert_eq!(report(vec![full(), full()]).health(), Health::Healthy);
        let degraded = report(vec![full(), half(), full()]);
        assert_eq!(degraded.health(), Health::Degraded);
        assert_eq!((degraded.lowest(), degraded.median()), (1, 2));
        assert_eq!(report(vec![full(), none()]).health(), Health::Lost);
    }
}
