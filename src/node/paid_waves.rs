//! What a node remembers of the vault's answers about waves: the waves it verified as paid
//! (bounded, oldest evicted first) and those it found unpaid (for a few seconds).
//!
//! Invariants: a wave is remembered as verified with the block it was paid in, and counts as
//! *settled* only once it was checked again at [`SETTLED_DEPTH`] blocks deep; until then,
//! the admission asks the chain once more when the head reaches that depth (or falls below the
//! payment's block, a reorganisation), so a payment reorganised away after it was cached stops
//! counting. A wave found unpaid is remembered for its TTL only, so a payment that appears
//! later is still seen.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use alloy::primitives::Address;

use crate::wire::types::WaveRoot;

/// How deep a payment's block must be before a cached verification is final: deeper than the
/// reorganisations of the chains ferry runs on (Ethereum finalises in 64 blocks).
pub const SETTLED_DEPTH: u64 = 64;

/// A wave as a proof names it: the paid quote's payer, the root, the leaf count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct WaveKey {
    pub(crate) payer: Address,
    pub(crate) root: WaveRoot,
    pub(crate) leaves: u32,
}

/// How a cached wave stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cached {
    /// Not remembered as paid.
    Unknown,
    /// Verified and checked again once deep enough: it counts for good.
    Settled,
    /// Verified, paid in this block, not yet checked again at depth.
    Verified {
        /// The block it was paid in.
        block: u64,
    },
}

/// A bounded map of verified waves, evicting the oldest first.
#[derive(Debug)]
pub(crate) struct VerifiedCache {
    waves: HashMap<WaveKey, Cached>,
    order: VecDeque<WaveKey>,
    limit: usize,
}

impl VerifiedCache {
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            waves: HashMap::new(),
            order: VecDeque::new(),
            limit,
        }
    }

    pub(crate) fn get(&self, wave: &WaveKey) -> Cached {
        self.waves.get(wave).copied().unwrap_or(Cached::Unknown)
    }

    /// Remembers `wave` as verified in `block`, or settled when `settled`.
    pub(crate) fn insert(&mut self, wave: WaveKey, block: u64, settled: bool) {
        let state = if settled {
            Cached::Settled
        } else {
            Cached::Verified { block }
        };
        if self.waves.insert(wave, state).is_some() {
            return;
        }
        self.order.push_back(wave);
        while self.order.len() > self.limit {
            if let Some(oldest) = self.order.pop_front() {
                self.waves.remove(&oldest);
            }
        }
    }

    /// Forgets `wave` (its payment is gone from the chain).
    pub(crate) fn remove(&mut self, wave: &WaveKey) {
        self.waves.remove(wave);
        self.order.retain(|kept| kept != wave);
    }
}

/// True when a wave verified in `block` needs checking again with the chain's head at `head`:
/// it is deep enough to settle, or the head is below it (the chain was reorganised).
pub(crate) fn due_for_recheck(block: u64, head: u64) -> bool {
    head < block || (head + 1).saturating_sub(block) >= SETTLED_DEPTH
}

/// Waves found unpaid, each remembered for a short time; bounded, oldest first.
#[derive(Debug)]
pub(crate) struct UnpaidCache {
    seen: HashMap<WaveKey, Instant>,
    order: VecDeque<(WaveKey, Instant)>,
    limit: usize,
    ttl: Duration,
}

impl UnpaidCache {
    pub(crate) fn new(limit: usize, ttl: Duration) -> Self {
        Self {
            seen: HashMap::new(),
            order: VecDeque::new(),
            limit,
            ttl,
        }
    }

    pub(crate) fn contains(&self, quote: &WaveKey, now: Instant) -> bool {
        self.seen
            .get(quote)
            .is_some_and(|&when| now.saturating_duration_since(when) < self.ttl)
    }

    pub(crate) fn insert(&mut self, quote: WaveKey, now: Instant) {
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
pub(crate) mod tests {
    use super::*;

    /// A wave of 4 leaves paid by one payer, told apart by `byte`.
    pub(crate) fn wave(byte: u8) -> WaveKey {
        WaveKey {
            payer: Address::repeat_byte(9),
            root: WaveRoot([byte; 32]),
            leaves: 4,
        }
    }

    #[test]
    fn the_verified_cache_forgets_the_oldest_beyond_its_limit() {
        let mut cache = VerifiedCache::new(2);
        let [a, b, c] = [1u8, 2, 3].map(wave);
        cache.insert(a, 5, false);
        cache.insert(b, 5, false);
        cache.insert(a, 5, true);
        cache.insert(c, 5, false);
        assert_eq!(cache.get(&a), Cached::Unknown);
        assert_eq!(cache.get(&b), Cached::Verified { block: 5 });
        assert_eq!(cache.get(&c), Cached::Verified { block: 5 });
        cache.remove(&b);
        assert_eq!(cache.get(&b), Cached::Unknown);
    }

    #[test]
    fn a_cached_wave_is_checked_again_once_deep_or_when_the_head_went_back() {
        assert!(!due_for_recheck(100, 100));
        assert!(!due_for_recheck(100, 100 + SETTLED_DEPTH - 2));
        assert!(due_for_recheck(100, 100 + SETTLED_DEPTH - 1));
        assert!(
            due_for_recheck(100, 99),
            "a reorganisation took the block away"
        );
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
