//! How a node prices storage: the price rises with how full the store would be.
//!
//! `price = base * (1 + 9 * fill^2)`, where `fill = (used + size) / capacity`, clamped to
//! `[0, 1]`, is the store's fill *after* the quoted chunk would be written. An empty node quotes
//! `base`, a half-full one `3.25 * base`, a full one `10 * base`: the curve is flat while the
//! node has room and steep as it fills, so clients drift toward emptier nodes.
//!
//! Invariants: the price is exact integer arithmetic on 256 bits (rounded down, saturating
//! instead of overflowing), never below `base`, never above `10 * base`, and monotone
//! non-decreasing in `used + size` for a fixed capacity.

use alloy::primitives::U256;

use crate::wire::types::Amount;

/// The price at a full store is this many times the base price.
pub const FULL_STORE_MULTIPLIER: u64 = 10;

/// The price of storing one chunk of `size` bytes on a store holding `used` of `capacity` bytes.
pub fn price(base: Amount, used: u64, size: u64, capacity: u64) -> Amount {
    if capacity == 0 {
        return Amount(base.0.saturating_mul(U256::from(FULL_STORE_MULTIPLIER)));
    }
    let filled = U256::from(used.saturating_add(size).min(capacity));
    let capacity = U256::from(capacity);
    let denominator = capacity * capacity;
    let numerator = denominator + U256::from(FULL_STORE_MULTIPLIER - 1) * filled * filled;
    match base.0.checked_mul(numerator) {
        Some(product) => Amount(product / denominator),
        // Only a base price near 2^256 gets here: scale first, losing a little precision.
        None => Amount((base.0 / denominator).saturating_mul(numerator)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: u64 = 1 << 30;

    #[test]
    fn empty_half_and_full_stores_price_one_three_and_a_quarter_and_ten_times_base() {
        let base = Amount::wei(1_000_000_000);
        assert_eq!(price(base, 0, 0, 10 * GIB), base);
        assert_eq!(
            price(base, 5 * GIB, 0, 10 * GIB),
            Amount::wei(3_250_000_000)
        );
        assert_eq!(
            price(base, 10 * GIB, 0, 10 * GIB),
            Amount::wei(10_000_000_000)
        );
        assert_eq!(
            price(base, 20 * GIB, 4, 10 * GIB),
            Amount::wei(10_000_000_000)
        );
        assert_eq!(price(base, 0, 0, 0), Amount::wei(10_000_000_000));
    }

    #[test]
    fn price_is_monotone_in_fill_and_bounded_by_base_and_ten_times_base() {
        let base = Amount::wei(7_777);
        let capacity = 1_000_003;
        let mut previous = Amount::ZERO;
        for used in (0..=capacity + 10_000).step_by(997) {
            let quoted = price(base, used, 4096, capacity);
            assert!(quoted >= previous, "price fell at used = {used}");
            assert!(quoted >= base && quoted <= Amount::wei(77_770));
            previous = quoted;
        }
    }

    #[test]
    fn huge_base_prices_saturate_instead_of_overflowing() {
        let base = Amount(U256::MAX);
        assert_eq!(price(base, 0, 0, 0), Amount(U256::MAX));
        assert!(price(base, 1, 0, 2) > Amount::ZERO);
    }
}
