//! The payment rules a PUT's proof must pass before its chunk is stored.
//!
//! In order, each failure a [`Rejection`]:
//! 1. every quote in the proof is signed by its issuer and bound to the chunk, and the paid one
//!    is the median ([`PaymentProof::verify_for`]);
//! 2. the paid quote is for exactly the chunk's size;
//! 3. its issuer is among the chunk's K closest nodes in this node's view (one peer refresh is
//!    tried when the issuer is unknown);
//! 4. its time is within [`Freshness::NODE`] of this node's clock;
//! 5. the vault's record for its hash pays its rewards address at least three times its price.
//!
//! Invariants: only successful on-chain checks are cached, so a payment that appears later is
//! still seen; the cache is bounded ([`VERIFIED_CACHE_SIZE`] quote hashes, oldest evicted first)
//! and holds only records the vault can never change (a quote hash is paid at most once).

use std::collections::{HashSet, VecDeque};
use std::sync::{Mutex, PoisonError};

use alloy::primitives::Address;

use crate::node::peers::{Membership, Peers};
use crate::payment::{PaymentError, Vault};
use crate::quote::{
    Freshness, PAYMENT_MULTIPLIER, PaymentProof, QuoteError, SignedQuote, node_id, unix_now,
};
use crate::types::{Amount, ChunkAddress, NodeId, QuoteHash};

/// How many verified quote hashes are remembered.
pub const VERIFIED_CACHE_SIZE: usize = 65_536;

/// Why a PUT's payment was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum Rejection {
    /// A quote is forged, for another chunk, or the paid one is not the median.
    #[error("invalid payment proof: {0}")]
    InvalidProof(#[source] QuoteError),
    /// The paid quote is for another size.
    #[error("the paid quote is for {quoted} bytes but the chunk is {actual} bytes")]
    SizeMismatch {
        /// The size quoted.
        quoted: u32,
        /// The chunk's length.
        actual: usize,
    },
    /// The paid quote's issuer is not a node this node knows.
    #[error("the paid quote's issuer {issuer} is not a node this node knows")]
    UnknownIssuer {
        /// The issuer's id.
        issuer: NodeId,
    },
    /// The paid quote's issuer is not close to the chunk.
    #[error(
        "the paid quote's issuer {issuer} is not among the {k} nodes closest to chunk {chunk} in this node's view"
    )]
    NotInCloseGroup {
        /// The issuer's id.
        issuer: NodeId,
        /// The chunk.
        chunk: ChunkAddress,
        /// The close group size.
        k: usize,
    },
    /// The paid quote is too old or from the future.
    #[error("the paid quote is not fresh by this node's clock: {0}")]
    Stale(#[source] QuoteError),
    /// The price times three overflows 256 bits.
    #[error("the paid quote's price {0} overflows when multiplied by {PAYMENT_MULTIPLIER}")]
    PriceOverflow(Amount),
    /// The vault has no payment for the quote.
    #[error("quote {quote} is not paid on-chain")]
    NotPaid {
        /// The quote hash.
        quote: QuoteHash,
    },
    /// The vault paid someone else.
    #[error("quote {quote} was paid to {paid_to}, not to the quote's rewards address {expected}")]
    WrongRecipient {
        /// The quote hash.
        quote: QuoteHash,
        /// Who the vault records.
        paid_to: Address,
        /// The quote's rewards address.
        expected: Address,
    },
    /// The vault holds too little.
    #[error("quote {quote} was paid {paid} wei, below the required {required} wei")]
    Underpaid {
        /// The quote hash.
        quote: QuoteHash,
        /// What was paid.
        paid: Amount,
        /// Three times the price.
        required: Amount,
    },
    /// The chain could not be asked.
    #[error("cannot check the payment on-chain: {0}")]
    ChainUnavailable(#[source] PaymentError),
}

impl Rejection {
    /// True when the failure is the node's (the chain is unreachable), not the request's.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Rejection::ChainUnavailable(_))
    }
}

/// Checks PUT payments against the peers and the vault, caching successful on-chain checks.
#[derive(Debug)]
pub struct Admission {
    vault: Vault,
    close_group: usize,
    verified: Mutex<VerifiedCache>,
}

impl Admission {
    /// Checks payments against `vault`, with close groups of `close_group` nodes.
    pub fn new(vault: Vault, close_group: usize) -> Self {
        Self {
            vault,
            close_group,
            verified: Mutex::new(VerifiedCache::new(VERIFIED_CACHE_SIZE)),
        }
    }

    /// Checks a proof for a chunk of `chunk_len` bytes at `chunk`. Signature checks run on a
    /// blocking thread; the rest needs no more than a peer refresh and one chain query.
    pub async fn admit(
        &self,
        proof: PaymentProof,
        chunk: ChunkAddress,
        chunk_len: usize,
        peers: &Peers,
    ) -> Result<SignedQuote, Rejection> {
        let paid = tokio::task::spawn_blocking(move || proof.verify_for(chunk).cloned())
            .await
            .map_err(|_| Rejection::InvalidProof(QuoteError::Malformed("verification panicked")))?
            .map_err(Rejection::InvalidProof)?;
        if paid.body.size as usize != chunk_len {
            return Err(Rejection::SizeMismatch {
                quoted: paid.body.size,
                actual: chunk_len,
            });
        }
        self.check_issuer(&paid, chunk, peers).await?;
        Freshness::NODE
            .check(paid.body.issued_at, unix_now())
            .map_err(Rejection::Stale)?;
        self.check_paid(&paid).await?;
        Ok(paid)
    }

    async fn check_issuer(
        &self,
        paid: &SignedQuote,
        chunk: ChunkAddress,
        peers: &Peers,
    ) -> Result<(), Rejection> {
        let issuer = node_id(&paid.body.rewards);
        let k = self.close_group;
        let mut membership = peers.membership(&chunk, &issuer, k);
        if membership == Membership::Unknown {
            peers.refresh().await;
            membership = peers.membership(&chunk, &issuer, k);
        }
        match membership {
            Membership::Close => Ok(()),
            Membership::NotClose => Err(Rejection::NotInCloseGroup { issuer, chunk, k }),
            Membership::Unknown => Err(Rejection::UnknownIssuer { issuer }),
        }
    }

    async fn check_paid(&self, paid: &SignedQuote) -> Result<(), Rejection> {
        let quote = paid.body.hash();
        if self.cache().contains(&quote) {
            return Ok(());
        }
        let required = paid
            .body
            .price
            .checked_mul(PAYMENT_MULTIPLIER)
            .ok_or(Rejection::PriceOverflow(paid.body.price))?;
        let (paid_to, amount) = self
            .vault
            .paid_for(quote)
            .await
            .map_err(Rejection::ChainUnavailable)?;
        judge_record(quote, paid.body.rewards, required, paid_to, amount)?;
        self.cache().insert(quote);
        Ok(())
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, VerifiedCache> {
        self.verified.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Judges the vault's record for a quote: paid to `expected`, at least `required`.
fn judge_record(
    quote: QuoteHash,
    expected: Address,
    required: Amount,
    paid_to: Address,
    amount: Amount,
) -> Result<(), Rejection> {
    if paid_to == Address::ZERO && amount == Amount::ZERO {
        return Err(Rejection::NotPaid { quote });
    }
    if paid_to != expected {
        return Err(Rejection::WrongRecipient {
            quote,
            paid_to,
            expected,
        });
    }
    if amount < required {
        return Err(Rejection::Underpaid {
            quote,
            paid: amount,
            required,
        });
    }
    Ok(())
}

/// A bounded set of quote hashes, evicting the oldest first.
#[derive(Debug)]
struct VerifiedCache {
    set: HashSet<QuoteHash>,
    order: VecDeque<QuoteHash>,
    limit: usize,
}

impl VerifiedCache {
    fn new(limit: usize) -> Self {
        Self {
            set: HashSet::new(),
            order: VecDeque::new(),
            limit,
        }
    }

    fn contains(&self, quote: &QuoteHash) -> bool {
        self.set.contains(quote)
    }

    fn insert(&mut self, quote: QuoteHash) {
        if !self.set.insert(quote) {
            return;
        }
        self.order.push_back(quote);
        while self.order.len() > self.limit {
            if let Some(oldest) = self.order.pop_front() {
                self.set.remove(&oldest);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_chain_records_must_pay_the_quoted_address_at_least_the_required_amount() {
        let quote = QuoteHash([1; 32]);
        let node = Address::repeat_byte(5);
        let required = Amount::wei(300);
        assert!(judge_record(quote, node, required, node, Amount::wei(300)).is_ok());
        assert!(judge_record(quote, node, required, node, Amount::wei(301)).is_ok());
        assert!(matches!(
            judge_record(quote, node, required, Address::ZERO, Amount::ZERO),
            Err(Rejection::NotPaid { .. })
        ));
        assert!(matches!(
            judge_record(
                quote,
                node,
                required,
                Address::repeat_byte(6),
                Amount::wei(900)
            ),
            Err(Rejection::WrongRecipient { .. })
        ));
        let underpaid = judge_record(quote, node, required, node, Amount::wei(299)).unwrap_err();
        assert_eq!(
            underpaid.to_string(),
            format!("quote {quote} was paid 299 wei, below the required 300 wei")
        );
    }

    #[test]
    fn the_verified_cache_forgets_the_oldest_beyond_its_limit() {
        let mut cache = VerifiedCache::new(2);
        let [a, b, c] = [1u8, 2, 3].map(|byte| QuoteHash([byte; 32]));
        cache.insert(a);
        cache.insert(b);
        cache.insert(a);
        cache.insert(c);
        assert!(!cache.contains(&a));
        assert!(cache.contains(&b) && cache.contains(&c));
    }
}
