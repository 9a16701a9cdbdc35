//! `repair`: bringing a degraded file back to full strength without paying anything.
//!
//! A repair is a verify, then for each chunk with fewer proven replicas than needed (but at
//! least one): its bytes and the payment proof it was admitted with are fetched from a node
//! that proved it holds it, and stored on the close-group nodes that did not
//! (`PUT /replica/{address}`: the nodes admit it by the original proof, whose quotes may be
//! older than a first PUT allows, since the chain shows the chunk was paid). Then the repaired
//! chunks are challenged again, so the report says what holds now, not what nodes said.
//!
//! Invariants: nothing is paid and no quote is asked for; a replica is sent only to nodes of
//! the chunk's close group that did not prove they hold it and did not answer falsely or late
//! (a node that answers late may be relaying the chunk, and would not keep a replica either),
//! closest first; a replica counts as stored only with that node's signed storage receipt, and the
//! final word is the second round of challenges.

use futures::{StreamExt, stream};

use crate::client::chunking::Reference;
use crate::client::lookup::Swarm;
use crate::client::nodes::NodeClient;
use crate::client::reporter::{Event, NodeFailure, Phase, Reporter};
use crate::client::verify::{
    ChunkHealth, Verdict, VerifyError, VerifyOptions, VerifyReport, fetch_verified, verify,
    verify_chunks,
};
use crate::wire::http::encode_put_raw;
use crate::wire::network::NodeInfo;
use crate::wire::types::ChunkAddress;

/// What a repair did to one chunk.
#[derive(Debug, Clone)]
pub struct ChunkRepair {
    /// The chunk.
    pub chunk: ChunkAddress,
    /// Nodes that stored a replica.
    pub stored_on: Vec<String>,
    /// Nodes that refused or failed, or why nothing could be sent.
    pub failed: Vec<NodeFailure>,
}

/// What a repair found and did.
#[derive(Debug, Clone)]
pub struct RepairReport {
    /// The verify before the repair.
    pub before: VerifyReport,
    /// What each degraded chunk got.
    pub repairs: Vec<ChunkRepair>,
    /// The state after the repair: the repaired chunks challenged again.
    pub after: VerifyReport,
}

impl RepairReport {
    /// Replicas stored in all.
    pub fn replicas_stored(&self) -> usize {
        self.repairs.iter().map(|r| r.stored_on.len()).sum()
    }
}

/// Verifies the file behind `reference` and stores the missing replicas of its degraded
/// chunks; pays nothing.
pub async fn repair(
    client: &NodeClient,
    swarm: &Swarm,
    reference: Reference,
    options: VerifyOptions,
    reporter: &dyn Reporter,
) -> Result<RepairReport, VerifyError> {
    let before = verify(client, swarm, reference, options, reporter).await?;
    let degraded: Vec<ChunkHealth> = before
        .below()
        .filter(|health| health.proven() > 0)
        .cloned()
        .collect();
    let total = degraded.len() as u64;
    let mut running = stream::iter(&degraded)
        .map(|health| repair_chunk(client, swarm, health, options))
        .buffer_unordered(options.chunks_in_flight.max(1));
    let mut repairs = Vec::with_capacity(degraded.len());
    while let Some(repair) = running.next().await {
        reporter.event(&Event::ChunkRepaired {
            chunk: repair.chunk,
            stored_on: repair.stored_on.clone(),
            failed: repair.failed.clone(),
        });
        repairs.push(repair);
        reporter.progress(Phase::Repair, repairs.len() as u64, total);
    }
    drop(running);
    let again: Vec<ChunkAddress> = degraded.iter().map(|health| health.chunk).collect();
    let mut after = before.clone();
    after.update(verify_chunks(client, swarm, &again, options, reporter).await);
    after.seconds = before.seconds;
    Ok(RepairReport {
        before,
        repairs,
        after,
    })
}

/// Fetches the chunk and its proof from a proven holder and stores replicas on the nodes of
/// its close group that lack it, closest first, until it has `options.replicas`.
async fn repair_chunk(
    client: &NodeClient,
    swarm: &Swarm,
    health: &ChunkHealth,
    options: VerifyOptions,
) -> ChunkRepair {
    let chunk = health.chunk;
    let mut repair = ChunkRepair {
        chunk,
        stored_on: Vec::new(),
        failed: Vec::new(),
    };
    let holders: Vec<NodeInfo> = health.holders().cloned().collect();
    let Some(proof) = proof_from(client, &holders, chunk).await else {
        repair.failed.push(NodeFailure {
            node: holders.first().map(|n| n.url.clone()).unwrap_or_default(),
            reason: "no holder of the chunk keeps the payment proof it was stored with".into(),
        });
        return repair;
    };
    let extended = swarm.for_chunk(client, &chunk, options.close_group).await;
    let nodes = &extended.as_ref().unwrap_or(swarm).nodes;
    let bytes = match fetch_verified(client, &holders, chunk).await {
        Some(bytes) => Some(bytes),
        // A holder may have lost it since it answered; any node will do.
        None => fetch_verified(client, nodes, chunk).await,
    };
    let Some(bytes) = bytes else {
        repair.failed.push(NodeFailure {
            node: String::new(),
            reason: "no node served the chunk's bytes".into(),
        });
        return repair;
    };
    let body = bytes::Bytes::from(encode_put_raw(&proof, &bytes));
    drop(bytes);
    let targets: Vec<&NodeInfo> = health
        .checks
        .iter()
        .filter(|check| {
            !matches!(
                check.verdict,
                Verdict::Proven | Verdict::FalseAnswer(_) | Verdict::Late(_)
            )
        })
        .map(|check| &check.node)
        .collect();
    let needed = options.replicas.saturating_sub(holders.len());
    let mut next = 0;
    while repair.stored_on.len() < needed && next < targets.len() {
        let batch_len = (needed - repair.stored_on.len()).min(targets.len() - next);
        let batch = &targets[next..next + batch_len];
        next += batch_len;
        let answers = futures::future::join_all(
            batch
                .iter()
                .map(|node| client.put_replica(node, chunk, body.clone())),
        )
        .await;
        for (node, answer) in batch.iter().zip(answers) {
            match answer {
                Ok(answer)
                    if answer.receipt.chunk == chunk
                        && answer.receipt.node == node.rewards
                        && answer.receipt.is_valid() =>
                {
                    repair.stored_on.push(node.url.clone());
                }
                Ok(_) => repair.failed.push(NodeFailure {
                    node: node.url.clone(),
                    reason: "its storage receipt is not signed by it for this chunk".into(),
                }),
                Err(error) => repair.failed.push(NodeFailure {
                    node: node.url.clone(),
                    reason: error.to_string(),
                }),
            }
        }
    }
    repair
}

/// The proof's bytes from the first holder that keeps one.
async fn proof_from(
    client: &NodeClient,
    holders: &[NodeInfo],
    chunk: ChunkAddress,
) -> Option<bytes::Bytes> {
    for holder in holders {
        match client.proof(holder, chunk).await {
            Ok(Some(proof)) => return Some(proof),
            Ok(None) => {}
            Err(error) => tracing::debug!(%chunk, node = %holder.url, %error, "no proof"),
        }
    }
    None
}
