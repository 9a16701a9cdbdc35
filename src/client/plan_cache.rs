//! The folder plan cache: what a folder upload learnt of each file (its pieces' addresses and
//! keys) with the file's stamp, so that a resumed upload re-reads and re-encrypts only the
//! files that changed.
//!
//! Small files are not cached one by one: a pack of them is, keyed by a digest of its
//! members' paths and stamps ([`crate::client::pack`]).
//!
//! One cache file per folder, `<data dir>/plans/<digest of the folder's canonical path>.plan`,
//! written atomically once the folder is planned and removed when its upload completes. A file
//! is taken from the cache only when its stamp now (size, modification and status change
//! times, device and inode) is the one recorded; anything else, and a cache that does not
//! decode, means reading the file again, so the cache can only save work, never change what is
//! uploaded. Caches untouched for [`STALE_AFTER`] (abandoned uploads) are swept.

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::client::chunking::ChunkRef;

/// A cache nobody has written for this long belongs to an abandoned upload.
pub const STALE_AFTER: Duration = Duration::from_secs(7 * 24 * 3600);
const VERSION: u8 = 2;
const KEY_CONTEXT: &str = "ferry 2026-11 folder plan cache v1";

/// What identifies a file's content cheaply: size, modification and status change times,
/// device and inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp([i64; 7]);

impl Stamp {
    /// The stamp of a file's metadata.
    pub fn of(meta: &std::fs::Metadata) -> Self {
        Stamp([
            meta.len() as i64,
            meta.mtime(),
            meta.mtime_nsec(),
            meta.ctime(),
            meta.ctime_nsec(),
            meta.dev() as i64,
            meta.ino() as i64,
        ])
    }

    /// A 128-bit digest of the stamp: equal stamps give equal digests, and different ones
    /// differ but with negligible odds (what a long list of stamps keeps, at 16 bytes each).
    pub fn digest(&self) -> u128 {
        let hash = blake3::Hasher::new_derive_key("ferry 2026-12 file stamp v1")
            .update(&self.to_bytes())
            .finalize();
        let mut first = [0; 16];
        first.copy_from_slice(&hash.as_bytes()[..16]);
        u128::from_le_bytes(first)
    }

    /// The stamp as bytes (for keys that cover it).
    pub fn to_bytes(&self) -> [u8; 56] {
        let mut bytes = [0; 56];
        for (field, out) in self.0.iter().zip(bytes.chunks_mut(8)) {
            out.copy_from_slice(&field.to_le_bytes());
        }
        bytes
    }
}

/// One file as a plan found it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedFile {
    /// Its path relative to the folder, as the manifest stores it.
    pub relative: Vec<u8>,
    /// Its stamp when it was read.
    pub stamp: Stamp,
    /// Its size in bytes.
    pub size: u64,
    /// Its pieces, in order.
    pub refs: Vec<ChunkRef>,
}

/// Everything a plan learnt: its big files and its packs (by their members' digest).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Learnt {
    /// Files with chunks of their own.
    pub files: Vec<CachedFile>,
    /// Packs of small files, keyed by [`crate::client::pack::Packer::digest`].
    pub packs: Vec<([u8; 32], ChunkRef)>,
}

#[derive(Serialize, Deserialize)]
struct CacheFile {
    version: u8,
    learnt: Learnt,
}

/// A folder's plan cache.
#[derive(Debug, Default)]
pub struct PlanCache {
    path: Option<PathBuf>,
    files: HashMap<Vec<u8>, CachedFile>,
    packs: HashMap<[u8; 32], ChunkRef>,
}

impl PlanCache {
    /// No cache: every file is read.
    pub fn none() -> Self {
        Self::default()
    }

    /// The cache of `folder` under `data_dir` (blocking); empty when there is none or it does
    /// not decode. Sweeps stale caches of other folders.
    pub fn open(data_dir: &Path, folder: &Path) -> Self {
        sweep(&data_dir.join("plans"));
        let path = path_for(data_dir, folder);
        let learnt = std::fs::read(&path)
            .ok()
            .and_then(|bytes| {
                bincode::serde::decode_from_slice::<CacheFile, _>(
                    &bytes,
                    bincode::config::standard(),
                )
                .ok()
            })
            .filter(|(cache, _)| cache.version == VERSION)
            .map(|(cache, _)| cache.learnt)
            .unwrap_or_default();
        Self {
            path: Some(path),
            files: learnt
                .files
                .into_iter()
                .map(|file| (file.relative.clone(), file))
                .collect(),
            packs: learnt.packs.into_iter().collect(),
        }
    }

    /// The chunk of the pack whose members' digest is `digest`, when known.
    pub fn lookup_pack(&self, digest: &[u8; 32]) -> Option<ChunkRef> {
        self.packs.get(digest).copied()
    }

    /// The pieces of `relative` when its stamp is still `stamp`.
    pub fn lookup(&self, relative: &[u8], stamp: Stamp) -> Option<&CachedFile> {
        self.files.get(relative).filter(|file| file.stamp == stamp)
    }

    /// Replaces the cache with what a plan learnt (blocking, atomic). A failure costs only the
    /// saving.
    pub fn save(&self, learnt: Learnt) {
        let Some(path) = &self.path else {
            return;
        };
        let bytes = bincode::serde::encode_to_vec(
            CacheFile {
                version: VERSION,
                learnt,
            },
            bincode::config::standard(),
        )
        .expect("a plan cache always serialises");
        if let Err(error) = crate::fsutil::write_atomic(path, &bytes, 0o600) {
            tracing::warn!(%error, path = %path.display(), "could not save the folder plan cache");
        }
    }

    /// Removes the cache of `folder` under `data_dir` (its upload is complete; blocking).
    pub fn remove(data_dir: &Path, folder: &Path) {
        let _ = std::fs::remove_file(path_for(data_dir, folder));
    }
}

/// Where the cache of `folder` lives: named by a digest of its canonical path.
fn path_for(data_dir: &Path, folder: &Path) -> PathBuf {
    let canonical = std::fs::canonicalize(folder).unwrap_or_else(|_| folder.to_owned());
    let digest = blake3::Hasher::new_derive_key(KEY_CONTEXT)
        .update(canonical.as_os_str().as_encoded_bytes())
        .finalize();
    data_dir
        .join("plans")
        .join(format!("{}.plan", digest.to_hex()))
}

/// Removes caches nobody has written for [`STALE_AFTER`].
fn sweep(dir: &Path) {
    for entry in crate::fsutil::stale_entries(dir, STALE_AFTER) {
        let _ = std::fs::remove_file(entry.path());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cached_file_is_used_only_while_its_stamp_holds() {
        let data = tempfile::tempdir().unwrap();
        let folder = tempfile::tempdir().unwrap();
        let file = folder.path().join("f");
        std::fs::write(&file, b"content").unwrap();
        let stamp = Stamp::of(&std::fs::metadata(&file).unwrap());
        let (size, refs) = crate::client::chunking::encrypt_file(&file, 1, &|_| {}).unwrap();
        let cache = PlanCache::open(data.path(), folder.path());
        assert!(cache.lookup(b"f", stamp).is_none());
        let pack = refs[0];
        cache.save(Learnt {
            files: vec![CachedFile {
                relative: b"f".to_vec(),
                stamp,
                size,
                refs: refs.clone(),
            }],
            packs: vec![([7; 32], pack)],
        });
        let cache = PlanCache::open(data.path(), folder.path());
        assert_eq!(cache.lookup(b"f", stamp).unwrap().refs, refs);
        assert_eq!(cache.lookup_pack(&[7; 32]), Some(pack));
        assert_eq!(cache.lookup_pack(&[8; 32]), None);
        std::thread::sleep(Duration::from_millis(20));
        std::fs::write(&file, b"changed").unwrap();
        let now = Stamp::of(&std::fs::metadata(&file).unwrap());
        assert!(cache.lookup(b"f", now).is_none());
        PlanCache::remove(data.path(), folder.path());
        assert!(PlanCache::open(data.path(), folder.path()).files.is_empty());
    }
}
