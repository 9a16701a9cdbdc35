//! The files an upload reads its chunks from, and re-deriving a planned chunk's bytes from
//! them when it is sent.
//!
//! Invariant: a chunk re-derived from a file is re-encrypted and checked against its planned
//! address before it is returned, so a file that changed after planning gives an error, never
//! a chunk with other content under the planned address.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

use crate::client::chunking::{
    ChunkError, ChunkSource, MAX_PLAINTEXT_BYTES, PlannedChunk, TAG_BYTES, encrypt_tail_in_place,
};

/// The files an upload reads its chunks from, numbered as [`ChunkSource::File`] names them.
/// A one-file upload holds its file open; a folder's files are opened when a chunk is read, so
/// a folder of any size needs no more descriptors than chunks in flight.
#[derive(Debug)]
pub struct Sources {
    paths: Vec<std::path::PathBuf>,
    held: Option<File>,
}

impl Sources {
    /// The one file of a one-file upload, opened now.
    pub fn one(path: &Path) -> Result<Self, ChunkError> {
        let held = File::open(path).map_err(|source| ChunkError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Ok(Self {
            paths: vec![path.to_owned()],
            held: Some(held),
        })
    }

    /// Many files, opened on demand.
    pub fn many(paths: Vec<std::path::PathBuf>) -> Self {
        Self { paths, held: None }
    }

    /// Source `source`'s path.
    pub fn path(&self, source: u32) -> &Path {
        &self.paths[source as usize]
    }

    /// Every path, by source number.
    pub fn paths(&self) -> &[std::path::PathBuf] {
        &self.paths
    }
}

/// Re-derives a planned chunk's encrypted bytes (from its file or from memory) and checks
/// that they still have the planned address.
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
        ChunkSource::File { source, index, len } => {
            let path = sources.path(*source);
            header.reserve_exact(*len as usize + TAG_BYTES);
            header.resize(start + *len as usize, 0);
            let changed = || ChunkError::FileChanged {
                path: path.display().to_string(),
                index: *index,
            };
            let opened;
            let file = match &sources.held {
                Some(held) => held,
                None => {
                    opened = File::open(path).map_err(|source| match source.kind() {
                        std::io::ErrorKind::NotFound => changed(),
                        _ => ChunkError::Read {
                            path: path.display().to_string(),
                            source,
                        },
                    })?;
                    &opened
                }
            };
            file.read_exact_at(&mut header[start..], index * MAX_PLAINTEXT_BYTES as u64)
                .map_err(|source| match source.kind() {
                    std::io::ErrorKind::UnexpectedEof => changed(),
                    _ => ChunkError::Read {
                        path: path.display().to_string(),
                        source,
                    },
                })?;
            let (_, address) = encrypt_tail_in_place(&mut header, start);
            if address != chunk.address {
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
