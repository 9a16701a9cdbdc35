//! Folders: walking a directory into the files an upload reads, and the manifest that lets a
//! download rebuild the tree.
//!
//! A folder uploads as every regular file under it plus a manifest: every directory (so empty
//! ones come back) and every file with its relative path, size, mode, modification time and
//! where its bytes are. A big file is planned like a file of its own, with its own data map
//! and reference; a small one goes into a pack shared with its neighbours
//! ([`crate::client::pack`]), and the manifest records the pack, offset and length. The
//! manifest is stored encrypted like a file, and its reference is the folder's reference. Its
//! bytes open with [`MANIFEST_MAGIC`], which is how a download tells a folder from a file.
//! A folder is planned in parts: [`walk`] lists its directories and files, [`plan`] plans
//! them and writes the manifest to a spool as it goes ([`ManifestWriter`]), and the
//! manifest's chunks are read back from the spool when they are sent.
//!
//! Invariants:
//! - the same tree gives the same manifest and chunks (see [`walk`] and
//!   [`crate::client::pack`]), so a rerun recognises what it paid for;
//! - memory stays flat in the number of files: a file costs its relative path's bytes and a
//!   few fixed-size numbers until the upload ends, never a path, string or list of its own;
//! - paths are stored relative, `/`-separated, as raw bytes (any name Linux allows), and a
//!   manifest is refused when any path leaves the folder ([`Manifest::from_bytes`]).

use std::path::PathBuf;
use std::sync::Arc;

use crate::client::chunking::{ChunkError, UploadPlan};
use crate::client::sources::{FileList, Sources};
use crate::wire::types::ChunkAddress;

mod manifest;
mod plan;
mod walk;

pub use manifest::{
    Entry, EntryKind, MANIFEST_MAGIC, MAX_MANIFEST_BYTES, Manifest, ManifestWriter,
};
pub use plan::plan;
pub use walk::{EntryMeta, Walk, walk};

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
    /// The manifest's spool under the data dir cannot be written or read.
    #[error("cannot spool the folder's manifest under {path} (check the data dir's free space)")]
    Spool {
        /// The spool directory.
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
    /// `--path` names no file of the folder.
    #[error(
        "the folder has no file {0:?}; give its path relative to the folder, `/`-separated (as in `a/b.txt`)"
    )]
    NoSuchFile(String),
    /// `--path` was given with the reference of a single file.
    #[error("the reference is a single file, not a folder; download it without --path")]
    NotAFolder,
}

impl FolderError {
    /// The class of failure (for the exit code): the spool is local I/O, the rest bad input.
    pub fn kind(&self) -> crate::exit::ErrorKind {
        match self {
            FolderError::Spool { .. } => crate::exit::ErrorKind::Io,
            _ => crate::exit::ErrorKind::BadInput,
        }
    }
}

/// Which chunks the files of a folder need, for per-file progress: each chunk with the files
/// (by source number) that need it, and how many distinct chunks each file needs.
#[derive(Debug, Default)]
pub struct FileChunks {
    /// Each chunk and the files that need it; a chunk may come more than once.
    pub by_chunk: Vec<(ChunkAddress, Vec<u32>)>,
    /// Distinct chunks each file needs, by source number.
    pub needs: Vec<u32>,
}

/// A planned folder's files: their paths, chunks and stamps.
#[derive(Debug)]
pub struct FolderFiles {
    /// The files, by source number.
    pub list: Arc<FileList>,
    /// Which chunks each needs.
    pub chunks: FileChunks,
    /// Each one's stamp ([`crate::client::plan_cache::Stamp::digest`]), taken before it was
    /// read.
    pub stamps: Vec<u128>,
}

/// A planned upload: its chunks (a folder's manifest's reference is the plan's), the files
/// they are read from, and a folder's files.
#[derive(Debug)]
pub struct PlannedInput {
    /// Every chunk, files' and manifest's.
    pub plan: UploadPlan,
    /// The files, by source number.
    pub sources: Sources,
    /// A folder's files (`None` when the upload is one file).
    pub files: Option<FolderFiles>,
}
