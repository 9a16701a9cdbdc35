//! Quoting: asking a chunk's close group for signed quotes and choosing what to pay.
//!
//! Invariants:
//! - every quote is verified before it can be paid: signed by the node that was asked (its id
//!   matches), for this chunk and this size, and fresh by this client's clock
//!   ([`Freshness::CLIENT`]); a stale quote is asked for again once, never paid;
//! - "already held" is a claim, and counts only once that node answers a fresh possession
//!   challenge checked against the client's own bytes of the chunk, in time
//!   ([`crate::client::possession`]); its signed storage receipt alone counts for nothing, and
//!   each node (one per id) counts once;
//! - a chunk that the required replica count of distinct close-group nodes prove they hold is
//!   neither paid for nor sent; otherwise it is paid and sent as usual;
//! - a chunk is payable only with quotes from a majority of its close group, so the median
//!   cannot be steered by a minority; the median quote is paid three times its price.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use futures::stream::FuturesUnordered;

use crate::blocking::blocking;
use crate::client::bodies::BodyPool;
use crate::client::chunking::{ChunkError, PlannedChunk};
use crate::client::nodes::{NodeClient, Swarm};
use crate::client::possession::{prepare, prove};
use crate::client::race::Grace;
use crate::client::sources::{Sources, read_planned_after};
use crate::wire::http::QuoteResponse;
use crate::wire::network::NodeInfo;
use crate::wire::signed::{
    Freshness, PaymentProof, SignedQuote, StorageReceipt, median_index, unix_now,
};
use crate::wire::wave::{MAX_LEAF_AMOUNT, WaveLeaf, WaveMembership};
use alloy::primitives::{Address, B256};

/// What the close group said about one chunk.
#[derive(Debug, Clone)]
pub enum QuoteOutcome {
    /// The required replica count of its close group already holds it, each node proven by a
    /// fresh possession challenge: nothing to pay or send.
    AlreadyStored {
        /// The storage receipt of each node that proved it holds the chunk.
        receipts: Vec<StorageReceipt>,
    },
    /// Quotes to pay: the payment for the median (its leaf) and the proof to carry (its wave
    /// and `tx_hash` are filled in once the wave is formed and paid).
    Payable {
        /// What to pay, to whom.
        payment: WaveLeaf,
        /// The proof, before its wave and transaction are known.
        proof: Box<PaymentProof>,
    },
}

/// Why a chunk could not be quoted.
#[derive(Debug, thiserror::Error)]
#[error(
    "only {valid} of {group} close-group nodes gave a valid quote for chunk {chunk} (a majority is needed); last problem: {last}"
)]
pub struct QuoteFailure {
    /// The chunk.
    pub chunk: crate::wire::types::ChunkAddress,
    /// Valid quotes received.
    pub valid: usize,
    /// Close group size.
    pub group: usize,
    /// The last error seen.
    pub last: String,
}

/// How long to wait for the rest of a close group once a majority has answered.
pub const QUOTE_GRACE: Duration = Duration::from_millis(500);

/// What quoting needs: the nodes, the rules, and where the chunks' bytes come from (to check
/// "already held" claims against).
#[derive(Clone, Copy)]
pub struct QuoteContext<'a> {
    /// HTTP client for nodes.
    pub client: &'a NodeClient,
    /// Known nodes.
    pub swarm: &'a Swarm,
    /// Nodes asked per chunk (K).
    pub close_group: usize,
    /// Proven holders a chunk needs to count as already stored.
    pub replicas: usize,
    /// The address that will pay; quotes bind it.
    pub payer: Address,
    /// The files the chunks are re-derived from.
    pub sources: &'a Arc<Sources>,
    /// Room for the chunk bodies read to check claims that a chunk is held.
    pub bodies: &'a Arc<BodyPool>,
}

/// Asks the close group of `chunk` (the K closest known nodes, one per id) for quotes bound to
/// the payer and decides. Once a majority has given valid answers, the rest get only
/// [`QUOTE_GRACE`], so a node that never answers costs no more than that. Claims to hold the
/// chunk already are challenged; they count only when enough are proven.
pub async fn quote_chunk(
    context: &QuoteContext<'_>,
    chunk: &PlannedChunk,
) -> Result<QuoteOutcome, QuoteFailure> {
    let QuoteContext {
        client,
        swarm,
        close_group: k,
        payer,
        ..
    } = *context;
    let extended = swarm.for_chunk(client, &chunk.address, k).await;
    let swarm = extended.as_ref().unwrap_or(swarm);
    let group = swarm.close_group(&chunk.address, k);
    let majority = swarm.quote_majority(k);
    let needed = swarm.replicas(context.replicas);
    let pending: FuturesUnordered<_> = group
        .iter()
        .map(|node| ask(client, node, chunk, payer))
        .collect();
    let mut answers = gather(pending, majority, needed).await;
    if answers.held.len() >= needed {
        let claimed: Vec<NodeInfo> = group
            .iter()
            .filter(|node| answers.held.iter().any(|r| r.node == node.rewards))
            .map(|node| (*node).clone())
            .collect();
        let proven = proven_claims(context, chunk, claimed).await;
        answers
            .held
            .retain(|receipt| proven.contains(&receipt.node));
        if answers.held.len() >= needed {
            return Ok(QuoteOutcome::AlreadyStored {
                receipts: answers.held,
            });
        }
        answers.last = format!(
            "{} nodes said they hold chunk {} but only {} proved it",
            answers.claims,
            chunk.address,
            proven.len()
        );
    }
    if answers.quotes.len() < majority {
        return Err(QuoteFailure {
            chunk: chunk.address,
            valid: answers.quotes.len(),
            group: k.min(swarm.size),
            last: answers.last,
        });
    }
    payable(chunk, answers.quotes, group.len())
}

/// The rewards addresses of the `claimed` holders that prove they hold `chunk`; none when its
/// bytes cannot be re-derived (the chunk is then paid and sent, and the send reports why).
async fn proven_claims(
    context: &QuoteContext<'_>,
    chunk: &PlannedChunk,
    claimed: Vec<NodeInfo>,
) -> std::collections::HashSet<Address> {
    // The chunk is read into room in the upload's pool and hashed for the challenges, and let
    // go before they are sent.
    let room = context.bodies.reserve().await;
    let (sources, planned) = (context.sources.clone(), chunk.clone());
    let nodes: Vec<Address> = claimed.iter().map(|node| node.rewards).collect();
    let prepared = blocking(move || {
        let body = room.fill(|buffer| read_planned_after(&sources, &planned, buffer))?;
        Ok::<_, ChunkError>(prepare(planned.address, body.bytes(), &nodes))
    })
    .await;
    let prepared = match prepared {
        Ok(prepared) => prepared,
        Err(error) => {
            tracing::warn!(chunk = %chunk.address, %error, "cannot re-derive the chunk to check claims that it is held");
            return Default::default();
        }
    };
    let possession = prove(context.client, chunk.size as u64, &claimed, prepared).await;
    for (node, why) in &possession.unproven {
        tracing::info!(chunk = %chunk.address, node = %node.url, %why, "a node said it holds the chunk but did not prove it");
    }
    possession.proven
}

/// The valid answers of a close group, and the last problem seen.
struct Answers {
    /// Storage receipts of the nodes that say they hold the chunk (claims, not yet proven).
    held: Vec<StorageReceipt>,
    /// How many said so.
    claims: usize,
    quotes: Vec<SignedQuote>,
    last: String,
}

/// Collects the close group's answers: all of them, or, once a majority quotes or `needed`
/// say they hold the chunk, those that come within [`QUOTE_GRACE`].
async fn gather(
    mut pending: FuturesUnordered<impl Future<Output = Result<QuoteAnswer, String>>>,
    majority: usize,
    needed: usize,
) -> Answers {
    let mut answers = Answers {
        held: Vec::new(),
        claims: 0,
        quotes: Vec::new(),
        last: String::from("no answer"),
    };
    let mut grace = Grace::new(QUOTE_GRACE);
    while let Some(answer) = grace.next(&mut pending).await {
        match answer {
            Ok(QuoteAnswer::Quote(quote)) => answers.quotes.push(quote),
            Ok(QuoteAnswer::Held(receipt)) => {
                answers.claims += 1;
                answers.held.push(receipt);
            }
            Err(problem) => answers.last = problem,
        }
        if answers.quotes.len() >= majority || answers.held.len() >= needed {
            grace.start();
        }
    }
    answers
}

/// The payment for the median of a majority's `quotes`, and the proof to carry (its
/// `tx_hash` is filled in once the wave is paid).
fn payable(
    chunk: &PlannedChunk,
    quotes: Vec<SignedQuote>,
    group: usize,
) -> Result<QuoteOutcome, QuoteFailure> {
    let paid = median_index(&quotes).expect("a majority is at least one quote");
    let median = &quotes[paid].body;
    let payment = WaveLeaf {
        chunk: chunk.address,
        rewards: median.rewards,
        amount: median
            .price
            .checked_mul(crate::wire::signed::PAYMENT_MULTIPLIER)
            .filter(|amount| amount.0 <= MAX_LEAF_AMOUNT)
            .ok_or_else(|| QuoteFailure {
                chunk: chunk.address,
                valid: quotes.len(),
                group,
                last: "three times the median price exceeds the vault's 96-bit amounts".into(),
            })?,
    };
    let proof = PaymentProof {
        quotes,
        paid: paid as u32,
        tx_hash: B256::ZERO,
        wave: WaveMembership::default(),
    };
    Ok(QuoteOutcome::Payable {
        payment,
        proof: Box::new(proof),
    })
}

/// Asks one node and checks its answer; a quote that is not fresh by this client's clock is
/// asked for once more, and a second stale one is that node's failure (it is never paid).
async fn ask(
    client: &NodeClient,
    node: &NodeInfo,
    chunk: &PlannedChunk,
    payer: Address,
) -> Result<QuoteAnswer, String> {
    let mut stale = None;
    for _ in 0..2 {
        let answer = client
            .quote(node, chunk.address, chunk.size, payer)
            .await
            .map_err(|e| e.to_string())?;
        match check(node, chunk, answer)? {
            QuoteAnswer::Quote(quote) => {
                match Freshness::CLIENT.check(quote.body.issued_at, unix_now()) {
                    Ok(()) => return Ok(QuoteAnswer::Quote(quote)),
                    Err(error) => stale = Some(error),
                }
            }
            held => return Ok(held),
        }
    }
    Err(format!(
        "{} quoted chunk {} twice with a stale quote ({}); when every node does, check this computer's clock",
        node.url,
        chunk.address,
        stale.expect("the loop ran")
    ))
}

/// A node's answer, checked.
enum QuoteAnswer {
    /// A quote to pay.
    Quote(SignedQuote),
    /// The node says it holds the chunk, with its storage receipt (a claim to challenge).
    Held(StorageReceipt),
}

/// Accepts a node's answer: a quote signed by that node for this chunk and size, or a storage
/// receipt signed by that node for this chunk. Anything else is that node's failure.
fn check(
    node: &NodeInfo,
    chunk: &PlannedChunk,
    answer: QuoteResponse,
) -> Result<QuoteAnswer, String> {
    let quote = match answer {
        QuoteResponse::AlreadyHeld { receipt } => {
            return if receipt.chunk == chunk.address
                && receipt.node == node.rewards
                && receipt.is_valid()
            {
                Ok(QuoteAnswer::Held(receipt))
            } else {
                Err(format!(
                    "{} claims to hold chunk {} without its signed storage receipt",
                    node.url, chunk.address
                ))
            };
        }
        QuoteResponse::Quote { quote } => quote,
    };
    let issuer = quote.verify().map_err(|e| format!("{}: {e}", node.url))?;
    if issuer != node.rewards {
        return Err(format!(
            "{} signed its quote with another node's key",
            node.url
        ));
    }
    if quote.body.chunk != chunk.address || quote.body.size != chunk.size {
        return Err(format!("{} quoted another chunk or size", node.url));
    }
    Ok(QuoteAnswer::Quote(quote))
}

/// What storing a whole plan would cost at current quotes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Estimate {
    /// Chunks in the plan.
    pub chunks: usize,
    /// Chunks that would be paid.
    pub payable_chunks: usize,
    /// Chunks the network is proven to hold already.
    pub already_stored: usize,
    /// Chunks no majority would quote.
    pub unquoted: usize,
    /// What the payable chunks cost (three times each median quote), wei.
    pub storage_cost: crate::wire::types::Amount,
}

/// Quotes every chunk of a plan, `in_flight` at a time, and sums what paying would cost.
pub async fn estimate_plan(
    context: &QuoteContext<'_>,
    chunks: &[PlannedChunk],
    in_flight: usize,
) -> Estimate {
    let outcomes: Vec<_> = futures::stream::iter(chunks)
        .map(|chunk| quote_chunk(context, chunk))
        .buffer_unordered(in_flight.max(1))
        .collect()
        .await;
    let mut estimate = Estimate {
        chunks: chunks.len(),
        ..Estimate::default()
    };
    for outcome in outcomes {
        match outcome {
            Ok(QuoteOutcome::AlreadyStored { .. }) => estimate.already_stored += 1,
            Ok(QuoteOutcome::Payable { payment, .. }) => {
                estimate.payable_chunks += 1;
                estimate.storage_cost =
                    crate::wire::types::Amount::sum([estimate.storage_cost, payment.amount]);
            }
            Err(_) => estimate.unquoted += 1,
        }
    }
    estimate
}
