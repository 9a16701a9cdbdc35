//! The payment rules a PUT's proof must pass before its chunk is stored.
//!
//! In order, cheapest first, each failure a [`Rejection`]:
//! 1. cheap checks, no signature recovery ([`Admission::check_cheap`]): the proof holds quotes
//!    from at least a majority of the chunk's close group (of min(K, known nodes)) and at most
//!    K, from distinct issuers, all for the chunk and one payer, the paid one the median and
//!    for exactly the chunk's size, fresh by [`Freshness::NODE`] (for a first admission only,
//!    see [`Arrival`]), and every issuer among the chunk's K closest nodes in this node's view;
//! 2. every quote's signature recovers to its issuer, on a blocking thread;
//! 3. the vault's record for (the paid quote's payer, its hash) pays its rewards address at
//!    least three times its price, in a block at least `confirmations` deep.
//!
//! Invariants: only successful on-chain checks are cached, and only once deep enough, so a
//! payment that appears later is still seen and one reorganised away is never trusted; the
//! cache is bounded ([`VERIFIED_CACHE_SIZE`] quote hashes, oldest evicted first). A quote hash
//! found unpaid is remembered for [`UNPAID_CACHE_TTL`] so repeated PUTs with it do not each
//! query the chain; concurrent checks of one quote hash share one query.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use alloy::primitives::Address;

use crate::node::peers::{Membership, membership};
use crate::vault::{PaymentError, PaymentRecord, Vault};
use crate::wire::network::NodeInfo;
use crate::wire::signed::{
    Freshness, PAYMENT_MULTIPLIER, PaymentProof, QuoteError, SignedQuote, node_id, unix_now,
};
use crate::wire::types::{Amount, ChunkAddress, NodeId, QuoteHash};

/// How many verified quote hashes are remembered.
pub const VERIFIED_CACHE_SIZE: usize = 65_536;
/// How long a quote hash found unpaid is answered from memory.
pub const UNPAID_CACHE_TTL: Duration = Duration::from_secs(3);
const UNPAID_CACHE_SIZE: usize = 65_536;

/// Why a PUT's payment was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum Rejection {
    /// A quote is forged, for another chunk, or the paid one is not the median.
    #[error("invalid payment proof")]
    InvalidProof(#[source] QuoteError),
    /// The paid quote is for another size.
    #[error("the paid quote is for {quoted} bytes but the chunk is {actual} bytes")]
    SizeMismatch {
        /// The size quoted.
        quoted: u32,
        /// The chunk's length.
        actual: usize,
    },
    /// A quote's issuer is not a node this node knows.
    #[error("quote issuer {issuer} is not a node this node knows")]
    UnknownIssuer {
        /// The issuer's id.
        issuer: NodeId,
    },
    /// A quote's issuer is unknown and this node refreshed its peers too recently to look again.
    #[error(
        "quote issuer {issuer} is not a node this node knows yet; its peer view is being refreshed, retry in a few seconds"
    )]
    RefreshPending {
        /// The issuer's id.
        issuer: NodeId,
    },
    /// A quote's issuer is not close to the chunk.
    #[error(
        "quote issuer {issuer} is not among the {k} nodes closest to chunk {chunk} in this node's view"
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
    #[error("the paid quote is not fresh by this node's clock")]
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
    /// The payment is not yet deep enough to count.
    #[error(
        "quote {quote} is paid in a block {depth} deep: not yet {needed} confirmations; retry later"
    )]
    NotConfirmed {
        /// The quote hash.
        quote: QuoteHash,
        /// Blocks from the payment's to the latest, both counted.
        depth: u64,
        /// Confirmations this node requires.
        needed: u64,
    },
    /// The chain could not be asked.
    #[error("cannot check the payment on-chain")]
    ChainUnavailable(#[source] PaymentError),
}

impl Rejection {
    /// True when the failure is the node's (the chain is unreachable, or its peer view is
    /// being refreshed), not the request's: the same PUT may pass soon.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            Rejection::ChainUnavailable(_) | Rejection::RefreshPending { .. }
        )
    }

    /// True when the payment is real but not yet deep enough.
    pub fn is_too_early(&self) -> bool {
        matches!(self, Rejection::NotConfirmed { .. })
    }
}

/// How a chunk arrives: the one thing that changes which rules its proof must pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// A client's PUT of a chunk it paid for: every rule, the quote's freshness included.
    First,
    /// A copy of a chunk already admitted elsewhere, with its original proof (a peer's upkeep
    /// or `ferry repair`): every rule but freshness, since the chain shows it was paid once.
    Replica,
}

/// Checks PUT payments against the peers and the vault, caching successful on-chain checks.
#[derive(Debug)]
pub struct Admission {
    vault: Vault,
    close_group: usize,
    confirmations: u64,
    verified: Mutex<VerifiedCache>,
    unpaid: Mutex<UnpaidCache>,
    /// One gate per quote hash being checked on-chain, so concurrent checks queue behind one.
    in_flight: Mutex<HashMap<QuoteHash, Arc<tokio::sync::Mutex<()>>>>,
    chain_queries: AtomicU64,
}

impl Admission {
    /// Checks payments against `vault`, with close groups of `close_group` nodes, counting a
    /// payment once it is `confirmations` blocks deep (0 or 1: once mined).
    pub fn new(vault: Vault, close_group: usize, confirmations: u64) -> Self {
        Self {
            vault,
            close_group,
            confirmations,
            verified: Mutex::new(VerifiedCache::new(VERIFIED_CACHE_SIZE)),
            unpaid: Mutex::new(UnpaidCache::new(UNPAID_CACHE_SIZE, UNPAID_CACHE_TTL)),
            in_flight: Mutex::new(HashMap::new()),
            chain_queries: AtomicU64::new(0),
        }
    }

    /// Chain queries made since the node started (for `GET /stats`).
    pub fn chain_queries(&self) -> u64 {
        self.chain_queries.load(Ordering::Relaxed)
    }

    /// The checks that need neither signatures nor the chain, against the node's `view` of the
    /// network. Returns the paid quote. A [`Rejection::UnknownIssuer`] may pass after a peer
    /// refresh; the caller decides whether one may run. Freshness is checked only for an
    /// [`Arrival::First`].
    pub fn check_cheap<'p>(
        &self,
        proof: &'p PaymentProof,
        chunk: ChunkAddress,
        chunk_len: usize,
        view: &[NodeInfo],
        arrival: Arrival,
    ) -> Result<&'p SignedQuote, Rejection> {
        let k = self.close_group;
        let majority = k.min(view.len()) / 2 + 1;
        let paid = proof
            .check_shape(chunk, majority, k)
            .map_err(Rejection::InvalidProof)?;
        if paid.body.size as usize != chunk_len {
            return Err(Rejection::SizeMismatch {
                quoted: paid.body.size,
                actual: chunk_len,
            });
        }
        if arrival == Arrival::First {
            Freshness::NODE
                .check(paid.body.issued_at, unix_now())
                .map_err(Rejection::Stale)?;
        }
        let mut unknown = None;
        for quote in &proof.quotes {
            let issuer = node_id(&quote.body.rewards);
            match membership(view, &chunk, &issuer, k) {
                Membership::Close => {}
                Membership::NotClose => {
                    return Err(Rejection::NotInCloseGroup { issuer, chunk, k });
                }
                Membership::Unknown => unknown = unknown.or(Some(issuer)),
            }
        }
        match unknown {
            Some(issuer) => Err(Rejection::UnknownIssuer { issuer }),
            None => Ok(paid),
        }
    }

    /// The costly checks, once [`Admission::check_cheap`] passed: every signature (on a
    /// blocking thread), then the vault's record of the paid quote.
    pub async fn check_paid(&self, proof: PaymentProof) -> Result<SignedQuote, Rejection> {
        let paid = tokio::task::spawn_blocking(move || {
            proof.verify_signatures()?;
            proof
                .paid_quote()
                .cloned()
                .ok_or(QuoteError::Malformed("paid index out of range"))
        })
        .await
        .map_err(|_| Rejection::InvalidProof(QuoteError::Malformed("verification panicked")))?
        .map_err(Rejection::InvalidProof)?;
        self.check_on_chain(&paid).await?;
        Ok(paid)
    }

    async fn check_on_chain(&self, paid: &SignedQuote) -> Result<(), Rejection> {
        let quote = paid.body.hash();
        let gate = self.gates().entry(quote).or_default().clone();
        let result = {
            let _turn = gate.lock().await;
            self.check_on_chain_alone(paid, quote).await
        };
        drop(gate);
        let mut gates = self.gates();
        if gates
            .get(&quote)
            .is_some_and(|gate| Arc::strong_count(gate) == 1)
        {
            gates.remove(&quote);
        }
        result
    }

    /// [`Admission::check_on_chain`] once no other check of `quote` is under way.
    async fn check_on_chain_alone(
        &self,
        paid: &SignedQuote,
        quote: QuoteHash,
    ) -> Result<(), Rejection> {
        if self.cache().contains(&quote) {
            return Ok(());
        }
        if self.unpaid().contains(&quote, Instant::now()) {
            return Err(Rejection::NotPaid { quote });
        }
        let required = paid
            .body
            .price
            .checked_mul(PAYMENT_MULTIPLIER)
            .ok_or(Rejection::PriceOverflow(paid.body.price))?;
        self.chain_queries.fetch_add(1, Ordering::Relaxed);
        let record = self
            .vault
            .paid_for(paid.body.payer, quote)
            .await
            .map_err(Rejection::ChainUnavailable)?;
        if record.is_unpaid() {
            self.unpaid().insert(quote, Instant::now());
            return Err(Rejection::NotPaid { quote });
        }
        judge_record(quote, paid.body.rewards, required, record)?;
        if self.confirmations > 1 {
            self.chain_queries.fetch_add(1, Ordering::Relaxed);
            let latest = self
                .vault
                .block_number()
                .await
                .map_err(Rejection::ChainUnavailable)?;
            let depth = (latest + 1).saturating_sub(record.block);
            if depth < self.confirmations {
                return Err(Rejection::NotConfirmed {
                    quote,
                    depth,
                    needed: self.confirmations,
                });
            }
        }
        self.cache().insert(quote);
        Ok(())
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, VerifiedCache> {
        self.verified.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn gates(&self) -> std::sync::MutexGuard<'_, HashMap<QuoteHash, Arc<tokio::sync::Mutex<()>>>> {
        self.in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn unpaid(&self) -> std::sync::MutexGuard<'_, UnpaidCache> {
        self.unpaid.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Judges the vault's record for a quote: paid to `expected`, at least `required`.
fn judge_record(
    quote: QuoteHash,
    expected: Address,
    required: Amount,
    record: PaymentRecord,
) -> Result<(), Rejection> {
    let PaymentRecord {
        rewards: paid_to,
        amount,
        ..
    } = record;
    if record.is_unpaid() {
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

/// Quote hashes found unpaid, each remembered for a short time; bounded, oldest first.
#[derive(Debug)]
struct UnpaidCache {
    seen: HashMap<QuoteHash, Instant>,
    order: VecDeque<(QuoteHash, Instant)>,
    limit: usize,
    ttl: Duration,
}

impl UnpaidCache {
    fn new(limit: usize, ttl: Duration) -> Self {
        Self {
            seen: HashMap::new(),
            order: VecDeque::new(),
            limit,
            ttl,
        }
    }

    fn contains(&self, quote: &QuoteHash, now: Instant) -> bool {
        self.seen
            .get(quote)
            .is_some_and(|&when| now.saturating_duration_since(when) < self.ttl)
    }

    fn insert(&mut self, quote: QuoteHash, now: Instant) {
        while let Some(&(oldest, when)) = self.order.front() {
            let expired = now.saturating_duration_since(when) >= self.ttl;
            if !expired && self.order.len() < self.limit {
                break;
            }
            self.order.pop_front();
            if self.seen.get(&oldest) == Some(&when) {
                self.seen.remove(&oldest);
            }
        }
        self.seen.insert(quote, now);
        self.order.push_back((quote, now));
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
        let record = |rewards, amount| PaymentRecord {
            rewards,
            amount: Amount::wei(amount),
            block: 7,
        };
        assert!(judge_record(quote, node, required, record(node, 300)).is_ok());
        assert!(judge_record(quote, node, required, record(node, 301)).is_ok());
        assert!(matches!(
            judge_record(quote, node, required, record(Address::ZERO, 0)),
            Err(Rejection::NotPaid { .. })
        ));
        assert!(matches!(
            judge_record(quote, node, required, record(Address::repeat_byte(6), 900)),
            Err(Rejection::WrongRecipient { .. })
        ));
        let underpaid = judge_record(quote, node, required, record(node, 299)).unwrap_err();
        assert_eq!(
            underpaid.to_string(),
            format!("quote {quote} was paid 299 wei, below the required 300 wei")
        );
    }

    #[test]
    fn a_replica_skips_only_the_freshness_rule() {
        use crate::wire::signed::{QuoteBody, median_index};
        let vault = Vault::connect("http://127.0.0.1:9", Address::ZERO, None).unwrap();
        let admission = Admission::new(vault, 7, 0);
        let chunk = ChunkAddress::of(b"old chunk");
        let signers: Vec<_> = (0..4)
            .map(|_| alloy::signers::local::PrivateKeySigner::random())
            .collect();
        let view: Vec<NodeInfo> = signers
            .iter()
            .map(|s| NodeInfo {
                id: node_id(&s.address()),
                url: String::new(),
                rewards: s.address(),
            })
            .collect();
        let day_and_more = unix_now() - 25 * 3600;
        let quotes: Vec<_> = signers
            .iter()
            .enumerate()
            .map(|(i, signer)| {
                let body = QuoteBody {
                    chunk,
                    size: 10,
                    price: Amount::wei(i as u128 + 1),
                    rewards: signer.address(),
                    issued_at: day_and_more,
                    payer: Address::repeat_byte(9),
                };
                SignedQuote::sign(body, signer)
            })
            .collect();
        let paid = median_index(&quotes).unwrap() as u32;
        let proof = PaymentProof {
            quotes,
            paid,
            tx_hash: Default::default(),
        };
        assert!(matches!(
            admission.check_cheap(&proof, chunk, 10, &view, Arrival::First),
            Err(Rejection::Stale(_))
        ));
        assert!(
            admission
                .check_cheap(&proof, chunk, 10, &view, Arrival::Replica)
                .is_ok()
        );
        assert!(matches!(
            admission.check_cheap(&proof, chunk, 11, &view, Arrival::Replica),
            Err(Rejection::SizeMismatch { .. })
        ));
        assert!(matches!(
            admission.check_cheap(&proof, chunk, 10, &view[..1], Arrival::Replica),
            Err(Rejection::UnknownIssuer { .. })
        ));
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

    #[test]
    fn unpaid_quotes_are_remembered_briefly_and_boundedly() {
        let start = Instant::now();
        let ttl = Duration::from_secs(3);
        let mut cache = UnpaidCache::new(2, ttl);
        let [a, b, c] = [1u8, 2, 3].map(|byte| QuoteHash([byte; 32]));
        cache.insert(a, start);
        assert!(cache.contains(&a, start + Duration::from_secs(2)));
        assert!(!cache.contains(&a, start + ttl));
        cache.insert(b, start);
        cache.insert(c, start);
        assert!(!cache.contains(&a, start));
        assert!(cache.contains(&b, start) && cache.contains(&c, start));
        cache.insert(a, start + ttl);
        assert!(cache.contains(&a, start + ttl));
        assert!(!cache.contains(&b, start + ttl));
    }
}
