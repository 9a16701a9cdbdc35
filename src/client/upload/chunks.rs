//! The chunks that flow through the pipeline, one named type per stage: a chunk the network
//! already holds, a chunk quoted and ready to pay, a chunk paid (its proof complete), and a
//! chunk that failed, with its cause as a value.
//!
//! Each type carries its planned chunk with what belongs to it, so no stage pairs up parallel
//! vectors or relies on an ordering promise.

use alloy::primitives::B256;

use crate::client::chunking::{ChunkError, PlannedChunk};
use crate::client::quoting::QuoteFailure;
use crate::client::replication::ReplicationFailure;
use crate::wire::signed::{PaymentProof, StorageReceipt};
use crate::wire::types::ChunkAddress;
use crate::wire::wave::{WaveLeaf, WaveMembership};

/// A chunk a majority of its close group already holds.
pub(super) struct HeldChunk {
    /// The chunk.
    pub chunk: PlannedChunk,
    /// One verified storage receipt per holding node.
    pub receipts: Vec<StorageReceipt>,
}

/// A quoted chunk ready to pay: its payment and its proof, whose wave and transaction are not
/// yet known.
pub(super) struct PayableChunk {
    /// The chunk.
    pub chunk: PlannedChunk,
    /// What to pay for it, to whom: its leaf in the wave.
    pub payment: WaveLeaf,
    /// The proof it will carry (`wave` and `tx_hash` still unset).
    pub proof: PaymentProof,
}

impl PayableChunk {
    /// Places the chunk in its wave: its proof now carries its leaf and path.
    pub fn place(&mut self, membership: WaveMembership) {
        self.proof.wave = membership;
    }

    /// The chunk once paid in `tx_hash`.
    pub fn paid_in(self, tx_hash: B256) -> PaidChunk {
        let mut proof = self.proof;
        proof.tx_hash = tx_hash;
        PaidChunk {
            chunk: self.chunk,
            proof,
        }
    }

    /// The chunk whose wave the vault already records as paid: its proof is valid as it is.
    pub fn paid_earlier(self) -> PaidChunk {
        PaidChunk {
            chunk: self.chunk,
            proof: self.proof,
        }
    }
}

/// A paid chunk with its complete proof, ready to send.
#[derive(Clone)]
pub(super) struct PaidChunk {
    /// The chunk.
    pub chunk: PlannedChunk,
    /// The proof of its payment.
    pub proof: PaymentProof,
}

/// A chunk that could not be quoted or stored; the rest of the upload went on without it.
#[derive(Debug)]
pub struct ChunkFailure {
    /// The chunk.
    pub chunk: ChunkAddress,
    /// Why it failed.
    pub cause: FailureCause,
}

/// Why one chunk failed.
#[derive(Debug, thiserror::Error)]
pub enum FailureCause {
    /// Too few of its close group gave a valid quote.
    #[error(transparent)]
    Quote(#[from] QuoteFailure),
    /// Too few nodes took it.
    #[error(transparent)]
    Replication(#[from] ReplicationFailure),
    /// Its bytes could not be re-derived from the file.
    #[error(transparent)]
    Rederive(#[from] ChunkError),
}

impl ChunkFailure {
    /// `chunk` failed because of `cause`.
    pub fn new(chunk: ChunkAddress, cause: impl Into<FailureCause>) -> Self {
        Self {
            chunk,
            cause: cause.into(),
        }
    }
}

// The cause's own text names the chunk, so a failure reads as its cause (shown once).
impl std::fmt::Display for ChunkFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.cause.fmt(f)
    }
}

impl std::error::Error for ChunkFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.cause)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chunk_failure_reads_as_its_cause_once_and_keeps_the_cause_chain() {
        let chunk = ChunkAddress::default();
        let quote = QuoteFailure {
            chunk,
            valid: 2,
            group: 7,
            last: "refused".into(),
        };
        let text = quote.to_string();
        let failure = ChunkFailure::new(chunk, quote);
        assert!(matches!(failure.cause, FailureCause::Quote(_)));
        assert_eq!(failure.to_string(), text);
        let read = ChunkError::Read {
            path: "f".into(),
            source: std::io::Error::other("disk gone"),
        };
        let failure = ChunkFailure::new(chunk, read);
        assert_eq!(failure.to_string(), "cannot read f");
        let source = std::error::Error::source(&failure).expect("the io cause is kept");
        assert_eq!(source.to_string(), "disk gone");
    }
}
