//! The payment rules a PUT's proof must pass before its chunk is stored.
//!
//! In order, cheapest first, each failure a [`Rejection`]:
//! 1. cheap checks, no signature recovery ([`Admission::check_cheap`]): the proof holds quotes
//!    from at least a majority of the chunk's close group (of min(K, known nodes)) and at most
//!    K, from distinct issuers, all for the chunk and one payer, the paid one the median and
//!    for exactly the chunk's size, fresh by [`Freshness::NODE`] (for a first admission only,
//!    see [`Arrival`]), every issuer an active node of the vault's registry and among the
//!    chunk's K + [`RESPONSIBILITY_SLACK`] closest nodes in this node's view (one per network
//!    prefix: a node that joined closer after the quotes were given, or one gone but not yet
//!    declared down, does not turn a paid proof away); this node itself among the chunk's
//!    K + [`RESPONSIBILITY_SLACK`] closest (it stores only what it is responsible for); the paid price at least this node's own floor (its base price); and
//!    the proof's wave leaf is for the chunk, pays the paid quote's rewards address at least
//!    three times its price, and its path leads to the proof's wave root
//!    ([`PaymentProof::check_leaf`]);
//! 2. every quote's signature recovers to its issuer, on a blocking thread;
//! 3. the vault records that wave root as paid by the paid quote's payer, with the proof's
//!    leaf count, in a block at least `confirmations` deep: one call per wave.
//!
//! Invariants: only successful on-chain checks are cached, and only once deep enough, so a
//! payment that appears later is still seen and one reorganised away is never trusted; a
//! cached wave is checked once more when it is [`SETTLED_DEPTH`] deep (or the chain's head
//! went back below it), and dropped when the chain no longer has it; the
//! cache is per wave (payer, root, leaf count), so the other chunks of a wave cost no query,
//! and bounded ([`VERIFIED_CACHE_SIZE`] waves, oldest evicted first). A wave found unpaid is
//! remembered for [`UNPAID_CACHE_TTL`] so repeated PUTs with it do not each query the chain;
//! concurrent checks of one wave share one query.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

mod rejection;

pub use rejection::Rejection;

use crate::blocking::blocking;
use crate::node::paid_waves::{
    Cached, SETTLED_DEPTH, UnpaidCache, VerifiedCache, WaveKey, due_for_recheck,
};
use crate::node::peers::{Standing, standing};
use crate::vault::{Vault, WaveStatus};
use crate::wire::network::{Diversity, NodeInfo};
use crate::wire::registry::Registry;
use crate::wire::signed::{
    Freshness, PAYMENT_MULTIPLIER, PaymentProof, QuoteError, SignedQuote, unix_now,
};
use crate::wire::types::{Amount, ChunkAddress};

/// How many verified waves are remembered.
pub const VERIFIED_CACHE_SIZE: usize = 65_536;
/// How long a wave found unpaid is answered from memory.
pub const UNPAID_CACHE_TTL: Duration = Duration::from_secs(3);
const UNPAID_CACHE_SIZE: usize = 65_536;
/// How far past a chunk's close group a node still stores it, and still counts a quote's
/// issuer: nodes whose views differ by a join or two still agree within this many places.
pub const RESPONSIBILITY_SLACK: usize = 2;
/// How long the chain's head block number is reused before it is asked again.
const HEAD_REUSE: Duration = Duration::from_secs(2);

/// What a proof is judged against: this node's view of the network.
#[derive(Debug, Clone, Copy)]
pub struct NetworkView<'a> {
    /// The nodes in the view (this one first), with the proof's remembered issuers.
    pub nodes: &'a [NodeInfo],
    /// The vault's registry as last read.
    pub registry: &'a Registry,
    /// The close-group rule.
    pub diversity: &'a Diversity,
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
    floor: Amount,
    head: Mutex<Option<(Instant, u64)>>,
    verified: Mutex<VerifiedCache>,
    unpaid: Mutex<UnpaidCache>,
    /// One gate per wave being checked on-chain, so concurrent checks queue behind one.
    in_flight: Mutex<HashMap<WaveKey, Arc<tokio::sync::Mutex<()>>>>,
    chain_queries: AtomicU64,
}

impl Admission {
    /// Checks payments against `vault`, with close groups of `close_group` nodes, counting a
    /// payment once it is `confirmations` blocks deep (0 or 1: once mined), refusing a paid
    /// price below `floor`.
    pub fn new(vault: Vault, close_group: usize, confirmations: u64, floor: Amount) -> Self {
        Self {
            vault,
            close_group,
            confirmations,
            floor,
            head: Mutex::new(None),
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
    /// network (`view.nodes[0]` is this node). Returns the paid quote. A
    /// [`Rejection::UnknownIssuer`] may pass after a peer refresh; the caller decides whether
    /// one may run. Freshness is checked only for an [`Arrival::First`].
    pub fn check_cheap<'p>(
        &self,
        proof: &'p PaymentProof,
        chunk: ChunkAddress,
        chunk_len: usize,
        view: NetworkView<'_>,
        arrival: Arrival,
    ) -> Result<&'p SignedQuote, Rejection> {
        let k = self.close_group;
        if let Some(me) = view.nodes.first() {
            let places = k + RESPONSIBILITY_SLACK;
            let responsible = view
                .diversity
                .close_group(&chunk, view.nodes, places)
                .iter()
                .any(|node| node.id == me.id);
            if !responsible {
                return Err(Rejection::NotResponsible { chunk, k: places });
            }
        }
        let majority = k.min(view.nodes.len()) / 2 + 1;
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
        if paid.body.price < self.floor {
            return Err(Rejection::BelowFloor {
                paid: paid.body.price,
                floor: self.floor,
            });
        }
        proof.check_leaf(paid).map_err(Rejection::Leaf)?;
        let mut unknown = None;
        for quote in &proof.quotes {
            let Some(issuer) = view.registry.id_of(&quote.body.rewards) else {
                return Err(Rejection::UnregisteredIssuer {
                    rewards: quote.body.rewards,
                });
            };
            let places = k + RESPONSIBILITY_SLACK;
            match standing(view.diversity, view.nodes, &chunk, &issuer, places) {
                Standing::Close => {}
                Standing::NotClose => {
                    return Err(Rejection::NotInCloseGroup {
                        issuer,
                        chunk,
                        k: places,
                    });
                }
                Standing::Unknown => unknown = unknown.or(Some(issuer)),
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
        let paid = blocking(move || {
            proof.verify_signatures()?;
            proof
                .paid_quote()
                .cloned()
                .ok_or(QuoteError::Malformed("paid index out of range"))
        })
        .await
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
        let cached = self.cache().get(&wave);
        match cached {
            Cached::Settled => return Ok(()),
            Cached::Verified { block } => {
                let head = self.head().await?;
                if !due_for_recheck(block, head) {
                    return Ok(());
                }
                tracing::debug!(root = %wave.root, block, head, "checking a cached wave again at depth");
                self.cache().remove(&wave);
            }
            Cached::Unknown => {}
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
            if cached != Cached::Unknown {
                tracing::warn!(root = %wave.root, payer = %wave.payer, "a cached paid wave is no longer on the chain (reorganised away); it no longer counts");
            }
            self.unpaid().insert(wave, Instant::now());
            return Err(unpaid);
        }
        judge_status(wave, status)?;
        let fresh = self.confirmations > 1 || cached != Cached::Unknown;
        let head = if fresh {
            self.fresh_head().await?
        } else {
            self.head().await?
        };
        let depth = (head + 1).saturating_sub(status.block);
        if depth < self.confirmations {
            return Err(Rejection::NotConfirmed {
                root: wave.root,
                depth,
                needed: self.confirmations,
            });
        }
        self.cache()
            .insert(wave, status.block, depth >= SETTLED_DEPTH);
        Ok(())
    }

    /// The chain's head block number, reused for [`HEAD_REUSE`].
    async fn head(&self) -> Result<u64, Rejection> {
        let reused = *self.head.lock().unwrap_or_else(PoisonError::into_inner);
        match reused {
            Some((at, head)) if at.elapsed() < HEAD_REUSE => Ok(head),
            _ => self.fresh_head().await,
        }
    }

    async fn fresh_head(&self) -> Result<u64, Rejection> {
        self.chain_queries.fetch_add(1, Ordering::Relaxed);
        let head = self
            .vault
            .block_number()
            .await
            .map_err(Rejection::ChainUnavailable)?;
        *self.head.lock().unwrap_or_else(PoisonError::into_inner) = Some((Instant::now(), head));
        Ok(head)
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

#[cfg(test)]
mod tests;
