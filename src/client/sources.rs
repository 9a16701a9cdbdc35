//! The files an upload reads its chunks from (and a folder's packs of small files), and
//! re-deriving a planned chunk's bytes from them when it is sent.
//!
//! Invariant: a chunk re-derived from a file is re-encrypted and checked against its planned
//! address before it is returned, so a file that changed after planning gives an error, never
//! a chunk with other content under the planned address.

use std::ffi::OsStr;
use std::fs::File;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::client::chunking::{
    ChunkError, ChunkSource, MAX_PLAINTEXT_BYTES, PlannedChunk, TAG_BYTES, encrypt_tail_with_key,
};
use crate::client::pack::{Member, read_pack};

/// The paths of an upload's files, held once: a root and each file's path under it, every
/// path's bytes in one buffer. A folder of many files costs its relative paths' bytes and one
/// offset per file; a file's full path is built when it is needed.
#[derive(Debug, Default)]
pub struct FileList {
    root: PathBuf,
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl FileList {
    /// No file yet, under `root`.
    pub fn under(root: PathBuf) -> Self {
        Self {
            root,
            ..Self::default()
        }
    }

    /// Files named by their whole paths.
    pub fn of_paths<'a>(paths: impl IntoIterator<Item = &'a Path>) -> Self {
        let mut list = Self::default();
        for path in paths {
            list.push(path.as_os_str().as_bytes());
        }
        list
    }

    /// Adds a file by its path under the root (raw bytes, `/`-separated).
    pub fn push(&mut self, relative: &[u8]) {
        self.bytes.extend_from_slice(relative);
        self.ends.push(self.bytes.len());
    }

    /// Releases the spare capacity of a list that is complete.
    pub fn shrink_to_fit(&mut self) {
        self.bytes.shrink_to_fit();
        self.ends.shrink_to_fit();
    }

    /// How many files.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when there is no file.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The root the paths are under.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// File `index`'s path under the root, as a folder's manifest stores it.
    pub fn relative(&self, index: usize) -> &[u8] {
        let start = index.checked_sub(1).map_or(0, |before| self.ends[before]);
        &self.bytes[start..self.ends[index]]
    }

    /// File `index`'s path.
    pub fn path(&self, index: usize) -> PathBuf {
        self.root.join(OsStr::from_bytes(self.relative(index)))
    }
}

/// The files an upload reads its chunks from, numbered as [`ChunkSource::File`] names them.
/// A one-file upload holds its file open; a folder's files are opened when a chunk is read, so
/// a folder of any size needs no more descriptors than chunks in flight. A folder's manifest,
/// spooled to a file with no name, is the source after its files.
#[derive(Debug)]
pub struct Sources {
    files: Arc<FileList>,
    held: Option<File>,
    /// A folder's packs: each one's files, in order.
    packs: Vec<Vec<Member>>,
    /// A folder's spooled manifest: source number `files.len()`.
    manifest: Option<File>,
}

impl Sources {
    /// The one file of a one-file upload, opened now.
    pub fn one(path: &Path) -> Result<Self, ChunkError> {
        let held = File::open(path).map_err(|source| ChunkError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Ok(Self {
            files: Arc::new(FileList::of_paths([path])),
            held: Some(held),
            packs: Vec::new(),
            manifest: None,
        })
    }

    /// Many files, opened on demand.
    pub fn many(paths: Vec<PathBuf>) -> Self {
        Self::folder(
            Arc::new(FileList::of_paths(paths.iter().map(PathBuf::as_path))),
            Vec::new(),
            None,
        )
    }

    /// A folder's files, opened on demand, its packs of small files, and its spooled
    /// manifest (the source after the files).
    pub fn folder(files: Arc<FileList>, packs: Vec<Vec<Member>>, manifest: Option<File>) -> Self {
        Self {
            files,
            held: None,
            packs,
            manifest,
        }
    }

    /// Source `source`'s path.
    pub fn path(&self, source: u32) -> PathBuf {
        match self.manifest {
            Some(_) if source as usize == self.files.len() => {
                PathBuf::from("(the folder's manifest, spooled)")
            }
            _ => self.files.path(source as usize),
        }
    }

    /// The files, by source number.
    pub fn files(&self) -> &Arc<FileList> {
        &self.files
    }

    /// Source `source`, held open or opened now.
    fn open(&self, source: u32) -> std::io::Result<Opened<'_>> {
        let held = match (&self.held, &self.manifest) {
            (Some(held), _) => Some(held),
            (None, Some(manifest)) if source as usize == self.files.len() => Some(manifest),
            _ => None,
        };
        match held {
            Some(file) => Ok(Opened::Held(file)),
            None => File::open(self.path(source)).map(Opened::Now),
        }
    }
}

/// A source file, held by [`Sources`] or opened for one read.
enum Opened<'a> {
    Held(&'a File),
    Now(File),
}

impl Opened<'_> {
    fn file(&self) -> &File {
        match self {
            Opened::Held(file) => file,
            Opened::Now(file) => file,
        }
    }
}

/// Re-derives a planned chunk's encrypted bytes (from its file or from memory), sealed with the
/// key its plan derived (no second hash of the plaintext), and checks that they still have the
/// planned address: bytes that changed since get another one and are refused, never sent.
pub fn read_planned(sources: &Sources, chunk: &PlannedChunk) -> Result<Vec<u8>, ChunkError> {
    read_planned_after(sources, chunk, Vec::new())
}

/// [`read_planned`] appending the chunk's encrypted bytes to `header`, so a framed request
/// body is built with one buffer and no copy.
pub fn read_planned_after(
    sources: &Sources,
    chunk: &PlannedChunk,
    mut header: Vec<u8>,
) -> Result<Vec<u8>, ChunkError> {
    let start = header.len();
    match &chunk.source {
        ChunkSource::Memory(bytes) => {
            header.extend_from_slice(bytes);
            Ok(header)
        }
        ChunkSource::Pack { pack, key } => {
            header.reserve_exact(chunk.size as usize);
            let path_of = |source: u32| sources.path(source);
            read_pack(
                &sources.packs[*pack as usize],
                path_of,
                (chunk.address, key),
                header,
            )
        }
        ChunkSource::File {
            source,
            index,
            len,
            key,
        } => {
            let path = sources.path(*source);
            header.reserve_exact(*len as usize + TAG_BYTES);
            header.resize(start + *len as usize, 0);
            let changed = || ChunkError::FileChanged {
                path: path.display().to_string(),
                index: *index,
            };
            let opened = sources
                .open(*source)
                .map_err(|source| match source.kind() {
                    std::io::ErrorKind::NotFound => changed(),
                    _ => ChunkError::Read {
                        path: path.display().to_string(),
                        source,
                    },
                })?;
            let file = opened.file();
            file.read_exact_at(&mut header[start..], index * MAX_PLAINTEXT_BYTES as u64)
                .map_err(|source| match source.kind() {
                    std::io::ErrorKind::UnexpectedEof => changed(),
                    _ => ChunkError::Read {
                        path: path.display().to_string(),
                        source,
                    },
                })?;
            if encrypt_tail_with_key(&mut header, start, key) != chunk.address {
                return Err(changed());
            }
            Ok(header)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::chunking::plan_source;

    #[test]
    fn a_folder_source_is_read_by_its_number_and_a_removed_file_counts_as_changed() {
        let dir = tempfile::tempdir().unwrap();
        let paths: Vec<_> = ["a", "b"].iter().map(|n| dir.path().join(n)).collect();
        std::fs::write(&paths[0], b"first file").unwrap();
        std::fs::write(&paths[1], b"second file").unwrap();
        let mut chunks = Vec::new();
        plan_source(&paths[1], 1, 1, &|_| {}, &mut chunks).unwrap();
        let sources = Sources::many(paths.clone());
        let bytes = read_planned(&sources, &chunks[0]).unwrap();
        assert_eq!(
            crate::wire::types::ChunkAddress::of(&bytes),
            chunks[0].address
        );
        std::fs::remove_file(&paths[1]).unwrap();
        assert!(matches!(
            read_planned(&sources, &chunks[0]),
            Err(ChunkError::FileChanged { index: 0, .. })
        ));
    }
}
