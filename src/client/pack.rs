//! Packs: the small files of a folder upload, concatenated into shared chunks.
//!
//! A file under [`PACK_THRESHOLD`] does not get chunks of its own (a content chunk and a data
//! map chunk, each paid and stored): its bytes go into the folder's current pack, at an offset,
//! and the manifest records the pack, the offset and the length. A pack is one chunk of at most
//! [`MAX_PLAINTEXT_BYTES`], encrypted convergently like any piece, and the manifest lists each
//! pack's address, key and length, so one file of a folder is fetched with the manifest and
//! the one pack holding it.
//!
//! Invariants:
//! - packing is deterministic: files join packs in walk order, and a pack is sealed when the
//!   next small file would not fit, so the same tree gives the same packs (what lets a rerun
//!   recognise what it paid for);
//! - a pack's plan-cache key ([`Packer::digest`]) covers each member's path and stamp in order,
//!   so a pack is taken from the cache only when none of its files changed;
//! - a pack's bytes are re-derived at send time from its members' files and checked against its
//!   planned address ([`read_pack`]): a member that changed gives an error, never other content.
//!
//! What packing gives up: two folders holding the same small file store it in different packs
//! (a pack's content depends on its neighbours), so small files are no longer deduplicated
//! across folders. Big files keep their own chunks and their deduplication.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::client::chunking::{
    ChunkError, ChunkKey, ChunkRef, MAX_PLAINTEXT_BYTES, encrypt_in_place, encrypt_tail_with_key,
};
use crate::client::plan_cache::Stamp;

/// Files smaller than this are packed.
pub const PACK_THRESHOLD: u64 = 1 << 20;

/// One file in a pack: its source number and its length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    /// The file, by source number.
    pub source: u32,
    /// Its length in bytes.
    pub len: u32,
}

/// The pack being filled.
#[derive(Debug)]
pub struct Packer {
    members: Vec<Member>,
    len: usize,
    digest: blake3::Hasher,
}

impl Default for Packer {
    fn default() -> Self {
        Self {
            members: Vec::new(),
            len: 0,
            digest: blake3::Hasher::new_derive_key("ferry 2026-12 pack members v1"),
        }
    }
}

impl Packer {
    /// True when a file of `len` bytes joins packs.
    pub fn takes(len: u64) -> bool {
        len < PACK_THRESHOLD
    }

    /// True when a file of `len` bytes no longer fits in this pack.
    pub fn is_full_for(&self, len: u64) -> bool {
        self.len as u64 + len > MAX_PLAINTEXT_BYTES as u64
    }

    /// True when the pack has no file.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Adds a file; returns its offset in the pack.
    pub fn add(&mut self, source: u32, relative: &[u8], stamp: Stamp, len: u64) -> u32 {
        let offset = self.len as u32;
        self.digest.update(&(relative.len() as u64).to_le_bytes());
        self.digest.update(relative);
        self.digest.update(&stamp.to_bytes());
        self.members.push(Member {
            source,
            len: len as u32,
        });
        self.len += len as usize;
        offset
    }

    /// The plan-cache key of the pack: its members' paths and stamps, in order.
    pub fn digest(&self) -> [u8; 32] {
        *self.digest.finalize().as_bytes()
    }

    /// Takes the pack's members, leaving an empty pack.
    pub fn take(&mut self) -> Vec<Member> {
        let members = std::mem::take(&mut self.members);
        *self = Packer::default();
        members
    }
}

/// Reads the pack's members into one buffer (blocking): each must still have its length.
pub fn read_members(
    members: &[Member],
    path_of: impl Fn(u32) -> std::path::PathBuf,
    mut buffer: Vec<u8>,
) -> Result<Vec<u8>, ChunkError> {
    for member in members {
        let path = path_of(member.source);
        read_whole(&path, member.len, &mut buffer)?;
    }
    Ok(buffer)
}

/// Encrypts a pack's bytes: its reference in the manifest.
pub fn seal(bytes: &mut Vec<u8>) -> ChunkRef {
    let len = bytes.len() as u32;
    let (key, address) = encrypt_in_place(bytes);
    ChunkRef { address, key, len }
}

/// Re-derives a pack's encrypted bytes after `header` from its members' files, sealed with
/// the key it was planned with and checked against its planned address.
pub fn read_pack(
    members: &[Member],
    path_of: impl Fn(u32) -> std::path::PathBuf,
    (planned, key): (crate::wire::types::ChunkAddress, &ChunkKey),
    header: Vec<u8>,
) -> Result<Vec<u8>, ChunkError> {
    let start = header.len();
    let first = members.first().map(|m| path_of(m.source));
    let mut bytes = read_members(members, &path_of, header)?;
    let address = encrypt_tail_with_key(&mut bytes, start, key);
    if address != planned {
        return Err(ChunkError::FileChanged {
            path: first.map(|p| p.display().to_string()).unwrap_or_default(),
            index: 0,
        });
    }
    Ok(bytes)
}

/// Appends exactly `len` bytes of the file at `path` to `buffer`; a file of another length
/// counts as changed.
fn read_whole(path: &Path, len: u32, buffer: &mut Vec<u8>) -> Result<(), ChunkError> {
    let changed = || ChunkError::FileChanged {
        path: path.display().to_string(),
        index: 0,
    };
    let read_error = |source: std::io::Error| match source.kind() {
        std::io::ErrorKind::NotFound => changed(),
        _ => ChunkError::Read {
            path: path.display().to_string(),
            source,
        },
    };
    let file = File::open(path).map_err(read_error)?;
    let start = buffer.len();
    file.take(u64::from(len) + 1)
        .read_to_end(buffer)
        .map_err(read_error)?;
    if buffer.len() - start != len as usize {
        return Err(changed());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pack_is_rederived_from_its_members_and_a_changed_member_is_caught() {
        let dir = tempfile::tempdir().unwrap();
        let paths: Vec<_> = (0..3).map(|n| dir.path().join(format!("f{n}"))).collect();
        for (n, path) in paths.iter().enumerate() {
            std::fs::write(path, vec![n as u8; 10 + n]).unwrap();
        }
        let mut packer = Packer::default();
        for (n, path) in paths.iter().enumerate() {
            let meta = std::fs::metadata(path).unwrap();
            let offset = packer.add(n as u32, b"x", Stamp::of(&meta), meta.len());
            assert_eq!(offset as usize, (0..n).map(|k| 10 + k).sum::<usize>());
        }
        let members = packer.take();
        assert!(packer.is_empty());
        let path_of = |source: u32| paths[source as usize].clone();
        let mut bytes = read_members(&members, path_of, Vec::new()).unwrap();
        assert_eq!(bytes.len(), 33);
        let chunk = seal(&mut bytes);
        let again = read_pack(
            &members,
            path_of,
            (chunk.address, &chunk.key),
            b"head".to_vec(),
        )
        .unwrap();
        assert_eq!(&again[..4], b"head");
        std::fs::write(&paths[1], vec![9u8; 11]).unwrap();
        assert!(matches!(
            read_pack(&members, path_of, (chunk.address, &chunk.key), Vec::new()),
            Err(ChunkError::FileChanged { .. })
        ));
        std::fs::write(&paths[1], vec![9u8; 12]).unwrap();
        assert!(matches!(
            read_members(&members, path_of, Vec::new()),
            Err(ChunkError::FileChanged { .. })
        ));
    }
}
