//! The cached receipt of one file's upload: what was paid, what was stored, and what was about
//! to be paid. This module owns the receipt's contents and its rules; [`cache`] owns the files.
//!
//! Invariants kept here:
//! - **what a receipt holds**: the payment waves (keyed by transaction, with their costs), the
//!   proofs of chunks paid but not yet stored, the chunks stored (with the nodes' storage
//!   receipts), and the journal of payment *intents*: a wave's proofs (its root) written before its
//!   transaction is sent, so a crash between sending and recording is reconciled from the chain
//!   instead of paid again;
//! - **merging never loses anything**: two receipts of the same file merge into the union of
//!   their waves, intents, proofs and stored chunks; costs are summed as 256-bit integers over
//!   the union of waves, so the same wave is never counted twice;
//! - **the pruning rule** is [`Freshness::CLIENT`] on the paid quote's time by the client's
//!   clock: a proof older than 24 h minus 5 minutes, or more than 300 s in the future, is
//!   dropped locally and its chunk paid again. Only the client's clock decides; nothing a node
//!   says removes a proof;
//! - **time to live**: a receipt is worth keeping until a day after its newest payment or
//!   intent (no proof in it can be used after that); [`Receipt::expires_at`];
//! - **encoding**: `FERRYRCT`, the schema version (u32, big-endian), then (schema 4) an
//!   append-only log of checksummed records, a snapshot and then [`Change`]s (see [`log`]), so
//!   recording costs what is recorded; a torn last record is a crash and ignored, damage
//!   anywhere else makes the file corrupt. A schema above [`SCHEMA_VERSION`] is from a newer
//!   ferry and must be left alone; older schemas (one body under one hash) are read (see
//!   `legacy`) and written back in the current one;
//! - **the nonce rule**: an intent records the payer's nonce its transaction is sent with (and
//!   the transaction's hash once known), so a resume can tell a payment that may still be
//!   pending (nonce unused on chain) from one that is settled (the vault's records decide).

pub mod cache;
mod change;
mod legacy;
pub mod log;

pub use change::Change;

use std::collections::BTreeMap;

use alloy::primitives::B256;
use serde::{Deserialize, Serialize};

use crate::wire::signed::{Freshness, PaymentProof, StorageReceipt};
use crate::wire::types::{Amount, ChunkAddress};

/// The receipt format this ferry writes and the newest it reads.
pub const SCHEMA_VERSION: u32 = 4;

const MAGIC: &[u8; 8] = b"FERRYRCT";
/// Schemas 1 to 3: magic, schema, the body's hash.
pub(crate) const LEGACY_HEADER_LEN: usize = MAGIC.len() + 4 + 32;

/// A receipt file read back.
#[derive(Debug)]
pub struct Decoded {
    /// The receipt.
    pub receipt: Receipt,
    /// For a log (schema 4), the bytes up to the end of its last valid record (less than the
    /// file when its last record is torn); `None` for an older schema, to be written anew.
    pub valid_len: Option<u64>,
    /// For a log, the length of its snapshot (header included).
    pub snapshot_len: u64,
}

/// A confirmed payment transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaveRecord {
    /// When it was recorded (client clock, Unix seconds).
    pub paid_at: u64,
    /// Chunks it paid for.
    pub chunks: u32,
    /// Paid to nodes, wei.
    pub storage_cost: Amount,
    /// Gas, wei.
    pub gas_cost: Amount,
}

/// A wave about to be paid: journalled before its transaction is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentIntent {
    /// When it was written (client clock, Unix seconds).
    pub written_at: u64,
    /// The chain's block number just before sending: where to look for the payment.
    pub from_block: u64,
    /// The payer's nonce the transaction is sent with (unknown in schema 1 receipts).
    pub nonce: Option<u64>,
    /// The transaction's hash, once it was sent.
    pub tx_hash: Option<B256>,
    /// The wave's proofs, each with its leaf and path (so the wave's root), without their
    /// transaction.
    pub proofs: Vec<PaymentProof>,
}

/// Everything ferry remembers about one file's upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// The file's canonical path.
    pub file: String,
    /// The file's size when last planned.
    pub file_size: u64,
    /// Chunks in the last plan, data map included.
    pub chunks_total: u64,
    /// When the receipt was first written (client clock, Unix seconds).
    pub created_at: u64,
    /// Confirmed payments, by transaction.
    pub waves: BTreeMap<B256, WaveRecord>,
    /// Payments sent (or about to be) and not yet recorded.
    pub intents: Vec<PaymentIntent>,
    /// Proofs of chunks paid and not yet stored.
    pub proofs: BTreeMap<ChunkAddress, PaymentProof>,
    /// Chunks stored, with the storing nodes' receipts (empty when the network already held
    /// the chunk).
    pub stored: BTreeMap<ChunkAddress, Vec<StorageReceipt>>,
}

/// Why bytes are not a receipt this ferry can use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Not a receipt, torn, or damaged.
    #[error("corrupt receipt: {0}")]
    Corrupt(String),
    /// Written by a newer ferry.
    #[error(
        "written by a newer ferry (receipt schema {found}; this ferry reads up to {SCHEMA_VERSION})"
    )]
    NewerSchema {
        /// The schema in the file.
        found: u32,
    },
}

impl Receipt {
    /// An empty receipt for `file`, created `now`.
    pub fn new(file: String, now: u64) -> Self {
        Self {
            file,
            file_size: 0,
            chunks_total: 0,
            created_at: now,
            waves: BTreeMap::new(),
            intents: Vec::new(),
            proofs: BTreeMap::new(),
            stored: BTreeMap::new(),
        }
    }

    /// Serialises the receipt as a whole file: a log holding its snapshot.
    pub fn encode(&self) -> Vec<u8> {
        log::encode_snapshot(self)
    }

    /// Reads a receipt file of this or an older schema; a torn last record is ignored.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        Self::decode_file(bytes).map(|decoded| decoded.receipt)
    }

    /// Reads a receipt file of this or an older schema, saying how much of it is valid.
    pub fn decode_file(bytes: &[u8]) -> Result<Decoded, DecodeError> {
        let corrupt = |why: &str| Err(DecodeError::Corrupt(why.to_owned()));
        if bytes.len() < log::LOG_HEADER_LEN || &bytes[..MAGIC.len()] != MAGIC {
            return corrupt("not a ferry receipt (bad header)");
        }
        let schema = u32::from_be_bytes(bytes[8..12].try_into().expect("4 bytes"));
        if schema > SCHEMA_VERSION {
            return Err(DecodeError::NewerSchema { found: schema });
        }
        if schema == 0 {
            return corrupt("schema 0 does not exist");
        }
        if schema == SCHEMA_VERSION {
            let replayed = log::replay(bytes)?;
            return Ok(Decoded {
                receipt: replayed.receipt,
                valid_len: Some(replayed.good_len),
                snapshot_len: replayed.snapshot_len,
            });
        }
        // Schemas 1 to 3: one whole body under one hash.
        if bytes.len() < LEGACY_HEADER_LEN {
            return corrupt("not a ferry receipt (bad header)");
        }
        let body = &bytes[LEGACY_HEADER_LEN..];
        if blake3::hash(body).as_bytes() != &bytes[12..LEGACY_HEADER_LEN] {
            return corrupt("checksum mismatch (torn or damaged)");
        }
        let receipt = match schema {
            1 => decode_body::<legacy::ReceiptSchema1>(body)?.into(),
            2 => decode_body::<legacy::ReceiptSchema2>(body)?.into(),
            _ => decode_body::<Receipt>(body)?,
        };
        Ok(Decoded {
            receipt,
            valid_len: None,
            snapshot_len: 0,
        })
    }

    /// Adds everything `other` knows. Waves are keyed by transaction, so costs are counted
    /// once however often a receipt is merged; an intent is one per nonce and proofs; a chunk with two proofs keeps the one whose
    /// paid quote is newer (it expires later).
    pub fn merge(&mut self, other: Receipt) {
        self.created_at = self.created_at.min(other.created_at);
        if other.chunks_total > 0 && self.chunks_total == 0 {
            self.chunks_total = other.chunks_total;
            self.file_size = other.file_size;
        }
        self.waves.extend(other.waves);
        for intent in other.intents {
            // The same intent before and after its hash was journalled (a temp file written
            // just before a crash) is one payment: it is kept once, with the hash.
            let same = self.intents.iter_mut().find(|mine| {
                mine.nonce.is_some() && mine.nonce == intent.nonce && mine.proofs == intent.proofs
            });
            match same {
                Some(mine) => mine.tx_hash = mine.tx_hash.or(intent.tx_hash),
                None => self.intents.push(intent),
            }
        }
        for (chunk, proof) in other.proofs {
            match self.proofs.get(&chunk) {
                Some(mine) if issued_at(mine) >= issued_at(&proof) => {}
                _ => {
                    self.proofs.insert(chunk, proof);
                }
            }
        }
        for (chunk, receipts) in other.stored {
            let mine = self.stored.entry(chunk).or_default();
            for receipt in receipts {
                if !mine.iter().any(|r| r.node == receipt.node) {
                    mine.push(receipt);
                }
            }
        }
        self.normalise();
    }

    /// Drops what is no longer needed: proofs of stored chunks, and intents whose every chunk
    /// is recorded paid or stored.
    pub fn normalise(&mut self) {
        let stored = &self.stored;
        self.proofs.retain(|chunk, _| !stored.contains_key(chunk));
        let covered = |proof: &PaymentProof| {
            proof.chunk().is_none_or(|chunk| {
                self.stored.contains_key(&chunk)
                    || self
                        .proofs
                        .get(&chunk)
                        .is_some_and(|p| p.quotes == proof.quotes)
            })
        };
        let intents = std::mem::take(&mut self.intents);
        self.intents = intents
            .into_iter()
            .filter(|intent| !intent.proofs.iter().all(&covered))
            .collect();
    }

    /// Drops the proofs (and journalled intents) the client must not reuse at `now` (Unix
    /// seconds), by [`Freshness::CLIENT`]. Returns the chunks whose proofs were dropped.
    pub fn prune(&mut self, now: u64) -> Vec<ChunkAddress> {
        let usable = |proof: &PaymentProof| {
            proof
                .paid_quote()
                .is_some_and(|q| Freshness::CLIENT.check(q.body.issued_at, now).is_ok())
        };
        let mut dropped = Vec::new();
        self.proofs.retain(|chunk, proof| {
            let keep = usable(proof);
            if !keep {
                dropped.push(*chunk);
            }
            keep
        });
        self.intents
            .retain(|intent| intent.proofs.first().is_some_and(&usable));
        dropped
    }

    /// The newest payment or intent, or the creation time when there is none (Unix seconds).
    pub fn last_payment_at(&self) -> u64 {
        let waves = self.waves.values().map(|w| w.paid_at);
        let intents = self.intents.iter().map(|i| i.written_at);
        waves.chain(intents).max().unwrap_or(self.created_at)
    }

    /// When the receipt stops being worth keeping: a node's maximum quote age after its newest
    /// payment or intent.
    pub fn expires_at(&self) -> u64 {
        self.last_payment_at() + Freshness::NODE.max_age.as_secs()
    }

    /// The time of the oldest paid quote among proofs not yet used, if any.
    pub fn oldest_proof_at(&self) -> Option<u64> {
        self.proofs.values().map(issued_at).min()
    }

    /// When the client starts dropping proofs: the oldest proof's time plus the client's
    /// maximum age.
    pub fn proofs_expire_at(&self) -> Option<u64> {
        self.oldest_proof_at()
            .map(|at| at + Freshness::CLIENT.max_age.as_secs())
    }

    /// True when the receipt holds proofs the client could still use at `now`: chunks paid and
    /// not stored, which deleting the receipt would mean paying for again.
    pub fn has_usable_proofs(&self, now: u64) -> bool {
        self.proofs
            .values()
            .chain(self.intents.iter().flat_map(|i| &i.proofs))
            .any(|proof| {
                proof
                    .paid_quote()
                    .is_some_and(|q| Freshness::CLIENT.check(q.body.issued_at, now).is_ok())
            })
    }

    /// Chunks paid for, over every recorded wave.
    pub fn paid_chunks(&self) -> u64 {
        self.waves.values().map(|w| u64::from(w.chunks)).sum()
    }

    /// Storage paid, wei, summed over every recorded wave.
    pub fn storage_cost(&self) -> Amount {
        Amount::sum(self.waves.values().map(|w| w.storage_cost))
    }

    /// Gas paid, wei, summed over every recorded wave.
    pub fn gas_cost(&self) -> Amount {
        Amount::sum(self.waves.values().map(|w| w.gas_cost))
    }
}

/// Decodes a whole receipt body of one schema's shape.
fn decode_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, DecodeError> {
    let (value, used) = bincode::serde::decode_from_slice(body, bincode::config::standard())
        .map_err(|e| DecodeError::Corrupt(format!("cannot decode: {e}")))?;
    if used != body.len() {
        return Err(DecodeError::Corrupt("trailing bytes".to_owned()));
    }
    Ok(value)
}

fn issued_at(proof: &PaymentProof) -> u64 {
    proof.paid_quote().map_or(0, |q| q.body.issued_at)
}

#[cfg(test)]
mod tests;
