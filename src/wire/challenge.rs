//! Storage challenges: how a node proves that it holds a chunk's bytes now.
//!
//! The challenger picks a fresh random [`Nonce`] per node and chunk; the node answers with
//! [`holding_hash`], BLAKE3 of the chunk's bytes keyed with that nonce, signed with its key
//! over the chunk, the nonce, the hash and its address ([`ChallengeAnswer`]). The challenger
//! holds the bytes (checked against their address) and computes the same hash.
//!
//! Invariants: an answer counts only when it is signed by the node asked, names the chunk and
//! the nonce asked, and carries the hash the challenger computed itself; so a node cannot
//! answer without the bytes, and an answer to an earlier challenge never counts again.

use alloy::primitives::{Address, keccak256};
use alloy::signers::local::PrivateKeySigner;
use serde::{Deserialize, Serialize};

use crate::wire::signed::{recover, sign_prehash};
use crate::wire::types::{ChunkAddress, HoldingHash, Nonce};

const ANSWER_DOMAIN: &[u8] = b"ferry challenge answer v1";

/// Asks a node to prove it holds a chunk (`POST /challenge`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChallengeRequest {
    /// The chunk.
    pub chunk: ChunkAddress,
    /// A fresh random key for this challenge.
    pub nonce: Nonce,
}

impl ChallengeRequest {
    /// A challenge for `chunk` with a fresh random nonce.
    pub fn fresh(chunk: ChunkAddress) -> Self {
        Self {
            chunk,
            nonce: Nonce(rand::random()),
        }
    }
}

/// BLAKE3 of `chunk` (the chunk's encrypted bytes) keyed with `nonce`.
pub fn holding_hash(nonce: &Nonce, chunk: &[u8]) -> HoldingHash {
    HoldingHash(*blake3::keyed_hash(nonce.as_bytes(), chunk).as_bytes())
}

/// Why an answer to a challenge does not prove that the node holds the chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ChallengeFailure {
    /// The answer is for another chunk or another nonce (an old answer replayed).
    #[error("it answered another challenge than the one asked")]
    WrongChallenge,
    /// The signature is not the node's.
    #[error("its answer is not signed by its key")]
    BadSignature,
    /// The hash is not the chunk's under this nonce: the node does not have the bytes.
    #[error("it answered the challenge without the chunk's bytes (wrong hash)")]
    WrongHash,
}

/// A node's signed answer to a [`ChallengeRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChallengeAnswer {
    /// The chunk.
    pub chunk: ChunkAddress,
    /// The challenge's nonce.
    pub nonce: Nonce,
    /// [`holding_hash`] of the chunk under the nonce.
    pub hash: HoldingHash,
    /// The answering node's address.
    pub node: Address,
    /// 65-byte signature over the fields above.
    pub signature: Vec<u8>,
}

impl ChallengeAnswer {
    fn digest(chunk: &ChunkAddress, nonce: &Nonce, hash: &HoldingHash, node: &Address) -> [u8; 32] {
        let mut bytes = Vec::with_capacity(ANSWER_DOMAIN.len() + 3 * 32 + 20);
        bytes.extend_from_slice(ANSWER_DOMAIN);
        bytes.extend_from_slice(chunk.as_bytes());
        bytes.extend_from_slice(nonce.as_bytes());
        bytes.extend_from_slice(hash.as_bytes());
        bytes.extend_from_slice(node.as_slice());
        keccak256(&bytes).0
    }

    /// The answer to `request` of a node holding `chunk_bytes`, signed with its key.
    pub fn answer(
        request: &ChallengeRequest,
        chunk_bytes: &[u8],
        signer: &PrivateKeySigner,
    ) -> Self {
        Self::sign(request, holding_hash(&request.nonce, chunk_bytes), signer)
    }

    /// An answer carrying `hash`, signed with `signer`'s key (tests use it to lie).
    pub fn sign(request: &ChallengeRequest, hash: HoldingHash, signer: &PrivateKeySigner) -> Self {
        let node = signer.address();
        let digest = Self::digest(&request.chunk, &request.nonce, &hash, &node);
        Self {
            chunk: request.chunk,
            nonce: request.nonce,
            hash,
            node,
            signature: sign_prehash(signer, digest),
        }
    }

    /// Checks that this answers `request`, is signed by `node`, and carries `expected` (the
    /// hash the challenger computed from the bytes). Recovers a signature: CPU work.
    pub fn check(
        &self,
        request: &ChallengeRequest,
        node: Address,
        expected: &HoldingHash,
    ) -> Result<(), ChallengeFailure> {
        if self.chunk != request.chunk || self.nonce != request.nonce {
            return Err(ChallengeFailure::WrongChallenge);
        }
        let digest = Self::digest(&self.chunk, &self.nonce, &self.hash, &self.node);
        if self.node != node || recover(&self.signature, digest) != Some(node) {
            return Err(ChallengeFailure::BadSignature);
        }
        if self.hash != *expected {
            return Err(ChallengeFailure::WrongHash);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_holder_of_the_bytes_answers_a_fresh_challenge() {
        let signer = PrivateKeySigner::random();
        let bytes = b"encrypted chunk bytes".to_vec();
        let chunk = ChunkAddress::of(&bytes);
        let request = ChallengeRequest::fresh(chunk);
        let expected = holding_hash(&request.nonce, &bytes);
        let honest = ChallengeAnswer::answer(&request, &bytes, &signer);
        assert_eq!(honest.check(&request, signer.address(), &expected), Ok(()));

        let guessed = ChallengeAnswer::sign(
            &request,
            HoldingHash(*blake3::hash(&bytes).as_bytes()),
            &signer,
        );
        assert_eq!(
            guessed.check(&request, signer.address(), &expected),
            Err(ChallengeFailure::WrongHash)
        );

        let next = ChallengeRequest::fresh(chunk);
        assert_ne!(next.nonce, request.nonce);
        let next_expected = holding_hash(&next.nonce, &bytes);
        assert_eq!(
            honest.check(&next, signer.address(), &next_expected),
            Err(ChallengeFailure::WrongChallenge),
            "an old answer is not replayed"
        );

        let other = PrivateKeySigner::random();
        assert_eq!(
            honest.check(&request, other.address(), &expected),
            Err(ChallengeFailure::BadSignature)
        );
        let mut forged = honest.clone();
        forged.node = other.address();
        assert_eq!(
            forged.check(&request, other.address(), &expected),
            Err(ChallengeFailure::BadSignature)
        );
    }
}
