//! Planning a walked folder: each big file's chunks and data map, the packs of its small
//! files, then the manifest's chunks, whose reference is the folder's.
//!
//! Invariants:
//! - the manifest is written entry by entry to a spool file as the files are planned and its
//!   chunks are read back from that file when they are sent, so it is never held whole;
//! - what is kept per file until the upload ends is its relative path (once, in the
//!   [`FileList`]), its stamp, its place in a pack and a count for per-file progress: no
//!   per-file string, path or list of chunks;
//! - a file's stamp is taken before it is read, so a change while it is read is caught.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Arc;

use super::{Entry, EntryKind, EntryMeta, FileChunks, FolderError, ManifestWriter, Walk};
use super::{FolderFiles, PlannedInput};
use crate::client::bodies;
use crate::client::chunking::{
    ChunkRef, ChunkSource, MAX_PLAINTEXT_BYTES, PlannedChunk, Reference, TAG_BYTES, UploadPlan,
    encrypt_file, encrypt_in_place, seal_source,
};
use crate::client::pack::{self, Member, Packer};
use crate::client::plan_cache::{CachedFile, Learnt, PlanCache, Stamp};
use crate::client::reporter::{Event, Phase, Reporter};
use crate::client::sources::{FileList, Sources};
use crate::wire::types::ChunkAddress;

/// Plans a walked folder (blocking): each big file's chunks and data map, the packs of the
/// small files, then the manifest's chunks (the manifest spooled under `spool`); the plan's
/// reference is the manifest's. Reports each file as it is encrypted (a small one as it joins
/// its pack).
///
/// A big file whose stamp is the one `cache` recorded is not read again: its pieces come from
/// the cache; so does a pack none of whose files changed. Returns, with the plan, what a new
/// cache should hold.
pub fn plan(
    walk: Walk,
    spool: &Path,
    threads: usize,
    reporter: &dyn Reporter,
    cache: &PlanCache,
) -> Result<(PlannedInput, Learnt), FolderError> {
    let Walk {
        files,
        total_bytes,
        dirs,
        ..
    } = walk;
    let files = Arc::new(files);
    let mut manifest = ManifestWriter::create(spool, dirs.len() + files.len())?;
    for (path, meta) in dirs {
        manifest.entry(&Entry {
            path,
            mode: meta.mode,
            modified: meta.modified,
            kind: EntryKind::Dir,
        })?;
    }
    let done = std::sync::atomic::AtomicU64::new(0);
    let progress = |bytes| {
        let so_far = done.fetch_add(bytes, std::sync::atomic::Ordering::Relaxed) + bytes;
        reporter.progress(Phase::Encrypt, so_far, total_bytes);
    };
    let mut planner = Planner {
        files: &files,
        cache,
        chunks: Vec::new(),
        progress: FileChunks::default(),
        stamps: Vec::with_capacity(files.len()),
        learnt: Learnt::default(),
        packer: Packer::default(),
        packs: Vec::new(),
        pack_members: Vec::new(),
        waiting: Vec::new(),
    };
    for index in 0..files.len() {
        let path = files.path(index);
        let meta = std::fs::metadata(&path).map_err(|source| FolderError::Read {
            path: path.clone(),
            source,
        })?;
        // The file as it is read now (the walk may be older): its stamp, mode and time.
        let (stamp, now) = (Stamp::of(&meta), EntryMeta::of(&meta));
        planner.stamps.push(stamp.digest());
        let kind = if Packer::takes(meta.len()) {
            let offset = planner.add_small(index, stamp, meta.len())?;
            progress(meta.len());
            EntryKind::Packed {
                size: meta.len(),
                pack: planner.packs.len() as u32,
                offset,
            }
        } else {
            planner.plan_big(index, &path, stamp, threads, &progress)?
        };
        reporter.event(&Event::FileEncrypted {
            file: path.display().to_string(),
            bytes: meta.len(),
            files_done: index + 1,
            files: files.len(),
        });
        manifest.entry(&Entry {
            path: files.relative(index).to_vec(),
            mode: now.mode,
            modified: now.modified,
            kind,
        })?;
    }
    planner.seal_pack()?;
    let Planner {
        mut chunks,
        progress: file_chunks,
        stamps,
        learnt,
        packs,
        pack_members,
        ..
    } = planner;
    let (spooled, manifest_len) = manifest.finish(&packs)?;
    let reference = seal_spooled(&spooled, manifest_len, files.len() as u32, &mut chunks).map_err(
        |source| FolderError::Spool {
            path: spool.to_owned(),
            source,
        },
    )?;
    let planned = PlannedInput {
        plan: UploadPlan::new(reference, total_bytes, chunks),
        sources: Sources::folder(files.clone(), pack_members, Some(spooled)),
        files: Some(FolderFiles {
            list: files,
            chunks: file_chunks,
            stamps,
        }),
    };
    Ok((planned, learnt))
}

/// Encrypts the spooled manifest's pieces and seals its data map, as a file of its own
/// (source number `source`); returns its reference, the one [`super::Manifest::to_bytes`]'s
/// bytes planned in memory would have.
fn seal_spooled(
    spooled: &File,
    len: u64,
    source: u32,
    chunks: &mut Vec<PlannedChunk>,
) -> std::io::Result<Reference> {
    let mut refs = Vec::new();
    let mut buffer = Vec::new();
    let mut offset = 0;
    while offset < len {
        let piece = (len - offset).min(MAX_PLAINTEXT_BYTES as u64) as usize;
        buffer.clear();
        buffer.resize(piece, 0);
        spooled.read_exact_at(&mut buffer, offset)?;
        let (key, address) = encrypt_in_place(&mut buffer);
        refs.push(ChunkRef {
            address,
            key,
            len: piece as u32,
        });
        offset += piece as u64;
    }
    Ok(seal_source(len, refs, source, chunks))
}

/// A folder's plan as it is built.
struct Planner<'a> {
    files: &'a FileList,
    cache: &'a PlanCache,
    chunks: Vec<PlannedChunk>,
    progress: FileChunks,
    stamps: Vec<u128>,
    learnt: Learnt,
    /// The pack being filled.
    packer: Packer,
    /// Sealed packs, as the manifest lists them.
    packs: Vec<ChunkRef>,
    /// Sealed packs' files.
    pack_members: Vec<Vec<Member>>,
    /// Files (by source number) in the pack being filled.
    waiting: Vec<u32>,
}

impl Planner<'_> {
    /// Adds a small file to the pack being filled (sealing it first when the file does not
    /// fit); returns the file's offset in its pack.
    fn add_small(&mut self, index: usize, stamp: Stamp, len: u64) -> Result<u32, FolderError> {
        if self.packer.is_full_for(len) {
            self.seal_pack()?;
        }
        let offset = self
            .packer
            .add(index as u32, self.files.relative(index), stamp, len);
        self.waiting.push(index as u32);
        self.progress.needs.push(1);
        Ok(offset)
    }

    /// Plans a big file: its own chunks and data map.
    fn plan_big(
        &mut self,
        index: usize,
        path: &Path,
        stamp: Stamp,
        threads: usize,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<EntryKind, FolderError> {
        let first_chunk = self.chunks.len();
        let relative = self.files.relative(index);
        let (size, refs) = match self.cache.lookup(relative, stamp) {
            Some(known) => {
                progress(known.size);
                (known.size, known.refs.clone())
            }
            None => encrypt_file(path, threads, progress)?,
        };
        self.learnt.files.push(CachedFile {
            relative: relative.to_vec(),
            stamp,
            size,
            refs: refs.clone(),
        });
        let reference = seal_source(size, refs, index as u32, &mut self.chunks);
        let mut own: Vec<ChunkAddress> = self.chunks[first_chunk..]
            .iter()
            .map(|c| c.address)
            .collect();
        own.sort();
        own.dedup();
        self.progress.needs.push(own.len() as u32);
        self.progress
            .by_chunk
            .extend(own.into_iter().map(|chunk| (chunk, vec![index as u32])));
        Ok(EntryKind::File {
            size,
            address: reference.address,
            key: reference.key,
        })
    }

    /// Seals the pack being filled, if it has files: from the cache when none of them
    /// changed, else read and encrypted.
    fn seal_pack(&mut self) -> Result<(), FolderError> {
        if self.packer.is_empty() {
            return Ok(());
        }
        let digest = self.packer.digest();
        let members = self.packer.take();
        let chunk = match self.cache.lookup_pack(&digest) {
            Some(known) => known,
            None => {
                let path_of = |source: u32| self.files.path(source as usize);
                let capacity = members.iter().map(|m| m.len as usize).sum::<usize>() + TAG_BYTES;
                let mut buffer = bodies::buffer();
                buffer.reserve_exact(capacity);
                let mut bytes = pack::read_members(&members, path_of, buffer)?;
                let sealed = pack::seal(&mut bytes);
                bodies::recycle(bytes);
                sealed
            }
        };
        self.learnt.packs.push((digest, chunk));
        self.chunks.push(PlannedChunk {
            address: chunk.address,
            size: chunk.len + TAG_BYTES as u32,
            source: ChunkSource::Pack {
                pack: self.packs.len() as u32,
                key: chunk.key,
            },
        });
        let waiting = std::mem::take(&mut self.waiting);
        self.progress.by_chunk.push((chunk.address, waiting));
        self.packs.push(chunk);
        self.pack_members.push(members);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spooled_manifest_has_the_reference_and_chunks_it_has_in_memory() {
        // Over one piece, so the data map names several.
        let bytes: Vec<u8> = (0..MAX_PLAINTEXT_BYTES + 1000)
            .map(|n| (n % 251) as u8)
            .collect();
        let mut spooled = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut spooled, &bytes).unwrap();
        let mut from_memory = Vec::new();
        let expected = crate::client::chunking::plan_memory(&bytes, &mut from_memory);
        let mut from_spool = Vec::new();
        let reference = seal_spooled(&spooled, bytes.len() as u64, 3, &mut from_spool).unwrap();
        assert!(reference == expected, "the same reference");
        let addresses = |chunks: &[PlannedChunk]| -> Vec<_> {
            chunks.iter().map(|c| (c.address, c.size)).collect()
        };
        assert_eq!(addresses(&from_spool), addresses(&from_memory));
        // Three files before it: the manifest is source 3, read from its spool.
        let list = Arc::new(FileList::of_paths(["a", "b", "c"].map(Path::new)));
        let sources = Sources::folder(list, Vec::new(), Some(spooled));
        for chunk in &from_spool {
            let bytes = crate::client::sources::read_planned(&sources, chunk).unwrap();
            assert_eq!(ChunkAddress::of(&bytes), chunk.address);
        }
    }
}
