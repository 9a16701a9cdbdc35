//! Amounts people can read and write: `0.01eth`, `5gwei` or plain wei in, `0.0025 ETH` out.
//!
//! Parsing is exact: an amount is a decimal number with an optional unit (`wei`, `gwei`, `eth`,
//! in any case, spaces allowed before it), and it must come to a whole number of wei that fits
//! 256 bits; `1.5wei`, `-1eth` and `1e18` are refused. Formatting in ETH keeps six significant
//! digits (rounded half up, trailing zeros dropped), in gwei and wei it is exact. JSON output
//! never goes through here: it keeps decimal strings of wei.
//!
//! The coin unit is written with the symbol of the chain's native coin, which the network file
//! names (`native_unit`, ETH when it names none); each command passes it in an
//! [`AmountFormat`], so nothing here depends on which network a process read first.

use alloy::primitives::U256;

use crate::wire::types::Amount;

/// Significant digits an amount shows in ETH.
const ETH_DIGITS: usize = 6;

/// The coin's symbol when the network file names none.
const DEFAULT_COIN: &str = "ETH";

/// The unit human output shows amounts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Unit {
    /// Wei, exact.
    Wei,
    /// Gwei (10^9 wei), exact.
    Gwei,
    /// The chain's native unit (10^18 wei), six significant digits.
    #[default]
    Eth,
}

impl Unit {
    /// Decimal places between this unit and wei.
    fn decimals(self) -> usize {
        match self {
            Unit::Wei => 0,
            Unit::Gwei => 9,
            Unit::Eth => 18,
        }
    }

    /// The unit's name in messages about what was typed (`eth`, whatever the chain's coin).
    fn name(self) -> &'static str {
        match self {
            Unit::Wei => "wei",
            Unit::Gwei => "gwei",
            Unit::Eth => DEFAULT_COIN,
        }
    }
}

/// How human output writes amounts: in the unit `--units` chose, the coin unit with the
/// chain's own symbol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmountFormat {
    unit: Unit,
    coin: String,
}

impl AmountFormat {
    /// Amounts in `unit`; `coin` is the chain's native coin symbol (`POL`), ETH when `None`.
    pub fn new(unit: Unit, coin: Option<&str>) -> Self {
        Self {
            unit,
            coin: coin.unwrap_or(DEFAULT_COIN).to_owned(),
        }
    }

    fn symbol(&self) -> &str {
        match self.unit {
            Unit::Eth => &self.coin,
            unit => unit.name(),
        }
    }

    /// `amount` in this unit, with its symbol (`0.0025 ETH`, `5 gwei`, `3000 wei`).
    pub fn format(&self, amount: Amount) -> String {
        let decimals = self.unit.decimals();
        let digits = match self.unit {
            Unit::Eth => significant(amount.0, decimals, ETH_DIGITS),
            _ => decimals,
        };
        format!("{} {}", decimal(amount.0, decimals, digits), self.symbol())
    }

    /// `amount` in this unit exactly, every digit kept (`9999.99999919 ETH`): for a balance,
    /// where rounding up would show money that is not there.
    pub fn format_exact(&self, amount: Amount) -> String {
        let decimals = self.unit.decimals();
        format!(
            "{} {}",
            decimal(amount.0, decimals, decimals),
            self.symbol()
        )
    }
}

/// Fraction digits that keep `significant_digits` of `wei` shown with `decimals` places.
fn significant(wei: U256, decimals: usize, significant_digits: usize) -> usize {
    let text = wei.to_string();
    if wei.is_zero() {
        return 0;
    }
    let integer_digits = text.len().saturating_sub(decimals);
    if integer_digits > 0 {
        significant_digits.saturating_sub(integer_digits)
    } else {
        // Leading zeros after the point, then the significant digits.
        (decimals - text.len() + significant_digits).min(decimals)
    }
}

/// `wei` / 10^`decimals`, rounded half up to `keep` fraction digits, trailing zeros dropped.
fn decimal(wei: U256, decimals: usize, keep: usize) -> String {
    let drop = decimals - keep.min(decimals);
    let step = U256::from(10u8).pow(U256::from(drop));
    let rounded = if drop == 0 {
        wei
    } else {
        (wei.saturating_add(step / U256::from(2u8))) / step
    };
    let text = rounded.to_string();
    let places = decimals - drop;
    if places == 0 {
        return text;
    }
    let padded = format!("{text:0>width$}", width = places + 1);
    let (integer, fraction) = padded.split_at(padded.len() - places);
    let fraction = fraction.trim_end_matches('0');
    if fraction.is_empty() {
        integer.to_owned()
    } else {
        format!("{integer}.{fraction}")
    }
}

/// Parses `0.01eth`, `5 gwei`, `1000wei` or `1000` (wei) into an exact amount of wei.
pub fn parse_amount(text: &str) -> Result<Amount, String> {
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let unit = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "wei" => Unit::Wei,
        "gwei" => Unit::Gwei,
        "eth" | "ether" => Unit::Eth,
        _ => return Err(bad_amount(text)),
    };
    let (integer, fraction) = number.split_once('.').unwrap_or((number, ""));
    if integer.is_empty() && fraction.is_empty() || fraction.contains('.') {
        return Err(bad_amount(text));
    }
    let fraction = fraction.trim_end_matches('0');
    if fraction.len() > unit.decimals() {
        return Err(format!(
            "{text:?} is not a whole number of wei; use at most {} decimal places with {}",
            unit.decimals(),
            unit.name()
        ));
    }
    let digits = format!(
        "{}{fraction:0<width$}",
        if integer.is_empty() { "0" } else { integer },
        width = unit.decimals()
    );
    U256::from_str_radix(&digits, 10)
        .map(Amount)
        .map_err(|_| bad_amount(text))
}

fn bad_amount(text: &str) -> String {
    format!(
        "{text:?} is not an amount; write wei (1000), gwei (5gwei) or ETH (0.01eth), never negative"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wei(text: &str) -> Amount {
        Amount(U256::from_str_radix(text, 10).unwrap())
    }

    /// Amounts in `unit` on a chain whose network file names no coin.
    fn in_unit(unit: Unit) -> AmountFormat {
        AmountFormat::new(unit, None)
    }

    #[test]
    fn amounts_parse_in_each_unit_exactly() {
        assert_eq!(parse_amount("1000").unwrap(), wei("1000"));
        assert_eq!(parse_amount("1000wei").unwrap(), wei("1000"));
        assert_eq!(parse_amount("5gwei").unwrap(), wei("5000000000"));
        assert_eq!(parse_amount("5 GWEI").unwrap(), wei("5000000000"));
        assert_eq!(parse_amount("1.5gwei").unwrap(), wei("1500000000"));
        assert_eq!(parse_amount("0.01eth").unwrap(), wei("10000000000000000"));
        assert_eq!(parse_amount(".5ETH").unwrap(), wei("500000000000000000"));
        assert_eq!(parse_amount("2.0wei").unwrap(), wei("2"));
        assert_eq!(parse_amount("0.000000000000000001eth").unwrap(), wei("1"));
    }

    #[test]
    fn amounts_that_are_not_whole_wei_or_are_negative_are_refused() {
        for text in [
            "1.5wei",
            "-1eth",
            "-1",
            "1e18",
            "",
            "eth",
            ".",
            "1.2.3eth",
            "5 gigawei",
            "0.0000000000000000001eth",
        ] {
            assert!(parse_amount(text).is_err(), "{text:?} parsed");
        }
        let message = parse_amount("1.5wei").unwrap_err();
        assert!(message.contains("whole number of wei"), "{message}");
    }

    #[test]
    fn amounts_format_in_each_unit() {
        assert_eq!(
            in_unit(Unit::Eth).format(wei("2500000000000000")),
            "0.0025 ETH"
        );
        assert_eq!(
            in_unit(Unit::Eth).format(wei("1000000000000000000000")),
            "1000 ETH"
        );
        assert_eq!(in_unit(Unit::Eth).format(wei("0")), "0 ETH");
        assert_eq!(
            in_unit(Unit::Eth).format(wei("3000")),
            "0.000000000000003 ETH"
        );
        assert_eq!(
            in_unit(Unit::Eth).format(wei("123456789012345")),
            "0.000123457 ETH"
        );
        assert_eq!(
            in_unit(Unit::Eth).format(wei("1234567890000000000")),
            "1.23457 ETH"
        );
        assert_eq!(
            in_unit(Unit::Eth).format(wei("999999999999999999")),
            "1 ETH"
        );
        assert_eq!(in_unit(Unit::Gwei).format(wei("5000000000")), "5 gwei");
        assert_eq!(in_unit(Unit::Gwei).format(wei("1")), "0.000000001 gwei");
        assert_eq!(in_unit(Unit::Wei).format(wei("1234")), "1234 wei");
        assert_eq!(
            in_unit(Unit::Eth).format_exact(wei("9999999999190000000000")),
            "9999.99999919 ETH"
        );
        assert_eq!(
            in_unit(Unit::Eth).format_exact(wei("1000000000000000000000")),
            "1000 ETH"
        );
    }

    #[test]
    fn the_coin_unit_shows_the_chains_own_symbol() {
        let pol = AmountFormat::new(Unit::Eth, Some("POL"));
        assert_eq!(pol.format(wei("2500000000000000")), "0.0025 POL");
        assert_eq!(pol.format_exact(wei("1000000000000000000000")), "1000 POL");
        let gwei = AmountFormat::new(Unit::Gwei, Some("POL"));
        assert_eq!(gwei.format(wei("5000000000")), "5 gwei");
    }

    #[test]
    fn formatted_amounts_parse_back() {
        for unit in [Unit::Wei, Unit::Gwei] {
            let amount = wei("123456789012345678");
            let text = in_unit(unit).format(amount).replace(' ', "");
            assert_eq!(parse_amount(&text).unwrap(), amount, "{text}");
        }
    }
}
