//! The changes an upload makes to its receipt, one record each in the receipt's log.
//!
//! A [`Change`] is applied to the receipt in memory and appended to its log; replaying the log
//! applies the same changes in the same order, so a loaded receipt is the one the upload had
//! in memory when its last record was written. Invariant: [`Change::apply`] depends only on the
//! receipt and the change (never on a clock or the chain), so a replay is deterministic.

use alloy::primitives::B256;
use serde::{Deserialize, Serialize};

use super::{PaymentIntent, Receipt, WaveRecord};
use crate::wire::signed::{PaymentProof, StorageReceipt};
use crate::wire::types::ChunkAddress;

/// One change to a receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Change {
    /// The input was planned: its size and its chunk count.
    Planned {
        /// The file's (or folder's) size in bytes.
        file_size: u64,
        /// Chunks in the plan, data maps included.
        chunks_total: u64,
    },
    /// Proofs and intents expired at `now` were dropped ([`Receipt::prune`]).
    Pruned {
        /// The client's clock then (Unix seconds).
        now: u64,
    },
    /// A wave about to be paid is journalled (before its transaction is sent).
    Intent(PaymentIntent),
    /// The transaction of the intent with this nonce was sent.
    Sent {
        /// The payer's nonce.
        nonce: u64,
        /// The transaction's hash.
        tx_hash: B256,
    },
    /// A wave was confirmed: its proofs replace its intent.
    Wave {
        /// Its transaction.
        tx_hash: B256,
        /// What it paid.
        wave: WaveRecord,
        /// Its chunks' proofs.
        proofs: Vec<(ChunkAddress, PaymentProof)>,
    },
    /// Proofs of chunks found paid (a wave the vault already records).
    Proofs(Vec<(ChunkAddress, PaymentProof)>),
    /// Chunks stored, with the storing nodes' receipts (none when the network held them).
    Stored(Vec<(ChunkAddress, Vec<StorageReceipt>)>),
    /// A journalled intent was settled with the chain: it goes, and what the chain shows it
    /// paid is kept.
    Settled {
        /// The intent settled.
        intent: PaymentIntent,
        /// The wave that paid it, when found.
        waves: Vec<(B256, WaveRecord)>,
        /// Its proofs the vault records as paid.
        proofs: Vec<PaymentProof>,
    },
    /// Proofs the vault does not record as paid are dropped, and waves whose transactions the
    /// chain does not know (with every stored record) go.
    Unpaid {
        /// The proofs dropped (each only while it is still the chunk's proof).
        proofs: Vec<PaymentProof>,
        /// Transactions unknown to the chain.
        gone: Vec<B256>,
    },
}

impl Change {
    /// Applies the change to `receipt`.
    pub fn apply(&self, receipt: &mut Receipt) {
        match self {
            Change::Planned {
                file_size,
                chunks_total,
            } => {
                receipt.file_size = *file_size;
                receipt.chunks_total = *chunks_total;
            }
            Change::Pruned { now } => {
                receipt.prune(*now);
            }
            Change::Intent(intent) => receipt.intents.push(intent.clone()),
            Change::Sent { nonce, tx_hash } => {
                for intent in &mut receipt.intents {
                    if intent.nonce == Some(*nonce) {
                        intent.tx_hash = Some(*tx_hash);
                    }
                }
            }
            Change::Wave {
                tx_hash,
                wave,
                proofs,
            } => {
                receipt.waves.insert(*tx_hash, wave.clone());
                for (chunk, proof) in proofs {
                    receipt.proofs.insert(*chunk, proof.clone());
                }
                receipt.normalise();
            }
            Change::Proofs(proofs) => {
                for (chunk, proof) in proofs {
                    receipt.proofs.insert(*chunk, proof.clone());
                }
            }
            Change::Stored(stored) => {
                for (chunk, receipts) in stored {
                    receipt.proofs.remove(chunk);
                    receipt.stored.insert(*chunk, receipts.clone());
                }
                receipt.normalise();
            }
            Change::Settled {
                intent,
                waves,
                proofs,
            } => {
                receipt.intents.retain(|i| i != intent);
                receipt.waves.extend(waves.iter().cloned());
                for proof in proofs {
                    if let Some(chunk) = proof.chunk() {
                        receipt.proofs.insert(chunk, proof.clone());
                    }
                }
                receipt.normalise();
            }
            Change::Unpaid { proofs, gone } => {
                for proof in proofs {
                    if let Some(chunk) = proof.chunk()
                        && receipt.proofs.get(&chunk) == Some(proof)
                    {
                        receipt.proofs.remove(&chunk);
                    }
                }
                if !gone.is_empty() {
                    receipt.waves.retain(|tx, _| !gone.contains(tx));
                    receipt.stored.clear();
                }
            }
        }
    }
}
