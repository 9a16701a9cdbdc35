//! Domain newtypes shared by every module: chunk addresses, node ids, quote hashes, wave roots and amounts.
//!
//! Each 32-byte identifier is its own type so that a quote hash can never be passed where a
//! chunk address is expected. In human-readable formats (JSON) they serialise as lowercase hex;
//! in binary formats (bincode) as raw bytes.

use std::fmt;
use std::str::FromStr;

use alloy::primitives::U256;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The largest chunk, in encrypted bytes: what a client may plan and a node may store.
pub const MAX_CHUNK_BYTES: usize = 4 * 1024 * 1024;

/// A 32-byte identifier could not be parsed from hex.
#[derive(Debug, thiserror::Error)]
#[error("expected 64 hex characters, got {got:?}")]
pub struct ParseIdError {
    got: String,
}

macro_rules! id32 {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        pub struct $name(pub [u8; 32]);

        impl $name {
            /// The raw bytes.
            pub fn as_bytes(&self) -> &[u8; 32] {
                &self.0
            }

            /// Lowercase hex, 64 characters.
            pub fn to_hex(&self) -> String {
                hex::encode(self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.to_hex())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), &self.to_hex()[..16])
            }
        }

        impl FromStr for $name {
            type Err = ParseIdError;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                let text = text.strip_prefix("0x").unwrap_or(text);
                let mut bytes = [0u8; 32];
                hex::decode_to_slice(text, &mut bytes)
                    .map_err(|_| ParseIdError { got: text.chars().take(80).collect() })?;
                Ok(Self(bytes))
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                if serializer.is_human_readable() {
                    serializer.serialize_str(&self.to_hex())
                } else {
                    self.0.serialize(serializer)
                }
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                if deserializer.is_human_readable() {
                    let text = String::deserialize(deserializer)?;
                    text.parse().map_err(serde::de::Error::custom)
                } else {
                    <[u8; 32]>::deserialize(deserializer).map(Self)
                }
            }
        }
    };
}

id32!(
    /// The address of a chunk: BLAKE3 of its encrypted bytes.
    ChunkAddress
);
id32!(
    /// A node's id on the XOR ring, derived from its public key (through its EVM address).
    NodeId
);
id32!(
    /// The hash a quote is signed over.
    QuoteHash
);
id32!(
    /// The Merkle root of a payment wave's leaves: what the vault records a wave under.
    WaveRoot
);
id32!(
    /// A storage challenge's fresh random key: a node proves it holds a chunk by hashing the
    /// chunk's bytes keyed with it.
    Nonce
);
id32!(
    /// BLAKE3 of a chunk's bytes keyed with a challenge's [`Nonce`]: what only a holder of the
    /// bytes can compute.
    HoldingHash
);

impl ChunkAddress {
    /// The address of these encrypted bytes.
    pub fn of(bytes: &[u8]) -> Self {
        Self(*blake3::hash(bytes).as_bytes())
    }
}

impl NodeId {
    /// XOR distance between this id and a chunk address, comparable as a big-endian number.
    pub fn distance(&self, address: &ChunkAddress) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = self.0[i] ^ address.0[i];
        }
        out
    }
}

/// An amount of wei, 256 bits wide so sums never overflow silently. In JSON it is a decimal
/// string (`"3000000000"`); in binary formats 32 big-endian bytes.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Amount(pub U256);

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.serialize_str(&self.0.to_string())
        } else {
            self.0.to_be_bytes::<32>().serialize(serializer)
        }
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if deserializer.is_human_readable() {
            let text = String::deserialize(deserializer)?;
            text.parse().map_err(serde::de::Error::custom)
        } else {
            <[u8; 32]>::deserialize(deserializer).map(|bytes| Amount(U256::from_be_bytes(bytes)))
        }
    }
}

impl Amount {
    /// Nothing.
    pub const ZERO: Amount = Amount(U256::ZERO);

    /// An amount of wei.
    pub fn wei(value: u128) -> Self {
        Amount(U256::from(value))
    }

    /// `self + other`, or `None` on overflow.
    pub fn checked_add(self, other: Amount) -> Option<Amount> {
        self.0.checked_add(other.0).map(Amount)
    }

    /// `self * factor`, or `None` on overflow.
    pub fn checked_mul(self, factor: u64) -> Option<Amount> {
        self.0.checked_mul(U256::from(factor)).map(Amount)
    }

    /// The sum of many amounts, saturating at the 256-bit maximum.
    pub fn sum<I: IntoIterator<Item = Amount>>(amounts: I) -> Amount {
        amounts
            .into_iter()
            .fold(Amount::ZERO, |acc, a| Amount(acc.0.saturating_add(a.0)))
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Debug for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} wei", self.0)
    }
}

impl FromStr for Amount {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        U256::from_str_radix(text.trim(), 10)
            .map(Amount)
            .map_err(|_| format!("{text:?} is not a whole number of wei"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_hex_and_json() {
        let address = ChunkAddress::of(b"hello");
        let parsed: ChunkAddress = address.to_hex().parse().unwrap();
        assert_eq!(parsed, address);
        let json = serde_json::to_string(&address).unwrap();
        assert_eq!(json, format!("\"{}\"", address.to_hex()));
        assert_eq!(
            serde_json::from_str::<ChunkAddress>(&json).unwrap(),
            address
        );
    }

    #[test]
    fn amounts_sum_as_256_bit_integers() {
        let big = Amount(U256::from(u128::MAX));
        let total = Amount::sum([big, big]);
        assert_eq!(total.0, U256::from(u128::MAX) * U256::from(2u8));
        assert_eq!("12345".parse::<Amount>().unwrap(), Amount::wei(12345));
        assert_eq!(
            serde_json::to_string(&total).unwrap(),
            format!("\"{}\"", total.0)
        );
        let json: Amount = serde_json::from_str(&serde_json::to_string(&total).unwrap()).unwrap();
        assert_eq!(json, total);
        let binary = bincode::serde::encode_to_vec(total, bincode::config::standard()).unwrap();
        let (back, _): (Amount, usize) =
            bincode::serde::decode_from_slice(&binary, bincode::config::standard()).unwrap();
        assert_eq!(back, total);
        assert!("12x".parse::<Amount>().is_err());
    }
}
