//! Quoting: asking a chunk's close group for signed quotes and choosing what to pay.
//!
//! Invariants:
//! - every quote is verified before it can be paid: signed by the node that was asked (its id
//!   matches), for this chunk and this size, and fresh by this client's clock
//!   ([`Freshness::CLIENT`]); a stale quote is asked for again once, never paid;
//! - "already held" counts only with that node's signed storage receipt for this chunk, and
//!   each node (one per id) counts once;
//! - a chunk that a majority of its close group already holds is neither paid for nor sent;
//! - a chunk is payable only with quotes from a majority of its close group, so the median
//!   cannot be steered by a minority; the median quote is paid three times its price.

use std::time::Duration;

use futures::StreamExt;
use futures::stream::FuturesUnordered;

use crate::client::chunking::PlannedChunk;
use crate::client::nodes::{NodeClient, Swarm};
use crate::client::race::Grace;
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
    /// A majority of the close group already holds it, each proven by the node's signed
    /// storage receipt: nothing to pay or send.
    AlreadyStored {
        /// One verified storage receipt per holding node.
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

/// Asks the close group of `chunk` (the K closest known nodes, one per id) for quotes bound to
/// `payer` and decides. Once a majority has given valid answers, the rest get only
/// [`QUOTE_GRACE`], so a node that never answers costs no more than that.
pub async fn quote_chunk(
    client: &NodeClient,
    swarm: &Swarm,
    k: usize,
    payer: Address,
    chunk: &PlannedChunk,
) -> Result<QuoteOutcome, QuoteFailure> {
    let group = swarm.close_group(&chunk.address, k);
    let majority = swarm.quote_majority(k);
    let pending: FuturesUnordered<_> = group
        .iter()
        .map(|node| ask(client, node, chunk, payer))
        .collect();
    let answers = gather(pending, majority).await;
    if answers.held.len() >= majority {
        return Ok(QuoteOutcome::AlreadyStored {
            receipts: answers.held,
        });
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

/// The valid answers of a close group, and the last problem seen.
struct Answers {
    held: Vec<StorageReceipt>,
    quotes: Vec<SignedQuote>,
    last: String,
}

/// Collects the close group's answers: all of them, or, once a majority agrees, those that
/// come within [`QUOTE_GRACE`].
async fn gather(
    mut pending: FuturesUnordered<impl Future<Output = Result<Answer, String>>>,
    majority: usize,
) -> Answers {
    let mut answers = Answers {
        held: Vec::new(),
        quotes: Vec::new(),
        last: String::from("no answer"),
    };
    let mut grace = Grace::new(QUOTE_GRACE);
    while let Some(answer) = grace.next(&mut pending).await {
        match answer {
            Ok(Answer::Quote(quote)) => answers.quotes.push(quote),
            Ok(Answer::Held(receipt)) => answers.held.push(receipt),
            Err(problem) => answers.last = problem,
        }
        if answers.quotes.len() >= majority || answers.held.len() >= majority {
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
) -> Result<Answer, String> {
    let mut stale = None;
    for _ in 0..2 {
        let answer = client
            .quote(node, chunk.address, chunk.size, payer)
            .await
            .map_err(|e| e.to_string())?;
        match check(node, chunk, answer)? {
            Answer::Quote(quote) => match Freshness::CLIENT.check(quote.body.issued_at, unix_now())
            {
                Ok(()) => return Ok(Answer::Quote(quote)),
                Err(error) => stale = Some(error),
            },
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
enum Answer {
    /// A quote to pay.
    Quote(SignedQuote),
    /// The node holds the chunk, proven by its storage receipt.
    Held(StorageReceipt),
}

/// Accepts a node's answer: a quote signed by that node for this chunk and size, or a storage
/// receipt signed by that node for this chunk. Anything else is that node's failure.
fn check(node: &NodeInfo, chunk: &PlannedChunk, answer: QuoteResponse) -> Result<Answer, String> {
    let quote = match answer {
        QuoteResponse::AlreadyHeld { receipt } => {
            return if receipt.chunk == chunk.address
                && receipt.node == node.rewards
                && receipt.is_valid()
            {
                Ok(Answer::Held(receipt))
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
    Ok(Answer::Quote(quote))
}

/// What storing a whole plan would cost at current quotes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Estimate {
    /// Chunks in the plan.
    pub chunks: usize,
    /// Chunks that would be paid.
    pub payable_chunks: usize,
    /// Chunks the network already holds.
    pub already_stored: usize,
    /// Chunks no majority would quote.
    pub unquoted: usize,
    /// What the payable chunks cost (three times each median quote), wei.
    pub storage_cost: crate::wire::types::Amount,
}

/// Quotes every chunk of a plan, `in_flight` at a time, and sums what paying would cost.
pub async fn estimate_plan(
    client: &NodeClient,
    swarm: &Swarm,
    k: usize,
    payer: Address,
    chunks: &[PlannedChunk],
    in_flight: usize,
) -> Estimate {
    let outcomes: Vec<_> = futures::stream::iter(chunks)
        .map(|chunk| quote_chunk(client, swarm, k, payer, chunk))
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
