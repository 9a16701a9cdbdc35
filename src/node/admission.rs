//! The payment rules a PUT's proof must pass before its chunk is stored.
//!
//! In order, cheapest first, each failure a [`Rejection`]:
//! 1. cheap checks, no signature recovery ([`Admission::check_cheap`]): the proof holds quotes
//!    from at least a majority of the chunk's close group (of min(K, known nodes)) and at most
//!    K, from distinct issuers, all for the chunk and one payer, the paid one the median and
//!    for exactly the chunk's size, fresh by [`Freshness::NODE`] (for a first admission only,
//!    see [`Arrival`]), and every issuer among the chunk's K closest nodes in this node's view;
//!    and the proof's wave leaf is for the chunk, pays the paid quote's rewards address at
//!    least three times its price, and its path leads to the proof's wave root
//!    ([`PaymentProof::check_leaf`]);
//! 2. every quote's signature recovers to its issuer, on a blocking thread;
//! 3. the vault records that wave root as paid by the paid quote's payer, with the proof's
//!    leaf count, in a block at least `confirmations` deep: one call per wave.
//!
//! Invariants: only successful on-chain checks are cached, and only once deep enough, so a
//! payment that appears later is still seen and one reorganised away is never trusted; the
//! cache is per wave (payer, root, leaf count), so the other chunks of a wave cost no query,
//! and bounded ([`VERIFIED_CACHE_SIZE`] waves, oldest evicted first). A wave found unpaid is
//! remembered for [`UNPAID_CACHE_TTL`] so repeated PUTs with it do not each query the chain;
//! concurrent checks of one wave share one query.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use alloy::primitives::Address;

use crate::node::peers::{Membership, membership};
use crate::vault::{PaymentError, Vault, WaveStatus};
use crate::wire::network::NodeInfo;
use crate::wire::signed::{
    Freshness, LeafError, PAYMENT_MULTIPLIER, PaymentProof, QuoteError, SignedQuote, node_id,
    unix_now,
};
use crate::wire::types::{Amount, ChunkAddress, NodeId, WaveRoot};

/// How many verified waves are remembered.
pub const VERIFIED_CACHE_SIZE: usize = 65_536;
/// How long a wave found unpaid is answered from memory.
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
    /// The proof's wave leaf does not pay for the chunk as the paid quote asks.
    #[error(transparent)]
    Leaf(LeafError),
    /// The vault has no payment of the wave by the payer.
    #[error("wave {root} of payer {payer} is not paid on-chain")]
    NotPaid {
        /// The wave's root.
        root: WaveRoot,
        /// The paid quote's payer.
        payer: Address,
    },
    /// The vault records the wave with another leaf count than the proof's.
    #[error("the proof says wave {root} has {claimed} leaves, but the vault records {recorded}")]
    WrongWaveSize {
        /// The wave's root.
        root: WaveRoot,
        /// The proof's count.
        claimed: u32,
        /// The vault's.
        recorded: u32,
    },
    /// The payment is not yet deep enough to count.
    #[error(
        "wave {root} is paid in a block {depth} deep: not yet {needed} confirmations; retry later"
    )]
    NotConfirmed {
        /// The wave's root.
        root: WaveRoot,
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
    /// One gate per wave being checked on-chain, so concurrent checks queue behind one.
    in_flight: Mutex<HashMap<WaveKey, Arc<tokio::sync::Mutex<()>>>>,
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
        if paid.body.price.checked_mul(PAYMENT_MULTIPLIER).is_none() {
            return Err(Rejection::PriceOverflow(paid.body.price));
        }
        proof.check_leaf(paid).map_err(Rejection::Leaf)?;
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
    /// blocking thread), then the vault's record of the proof's wave.
    pub async fn check_paid(&self, proof: PaymentProof) -> Result<SignedQuote, Rejection> {
        let wave = WaveKey {
            payer: proof.paid_quote().map(|q| q.body.payer).unwrap_or_default(),
            root: proof.wave.root,
            leaves: proof.wave.leaves,
        };
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
        self.check_on_chain(wave).await?;
        Ok(paid)
    }

    async fn check_on_chain(&self, wave: WaveKey) -> Result<(), Rejection> {
        let gate = self.gates().entry(wave).or_default().clone();
        let result = {
            let _turn = gate.lock().await;
            self.check_on_chain_alone(wave).await
        };
        drop(gate);
        let mut gates = self.gates();
        if gates
            .get(&wave)
            .is_some_and(|gate| Arc::strong_count(gate) == 1)
        {
            gates.remove(&wave);
        }
        result
    }

    /// [`Admission::check_on_chain`] once no other check of `wave` is under way.
    async fn check_on_chain_alone(&self, wave: WaveKey) -> Result<(), Rejection> {
        if self.cache().contains(&wave) {
            return Ok(());
        }
        let unpaid = Rejection::NotPaid {
            root: wave.root,
            payer: wave.payer,
        };
        if self.unpaid().contains(&wave, Instant::now()) {
            return Err(unpaid);
        }
        self.chain_queries.fetch_add(1, Ordering::Relaxed);
        let status = self
            .vault
            .wave_status(wave.payer, wave.root)
            .await
            .map_err(Rejection::ChainUnavailable)?;
        if status.is_unpaid() {
            self.unpaid().insert(wave, Instant::now());
            return Err(unpaid);
        }
        judge_status(wave, status)?;
        if self.confirmations > 1 {
            self.chain_queries.fetch_add(1, Ordering::Relaxed);
            let latest = self
                .vault
                .block_number()
                .await
                .map_err(Rejection::ChainUnavailable)?;
            let depth = (latest + 1).saturating_sub(status.block);
            if depth < self.confirmations {
                return Err(Rejection::NotConfirmed {
                    root: wave.root,
                    depth,
                    needed: self.confirmations,
                });
            }
        }
        self.cache().insert(wave);
        Ok(())
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, VerifiedCache> {
        self.verified.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn gates(&self) -> std::sync::MutexGuard<'_, HashMap<WaveKey, Arc<tokio::sync::Mutex<()>>>> {
        self.in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn unpaid(&self) -> std::sync::MutexGuard<'_, UnpaidCache> {
        self.unpaid.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A wave as a proof names it: the paid quote's payer, the root, the leaf count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct WaveKey {
    payer: Address,
    root: WaveRoot,
    leaves: u32,
}

/// Judges the vault's record of a paid wave: the proof's leaf count must be the vault's, since
/// the count fixes the shape of the proof's path.
fn judge_status(wave: WaveKey, status: WaveStatus) -> Result<(), Rejection> {
    if status.is_unpaid() {
        return Err(Rejection::NotPaid {
            root: wave.root,
            payer: wave.payer,
        });
    }
    if status.leaves != wave.leaves {
        return Err(Rejection::WrongWaveSize {
            root: wave.root,
            claimed: wave.leaves,
            recorded: status.leaves,
        });
    }
    Ok(())
}

/// A bounded set of waves, evicting the oldest first.
#[derive(Debug)]
struct VerifiedCache {
    set: HashSet<WaveKey>,
    order: VecDeque<WaveKey>,
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

    fn contains(&self, quote: &WaveKey) -> bool {
        self.set.contains(quote)
    }

    fn insert(&mut self, quote: WaveKey) {
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

/// Waves found unpaid, each remembered for a short time; bounded, oldest first.
#[derive(Debug)]
struct UnpaidCache {
    seen: HashMap<WaveKey, Instant>,
    order: VecDeque<(WaveKey, Instant)>,
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

    fn contains(&self, quote: &WaveKey, now: Instant) -> bool {
        self.seen
            .get(quote)
            .is_some_and(|&when| now.saturating_duration_since(when) < self.ttl)
    }

    fn insert(&mut self, quote: WaveKey, now: Instant) {
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

    fn wave(byte: u8) -> WaveKey {
        WaveKey {
            payer: Address::repeat_byte(9),
            root: WaveRoot([byte; 32]),
            leaves: 4,
        }
    }

    #[test]
    fn a_wave_counts_only_when_paid_with_the_proofs_leaf_count() {
        let paid = |leaves| WaveStatus {
            block: 7,
            leaves,
            claimed: 0,
        };
        assert!(judge_status(wave(1), paid(4)).is_ok());
        assert!(matches!(
            judge_status(wave(1), WaveStatus::default()),
            Err(Rejection::NotPaid { .. })
        ));
        let resized = judge_status(wave(1), paid(5)).unwrap_err();
        assert_eq!(
            resized.to_string(),
            format!(
                "the proof says wave {} has 4 leaves, but the vault records 5",
                wave(1).root
            )
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
        let median = &quotes[paid as usize].body;
        let leaf = crate::wire::wave::WaveLeaf {
            chunk,
            rewards: median.rewards,
            amount: median.price.checked_mul(3).unwrap(),
        };
        let wave = crate::wire::wave::WaveTree::new(vec![leaf])
            .unwrap()
            .membership(0);
        let proof = PaymentProof {
            quotes,
            paid,
            tx_hash: Default::default(),
            wave,
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
        let [a, b, c] = [1u8, 2, 3].map(wave);
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
        let [a, b, c] = [1u8, 2, 3].map(wave);
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
