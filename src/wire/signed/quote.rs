//! A node's quote: what it offers to store a chunk for, signed over its keccak-256
//! [`QuoteHash`] (domain `ferry quote v2`), and the one age rule quotes are held to
//! ([`Freshness`]).
//!
//! Invariant: a quote verifies only if its signature recovers to its own rewards address.

use std::time::Duration;

use alloy::primitives::{Address, keccak256};
use alloy::signers::local::PrivateKeySigner;
use serde::{Deserialize, Serialize};

use super::{recover, sign_prehash};
use crate::wire::types::{Amount, ChunkAddress, QuoteHash};

const QUOTE_DOMAIN: &[u8] = b"ferry quote v2";

/// Why a quote, proof or receipt is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuoteError {
    /// The signature is malformed or does not recover to the quoted rewards address.
    #[error("quote for chunk {chunk} is not signed by its rewards address {rewards}")]
    BadSignature {
        /// The chunk quoted.
        chunk: ChunkAddress,
        /// The address the quote claims.
        rewards: Address,
    },
    /// A quote in the proof is for another chunk.
    #[error("proof carries a quote for chunk {quoted}, not {expected}")]
    WrongChunk {
        /// The chunk the proof is presented for.
        expected: ChunkAddress,
        /// The chunk the quote names.
        quoted: ChunkAddress,
    },
    /// The proof has no quotes or its paid index is out of range.
    #[error("proof is malformed: {0}")]
    Malformed(&'static str),
    /// The paid quote is not the median of the quotes carried.
    #[error("the paid quote is not the median of the close group's quotes")]
    NotMedian,
    /// Fewer quotes than a majority of the close group.
    #[error(
        "the proof holds {got} quotes but needs at least {needed}, a majority of the chunk's close group"
    )]
    TooFewQuotes {
        /// Quotes carried.
        got: usize,
        /// The majority needed.
        needed: usize,
    },
    /// More quotes than the close group has nodes.
    #[error("the proof holds {got} quotes, more than the close group's {max}")]
    TooManyQuotes {
        /// Quotes carried.
        got: usize,
        /// The close group size.
        max: usize,
    },
    /// Two quotes name the same issuer.
    #[error(
        "the proof holds more than one quote from issuer {0}; each must come from a distinct node"
    )]
    DuplicateIssuer(Address),
    /// A quote is bound to another payer than the paid quote.
    #[error("a quote in the proof is for payer {quoted}, not the paid quote's payer {paid}")]
    PayerMismatch {
        /// The paid quote's payer.
        paid: Address,
        /// The other quote's payer.
        quoted: Address,
    },
    /// The quote is too old or too far in the future.
    #[error("quote issued at {issued_at} is {age}")]
    Stale {
        /// The quote's time (Unix seconds).
        issued_at: u64,
        /// What is wrong with it.
        age: StaleKind,
    },
}

/// How a quote's time is out of bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaleKind {
    /// Older than the maximum age.
    Expired,
    /// Further in the future than the clock-skew tolerance.
    FromTheFuture,
}

impl std::fmt::Display for StaleKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StaleKind::Expired => "expired",
            StaleKind::FromTheFuture => "too far in the future",
        })
    }
}

/// The age rule for quotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Freshness {
    /// A quote older than this is expired.
    pub max_age: Duration,
    /// A quote more than this ahead of the clock is rejected (clock-skew tolerance).
    pub max_future: Duration,
}

impl Freshness {
    /// What a node accepts: 24 hours old, 300 seconds ahead.
    pub const NODE: Freshness = Freshness {
        max_age: Duration::from_secs(24 * 3600),
        max_future: Duration::from_secs(300),
    };
    /// What a client keeps on resume: 5 minutes stricter on age than a node, so a reused proof
    /// still has time to reach the nodes before they would refuse it.
    pub const CLIENT: Freshness = Freshness {
        max_age: Duration::from_secs(24 * 3600 - 300),
        max_future: Duration::from_secs(300),
    };

    /// Checks a quote time against `now` (both Unix seconds). The bounds themselves pass.
    pub fn check(&self, issued_at: u64, now: u64) -> Result<(), QuoteError> {
        let stale = |age| Err(QuoteError::Stale { issued_at, age });
        if issued_at > now.saturating_add(self.max_future.as_secs()) {
            return stale(StaleKind::FromTheFuture);
        }
        if now.saturating_sub(issued_at) > self.max_age.as_secs() {
            return stale(StaleKind::Expired);
        }
        Ok(())
    }
}

/// What a node offers to store a chunk for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteBody {
    /// The chunk's address.
    pub chunk: ChunkAddress,
    /// The chunk's encrypted size in bytes.
    pub size: u32,
    /// The node's price in wei (it is paid three times this if its quote is the median).
    pub price: Amount,
    /// The node's rewards address (its EVM address).
    pub rewards: Address,
    /// The node's clock when it quoted (Unix seconds).
    pub issued_at: u64,
    /// The address that will pay: only a payment from it counts for this quote, so a stranger
    /// can neither pay it first (making the payer's wave revert) nor lend it a payment.
    pub payer: Address,
}

impl QuoteBody {
    /// The hash the node signs and the vault records payments under.
    pub fn hash(&self) -> QuoteHash {
        let mut bytes = Vec::with_capacity(QUOTE_DOMAIN.len() + 32 + 4 + 32 + 20 + 8 + 20);
        bytes.extend_from_slice(QUOTE_DOMAIN);
        bytes.extend_from_slice(self.chunk.as_bytes());
        bytes.extend_from_slice(&self.size.to_be_bytes());
        bytes.extend_from_slice(&self.price.0.to_be_bytes::<32>());
        bytes.extend_from_slice(self.rewards.as_slice());
        bytes.extend_from_slice(&self.issued_at.to_be_bytes());
        bytes.extend_from_slice(self.payer.as_slice());
        QuoteHash(keccak256(&bytes).0)
    }
}

/// A quote with the node's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedQuote {
    /// What was quoted.
    pub body: QuoteBody,
    /// 65-byte secp256k1 signature over [`QuoteBody::hash`].
    pub signature: Vec<u8>,
}

impl SignedQuote {
    /// Signs a quote; `body.rewards` must be the signer's address.
    pub fn sign(body: QuoteBody, signer: &PrivateKeySigner) -> Self {
        debug_assert_eq!(body.rewards, signer.address());
        let signature = sign_prehash(signer, body.hash().0);
        Self { body, signature }
    }

    /// Checks the signature; returns the issuing node's address (its id is the position the
    /// vault's registry gave that address).
    pub fn verify(&self) -> Result<Address, QuoteError> {
        if recover(&self.signature, self.body.hash().0) == Some(self.body.rewards) {
            Ok(self.body.rewards)
        } else {
            Err(QuoteError::BadSignature {
                chunk: self.body.chunk,
                rewards: self.body.rewards,
            })
        }
    }
}

/// The index of the median quote (upper median for an even count), by price.
pub fn median_index(quotes: &[SignedQuote]) -> Option<usize> {
    let mut order: Vec<usize> = (0..quotes.len()).collect();
    order.sort_by_key(|&i| (quotes[i].body.price, quotes[i].body.hash()));
    order.get(quotes.len() / 2).copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::signed::tests::quote;

    #[test]
    fn quotes_verify_and_forgeries_do_not() {
        let signer = PrivateKeySigner::random();
        let chunk = ChunkAddress::of(b"c");
        let good = quote(&signer, chunk, 5);
        assert_eq!(good.verify().unwrap(), signer.address());
        let mut raised = good.clone();
        raised.body.price = Amount::wei(50);
        assert!(raised.verify().is_err());
        let mut stolen = good.clone();
        stolen.body.rewards = PrivateKeySigner::random().address();
        assert!(stolen.verify().is_err());
    }

    #[test]
    fn freshness_bounds_are_inclusive_at_their_edges() {
        let rule = Freshness::NODE;
        let now = 1_000_000;
        assert!(rule.check(now - 86_400, now).is_ok());
        assert!(rule.check(now - 86_401, now).is_err());
        assert!(rule.check(now + 300, now).is_ok());
        assert!(rule.check(now + 301, now).is_err());
        assert!(Freshness::CLIENT.check(now - 86_100, now).is_ok());
        assert!(Freshness::CLIENT.check(now - 86_101, now).is_err());
    }
}
