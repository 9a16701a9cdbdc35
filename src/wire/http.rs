//! The HTTP bodies between clients and nodes, and the PUT framing.
//!
//! The routes themselves are listed once, in [`crate::wire::routes::Route`]; `docs/protocol.md`
//! describes each one's body and answers. Every 4xx and 5xx answer is an [`ErrorBody`].
//!
//! A challenge's answer counts only within [`audit_deadline`] of the bytes it covers.
//!
//! A PUT body is the proof's length (4 bytes, big-endian), the proof (bincode 2), then the chunk.
//!
//! A PUT without the [`FORWARDED_HEADER`] is a client's: the node checks it, stores the chunk
//! and forwards the same body to the chunk's next closest nodes it knows until [`REPLICAS`]
//! hold it (itself included), spending at most [`FORWARD_BUDGET`] on them, and answers with
//! its own storage receipt and theirs ([`PutResponse::peer_receipts`]). A PUT with the header
//! is only checked (exactly as any other: the header earns nothing), stored and answered.
//! Nodes keep the proof's bytes as they came, so a chunk's replica travels with them unchanged.

use serde::{Deserialize, Serialize};

use crate::wire::signed::{PaymentProof, SignedQuote, StorageReceipt};
use crate::wire::types::ChunkAddress;

pub use crate::wire::challenge::{
    BatchAnswer, ChallengeAnswer, ChallengeBatch, ChallengeRequest, PEER_GET_DELAY, audit_deadline,
};

pub use crate::wire::network::NodeInfo;
#[cfg(doc)]
use crate::wire::network::REPLICAS;

/// The largest proof a node accepts, in bytes.
pub const MAX_PROOF_BYTES: usize = 64 * 1024;
/// The largest `/peers` answer read from a node.
pub const MAX_PEERS_BYTES: usize = 1024 * 1024;
/// The header that marks a PUT as a copy to store only, never to forward: what nodes send
/// each other, and what a client sends when it stores a chunk on a node itself.
pub const FORWARDED_HEADER: &str = "x-ferry-forwarded";
/// The longest a node spends forwarding a client's PUT before it answers with the storage
/// receipts it has; a client gives a PUT this much more time than the transfer itself.
pub const FORWARD_BUDGET: std::time::Duration = std::time::Duration::from_secs(8);

/// Asks a node for a quote.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct QuoteRequest {
    /// The chunk's address.
    pub chunk: ChunkAddress,
    /// The chunk's encrypted size in bytes.
    pub size: u32,
    /// The address that will pay; the quote binds it.
    pub payer: alloy::primitives::Address,
}

/// A node's answer to a quote request.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum QuoteResponse {
    /// The node offers to store the chunk at this price.
    Quote {
        /// The signed quote.
        quote: SignedQuote,
    },
    /// The node says it already holds the chunk, with its signed storage receipt: a claim,
    /// which counts only once the node also answers a fresh challenge for the chunk.
    AlreadyHeld {
        /// The node's storage receipt for the chunk.
        receipt: StorageReceipt,
    },
}

/// What a node answers to a PUT it accepted.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PutResponse {
    /// Stored now, or held already.
    pub outcome: PutOutcome,
    /// The node's signed storage receipt.
    pub receipt: StorageReceipt,
    /// The storage receipts of the peers the node forwarded the chunk to (none for a
    /// forwarded PUT). Each is the peer's own signature: the client checks them as if the
    /// peers had answered it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub peer_receipts: Vec<StorageReceipt>,
}

/// Whether a PUT wrote the chunk or found it already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PutOutcome {
    /// Written durably by this request.
    Stored,
    /// The node already had it.
    AlreadyExists,
}

/// The JSON body of every 4xx and 5xx answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What was wrong with the request.
    pub error: String,
}

/// The PUT framing could not be decoded.
#[derive(Debug, thiserror::Error)]
#[error("malformed PUT body: {0}")]
pub struct FramingError(pub &'static str);

/// Frames a proof and a chunk into one PUT body.
pub fn encode_put(proof: &PaymentProof, chunk: &[u8]) -> Vec<u8> {
    let mut body = encode_put_header(proof, chunk.len());
    body.extend_from_slice(chunk);
    body
}

/// The start of a PUT body (proof length and proof), with room reserved for a chunk of
/// `chunk_len` bytes to be appended.
pub fn encode_put_header(proof: &PaymentProof, chunk_len: usize) -> Vec<u8> {
    encode_put_header_into(Vec::new(), proof, chunk_len)
}

/// [`encode_put_header`] written into `body` (emptied first), so a sender can reuse one
/// buffer's allocation for chunk after chunk.
pub fn encode_put_header_into(
    mut body: Vec<u8>,
    proof: &PaymentProof,
    chunk_len: usize,
) -> Vec<u8> {
    let proof = bincode::serde::encode_to_vec(proof, bincode::config::standard())
        .expect("a proof always serialises");
    body.clear();
    body.reserve(4 + proof.len() + chunk_len);
    body.extend_from_slice(&(proof.len() as u32).to_be_bytes());
    body.extend_from_slice(&proof);
    body
}

/// A PUT body from a proof's bytes as a node keeps them, followed by `chunk`.
pub fn encode_put_raw(proof: &[u8], chunk: &[u8]) -> Vec<u8> {
    let mut body = frame_put(proof, chunk.len());
    body.extend_from_slice(chunk);
    body
}

fn frame_put(proof: &[u8], chunk_len: usize) -> Vec<u8> {
    let mut body = Vec::with_capacity(4 + proof.len() + chunk_len);
    body.extend_from_slice(&(proof.len() as u32).to_be_bytes());
    body.extend_from_slice(proof);
    body
}

/// Splits a PUT body into its proof's bytes (still encoded) and the chunk's bytes.
pub fn split_put(body: &[u8]) -> Result<(&[u8], &[u8]), FramingError> {
    let header: [u8; 4] = body
        .get(..4)
        .and_then(|b| b.try_into().ok())
        .ok_or(FramingError("shorter than its 4-byte header"))?;
    let proof_len = u32::from_be_bytes(header) as usize;
    if proof_len > MAX_PROOF_BYTES {
        return Err(FramingError("proof larger than 64 KiB"));
    }
    let proof = body
        .get(4..4 + proof_len)
        .ok_or(FramingError("proof length runs past the body"))?;
    Ok((proof, &body[4 + proof_len..]))
}

/// Decodes a proof's bytes (bincode 2, nothing after it).
pub fn decode_proof(bytes: &[u8]) -> Result<PaymentProof, FramingError> {
    let (proof, used): (PaymentProof, usize) =
        bincode::serde::decode_from_slice(bytes, bincode::config::standard())
            .map_err(|_| FramingError("proof does not decode"))?;
    if used != bytes.len() {
        return Err(FramingError("trailing bytes after the proof"));
    }
    Ok(proof)
}

/// Splits a PUT body into its proof and chunk bytes.
pub fn decode_put(body: &[u8]) -> Result<(PaymentProof, &[u8]), FramingError> {
    let (proof, chunk) = split_put(body)?;
    Ok((decode_proof(proof)?, chunk))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::B256;

    #[test]
    fn put_framing_round_trips_and_rejects_truncation() {
        let proof = PaymentProof {
            quotes: vec![],
            paid: 0,
            tx_hash: B256::repeat_byte(1),
            wave: Default::default(),
        };
        let body = encode_put(&proof, b"chunk bytes");
        let (decoded, chunk) = decode_put(&body).unwrap();
        assert_eq!(decoded, proof);
        assert_eq!(chunk, b"chunk bytes");
        assert!(decode_put(&body[..3]).is_err());
        assert!(decode_put(&body[..6]).is_err());
        let (raw, _) = split_put(&body).unwrap();
        assert_eq!(encode_put_raw(raw, b"chunk bytes"), body);
    }
}
