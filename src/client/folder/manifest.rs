//! A folder's manifest: what it holds (every directory and file, with the files' metadata and
//! where their bytes are), its serialised form, and [`ManifestWriter`], which writes that
//! form entry by entry to a spool file, so a folder of any size is never held whole.
//!
//! Invariants:
//! - the written form is exactly [`Manifest::to_bytes`] of the same entries and packs (bincode
//!   2, standard config: a sequence is its length then its items), so streaming changes no
//!   reference and no chunk;
//! - a manifest is refused when any path is absolute, empty, or has a `.`, `..` or empty
//!   component, so a download can never write outside its directory.

use std::ffi::OsStr;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::FolderError;
use crate::client::chunking::{ChunkKey, ChunkRef, Reference};
use crate::wire::types::ChunkAddress;

/// The bytes a manifest opens with.
pub const MANIFEST_MAGIC: &[u8] = b"\0ferry folder manifest\n";
/// The largest manifest a download holds in memory (several million files).
pub const MAX_MANIFEST_BYTES: u64 = 1 << 30;
/// Version 2 adds packs ([`crate::client::pack`]); version 1 manifests are still read.
const MANIFEST_VERSION: u8 = 2;

/// One entry of a manifest: a directory or a regular file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Relative, `/`-separated, raw bytes.
    pub path: Vec<u8>,
    /// Permission bits (`0o755`…).
    pub mode: u32,
    /// Modification time: seconds and nanoseconds since the epoch.
    pub modified: (i64, u32),
    /// What it is.
    pub kind: EntryKind,
}

/// A directory, or a file with what reads it back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum EntryKind {
    /// A directory (listed so that empty ones come back).
    Dir,
    /// A regular file.
    File {
        /// Its size in bytes.
        size: u64,
        /// Its root data map chunk.
        address: ChunkAddress,
        /// The key that opens it.
        key: ChunkKey,
    },
    /// A small regular file, stored inside one of the manifest's packs.
    Packed {
        /// Its size in bytes.
        size: u64,
        /// The pack, by its place in [`Manifest::packs`].
        pack: u32,
        /// Where its bytes start in the pack.
        offset: u32,
    },
}

impl Entry {
    /// The path under a download's directory, checked to stay inside it.
    pub fn relative_path(&self) -> Result<PathBuf, FolderError> {
        let path = Path::new(OsStr::from_bytes(&self.path));
        let bad = || FolderError::BadManifest(format!("path {path:?} leaves the folder"));
        let odd = |part: &[u8]| matches!(part, b"" | b"." | b"..");
        if self.path.contains(&0) || self.path.split(|b| *b == b'/').any(odd) {
            return Err(bad());
        }
        if !path.components().all(|c| matches!(c, Component::Normal(_))) {
            return Err(bad());
        }
        Ok(path.to_owned())
    }

    /// The file's reference, for a file with chunks of its own.
    pub fn reference(&self) -> Option<Reference> {
        match self.kind {
            EntryKind::File { address, key, .. } => Some(Reference { address, key }),
            EntryKind::Dir | EntryKind::Packed { .. } => None,
        }
    }

    /// True for a regular file, packed or not.
    pub fn is_file(&self) -> bool {
        !matches!(self.kind, EntryKind::Dir)
    }

    /// The file's size (0 for a directory).
    pub fn size(&self) -> u64 {
        match self.kind {
            EntryKind::File { size, .. } | EntryKind::Packed { size, .. } => size,
            EntryKind::Dir => 0,
        }
    }
}

/// A folder's manifest: its directories and files, parents before children, and the packs
/// holding its small files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    version: u8,
    /// The entries.
    pub entries: Vec<Entry>,
    /// The packs: one chunk each.
    pub packs: Vec<ChunkRef>,
}

/// A version 1 manifest: no packs.
#[derive(Deserialize)]
struct ManifestV1 {
    _version: u8,
    entries: Vec<Entry>,
}

impl Manifest {
    /// A manifest of `entries`, parents before children, without packs.
    pub fn new(entries: Vec<Entry>) -> Self {
        Self::with_packs(entries, Vec::new())
    }

    /// A manifest of `entries`, parents before children, and `packs`.
    pub fn with_packs(entries: Vec<Entry>, packs: Vec<ChunkRef>) -> Self {
        Self {
            version: MANIFEST_VERSION,
            entries,
            packs,
        }
    }

    /// Every chunk address the manifest names directly: its packs.
    pub fn pack_chunks(&self) -> impl Iterator<Item = ChunkAddress> + '_ {
        self.packs.iter().map(|pack| pack.address)
    }

    /// The entry of the file at `path` (relative, `/`-separated).
    pub fn file(&self, path: &[u8]) -> Option<&Entry> {
        self.entries.iter().find(|e| e.is_file() && e.path == path)
    }

    /// The serialised form: [`MANIFEST_MAGIC`], then the entries (bincode 2).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = MANIFEST_MAGIC.to_vec();
        bincode::serde::encode_into_std_write(self, &mut bytes, bincode::config::standard())
            .expect("a manifest always serialises");
        bytes
    }

    /// Whether content that starts with `head` is a manifest.
    pub fn is_manifest(head: &[u8]) -> bool {
        head.starts_with(MANIFEST_MAGIC)
    }

    /// Decodes a manifest and checks that every path stays inside the folder.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, FolderError> {
        let body = bytes
            .strip_prefix(MANIFEST_MAGIC)
            .ok_or_else(|| FolderError::BadManifest("it does not open as a manifest".into()))?;
        let bad_decode = |e: bincode::error::DecodeError| {
            FolderError::BadManifest(format!("it does not decode ({e})"))
        };
        let config = bincode::config::standard();
        let (manifest, used) = match body.first() {
            Some(1) => {
                let (old, used): (ManifestV1, usize) =
                    bincode::serde::decode_from_slice(body, config).map_err(bad_decode)?;
                (Manifest::new(old.entries), used)
            }
            _ => bincode::serde::decode_from_slice::<Manifest, _>(body, config)
                .map_err(bad_decode)?,
        };
        if used != body.len() || manifest.version != MANIFEST_VERSION {
            return Err(FolderError::BadManifest(
                "unknown version or trailing bytes".into(),
            ));
        }
        for entry in &manifest.entries {
            entry.relative_path()?;
            if let EntryKind::Packed {
                size, pack, offset, ..
            } = entry.kind
            {
                let fits = manifest
                    .packs
                    .get(pack as usize)
                    .is_some_and(|pack| u64::from(offset) + size <= u64::from(pack.len));
                if !fits {
                    return Err(FolderError::BadManifest(format!(
                        "{} lies outside its pack",
                        String::from_utf8_lossy(&entry.path)
                    )));
                }
            }
        }
        Ok(manifest)
    }
}

/// Writes a manifest entry by entry into a spool file with no name (it goes when its last
/// handle closes, crash or not); the bytes are [`Manifest::to_bytes`]'s.
pub struct ManifestWriter {
    out: BufWriter<File>,
    /// Entries still to come.
    remaining: usize,
    spool: PathBuf,
}

impl ManifestWriter {
    /// A manifest of `entries` entries, spooled under `spool` (created if need be).
    pub fn create(spool: &Path, entries: usize) -> Result<Self, FolderError> {
        let failed = |source| FolderError::Spool {
            path: spool.to_owned(),
            source,
        };
        std::fs::create_dir_all(spool).map_err(failed)?;
        let file = tempfile::tempfile_in(spool).map_err(failed)?;
        let mut writer = Self {
            out: BufWriter::with_capacity(64 * 1024, file),
            remaining: entries,
            spool: spool.to_owned(),
        };
        writer.out.write_all(MANIFEST_MAGIC).map_err(failed)?;
        writer.encode(&MANIFEST_VERSION)?;
        writer.encode(&entries)?;
        Ok(writer)
    }

    /// Appends the next entry.
    pub fn entry(&mut self, entry: &Entry) -> Result<(), FolderError> {
        self.remaining = self
            .remaining
            .checked_sub(1)
            .expect("no more entries than announced");
        self.encode(entry)
    }

    /// Ends the manifest with its `packs`; returns the spool file and its length.
    pub fn finish(mut self, packs: &[ChunkRef]) -> Result<(File, u64), FolderError> {
        assert_eq!(self.remaining, 0, "every announced entry is written");
        self.encode(packs)?;
        let spool = self.spool.clone();
        let failed = |source| FolderError::Spool {
            path: spool.clone(),
            source,
        };
        let file = self
            .out
            .into_inner()
            .map_err(|error| failed(error.into_error()))?;
        let len = file.metadata().map_err(failed)?.len();
        Ok((file, len))
    }

    fn encode(&mut self, value: &(impl Serialize + ?Sized)) -> Result<(), FolderError> {
        bincode::serde::encode_into_std_write(value, &mut self.out, bincode::config::standard())
            .map(drop)
            .map_err(|error| match error {
                bincode::error::EncodeError::Io { inner, .. } => FolderError::Spool {
                    path: self.spool.clone(),
                    source: inner,
                },
                other => panic!("a manifest entry always serialises: {other}"),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_round_trips_and_paths_that_leave_the_folder_are_refused() {
        let entry = |path: &[u8]| Entry {
            path: path.to_vec(),
            mode: 0o644,
            modified: (1, 2),
            kind: EntryKind::Dir,
        };
        let manifest = Manifest::new(vec![entry(b"a"), entry("a/ü".as_bytes())]);
        let bytes = manifest.to_bytes();
        assert!(Manifest::is_manifest(&bytes));
        assert_eq!(Manifest::from_bytes(&bytes).unwrap(), manifest);
        for bad in [
            &b"../x"[..],
            b"/etc/passwd",
            b"a/../../x",
            b"",
            b"a//b",
            b".",
            b"a/./b",
            b"a/",
        ] {
            let manifest = Manifest::new(vec![entry(bad)]);
            assert!(
                matches!(
                    Manifest::from_bytes(&manifest.to_bytes()),
                    Err(FolderError::BadManifest(_))
                ),
                "{:?} accepted",
                String::from_utf8_lossy(bad)
            );
        }
        assert!(Manifest::from_bytes(b"plain file").is_err());
    }

    #[test]
    fn a_manifest_written_entry_by_entry_is_the_manifest_serialised_whole() {
        let entry = |path: &str, kind| Entry {
            path: path.as_bytes().to_vec(),
            mode: 0o644,
            modified: (1_700_000_000, 999_999_999),
            kind,
        };
        let entries = vec![
            entry("d", EntryKind::Dir),
            entry(
                "d/big",
                EntryKind::File {
                    size: 5 << 20,
                    address: ChunkAddress::of(b"big"),
                    key: ChunkKey([7; 32]),
                },
            ),
            entry(
                "d/ü",
                EntryKind::Packed {
                    size: 1024,
                    pack: 0,
                    offset: 300,
                },
            ),
        ];
        let packs = vec![ChunkRef {
            address: ChunkAddress::of(b"pack"),
            key: ChunkKey([9; 32]),
            len: 4 << 20,
        }];
        let spool = tempfile::tempdir().unwrap();
        let mut writer = ManifestWriter::create(spool.path(), entries.len()).unwrap();
        for entry in &entries {
            writer.entry(entry).unwrap();
        }
        let (file, len) = writer.finish(&packs).unwrap();
        let whole = Manifest::with_packs(entries, packs).to_bytes();
        assert_eq!(len as usize, whole.len());
        let mut read = vec![0; whole.len()];
        std::os::unix::fs::FileExt::read_exact_at(&file, &mut read, 0).unwrap();
        assert_eq!(read, whole);
        assert_eq!(
            std::fs::read_dir(spool.path()).unwrap().count(),
            0,
            "the spool has no name"
        );
    }
}
