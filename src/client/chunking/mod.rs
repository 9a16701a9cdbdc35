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
//!
//! Three parts: `crypto` (a chunk's key, sealing and opening), `data_map` (the data map and
//! the [`Reference`] that names its root) and `plan` (a file, a stream's pieces or a manifest
//! in memory turned into the chunks an upload stores).

mod crypto;
mod data_map;
mod plan;

pub use crypto::{
    ChunkKey, decrypt, encrypt_in_place, encrypt_tail_in_place, encrypt_tail_with_key,
    verify_address,
};
pub use data_map::{ChunkRef, DataMap, MAX_DATA_MAP_BYTES, MAX_DATA_MAP_LEVEL, Reference};
pub use plan::{
    ChunkSource, PlannedChunk, UploadPlan, encrypt_file, piece_chunks, piece_offset, plan_file,
    plan_memory, plan_source, seal_pieces, seal_source,
};

use crate::wire::types::ChunkAddress;

pub use crate::wire::types::MAX_CHUNK_BYTES;
/// The AEAD tag appended to every chunk.
pub const TAG_BYTES: usize = 16;
/// The largest plaintext piece of a file that fits one chunk.
pub const MAX_PLAINTEXT_BYTES: usize = MAX_CHUNK_BYTES - TAG_BYTES;

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
