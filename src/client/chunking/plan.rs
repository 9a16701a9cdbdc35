//! Planning an upload: a file (on several threads, one piece per thread in memory at a time),
//! a stream's pieces or bytes held in memory turned into the distinct chunks to store, data
//! maps sealed and nested until the root fits one chunk.
//!
//! Invariant: a plan names each distinct chunk once, file chunks first and the root data map
//! last; a file chunk keeps only where its bytes are (re-read and re-encrypted when sent), a
//! data map chunk its ciphertext.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::{
    ChunkError, ChunkKey, ChunkRef, DataMap, MAX_CHUNK_BYTES, MAX_PLAINTEXT_BYTES, Reference,
    TAG_BYTES, encrypt_in_place,
};
use crate::wire::types::ChunkAddress;

/// Where the bytes of a planned chunk come from when it is sent.
#[derive(Clone, Debug)]
pub enum ChunkSource {
    /// Piece `index` of a file, re-read and re-encrypted on demand.
    File {
        /// The file, by its place in the upload's [`Sources`](crate::client::sources::Sources)
        /// (0 for a one-file upload).
        source: u32,
        /// The piece's index; it starts at `index * MAX_PLAINTEXT_BYTES`.
        index: u64,
        /// Its plaintext length.
        len: u32,
        /// Its key, derived when it was planned (re-deriving it costs a hash of the piece).
        key: ChunkKey,
    },
    /// A data map chunk, small and kept in memory (ciphertext).
    Memory(Arc<Vec<u8>>),
    /// A pack of a folder's small files, re-read and re-encrypted on demand
    /// ([`crate::client::pack`]).
    Pack {
        /// The pack, by its place in the upload's sources.
        pack: u32,
        /// Its key, derived when it was planned.
        key: ChunkKey,
    },
}

/// One chunk an upload has to store.
#[derive(Clone, Debug)]
pub struct PlannedChunk {
    /// Its address.
    pub address: ChunkAddress,
    /// Its encrypted size in bytes.
    pub size: u32,
    /// Where its bytes come from.
    pub source: ChunkSource,
}

/// Everything an upload must store, file chunks first and the root data map last; each
/// distinct chunk once.
#[derive(Clone, Debug)]
pub struct UploadPlan {
    /// The reference `upload` prints.
    pub reference: Reference,
    /// The file's size in bytes.
    pub file_size: u64,
    /// The distinct chunks, in upload order (each address once, however often the file
    /// repeats its content).
    pub chunks: Vec<PlannedChunk>,
    /// Chunks the data maps name, repeats included (at least `chunks.len()`).
    pub pieces: usize,
}

impl UploadPlan {
    /// The plan that stores `chunks` (repeats allowed) for `reference`, of `file_size` bytes.
    pub fn new(reference: Reference, file_size: u64, mut chunks: Vec<PlannedChunk>) -> Self {
        let pieces = chunks.len();
        keep_first_of_each(&mut chunks);
        UploadPlan {
            reference,
            file_size,
            pieces,
            chunks,
        }
    }
}

/// Chunks and encrypts `path` on `threads` threads, keeping only addresses and keys.
/// `progress` is called with the plaintext bytes of each piece as it is done.
pub fn plan_file(
    path: &Path,
    threads: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<UploadPlan, ChunkError> {
    let mut chunks = Vec::new();
    let (file_size, reference) = plan_source(path, 0, threads, progress, &mut chunks)?;
    Ok(UploadPlan::new(reference, file_size, chunks))
}

/// Chunks and encrypts `path` (the upload's source number `source`) like [`plan_file`],
/// appending its chunks and its data map's to `chunks`; returns its size and its reference.
pub fn plan_source(
    path: &Path,
    source: u32,
    threads: usize,
    progress: &(dyn Fn(u64) + Sync),
    chunks: &mut Vec<PlannedChunk>,
) -> Result<(u64, Reference), ChunkError> {
    let (file_size, refs) = encrypt_file(path, threads, progress)?;
    Ok((file_size, seal_source(file_size, refs, source, chunks)))
}

/// Chunks and encrypts `path` on `threads` threads: its size and its pieces' addresses, keys
/// and lengths, in order.
pub fn encrypt_file(
    path: &Path,
    threads: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(u64, Vec<ChunkRef>), ChunkError> {
    let read_error = |error| ChunkError::Read {
        path: path.display().to_string(),
        source: error,
    };
    let file = File::open(path).map_err(read_error)?;
    let file_size = file.metadata().map_err(read_error)?.len();
    let pieces = file_size.div_ceil(MAX_PLAINTEXT_BYTES as u64) as usize;
    let refs =
        encrypt_pieces(&file, file_size, pieces, threads.max(1), progress).map_err(read_error)?;
    Ok((file_size, refs))
}

/// Appends to `chunks` the pieces `refs` of the upload's source number `source` (a file of
/// `file_size` bytes, as [`encrypt_file`] gave them) and its sealed data map; returns the
/// file's reference. Reads nothing.
pub fn seal_source(
    file_size: u64,
    refs: Vec<ChunkRef>,
    source: u32,
    chunks: &mut Vec<PlannedChunk>,
) -> Reference {
    chunks.extend(piece_chunks(&refs, source));
    seal_pieces(file_size, refs, chunks)
}

/// The planned chunks of pieces `refs` of the upload's source number `source`, without a data
/// map (a stream's segment: its data map is sealed once the stream ends, [`seal_pieces`]).
pub fn piece_chunks(refs: &[ChunkRef], source: u32) -> Vec<PlannedChunk> {
    refs.iter()
        .enumerate()
        .map(|(index, chunk)| PlannedChunk {
            address: chunk.address,
            size: chunk.len + TAG_BYTES as u32,
            source: ChunkSource::File {
                source,
                index: index as u64,
                len: chunk.len,
                key: chunk.key,
            },
        })
        .collect()
}

/// Seals the data map of a file of `file_size` bytes whose pieces are `refs` into chunks
/// appended to `chunks`; returns the file's reference (the one [`plan_file`] gives).
pub fn seal_pieces(
    file_size: u64,
    refs: Vec<ChunkRef>,
    chunks: &mut Vec<PlannedChunk>,
) -> Reference {
    seal_data_map(
        DataMap::new(0, file_size, refs),
        chunks,
        MAX_PLAINTEXT_BYTES,
    )
}

/// Chunks and encrypts `bytes` held in memory (a folder's manifest) the way a file is,
/// appending the chunks to `chunks`; returns the reference that reads them back.
pub fn plan_memory(bytes: &[u8], chunks: &mut Vec<PlannedChunk>) -> Reference {
    let refs = memory_pieces(bytes, MAX_PLAINTEXT_BYTES, chunks);
    seal_pieces(bytes.len() as u64, refs, chunks)
}

/// Encrypts `bytes` in pieces of at most `piece_limit` into memory chunks appended to
/// `chunks`; returns the pieces as a data map lists them.
fn memory_pieces(
    bytes: &[u8],
    piece_limit: usize,
    chunks: &mut Vec<PlannedChunk>,
) -> Vec<ChunkRef> {
    bytes
        .chunks(piece_limit)
        .map(|piece| {
            let (reference, planned) = memory_chunk(piece.to_vec());
            chunks.push(planned);
            ChunkRef {
                address: reference.address,
                key: reference.key,
                len: piece.len() as u32,
            }
        })
        .collect()
}

/// Keeps the first chunk of each address, in order: content that repeats (zeros, a block
/// copied many times) gives the same chunk, which is quoted, paid and stored once; the data
/// map still names it at every place it occurs.
fn keep_first_of_each(chunks: &mut Vec<PlannedChunk>) {
    let mut seen = std::collections::HashSet::with_capacity(chunks.len());
    chunks.retain(|chunk| seen.insert(chunk.address));
}

/// Encrypts a data map into chunks appended to `chunks`, nesting it into higher levels while its
/// serialised form is larger than `piece_limit`; returns the reference of the root chunk.
fn seal_data_map(
    mut map: DataMap,
    chunks: &mut Vec<PlannedChunk>,
    piece_limit: usize,
) -> Reference {
    // Each reference takes ~70 bytes, so a smaller piece would make every level larger.
    assert!(
        piece_limit >= 256,
        "a piece limit under 256 bytes never converges"
    );
    loop {
        let bytes = map.to_bytes();
        if bytes.len() <= piece_limit {
            let (reference, root) = memory_chunk(bytes);
            chunks.push(root);
            return reference;
        }
        let refs = memory_pieces(&bytes, piece_limit, chunks);
        map = DataMap::new(map.level + 1, bytes.len() as u64, refs);
    }
}

fn memory_chunk(mut bytes: Vec<u8>) -> (Reference, PlannedChunk) {
    let (key, address) = encrypt_in_place(&mut bytes);
    let planned = PlannedChunk {
        address,
        size: bytes.len() as u32,
        source: ChunkSource::Memory(Arc::new(bytes)),
    };
    (Reference { address, key }, planned)
}

fn piece_len(file_size: u64, index: u64) -> usize {
    let start = index * MAX_PLAINTEXT_BYTES as u64;
    (file_size - start).min(MAX_PLAINTEXT_BYTES as u64) as usize
}

fn encrypt_pieces(
    file: &File,
    file_size: u64,
    pieces: usize,
    threads: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> std::io::Result<Vec<ChunkRef>> {
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let results: Mutex<Vec<Option<ChunkRef>>> = Mutex::new(vec![None; pieces]);
    let first_error: Mutex<Option<std::io::Error>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..threads.min(pieces.max(1)) {
            scope.spawn(|| {
                let mut buffer = Vec::with_capacity(MAX_CHUNK_BYTES);
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= pieces || failed.load(Ordering::Relaxed) {
                        return;
                    }
                    match encrypt_piece(file, file_size, index as u64, &mut buffer) {
                        Ok(chunk) => {
                            progress(chunk.len as u64);
                            results.lock().expect("results lock")[index] = Some(chunk);
                        }
                        Err(error) => {
                            failed.store(true, Ordering::Relaxed);
                            first_error.lock().expect("error lock").get_or_insert(error);
                            return;
                        }
                    }
                }
            });
        }
    });
    if let Some(error) = first_error.into_inner().expect("error lock") {
        return Err(error);
    }
    let results = results.into_inner().expect("results lock");
    Ok(results
        .into_iter()
        .map(|r| r.expect("every piece encrypted"))
        .collect())
}

fn encrypt_piece(
    file: &File,
    file_size: u64,
    index: u64,
    buffer: &mut Vec<u8>,
) -> std::io::Result<ChunkRef> {
    let len = piece_len(file_size, index);
    buffer.clear();
    buffer.resize(len, 0);
    file.read_exact_at(buffer, index * MAX_PLAINTEXT_BYTES as u64)?;
    let (key, address) = encrypt_in_place(buffer);
    Ok(ChunkRef {
        address,
        key,
        len: len as u32,
    })
}

/// The offset in the file where piece `index` of a level-0 data map starts.
pub fn piece_offset(index: usize) -> u64 {
    index as u64 * MAX_PLAINTEXT_BYTES as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::chunking::{ChunkKey, decrypt};
    use crate::client::sources::{Sources, read_planned};
    use proptest::prelude::*;
    use std::io::Write;

    fn plan_bytes(data: &[u8], threads: usize) -> (tempfile::NamedTempFile, UploadPlan) {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(data).unwrap();
        let plan = plan_file(file.path(), threads, &|_| {}).unwrap();
        (file, plan)
    }

    /// Reassembles a plan's file the way `download` does, from the chunks it would store.
    fn reassemble(file: &tempfile::NamedTempFile, plan: &UploadPlan) -> Vec<u8> {
        let sources = Sources::one(file.path()).unwrap();
        let store: std::collections::HashMap<ChunkAddress, Vec<u8>> = plan
            .chunks
            .iter()
            .map(|c| (c.address, read_planned(&sources, c).unwrap()))
            .collect();
        let root = &store[&plan.reference.address];
        let mut map = DataMap::from_bytes(
            &decrypt(plan.reference.address, &plan.reference.key, root).unwrap(),
            plan.reference.address,
        )
        .unwrap();
        loop {
            let mut out = Vec::new();
            for chunk in &map.chunks {
                out.extend(decrypt(chunk.address, &chunk.key, &store[&chunk.address]).unwrap());
            }
            if map.level == 0 {
                return out;
            }
            map = DataMap::from_bytes(&out, plan.reference.address).unwrap();
        }
    }

    #[test]
    fn empty_and_tiny_files_round_trip() {
        for data in [&b""[..], b"a", b"ab"] {
            let (file, plan) = plan_bytes(data, 1);
            assert_eq!(plan.chunks.len(), data.len().min(1) + 1);
            assert_eq!(reassemble(&file, &plan), data);
        }
    }

    #[test]
    fn pieces_are_at_most_four_mib_encrypted() {
        let mut data = vec![7u8; MAX_PLAINTEXT_BYTES * 2 + 5];
        data[0] = 8;
        let (file, plan) = plan_bytes(&data, 2);
        assert_eq!(plan.chunks.len(), 4);
        assert!(
            plan.chunks
                .iter()
                .all(|c| c.size as usize <= MAX_CHUNK_BYTES)
        );
        assert_eq!(plan.chunks[0].size as usize, MAX_CHUNK_BYTES);
        assert_eq!(reassemble(&file, &plan), data);
    }

    #[test]
    fn repeated_content_is_planned_once_and_still_round_trips() {
        // Three equal pieces and a short tail: two distinct file chunks and the data map.
        let mut data = vec![0u8; MAX_PLAINTEXT_BYTES * 3 + 10];
        data[MAX_PLAINTEXT_BYTES * 3..].fill(1);
        let (file, plan) = plan_bytes(&data, 2);
        assert_eq!(plan.pieces, 5);
        assert_eq!(plan.chunks.len(), 3);
        let distinct: std::collections::HashSet<_> =
            plan.chunks.iter().map(|c| c.address).collect();
        assert_eq!(distinct.len(), plan.chunks.len());
        assert_eq!(plan.chunks.last().unwrap().address, plan.reference.address);
        assert_eq!(reassemble(&file, &plan), data);
    }

    #[test]
    fn changed_file_is_detected_when_chunks_are_re_derived() {
        let (file, plan) = plan_bytes(b"original content", 1);
        std::fs::write(file.path(), b"changed! content").unwrap();
        let sources = Sources::one(file.path()).unwrap();
        assert!(matches!(
            read_planned(&sources, &plan.chunks[0]),
            Err(ChunkError::FileChanged { index: 0, .. })
        ));
    }

    #[test]
    fn reference_round_trips_and_rejects_garbage() {
        let (_, plan) = plan_bytes(b"xyz", 1);
        let text = plan.reference.to_string();
        assert!(text.starts_with("ferry:") && text.len() == 6 + 128);
        assert!(text.parse::<Reference>().unwrap() == plan.reference);
        assert!("ferry:abc".parse::<Reference>().is_err());
        assert!(
            text.replace("ferry:", "fury:")
                .parse::<Reference>()
                .is_err()
        );
    }

    #[test]
    fn large_data_maps_nest_until_the_root_fits_one_chunk() {
        let refs: Vec<ChunkRef> = (0..200u32)
            .map(|i| ChunkRef {
                address: ChunkAddress::of(&i.to_le_bytes()),
                key: ChunkKey([i as u8; 32]),
                len: 9,
            })
            .collect();
        let map = DataMap::new(0, 1800, refs);
        let mut chunks = Vec::new();
        // A small piece limit (a few refs per piece) forces several levels of nesting.
        let reference = seal_data_map(map.clone(), &mut chunks, 300);
        let store: std::collections::HashMap<ChunkAddress, Vec<u8>> = chunks
            .iter()
            .map(|c| match &c.source {
                ChunkSource::Memory(bytes) => (c.address, bytes.as_ref().clone()),
                ChunkSource::File { .. } | ChunkSource::Pack { .. } => {
                    unreachable!("data map chunks live in memory")
                }
            })
            .collect();
        let root = decrypt(
            reference.address,
            &reference.key,
            &store[&reference.address],
        )
        .unwrap();
        let mut current = DataMap::from_bytes(&root, reference.address).unwrap();
        assert!(
            current.level >= 2,
            "expected nesting, got level {}",
            current.level
        );
        while current.level > 0 {
            let mut bytes = Vec::new();
            for chunk in &current.chunks {
                bytes.extend(decrypt(chunk.address, &chunk.key, &store[&chunk.address]).unwrap());
            }
            current = DataMap::from_bytes(&bytes, reference.address).unwrap();
        }
        assert_eq!(current, map);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn round_trip_is_exact_and_deterministic(data in proptest::collection::vec(any::<u8>(), 0..20_000), threads in 1usize..4) {
            let (file, plan) = plan_bytes(&data, threads);
            let (_, again) = plan_bytes(&data, 1);
            prop_assert_eq!(plan.reference, again.reference);
            let addresses: Vec<_> = plan.chunks.iter().map(|c| c.address).collect();
            let again: Vec<_> = again.chunks.iter().map(|c| c.address).collect();
            prop_assert_eq!(addresses, again);
            prop_assert_eq!(reassemble(&file, &plan), data);
        }
    }
}
