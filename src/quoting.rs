//! Quoting: asking a chunk's close group for signed quotes and choosing what to pay.
//!
//! Invariants:
//! - every quote is verified before it can be paid: signed by the node that was asked (its id
//!   matches), for this chunk and this size;
//! - a chunk that a majority of its close group already holds is neither paid for nor sent;
//! - a chunk is payable only with quotes from a majority of its close group, so the median
//!   cannot be steered by a minority; the median quote is paid three times its price.

use futures::future::join_all;

use crate::chunking::PlannedChunk;
use crate::network::{NodeInfo, close_group};
use crate::payment::WavePayment;
use crate::protocol::QuoteResponse;
use crate::quote::{PaymentProof, SignedQuote, StorageReceipt, median_index};
use crate::transport::{NodeClient, Swarm};
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
    /// Quotes to pay: the payment for the median and the proof to carry (its `tx_hash` is
    /// filled in once the wave is paid).
    Payable {
        /// What to pay, to whom.
        payment: WavePayment,
        /// The proof, before its transaction is known.
        proof: PaymentProof,
    },
}

/// Why a chunk could not be quoted.
#[derive(Debug, thiserror::Error)]
#[error(
    "only {valid} of {group} close-group nodes gave a valid quote for chunk {chunk} (a majority is needed); last problem: {last}"
)]
pub struct QuoteFailure {
    /// The chunk.
    pub chunk: crate::types::ChunkAddress,
    /// Valid quotes received.
    pub valid: usize,
    /// Close group size.
    pub group: usize,
    /// The last error seen.
    pub last: String,
}

/// Asks the close group of `chunk` (the K closest known nodes) for quotes bound to `payer`
/// and decides.
pub async fn quote_chunk(
    client: &NodeClient,
    swarm: &Swarm,
    k: usize,
    payer: Address,
    chunk: &PlannedChunk,
) -> Result<QuoteOutcome, QuoteFailure> {
    let group = close_group(&chunk.address, &swarm.nodes, k);
    let answers = join_all(group.iter().map(|node| async move {
        let answer = client.quote(node, chunk.address, chunk.size, payer).await;
        (*node, answer)
    }))
    .await;
    let majority = swarm.quote_majority(k);
    let mut held = Vec::new();
    let mut quotes: Vec<SignedQuote> = Vec::new();
    let mut last = String::from("no answer");
    for (node, answer) in answers {
        match answer
            .map_err(|e| e.to_string())
            .and_then(|a| check(node, chunk, a))
        {
            Ok(Answer::Quote(quote)) => quotes.push(quote),
            Ok(Answer::Held(receipt)) => held.push(receipt),
            Err(problem) => last = problem,
        }
    }
    if held.len() >= majority {
        return Ok(QuoteOutcome::AlreadyStored { receipts: held });
    }
    if quotes.len() < majority {
        return Err(QuoteFailure {
            chunk: chunk.address,
            valid: quotes.len(),
            group: k.min(swarm.size),
            last,
        });
    }
    let paid = median_index(&quotes).expect("a majority is at least one quote");
    let median = &quotes[paid].body;
    let payment = WavePayment {
        chunk: chunk.address,
        quote_hash: median.hash(),
        rewards: median.rewards,
        amount: median
            .price
            .checked_mul(crate::quote::PAYMENT_MULTIPLIER)
            .ok_or_else(|| QuoteFailure {
                chunk: chunk.address,
                valid: quotes.len(),
                group: group.len(),
                last: "the median price overflows 256 bits".into(),
            })?,
    };
    let proof = PaymentProof {
        quotes,
        paid: paid as u32,
        tx_hash: B256::ZERO,
    };
    Ok(QuoteOutcome::Payable { payment, proof })
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
    if issuer != node.id {
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
    pub storage_cost: crate::types::Amount,
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
    use futures::StreamExt;
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
                    crate::types::Amount::sum([estimate.storage_cost, payment.amount]);
            }
            Err(_) => estimate.unquoted += 1,
        }
    }
    estimate
}
