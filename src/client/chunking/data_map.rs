//! The data map, the recipe that reassembles a file from its chunks, and the [`Reference`]
//! that names its root chunk and the key that opens it (`ferry:` and 128 hex characters).
//!
//! Invariant: a map read back from the network is checked ([`DataMap::validate`]) before
//! anything in proportion to its claims is allocated, so a crafted reference cannot make a
//! download allocate or recurse without bound.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{ChunkError, ChunkKey, MAX_PLAINTEXT_BYTES};
use crate::wire::types::ChunkAddress;

/// The deepest data map level a reference may lead to: one 4 MiB level-1 map already lists
/// about 240 GiB of level-0 map, so no real file needs more than a few levels.
pub const MAX_DATA_MAP_LEVEL: u8 = 3;
/// The largest map above level 0 a download holds in memory (a level-0 map of ~14 TiB).
pub const MAX_DATA_MAP_BYTES: u64 = 256 * 1024 * 1024;

const DATA_MAP_VERSION: u8 = 1;
const REFERENCE_PREFIX: &str = "ferry:";

/// One chunk as the data map lists it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkRef {
    /// BLAKE3 of the encrypted bytes.
    pub address: ChunkAddress,
    /// The key that opens it.
    pub key: ChunkKey,
    /// Plaintext length in bytes.
    pub len: u32,
}

/// The recipe that reassembles a file (level 0) or a larger data map (levels above 0).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataMap {
    version: u8,
    /// 0: the chunks are the file's pieces; n > 0: they are the serialised level n-1 map.
    pub level: u8,
    /// Total plaintext bytes the chunks hold.
    pub size: u64,
    /// The chunks, in order.
    pub chunks: Vec<ChunkRef>,
}

impl DataMap {
    /// A map of `level` whose `chunks` hold `size` bytes.
    pub fn new(level: u8, size: u64, chunks: Vec<ChunkRef>) -> Self {
        Self {
            version: DATA_MAP_VERSION,
            level,
            size,
            chunks,
        }
    }

    /// The serialised form (bincode 2).
    pub fn to_bytes(&self) -> Vec<u8> {
        bincode::serde::encode_to_vec(self, bincode::config::standard())
            .expect("a data map always serialises")
    }

    /// Checks that the map can describe what ferry writes, before anything proportional to
    /// its claims is allocated: its level at most [`MAX_DATA_MAP_LEVEL`], each chunk 1 to
    /// [`MAX_PLAINTEXT_BYTES`] long and all but the last full, their lengths summing to its
    /// size, and a map above level 0 (held in memory whole) at most [`MAX_DATA_MAP_BYTES`].
    pub fn validate(&self, chunk: ChunkAddress) -> Result<(), ChunkError> {
        let implausible = |problem| Err(ChunkError::ImplausibleDataMap { chunk, problem });
        if self.level > MAX_DATA_MAP_LEVEL {
            return implausible("it is nested deeper than any file needs");
        }
        if self.level > 0 && self.size > MAX_DATA_MAP_BYTES {
            return implausible("it claims a lower-level map larger than any file needs");
        }
        let mut sum = 0u64;
        for (index, piece) in self.chunks.iter().enumerate() {
            let len = piece.len as usize;
            if len == 0 || len > MAX_PLAINTEXT_BYTES {
                return implausible("a chunk length is zero or larger than a chunk holds");
            }
            if index + 1 < self.chunks.len() && len != MAX_PLAINTEXT_BYTES {
                return implausible("a chunk other than the last is not full");
            }
            sum += len as u64;
        }
        if sum != self.size {
            return implausible("its chunk lengths do not add up to its size");
        }
        Ok(())
    }

    /// Decodes a serialised map that came out of `chunk`.
    pub fn from_bytes(bytes: &[u8], chunk: ChunkAddress) -> Result<Self, ChunkError> {
        let (map, used): (DataMap, usize) =
            bincode::serde::decode_from_slice(bytes, bincode::config::standard())
                .map_err(|_| ChunkError::BadDataMap(chunk))?;
        if used != bytes.len() || map.version != DATA_MAP_VERSION {
            return Err(ChunkError::BadDataMap(chunk));
        }
        Ok(map)
    }
}

/// What `download` needs to read a file back: the root data map's address and key.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Reference {
    /// The address of the root data map chunk.
    pub address: ChunkAddress,
    /// The key that opens it.
    pub key: ChunkKey,
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{REFERENCE_PREFIX}{}{}",
            self.address.to_hex(),
            hex::encode(self.key.0)
        )
    }
}

impl fmt::Debug for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Reference({:?})", self.address)
    }
}

impl FromStr for Reference {
    type Err = ChunkError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || ChunkError::BadReference(text.chars().take(140).collect());
        let hex_part = text.trim().strip_prefix(REFERENCE_PREFIX).ok_or_else(bad)?;
        let mut bytes = [0u8; 64];
        hex::decode_to_slice(hex_part, &mut bytes).map_err(|_| bad())?;
        let mut address = [0u8; 32];
        let mut key = [0u8; 32];
        address.copy_from_slice(&bytes[..32]);
        key.copy_from_slice(&bytes[32..]);
        Ok(Reference {
            address: ChunkAddress(address),
            key: ChunkKey(key),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_maps_that_ferry_cannot_have_written_are_rejected() {
        let piece = |len| ChunkRef {
            address: ChunkAddress::of(b"p"),
            key: ChunkKey([1; 32]),
            len,
        };
        let full = MAX_PLAINTEXT_BYTES as u32;
        let at = ChunkAddress::of(b"map");
        let valid = DataMap::new(0, full as u64 + 5, vec![piece(full), piece(5)]);
        assert!(valid.validate(at).is_ok());
        assert!(DataMap::new(0, 0, vec![]).validate(at).is_ok());
        let implausible = [
            DataMap::new(0, u64::MAX, vec![piece(full)]),
            DataMap::new(0, 10, vec![piece(5), piece(5)]),
            DataMap::new(0, 0, vec![piece(0)]),
            DataMap::new(9, 5, vec![piece(5)]),
            DataMap::new(1, MAX_DATA_MAP_BYTES + 1, vec![piece(5)]),
        ];
        for map in implausible {
            assert!(
                matches!(map.validate(at), Err(ChunkError::ImplausibleDataMap { .. })),
                "{map:?}"
            );
        }
    }
}
