//! The node's content-addressed chunk store on disk: `ROOT/chunks/ab/<64 hex>`, and beside
//! each chunk the payment proof it was admitted with, `ROOT/proofs/ab/<64 hex>` (the proof's
//! bytes as the PUT carried them, never decoded here).
//!
//! Invariants:
//! - a chunk's proof is written durably before the chunk, so a chunk stored with a proof never
//!   lacks it; a proof without its chunk is harmless (it is overwritten by the next one);
//! - a chunk file only ever appears whole: it is written through [`fsutil::write_atomic`], an
//!   [`fsutil::AtomicFile`] (temp, flush, fsync, rename, fsync of the directory), before the
//!   PUT is answered;
//! - bytes are verified against their address on every read; a file that fails is moved aside
//!   to `ROOT/quarantine/` and forgotten, so bad bytes are never served;
//! - the in-memory index (which chunks are held, and the bytes they use) is built by a scan at
//!   open and changes only after the disk has; leftover temp files from a crash are removed by
//!   that scan;
//! - writers of the same address are serialised by a striped lock, so concurrent PUTs of one
//!   chunk write it once and every other one sees it already there;
//! - the bytes held, plus the bytes being written, never exceed the capacity.
//!
//! Every method here blocks on the file system: call them through `crate::blocking::blocking`.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use crate::fsutil;
use crate::wire::http::PutOutcome;
use crate::wire::signed::unix_now;
use crate::wire::types::ChunkAddress;

const STRIPES: usize = 64;
const CHUNK_FILE_MODE: u32 = 0o600;

/// A store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A file or directory of the store could not be read or written.
    #[error("chunk store I/O failed on {path}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// The chunk does not fit in the remaining capacity.
    #[error(
        "the node is full: storing {} would exceed its capacity ({} free)",
        crate::sizes::format_size(*needed),
        crate::sizes::format_size(*free)
    )]
    Full {
        /// The chunk's size.
        needed: u64,
        /// What is left.
        free: u64,
    },
    /// The file on disk does not hash to its address; it was moved aside.
    #[error("chunk {address} was corrupt on disk and has been moved aside to {moved_to}")]
    Corrupt {
        /// The chunk.
        address: ChunkAddress,
        /// Where the bad file now is.
        moved_to: PathBuf,
    },
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The path a chunk is stored at under a node's root: `ROOT/chunks/ab/<hex>`.
pub fn chunk_path(root: &Path, address: &ChunkAddress) -> PathBuf {
    let hex = address.to_hex();
    root.join("chunks").join(&hex[..2]).join(hex)
}

/// The path of a chunk's payment proof under a node's root: `ROOT/proofs/ab/<hex>`.
pub fn proof_path(root: &Path, address: &ChunkAddress) -> PathBuf {
    let hex = address.to_hex();
    root.join("proofs").join(&hex[..2]).join(hex)
}

#[derive(Debug, Default)]
struct Index {
    held: HashMap<ChunkAddress, u64>,
    /// Bytes held plus bytes reserved by writes in progress.
    used: u64,
}

/// A content-addressed store of verified chunks with a capacity.
#[derive(Debug)]
pub struct ChunkStore {
    root: PathBuf,
    capacity: u64,
    index: Mutex<Index>,
    stripes: Vec<Mutex<()>>,
}

impl ChunkStore {
    /// Opens (creating if needed) the store under `root` and scans what it holds.
    pub fn open(root: &Path, capacity: u64) -> Result<Self, StoreError> {
        let chunks = root.join("chunks");
        crate::fsutil::create_dir_all_durable(&chunks).map_err(io_error(&chunks))?;
        let index = scan(&chunks)?;
        tracing::info!(
            chunks = index.held.len(),
            used = index.used,
            capacity,
            root = %root.display(),
            "chunk store opened"
        );
        Ok(Self {
            root: root.to_owned(),
            capacity,
            index: Mutex::new(index),
            stripes: (0..STRIPES).map(|_| Mutex::new(())).collect(),
        })
    }

    /// The capacity in bytes.
    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    /// Bytes held (plus bytes being written right now).
    pub fn used(&self) -> u64 {
        self.index().used
    }

    /// How many chunks are held.
    pub fn len(&self) -> usize {
        self.index().held.len()
    }

    /// True when no chunk is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when the index says the chunk is held (no disk access).
    pub fn holds(&self, address: &ChunkAddress) -> bool {
        self.index().held.contains_key(address)
    }

    /// Every chunk the index holds.
    pub fn addresses(&self) -> Vec<ChunkAddress> {
        self.index().held.keys().copied().collect()
    }

    /// True when the chunk's file is on disk (a stat, no read); a chunk the index holds whose
    /// file is gone is forgotten.
    pub fn holds_on_disk(&self, address: &ChunkAddress) -> bool {
        if !self.holds(address) {
            return false;
        }
        if chunk_path(&self.root, address).is_file() {
            return true;
        }
        let _writer = self.stripe(address);
        if chunk_path(&self.root, address).is_file() {
            return true;
        }
        tracing::warn!(%address, "held chunk's file is gone; forgetting it");
        self.forget(address);
        false
    }

    /// Stores a chunk durably as [`ChunkStore::put`] does, with the bytes of the payment proof
    /// it was admitted with written durably first (unless a proof is already kept for it).
    pub fn put_with_proof(
        &self,
        address: &ChunkAddress,
        bytes: &[u8],
        proof: &[u8],
    ) -> Result<PutOutcome, StoreError> {
        let path = proof_path(&self.root, address);
        if !path.is_file() {
            fsutil::write_atomic(&path, proof, CHUNK_FILE_MODE)
                .map_err(|source| StoreError::Io { path, source })?;
        }
        self.put(address, bytes)
    }

    /// The bytes of the payment proof a chunk was admitted with; `None` when none is kept.
    pub fn proof(&self, address: &ChunkAddress) -> Result<Option<Vec<u8>>, StoreError> {
        let path = proof_path(&self.root, address);
        match fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(StoreError::Io { path, source }),
        }
    }

    /// True when `size` more bytes fit in the capacity.
    pub fn fits(&self, size: u64) -> bool {
        self.index().used.saturating_add(size) <= self.capacity
    }

    /// Stores a chunk durably. `bytes` must hash to `address` (the caller verified them).
    ///
    /// Answers [`PutOutcome::AlreadyExists`] when a verified copy is already on disk; a held
    /// copy that turns out corrupt or missing is replaced by these bytes.
    pub fn put(&self, address: &ChunkAddress, bytes: &[u8]) -> Result<PutOutcome, StoreError> {
        debug_assert_eq!(ChunkAddress::of(bytes), *address);
        let _writer = self.stripe(address);
        if self.holds(address) {
            match self.read_verified(address) {
                Ok(Some(_)) => return Ok(PutOutcome::AlreadyExists),
                Ok(None) | Err(StoreError::Corrupt { .. }) => {
                    tracing::warn!(%address, "held chunk was missing or corrupt; rewriting it");
                }
                Err(error) => return Err(error),
            }
        }
        let size = bytes.len() as u64;
        self.reserve(size)?;
        let path = chunk_path(&self.root, address);
        if let Err(source) = fsutil::write_atomic(&path, bytes, CHUNK_FILE_MODE) {
            self.index().used -= size;
            return Err(StoreError::Io { path, source });
        }
        self.index().held.insert(*address, size);
        Ok(PutOutcome::Stored)
    }

    /// Reads a chunk and verifies it; `None` when it is not held.
    ///
    /// A file whose bytes do not hash to `address` is moved aside and reported as
    /// [`StoreError::Corrupt`]; it is never returned.
    pub fn get(&self, address: &ChunkAddress) -> Result<Option<Vec<u8>>, StoreError> {
        let path = chunk_path(&self.root, address);
        match fs::read(&path) {
            Ok(bytes) if ChunkAddress::of(&bytes) == *address => Ok(Some(bytes)),
            Ok(_) => {
                // Re-check under the writers' lock: a repair may have just replaced the file.
                let _writer = self.stripe(address);
                self.read_verified(address)
            }
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                if !self.holds(address) {
                    return Ok(None);
                }
                let _writer = self.stripe(address);
                self.read_verified(address)
            }
            Err(source) => Err(StoreError::Io { path, source }),
        }
    }

    /// Reads and verifies a chunk; the caller holds its stripe lock. A missing file is
    /// forgotten; a corrupt one is quarantined and forgotten.
    fn read_verified(&self, address: &ChunkAddress) -> Result<Option<Vec<u8>>, StoreError> {
        let path = chunk_path(&self.root, address);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                self.forget(address);
                return Ok(None);
            }
            Err(source) => return Err(StoreError::Io { path, source }),
        };
        if ChunkAddress::of(&bytes) == *address {
            return Ok(Some(bytes));
        }
        let moved_to = self.quarantine(address, &path)?;
        tracing::error!(%address, moved_to = %moved_to.display(), "corrupt chunk moved aside");
        Err(StoreError::Corrupt {
            address: *address,
            moved_to,
        })
    }

    fn quarantine(&self, address: &ChunkAddress, path: &Path) -> Result<PathBuf, StoreError> {
        let dir = self.root.join("quarantine");
        crate::fsutil::create_dir_all_durable(&dir).map_err(io_error(&dir))?;
        let moved_to = dir.join(format!("{address}.{}", unix_now()));
        fs::rename(path, &moved_to).map_err(io_error(path))?;
        self.forget(address);
        for synced in [&dir, path.parent().unwrap_or(&self.root)] {
            if let Err(error) = fsutil::sync_dir(synced) {
                tracing::warn!(dir = %synced.display(), %error, "cannot fsync after quarantine");
            }
        }
        Ok(moved_to)
    }

    fn reserve(&self, size: u64) -> Result<(), StoreError> {
        let mut index = self.index();
        let free = self.capacity.saturating_sub(index.used);
        if size > free {
            return Err(StoreError::Full { needed: size, free });
        }
        index.used += size;
        Ok(())
    }

    fn forget(&self, address: &ChunkAddress) {
        let mut index = self.index();
        if let Some(size) = index.held.remove(address) {
            index.used -= size;
        }
    }

    fn index(&self) -> MutexGuard<'_, Index> {
        // The index is only mutated by whole, panic-free updates, so a poisoned lock is usable.
        self.index
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn stripe(&self, address: &ChunkAddress) -> MutexGuard<'_, ()> {
        let stripe = &self.stripes[address.0[0] as usize % STRIPES];
        stripe
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Builds the index from `ROOT/chunks/ab/<hex>` files, removing leftover temp files.
fn scan(chunks: &Path) -> Result<Index, StoreError> {
    let mut index = Index::default();
    for shard in fs::read_dir(chunks).map_err(io_error(chunks))? {
        let shard = shard.map_err(io_error(chunks))?.path();
        if !shard.is_dir() {
            continue;
        }
        for entry in fs::read_dir(&shard).map_err(io_error(&shard))? {
            let entry = entry.map_err(io_error(&shard))?;
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') && name.contains(".tmp-") {
                tracing::info!(path = %path.display(), "removing a temp file left by a crash");
                fs::remove_file(&path).map_err(io_error(&path))?;
                continue;
            }
            match name.parse::<ChunkAddress>() {
                Ok(address) if chunk_path(chunks.parent().unwrap_or(chunks), &address) == path => {
                    let size = entry.metadata().map_err(io_error(&path))?.len();
                    index.held.insert(address, size);
                    index.used += size;
                }
                _ => tracing::warn!(path = %path.display(), "ignoring a file that is not a chunk"),
            }
        }
    }
    Ok(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(text: &str) -> (ChunkAddress, Vec<u8>) {
        let bytes = text.as_bytes().to_vec();
        (ChunkAddress::of(&bytes), bytes)
    }

    #[test]
    fn stored_chunks_read_back_and_survive_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let store = ChunkStore::open(dir.path(), 1 << 20).unwrap();
        let (address, bytes) = chunk("some encrypted bytes");
        assert_eq!(store.put(&address, &bytes).unwrap(), PutOutcome::Stored);
        assert_eq!(
            store.put(&address, &bytes).unwrap(),
            PutOutcome::AlreadyExists
        );
        assert_eq!(store.get(&address).unwrap(), Some(bytes.clone()));
        assert!(chunk_path(dir.path(), &address).is_file());
        assert_eq!(store.used(), bytes.len() as u64);

        fs::write(
            chunk_path(dir.path(), &address).with_file_name(".x.tmp-1"),
            b"torn",
        )
        .unwrap();
        let reopened = ChunkStore::open(dir.path(), 1 << 20).unwrap();
        assert!(reopened.holds(&address));
        assert_eq!(reopened.used(), bytes.len() as u64);
        assert_eq!(reopened.get(&address).unwrap(), Some(bytes));
        let shard = chunk_path(dir.path(), &address)
            .parent()
            .unwrap()
            .to_owned();
        assert_eq!(fs::read_dir(shard).unwrap().count(), 1, "temp file removed");
    }

    #[test]
    fn corrupt_chunks_are_quarantined_and_never_served() {
        let dir = tempfile::tempdir().unwrap();
        let store = ChunkStore::open(dir.path(), 1 << 20).unwrap();
        let (address, bytes) = chunk("bytes that will rot");
        store.put(&address, &bytes).unwrap();
        fs::write(chunk_path(dir.path(), &address), b"rotten bytes").unwrap();

        let error = store.get(&address).unwrap_err();
        let StoreError::Corrupt { moved_to, .. } = error else {
            panic!("expected Corrupt, got {error:?}");
        };
        assert_eq!(fs::read(moved_to).unwrap(), b"rotten bytes");
        assert!(!store.holds(&address));
        assert_eq!(store.used(), 0);
        assert_eq!(store.get(&address).unwrap(), None);
        assert_eq!(store.put(&address, &bytes).unwrap(), PutOutcome::Stored);
        assert_eq!(store.get(&address).unwrap(), Some(bytes));
    }

    #[test]
    fn a_put_repairs_a_held_chunk_that_rotted() {
        let dir = tempfile::tempdir().unwrap();
        let store = ChunkStore::open(dir.path(), 1 << 20).unwrap();
        let (address, bytes) = chunk("repair me");
        store.put(&address, &bytes).unwrap();
        fs::write(chunk_path(dir.path(), &address), b"xx").unwrap();
        assert_eq!(store.put(&address, &bytes).unwrap(), PutOutcome::Stored);
        assert_eq!(store.get(&address).unwrap(), Some(bytes.clone()));
        assert_eq!(store.used(), bytes.len() as u64);
    }

    #[test]
    fn a_chunk_keeps_the_proof_it_was_admitted_with_and_a_vanished_file_is_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let store = ChunkStore::open(dir.path(), 1 << 20).unwrap();
        let (address, bytes) = chunk("with a proof");
        assert_eq!(store.proof(&address).unwrap(), None);
        store.put_with_proof(&address, &bytes, b"proof").unwrap();
        store.put_with_proof(&address, &bytes, b"later").unwrap();
        assert_eq!(
            store.proof(&address).unwrap().as_deref(),
            Some(&b"proof"[..])
        );
        assert!(proof_path(dir.path(), &address).is_file());
        assert_eq!(store.addresses(), vec![address]);
        assert!(store.holds_on_disk(&address));
        fs::remove_file(chunk_path(dir.path(), &address)).unwrap();
        assert!(store.holds(&address), "the index does not know yet");
        assert!(!store.holds_on_disk(&address));
        assert!(!store.holds(&address) && store.used() == 0);
    }

    #[test]
    fn writes_beyond_capacity_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = ChunkStore::open(dir.path(), 10).unwrap();
        let (small, small_bytes) = chunk("123456");
        let (big, big_bytes) = chunk("abcdefg");
        store.put(&small, &small_bytes).unwrap();
        assert!(store.fits(4) && !store.fits(5));
        assert!(matches!(
            store.put(&big, &big_bytes),
            Err(StoreError::Full { needed: 7, free: 4 })
        ));
        assert_eq!(store.used(), 6);
    }

    #[test]
    fn concurrent_puts_of_one_chunk_store_it_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = std::sync::Arc::new(ChunkStore::open(dir.path(), 1 << 20).unwrap());
        let (address, bytes) = chunk("raced");
        let outcomes: Vec<PutOutcome> = (0..8)
            .map(|_| {
                let (store, bytes) = (store.clone(), bytes.clone());
                std::thread::spawn(move || store.put(&address, &bytes).unwrap())
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|thread| thread.join().unwrap())
            .collect();
        let stored = outcomes
            .iter()
            .filter(|o| **o == PutOutcome::Stored)
            .count();
        assert_eq!(stored, 1);
        assert_eq!(store.used(), bytes.len() as u64);
    }
}
