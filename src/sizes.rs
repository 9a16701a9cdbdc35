//! Sizes people can read and write, for `ferry` and `ferry-node` alike: `10G`, `500GiB`,
//! `1.5 TB` or plain bytes in, `200 MiB` out; and spans of time people read (`3 min`).
//!
//! Parsing: a decimal number, optionally followed (spaces allowed, any case) by a unit.
//! `K`, `M`, `G`, `T`, `P`, with or without `iB` (`G`, `GiB`), are powers of 1024, as `ls -h`,
//! `du` and rclone read them; `KB`, `MB`, `GB`, `TB`, `PB` are powers of 1000, as disks are
//! sold; `B` or nothing is bytes. A fraction is rounded down to whole bytes. Negative numbers,
//! exponents and sizes above `u64::MAX` are refused. Formatting uses binary units with two
//! decimals (`1.50 GiB`), exact bytes below 1 KiB; JSON never goes through here, it keeps
//! exact byte counts.

/// `bytes` for a person: `512 B`, `200.00 MiB`, `1.50 GiB`.
pub fn format_size(bytes: u64) -> String {
    indicatif::HumanBytes(bytes).to_string()
}

/// `seconds` for a person, to the minute once it is one: `5 s`, `3 min`, `2 h 5 min`.
pub fn format_seconds(seconds: u64) -> String {
    match seconds {
        0..60 => format!("{seconds} s"),
        60..3600 => format!("{} min", seconds / 60),
        _ => format!("{} h {} min", seconds / 3600, seconds % 3600 / 60),
    }
}

/// Parses `10G`, `500GiB`, `1.5 TB`, `4096` (bytes) into bytes.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let multiplier = multiplier(unit.trim()).ok_or_else(|| bad_size(text))?;
    let (integer, fraction) = number.split_once('.').unwrap_or((number, ""));
    if integer.is_empty() && fraction.is_empty() || fraction.contains('.') {
        return Err(bad_size(text));
    }
    let parse = |digits: &str| -> Result<u128, String> {
        if digits.is_empty() {
            return Ok(0);
        }
        digits.parse::<u128>().map_err(|_| too_large(text))
    };
    // Exact: integer × multiplier + fraction × multiplier / 10^digits, rounded down.
    let fraction = fraction.get(..fraction.len().min(18)).unwrap_or(fraction);
    let scale = 10u128.pow(fraction.len() as u32);
    let whole = parse(integer)?
        .checked_mul(multiplier)
        .ok_or_else(|| too_large(text))?;
    let part = parse(fraction)? * multiplier / scale;
    u64::try_from(whole + part).map_err(|_| too_large(text))
}

/// The bytes one of `unit` stands for; `None` for a unit that is not one.
fn multiplier(unit: &str) -> Option<u128> {
    let lower = unit.to_ascii_lowercase();
    let (prefix, decimal) = match lower.as_str() {
        "" | "b" => return Some(1),
        _ if lower.ends_with("ib") => (&lower[..lower.len() - 2], false),
        _ if lower.len() == 2 && lower.ends_with('b') => (&lower[..1], true),
        _ => (lower.as_str(), false),
    };
    let power = match prefix {
        "k" => 1,
        "m" => 2,
        "g" => 3,
        "t" => 4,
        "p" => 5,
        _ => return None,
    };
    Some(if decimal { 1000u128 } else { 1024 }.pow(power))
}

fn bad_size(text: &str) -> String {
    format!(
        "{text:?} is not a size; write bytes (4096) or a number with a unit: 10G or 10GiB (1024^3), 10GB (1000^3), 500M, 1.5T"
    )
}

fn too_large(text: &str) -> String {
    format!("{text:?} is too large a size (at most 16 EiB)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_in_binary_and_decimal_units() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("10G"), Ok(10 << 30));
        assert_eq!(parse_size("10g"), Ok(10 << 30));
        assert_eq!(parse_size("500GiB"), Ok(500 << 30));
        assert_eq!(parse_size("500 MiB"), Ok(500 << 20));
        assert_eq!(parse_size("10GB"), Ok(10_000_000_000));
        assert_eq!(parse_size("1.5T"), Ok(3 << 39));
        assert_eq!(parse_size("2k"), Ok(2048));
        assert_eq!(parse_size("12B"), Ok(12));
        assert_eq!(parse_size(".5K"), Ok(512));
        assert_eq!(parse_size("0.3K"), Ok(307));
        assert!(parse_size("16EiB").is_err());
        // ferry-node's `--capacity` default, written "10G" in its help.
        assert_eq!(parse_size("10G"), Ok(crate::node::DEFAULT_CAPACITY));
    }

    #[test]
    fn what_is_not_a_size_is_refused_with_examples() {
        for text in ["", "G", "-1G", "1e9", "10 gigs", "1.2.3G", "10X", "10 Gb b"] {
            let error = parse_size(text).unwrap_err();
            assert!(error.contains("not a size"), "{text:?}: {error}");
        }
        assert!(parse_size("99999999999999999999T").is_err());
        assert!(parse_size("20000P").unwrap_err().contains("too large"));
    }

    #[test]
    fn spans_of_time_read_naturally() {
        assert_eq!(format_seconds(5), "5 s");
        assert_eq!(format_seconds(185), "3 min");
        assert_eq!(format_seconds(7500), "2 h 5 min");
    }

    #[test]
    fn sizes_format_in_binary_units() {
        assert_eq!(format_size(512), "512 B");
        assert_eq!(format_size(200 << 20), "200.00 MiB");
        assert_eq!(format_size(3 << 29), "1.50 GiB");
    }
}
