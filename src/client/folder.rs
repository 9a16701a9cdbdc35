//! Folders: walking a directory into the files an upload reads, and the manifest that lets a
//! download rebuild the tree.
//!
//! A folder uploads as every regular file under it (each planned like a file of its own, with
//! its own data map and reference) plus a manifest: every directory (so empty ones come back)
//! and every file with its relative path, size, mode, modification time and reference. The
//! manifest is stored encrypted like a file, and its reference is the folder's reference. Its
//! bytes open with [`MANIFEST_MAGIC`], which is how a download tells a folder from a file.
//!
//! Invariants:
//! - the walk never follows a symbolic link and never reads a special file (FIFO, socket,
//!   device): each one is skipped and reported, so the upload never blocks or leaves the tree;
//! - the walk is deterministic (names sorted bytewise), so the same tree gives the same manifest
//!   and the same chunks, which is what lets a rerun recognise what it paid for;
//! - paths are stored relative, `/`-separated, as raw bytes (any name Linux allows), and a
//!   manifest is refused when any path is absolute, empty, or has a `.`, `..` or empty
//!   component, so a download can never write outside its directory.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::client::chunking::{
    ChunkError, ChunkKey, PlannedChunk, Reference, UploadPlan, encrypt_file, plan_memory,
    seal_source,
};
use crate::client::plan_cache::{CachedFile, PlanCache, Stamp};
use crate::client::reporter::{Event, Phase, Reporter};
use crate::client::sources::Sources;
use crate::wire::types::ChunkAddress;

/// The bytes a manifest opens with.
pub const MANIFEST_MAGIC: &[u8] = b"\0ferry folder manifest\n";
/// The largest manifest a download holds in memory (several million files).
pub const MAX_MANIFEST_BYTES: u64 = 1 << 30;
const MANIFEST_VERSION: u8 = 1;

/// Why a folder cannot be walked or a manifest cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum FolderError {
    /// A directory or file under the folder cannot be read.
    #[error("cannot read {path}")]
    Read {
        /// What could not be read.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Reading or encrypting a file failed.
    #[error(transparent)]
    Chunking(#[from] ChunkError),
    /// A manifest that does not decode, or names a path outside its folder.
    #[error("the folder manifest is not one ferry wrote: {0}")]
    BadManifest(String),
}

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

    /// The file's reference, for a file.
    pub fn reference(&self) -> Option<Reference> {
        match self.kind {
            EntryKind::File { address, key, .. } => Some(Reference { address, key }),
            EntryKind::Dir => None,
        }
    }
}

/// A folder's manifest: its directories and files, parents before children.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    version: u8,
    /// The entries.
    pub entries: Vec<Entry>,
}

impl Manifest {
    /// A manifest of `entries`, parents before children.
    pub fn new(entries: Vec<Entry>) -> Self {
        Self {
            version: MANIFEST_VERSION,
            entries,
        }
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
        let (manifest, used): (Manifest, usize) =
            bincode::serde::decode_from_slice(body, bincode::config::standard())
                .map_err(|e| FolderError::BadManifest(format!("it does not decode ({e})")))?;
        if used != body.len() || manifest.version != MANIFEST_VERSION {
            return Err(FolderError::BadManifest(
                "unknown version or trailing bytes".into(),
            ));
        }
        for entry in &manifest.entries {
            entry.relative_path()?;
        }
        Ok(manifest)
    }
}

/// A file of the folder, found by the walk.
#[derive(Debug, Clone)]
pub struct WalkedFile {
    /// Its path relative to the folder, as the manifest stores it.
    pub relative: Vec<u8>,
    /// Its path on disk.
    pub path: PathBuf,
    /// Its metadata when walked.
    pub meta: EntryMeta,
}

/// What the manifest keeps of an entry's metadata.
#[derive(Debug, Clone, Copy)]
pub struct EntryMeta {
    /// Permission bits.
    pub mode: u32,
    /// Modification time.
    pub modified: (i64, u32),
    /// Size in bytes.
    pub size: u64,
}

/// One file of a planned folder and the chunks it needs (content and data map).
#[derive(Debug, Clone)]
pub struct FileChunks {
    /// The file, as events name it.
    pub name: String,
    /// Its chunks.
    pub chunks: Vec<ChunkAddress>,
}

/// A planned upload: its chunks (a folder's manifest's reference is the plan's), the files
/// they are read from, and which chunks each file of a folder needs.
#[derive(Debug)]
pub struct PlannedInput {
    /// Every chunk, files' and manifest's.
    pub plan: UploadPlan,
    /// The files, by source number.
    pub sources: Sources,
    /// Each file's chunks (`None` when the upload is one file).
    pub files: Option<Vec<FileChunks>>,
}

/// What a walk found.
#[derive(Debug, Default)]
pub struct Walk {
    /// The regular files, in manifest order.
    pub files: Vec<WalkedFile>,
    /// The directories below the root, parents first.
    pub dirs: Vec<(Vec<u8>, EntryMeta)>,
    /// Entries skipped (symbolic links, special files), with what they are.
    pub skipped: Vec<(PathBuf, &'static str)>,
}

fn meta_of(meta: &std::fs::Metadata) -> EntryMeta {
    EntryMeta {
        mode: meta.permissions().mode() & 0o7777,
        modified: (meta.mtime(), meta.mtime_nsec().clamp(0, 999_999_999) as u32),
        size: meta.len(),
    }
}

/// Walks `root` (blocking): every directory and regular file under it, sorted by name; symbolic
/// links and special files are skipped and listed, never followed or read, and so is the
/// directory `own` (ferry's data dir, whose receipts change while the folder uploads).
pub fn walk(root: &Path, own: &Path) -> Result<Walk, FolderError> {
    let own = std::fs::canonicalize(own).ok();
    let mut walk = Walk::default();
    let mut pending = vec![(root.to_owned(), Vec::new())];
    while let Some((dir, relative)) = pending.pop() {
        let read = |source| FolderError::Read {
            path: dir.clone(),
            source,
        };
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .map_err(read)?
            .map(|entry| entry.map(|e| e.file_name()))
            .collect::<Result<_, _>>()
            .map_err(read)?;
        names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        let mut subdirs = Vec::new();
        for name in names {
            let path = dir.join(&name);
            let mut child = relative.clone();
            if !child.is_empty() {
                child.push(b'/');
            }
            child.extend_from_slice(name.as_bytes());
            let meta = std::fs::symlink_metadata(&path).map_err(|source| FolderError::Read {
                path: path.clone(),
                source,
            })?;
            let kind = meta.file_type();
            if kind.is_dir() && own.is_some() && std::fs::canonicalize(&path).ok() == own {
                walk.skipped.push((path, "ferry's own data dir"));
            } else if kind.is_dir() {
                walk.dirs.push((child.clone(), meta_of(&meta)));
                subdirs.push((path, child));
            } else if kind.is_file() {
                walk.files.push(WalkedFile {
                    relative: child,
                    path,
                    meta: meta_of(&meta),
                });
            } else if kind.is_symlink() {
                walk.skipped.push((path, "a symbolic link"));
            } else {
                walk.skipped
                    .push((path, "a special file (FIFO, socket or device)"));
            }
        }
        // Depth first, in name order: the last pushed is walked first.
        pending.extend(subdirs.into_iter().rev());
    }
    Ok(walk)
}

/// The manifest entries of the walk's directories, parents first.
fn dir_entries(walk: &Walk) -> Vec<Entry> {
    walk.dirs
        .iter()
        .map(|(path, meta)| Entry {
            path: path.clone(),
            mode: meta.mode,
            modified: meta.modified,
            kind: EntryKind::Dir,
        })
        .collect()
}

/// Plans a walked folder (blocking): each file's chunks and data map, then the manifest's;
/// the plan's reference is the manifest's. Reports each file as it is encrypted.
///
/// A file whose stamp is the one `cache` recorded is not read again: its pieces come from the
/// cache. Returns, with the plan, what a new cache should hold.
pub fn plan(
    walk: &Walk,
    threads: usize,
    reporter: &dyn Reporter,
    cache: &PlanCache,
) -> Result<(PlannedInput, Vec<CachedFile>), FolderError> {
    let total_bytes: u64 = walk.files.iter().map(|f| f.meta.size).sum();
    let mut chunks: Vec<PlannedChunk> = Vec::new();
    let mut entries = dir_entries(walk);
    let done = std::sync::atomic::AtomicU64::new(0);
    let mut files = Vec::with_capacity(walk.files.len());
    let mut cached = Vec::with_capacity(walk.files.len());
    let progress = |bytes| {
        let so_far = done.fetch_add(bytes, std::sync::atomic::Ordering::Relaxed) + bytes;
        reporter.progress(Phase::Encrypt, so_far, total_bytes);
    };
    for (index, file) in walk.files.iter().enumerate() {
        let first_chunk = chunks.len();
        let meta = std::fs::metadata(&file.path).map_err(|source| FolderError::Read {
            path: file.path.clone(),
            source,
        })?;
        // The file as it is read now (the walk may be older): its stamp, mode and time.
        let (stamp, now) = (Stamp::of(&meta), meta_of(&meta));
        let (size, refs) = match cache.lookup(&file.relative, stamp) {
            Some(known) => {
                progress(known.size);
                (known.size, known.refs.clone())
            }
            None => encrypt_file(&file.path, threads, &progress)?,
        };
        cached.push(CachedFile {
            relative: file.relative.clone(),
            stamp,
            size,
            refs: refs.clone(),
        });
        let reference = seal_source(size, refs, index as u32, &mut chunks);
        files.push(FileChunks {
            name: file.path.display().to_string(),
            chunks: chunks[first_chunk..].iter().map(|c| c.address).collect(),
        });
        reporter.event(&Event::FileEncrypted {
            file: file.path.display().to_string(),
            bytes: size,
            files_done: index + 1,
            files: walk.files.len(),
        });
        entries.push(Entry {
            path: file.relative.clone(),
            mode: now.mode,
            modified: now.modified,
            kind: EntryKind::File {
                size,
                address: reference.address,
                key: reference.key,
            },
        });
    }
    let manifest = Manifest {
        version: MANIFEST_VERSION,
        entries,
    };
    let reference = plan_memory(&manifest.to_bytes(), &mut chunks);
    let planned = PlannedInput {
        plan: UploadPlan::new(reference, total_bytes, chunks),
        sources: Sources::many(walk.files.iter().map(|f| f.path.clone()).collect()),
        files: Some(files),
    };
    Ok((planned, cached))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_walk_lists_dirs_and_files_in_order_and_skips_links_and_fifos() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("b/empty")).unwrap();
        std::fs::write(root.join("b/z.txt"), b"z").unwrap();
        std::fs::write(root.join("a.txt"), b"").unwrap();
        std::fs::write(root.join("ünï.txt"), b"x").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", root.join("link")).unwrap();
        let _socket = std::os::unix::net::UnixListener::bind(root.join("socket")).unwrap();
        let walk = walk(root, &root.join("nowhere")).unwrap();
        let files: Vec<_> = walk
            .files
            .iter()
            .map(|f| String::from_utf8_lossy(&f.relative).into_owned())
            .collect();
        assert_eq!(files, ["a.txt", "ünï.txt", "b/z.txt"]);
        let dirs: Vec<_> = walk
            .dirs
            .iter()
            .map(|(p, _)| String::from_utf8_lossy(p).into_owned())
            .collect();
        assert_eq!(dirs, ["b", "b/empty"]);
        let skipped: Vec<_> = walk
            .skipped
            .iter()
            .map(|(p, _)| p.file_name().unwrap().to_owned())
            .collect();
        assert_eq!(skipped, ["link", "socket"]);
    }

    #[test]
    fn a_manifest_round_trips_and_paths_that_leave_the_folder_are_refused() {
        let entry = |path: &[u8]| Entry {
            path: path.to_vec(),
            mode: 0o644,
            modified: (1, 2),
            kind: EntryKind::Dir,
        };
        let manifest = Manifest {
            version: MANIFEST_VERSION,
            entries: vec![entry(b"a"), entry("a/ü".as_bytes())],
        };
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
            let manifest = Manifest {
                version: MANIFEST_VERSION,
                entries: vec![entry(bad)],
            };
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
}
