//! Chunking and convergent encryption: turns a file into addressed, encrypted chunks and back.
//!
//! A file is cut into plaintext pieces of [`MAX_PLAINTEXT_BYTES`], so that each encrypted chunk
//! (plaintext plus a 16-byte tag) is at most [`MAX_CHUNK_BYTES`] = 4 MiB. Each piece is encrypted
//! with a key derived from its own content (BLAKE3 `derive_key` over the plaintext), and its
//! address is BLAKE3 of the ciphertext. The same file therefore always gives the same chunks and
//! addresses: that is what lets a resumed upload recognise what it already paid for.
//!
//! Cipher choice, by measurement on the 2-core machine ferry is built on (`cargo bench --bench
//! chunking`): ring's AES-256-GCM seals at ~6 GiB/s per core (AES-NI + CLMUL), BLAKE3 hashes at
//! ~3.7 GiB/s, RustCrypto ChaCha20-Poly1305 manages ~1.4 GB/s and the `self_encryption` crate
//! ~80 MB/s. A piece costs two BLAKE3 passes (key, address) and one seal: ~1.4 GiB/s per core,
//! and planning a file runs at ~1.27 GiB/s on one thread and ~2.47 GiB/s on two, above the
//! 2 GB/s goal. The fixed all-zero nonce is sound because a key is only ever used for the one
//! plaintext it was derived from (a different plaintext gives a different key).
//!
//! Invariants:
//! - the file is never held whole in memory: planning reads one piece per worker thread at a
//!   time, and [`crate::client::sources::read_planned`] re-derives any one chunk from the file
//!   on demand;
//! - decryption checks the address (BLAKE3 of the bytes) and the AEAD tag, so a tampered or
//!   substituted chunk fails loudly instead of yielding wrong bytes;
//! - the data map (the list of chunk addresses and keys) is itself encrypted the same way and
//!   stored as a chunk; a data map too large for one chunk is chunked again, level by level,
//!   until the root fits in one chunk. The [`Reference`] names that root chunk and its key.

use std::fmt;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use serde::{Deserialize, Serialize};

use crate::wire::types::ChunkAddress;

pub use crate::wire::types::MAX_CHUNK_BYTES;
/// The AEAD tag appended to every chunk.
pub const TAG_BYTES: usize = 16;
/// The largest plaintext piece of a file that fits one chunk.
pub const MAX_PLAINTEXT_BYTES: usize = MAX_CHUNK_BYTES - TAG_BYTES;

/// The deepest data map level a reference may lead to: one 4 MiB level-1 map already lists
/// about 240 GiB of level-0 map, so no real file needs more than a few levels.
pub const MAX_DATA_MAP_LEVEL: u8 = 3;
/// The largest map above level 0 a download holds in memory (a level-0 map of ~14 TiB).
pub const MAX_DATA_MAP_BYTES: u64 = 256 * 1024 * 1024;

const KEY_CONTEXT: &str = "ferry 2026-11 convergent chunk key v1";
const DATA_MAP_VERSION: u8 = 1;
const REFERENCE_PREFIX: &str = "ferry:";

/// Why chunking, encryption or decryption failed.
#[derive(Debug, thiserror::Error)]
pub enum ChunkError {
    /// The file could not be opened or read.
    #[error("cannot read {path}")]
    Read {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The file changed after it was planned, so a re-derived chunk has another address.
    #[error(
        "{path} changed while it was being uploaded (chunk {index} no longer matches); rerun the upload"
    )]
    FileChanged {
        /// The file.
        path: String,
        /// The chunk's index in the file.
        index: u64,
    },
    /// Bytes whose BLAKE3 hash is not the address they were fetched under.
    #[error("chunk {expected} has the wrong address (its bytes hash to {actual})")]
    AddressMismatch {
        /// The address asked for.
        expected: ChunkAddress,
        /// BLAKE3 of the bytes received.
        actual: ChunkAddress,
    },
    /// The AEAD tag did not verify: the chunk was tampered with or the key is wrong.
    #[error("chunk {0} failed authentication: it was tampered with or the reference is wrong")]
    Tampered(ChunkAddress),
    /// A data map that does not decode.
    #[error("the data map in chunk {0} is malformed")]
    BadDataMap(ChunkAddress),
    /// A data map that decodes but cannot describe a file ferry wrote (a crafted reference).
    #[error("the data map in chunk {chunk} is not one ferry wrote: {problem}")]
    ImplausibleDataMap {
        /// The chunk the map came out of.
        chunk: ChunkAddress,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// A reference string that does not parse.
    #[error("{0:?} is not a ferry reference (expected `ferry:` followed by 128 hex characters)")]
    BadReference(String),
}

/// The symmetric key of one chunk (derived from its plaintext). Never printed.
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkKey(pub [u8; 32]);

impl fmt::Debug for ChunkKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ChunkKey(..)")
    }
}

/// One chunk as the data map lists it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkRef {
    /// BLAKE3 of the encrypted bytes.
    pub address: ChunkAddress,
    /// The key that opens it.
    pub key: ChunkKey,
    /// Plaintext length in bytes.
    pub len: u32,
}

/// The recipe that reassembles a file (level 0) or a larger data map (levels above 0).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataMap {
    version: u8,
    /// 0: the chunks are the file's pieces; n > 0: they are the serialised level n-1 map.
    pub level: u8,
    /// Total plaintext bytes the chunks hold.
    pub size: u64,
    /// The chunks, in order.
    pub chunks: Vec<ChunkRef>,
}

impl DataMap {
    /// A map of `level` whose `chunks` hold `size` bytes.
    pub fn new(level: u8, size: u64, chunks: Vec<ChunkRef>) -> Self {
        Self {
            version: DATA_MAP_VERSION,
            level,
            size,
            chunks,
        }
    }

    /// The serialised form (bincode 2).
    pub fn to_bytes(&self) -> Vec<u8> {
        bincode::serde::encode_to_vec(self, bincode::config::standard())
            .expect("a data map always serialises")
    }

    /// Checks that the map can describe what ferry writes, before anything proportional to
    /// its claims is allocated: its level at most [`MAX_DATA_MAP_LEVEL`], each chunk 1 to
    /// [`MAX_PLAINTEXT_BYTES`] long and all but the last full, their lengths summing to its
    /// size, and a map above level 0 (held in memory whole) at most [`MAX_DATA_MAP_BYTES`].
    pub fn validate(&self, chunk: ChunkAddress) -> Result<(), ChunkError> {
        let implausible = |problem| Err(ChunkError::ImplausibleDataMap { chunk, problem });
        if self.level > MAX_DATA_MAP_LEVEL {
            return implausible("it is nested deeper than any file needs");
        }
        if self.level > 0 && self.size > MAX_DATA_MAP_BYTES {
            return implausible("it claims a lower-level map larger than any file needs");
        }
        let mut sum = 0u64;
        for (index, piece) in self.chunks.iter().enumerate() {
            let len = piece.len as usize;
            if len == 0 || len > MAX_PLAINTEXT_BYTES {
                return implausible("a chunk length is zero or larger than a chunk holds");
            }
            if index + 1 < self.chunks.len() && len != MAX_PLAINTEXT_BYTES {
                return implausible("a chunk other than the last is not full");
            }
            sum += len as u64;
        }
        if sum != self.size {
            return implausible("its chunk lengths do not add up to its size");
        }
        Ok(())
    }

    /// Decodes a serialised map that came out of `chunk`.
    pub fn from_bytes(bytes: &[u8], chunk: ChunkAddress) -> Result<Self, ChunkError> {
        let (map, used): (DataMap, usize) =
            bincode::serde::decode_from_slice(bytes, bincode::config::standard())
                .map_err(|_| ChunkError::BadDataMap(chunk))?;
        if used != bytes.len() || map.version != DATA_MAP_VERSION {
            return Err(ChunkError::BadDataMap(chunk));
        }
        Ok(map)
    }
}

/// What `download` needs to read a file back: the root data map's address and key.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Reference {
    /// The address of the root data map chunk.
    pub address: ChunkAddress,
    /// The key that opens it.
    pub key: ChunkKey,
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{REFERENCE_PREFIX}{}{}",
            self.address.to_hex(),
            hex::encode(self.key.0)
        )
    }
}

impl fmt::Debug for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Reference({:?})", self.address)
    }
}

impl FromStr for Reference {
    type Err = ChunkError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || ChunkError::BadReference(text.chars().take(140).collect());
        let hex_part = text.trim().strip_prefix(REFERENCE_PREFIX).ok_or_else(bad)?;
        let mut bytes = [0u8; 64];
        hex::decode_to_slice(hex_part, &mut bytes).map_err(|_| bad())?;
        let mut address = [0u8; 32];
        let mut key = [0u8; 32];
        address.copy_from_slice(&bytes[..32]);
        key.copy_from_slice(&bytes[32..]);
        Ok(Reference {
            address: ChunkAddress(address),
            key: ChunkKey(key),
        })
    }
}

/// Encrypts `buffer` (plaintext) in place, appending the tag; returns the key and address.
pub fn encrypt_in_place(buffer: &mut Vec<u8>) -> (ChunkKey, ChunkAddress) {
    encrypt_tail_in_place(buffer, 0)
}

/// Encrypts `buffer[start..]` (plaintext) in place and appends the tag, leaving
/// `buffer[..start]` (a header) untouched; returns the key and address of the encrypted tail.
pub fn encrypt_tail_in_place(buffer: &mut Vec<u8>, start: usize) -> (ChunkKey, ChunkAddress) {
    let plaintext = &mut buffer[start..];
    let key = ChunkKey(
        *blake3::Hasher::new_derive_key(KEY_CONTEXT)
            .update(plaintext)
            .finalize()
            .as_bytes(),
    );
    let tag = aead_key(&key)
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key([0u8; 12]),
            Aad::empty(),
            plaintext,
        )
        .expect("AES-GCM sealing cannot fail below its 64 GiB limit");
    buffer.extend_from_slice(tag.as_ref());
    (key, ChunkAddress::of(&buffer[start..]))
}

/// Checks that `bytes` are the chunk at `address` and decrypts them with `key`.
pub fn decrypt(address: ChunkAddress, key: &ChunkKey, bytes: &[u8]) -> Result<Vec<u8>, ChunkError> {
    verify_address(address, bytes)?;
    let mut buffer = bytes.to_vec();
    let plain_len = aead_key(key)
        .open_in_place(
            Nonce::assume_unique_for_key([0u8; 12]),
            Aad::empty(),
            &mut buffer,
        )
        .map_err(|_| ChunkError::Tampered(address))?
        .len();
    buffer.truncate(plain_len);
    Ok(buffer)
}

/// Fails unless BLAKE3 of `bytes` is `address`.
pub fn verify_address(address: ChunkAddress, bytes: &[u8]) -> Result<(), ChunkError> {
    let actual = ChunkAddress::of(bytes);
    if actual == address {
        Ok(())
    } else {
        Err(ChunkError::AddressMismatch {
            expected: address,
            actual,
        })
    }
}

fn aead_key(key: &ChunkKey) -> LessSafeKey {
    LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &key.0).expect("32-byte key"))
}

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
    },
    /// A data map chunk, small and kept in memory (ciphertext).
    Memory(Arc<Vec<u8>>),
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
    chunks.extend(refs.iter().enumerate().map(|(index, chunk)| PlannedChunk {
        address: chunk.address,
        size: chunk.len + TAG_BYTES as u32,
        source: ChunkSource::File {
            source,
            index: index as u64,
            len: chunk.len,
        },
    }));
    seal_data_map(
        DataMap::new(0, file_size, refs),
        chunks,
        MAX_PLAINTEXT_BYTES,
    )
}

/// Chunks and encrypts `bytes` held in memory (a folder's manifest) the way a file is,
/// appending the chunks to `chunks`; returns the reference that reads them back.
pub fn plan_memory(bytes: &[u8], chunks: &mut Vec<PlannedChunk>) -> Reference {
    let refs = bytes
        .chunks(MAX_PLAINTEXT_BYTES)
        .map(|piece| {
            let (reference, planned) = memory_chunk(piece.to_vec());
            chunks.push(planned);
            ChunkRef {
                address: reference.address,
                key: reference.key,
                len: piece.len() as u32,
            }
        })
        .collect();
    seal_data_map(
        DataMap::new(0, bytes.len() as u64, refs),
        chunks,
        MAX_PLAINTEXT_BYTES,
    )
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
        let mut refs = Vec::new();
        for piece in bytes.chunks(piece_limit) {
            let (reference, planned) = memory_chunk(piece.to_vec());
            refs.push(ChunkRef {
                address: reference.address,
                key: reference.key,
                len: piece.len() as u32,
            });
            chunks.push(planned);
        }
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
    fn tampered_chunk_fails_loudly() {
        let mut buffer = b"secret".to_vec();
        let (key, address) = encrypt_in_place(&mut buffer);
        buffer[0] ^= 1;
        assert!(matches!(
            decrypt(address, &key, &buffer),
            Err(ChunkError::AddressMismatch { .. })
        ));
        let forged = ChunkAddress::of(&buffer);
        assert!(matches!(
            decrypt(forged, &key, &buffer),
            Err(ChunkError::Tampered(_))
        ));
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
    fn data_maps_that_ferry_cannot_have_written_are_rejected() {
        let piece = |len| ChunkRef {
            address: ChunkAddress::of(b"p"),
            key: ChunkKey([1; 32]),
            len,
        };
        let full = MAX_PLAINTEXT_BYTES as u32;
        let at = ChunkAddress::of(b"map");
        let valid = DataMap::new(0, full as u64 + 5, vec![piece(full), piece(5)]);
        assert!(valid.validate(at).is_ok());
        assert!(DataMap::new(0, 0, vec![]).validate(at).is_ok());
        let implausible = [
            DataMap::new(0, u64::MAX, vec![piece(full)]),
            DataMap::new(0, 10, vec![piece(5), piece(5)]),
            DataMap::new(0, 0, vec![piece(0)]),
            DataMap::new(9, 5, vec![piece(5)]),
            DataMap::new(1, MAX_DATA_MAP_BYTES + 1, vec![piece(5)]),
        ];
        for map in implausible {
            assert!(
                matches!(map.validate(at), Err(ChunkError::ImplausibleDataMap { .. })),
                "{map:?}"
            );
        }
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
                ChunkSource::File { .. } => unreachable!("data map chunks live in memory"),
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
