//! Storage challenges: how a node proves that it holds a chunk's bytes now.
//!
//! The challenger picks a fresh random [`Nonce`]; the node answers with [`holding_hash`],
//! BLAKE3 keyed with that nonce of the chunk's bytes *followed by the node's own rewards
//! address*, signed with its key over the chunk, the nonce, the hash and its address
//! ([`ChallengeAnswer`]). The challenger holds the bytes (checked against their address) and
//! computes the same hash for that node. Because the node's address is in the hashed input, a
//! holder's answer fits no other node: a node that keeps nothing cannot pass its challenge on
//! to an honest holder's `/challenge` and sign the hash it gets back (the honest node hashes
//! with its own address), so it must have the bytes, and fetching them from peers is paced to
//! answer late. The address comes last so that a challenger asking several nodes with one
//! nonce hashes the chunk once: the BLAKE3 tree over the chunk is shared, and only the last
//! chunk of the tree and the parents above it differ by node ([`holding_hashes`]); the holder
//! answers from the root alone, which does not reveal those inner values.
//!
//! Many challenges to one node travel in one request ([`ChallengeBatch`], `POST /challenges`),
//! packed so that the chunk bytes they cover stay within [`MAX_BATCH_BYTES`].
//!
//! Every challenge has a deadline sized to a local read of what it covers ([`audit_deadline`]):
//! a fixed [`AUDIT_ALLOWANCE`] for the round trip and a loaded machine, plus the bytes at
//! [`AUDIT_READ_BYTES_PER_SECOND`]. A late answer counts as not holding. Nodes hold back
//! their answer to a peer's chunk GET for [`PEER_GET_DELAY`], longer than any audit deadline,
//! so a node that keeps nothing and fetches the chunk from a peer when challenged always
//! answers late.
//!
//! Invariants: an answer counts only when it is signed by the node asked, names the chunk and
//! the nonce asked, carries the hash the challenger computed itself, and arrives within its
//! deadline; so a node cannot answer without the bytes, and an answer to an earlier challenge
//! never counts again.

use std::time::Duration;

use alloy::primitives::{Address, keccak256};
use alloy::signers::local::PrivateKeySigner;
use serde::{Deserialize, Serialize};

use crate::wire::signed::{recover, sign_prehash};
use crate::wire::types::{ChunkAddress, HoldingHash, MAX_CHUNK_BYTES, Nonce};

/// The fixed part of every audit deadline: the round trip, a queue behind other requests and
/// a loaded machine (an honest node on a busy 2-core machine answers in tens of milliseconds).
pub const AUDIT_ALLOWANCE: Duration = Duration::from_secs(3);
/// The local-disk rate an audit deadline allows for the bytes a challenge covers: 10 MiB/s, a
/// cold read from a slow disk, far below a page-cache read and BLAKE3 (over 1 GiB/s).
pub const AUDIT_READ_BYTES_PER_SECOND: u64 = 10 * 1024 * 1024;
/// The most chunk bytes one [`ChallengeBatch`] covers (a larger single chunk goes alone):
/// so no batch's deadline is longer than a full chunk's.
pub const MAX_BATCH_BYTES: u64 = MAX_CHUNK_BYTES as u64;
/// The most challenges in one [`ChallengeBatch`].
pub const MAX_BATCH_CHALLENGES: usize = 256;
/// The largest `/challenges` answer read from a node: a signed answer per challenge, with room
/// to spare.
pub const MAX_BATCH_ANSWER_BYTES: usize = 512 * 1024;
/// How long a node holds back its answer to a chunk GET from a known peer's IP: longer than
/// the longest audit deadline ([`max_audit_deadline`]), so a relayed answer is always late.
pub const PEER_GET_DELAY: Duration = Duration::from_secs(4);

/// The deadline of a challenge (or a batch) covering `bytes` of chunk data: a local read.
pub fn audit_deadline(bytes: u64) -> Duration {
    AUDIT_ALLOWANCE
        + Duration::from_millis(bytes.saturating_mul(1000) / AUDIT_READ_BYTES_PER_SECOND)
}

/// The longest deadline any audit has: that of a full chunk (a batch covers no more).
pub fn max_audit_deadline() -> Duration {
    audit_deadline(MAX_BATCH_BYTES)
}

/// Many challenges to one node in one request (`POST /challenges`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChallengeBatch {
    /// At most [`MAX_BATCH_CHALLENGES`], covering at most [`MAX_BATCH_BYTES`] of chunks
    /// (one larger chunk may go alone).
    pub challenges: Vec<ChallengeRequest>,
}

/// A node's answers to a [`ChallengeBatch`]: one per chunk it holds, none for the others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchAnswer {
    /// The signed answers, each naming its chunk and nonce.
    pub answers: Vec<ChallengeAnswer>,
}

/// Packs `items` (each with its chunk's size in bytes) into batches of at most
/// [`MAX_BATCH_CHALLENGES`] covering at most [`MAX_BATCH_BYTES`] (a larger item alone), in
/// order.
pub fn pack_batches<T>(items: Vec<(T, u64)>) -> Vec<Vec<(T, u64)>> {
    let mut batches: Vec<Vec<(T, u64)>> = Vec::new();
    let mut bytes = 0;
    for (item, size) in items {
        let full = batches.last().is_none_or(|batch| {
            batch.len() >= MAX_BATCH_CHALLENGES || bytes + size > MAX_BATCH_BYTES
        });
        if full {
            batches.push(Vec::new());
            bytes = 0;
        }
        bytes += size;
        batches
            .last_mut()
            .expect("a batch was just pushed")
            .push((item, size));
    }
    batches
}

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

/// BLAKE3 keyed with `nonce` of `chunk` (the chunk's encrypted bytes) followed by `node`, the
/// rewards address of the node answering: what only a node holding the bytes can compute for
/// itself.
pub fn holding_hash(nonce: &Nonce, node: Address, chunk: &[u8]) -> HoldingHash {
    let mut hasher = blake3::Hasher::new_keyed(nonce.as_bytes());
    hasher.update(chunk).update(node.as_slice());
    HoldingHash(*hasher.finalize().as_bytes())
}

/// [`holding_hash`] for each of `nodes`, in order, hashing `chunk` once: the parts of the
/// BLAKE3 tree that cover only chunk bytes are shared, and each node's hash costs its last
/// tree chunk (at most 1 KiB) and the parents above it.
pub fn holding_hashes(nonce: &Nonce, nodes: &[Address], chunk: &[u8]) -> Vec<HoldingHash> {
    let tails: Vec<&[u8]> = nodes.iter().map(|node| node.as_slice()).collect();
    subtree(nonce.as_bytes(), 0, chunk, &tails, true)
        .into_iter()
        .map(HoldingHash)
        .collect()
}

/// The chaining values (or, for the root, the hashes) of the BLAKE3 subtree at `offset` over
/// `shared` followed by each of `tails` (all of one length), keyed with `key`.
fn subtree(
    key: &[u8; 32],
    offset: u64,
    shared: &[u8],
    tails: &[&[u8]],
    root: bool,
) -> Vec<[u8; 32]> {
    use blake3::hazmat::{
        HasherExt, Mode, left_subtree_len, merge_subtrees_non_root, merge_subtrees_root,
    };
    let tail_len = tails.first().map_or(0, |tail| tail.len());
    let total = (shared.len() + tail_len) as u64;
    let leaf = |offset: u64, head: &[u8], tail: &[u8]| {
        let mut hasher = blake3::Hasher::new_keyed(key);
        hasher.set_input_offset(offset).update(head).update(tail);
        if root {
            *hasher.finalize().as_bytes()
        } else {
            hasher.finalize_non_root()
        }
    };
    if total <= blake3::CHUNK_LEN as u64 {
        return tails
            .iter()
            .map(|tail| leaf(offset, shared, tail))
            .collect();
    }
    let left_len = left_subtree_len(total) as usize;
    let (lefts, rights): (Vec<[u8; 32]>, Vec<[u8; 32]>) = if left_len <= shared.len() {
        let mut hasher = blake3::Hasher::new_keyed(key);
        hasher.set_input_offset(offset).update(&shared[..left_len]);
        let left = hasher.finalize_non_root();
        let rights = subtree(
            key,
            offset + left_len as u64,
            &shared[left_len..],
            tails,
            false,
        );
        (vec![left; tails.len()], rights)
    } else {
        // The tails begin inside the left subtree: its end and the right subtree differ by tail.
        let split = left_len - shared.len();
        let heads: Vec<&[u8]> = tails.iter().map(|tail| &tail[..split]).collect();
        let lefts = subtree(key, offset, shared, &heads, false);
        let rights = tails
            .iter()
            .map(|tail| {
                let mut hasher = blake3::Hasher::new_keyed(key);
                hasher
                    .set_input_offset(offset + left_len as u64)
                    .update(&tail[split..]);
                hasher.finalize_non_root()
            })
            .collect();
        (lefts, rights)
    };
    let mode = Mode::KeyedHash(key);
    lefts
        .iter()
        .zip(&rights)
        .map(|(left, right)| {
            if root {
                *merge_subtrees_root(left, right, mode).as_bytes()
            } else {
                merge_subtrees_non_root(left, right, mode)
            }
        })
        .collect()
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
    /// The answer came after the challenge's deadline: the bytes were not on a local disk.
    #[error("it answered after the {0:?} a local read allows (a relayed answer)")]
    Late(Duration),
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
        let hash = holding_hash(&request.nonce, signer.address(), chunk_bytes);
        Self::sign(request, hash, signer)
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
    fn deadlines_cover_a_local_read_and_a_peer_get_always_misses_them() {
        assert_eq!(audit_deadline(0), AUDIT_ALLOWANCE);
        assert_eq!(
            max_audit_deadline(),
            AUDIT_ALLOWANCE + Duration::from_millis(400)
        );
        assert!(PEER_GET_DELAY > max_audit_deadline());
    }

    #[test]
    fn batches_cover_at_most_a_chunk_of_bytes_and_a_big_chunk_goes_alone() {
        let big = MAX_BATCH_BYTES;
        let sizes = [1000, 2000, big, big / 2, big / 2, 1, 5];
        let items: Vec<(usize, u64)> = sizes.iter().copied().enumerate().collect();
        let batches = pack_batches(items);
        let shape: Vec<Vec<usize>> = batches
            .iter()
            .map(|batch| batch.iter().map(|(i, _)| *i).collect())
            .collect();
        assert_eq!(shape, vec![vec![0, 1], vec![2], vec![3, 4], vec![5, 6]]);
        let many: Vec<(usize, u64)> = (0..MAX_BATCH_CHALLENGES + 1).map(|i| (i, 1)).collect();
        assert_eq!(pack_batches(many).len(), 2);
    }

    #[test]
    fn many_nodes_hashes_at_once_are_each_nodes_own_hash_at_every_tree_shape() {
        let nonce = Nonce(rand::random());
        let nodes: Vec<Address> = (0..5)
            .map(|_| Address::from(rand::random::<[u8; 20]>()))
            .collect();
        let mib4 = 4 * 1024 * 1024;
        let mut lengths = vec![0, 1, 1003, 1004, 1005, 1023, 1024, 1025, 2028, 2048, 3000];
        lengths.extend([mib4 - 21, mib4 - 20, mib4 - 19, mib4 - 10, mib4, mib4 + 16]);
        lengths.extend((0..40).map(|_| rand::random_range(0..40_000)));
        for len in lengths {
            let chunk: Vec<u8> = (0..len).map(|i| (i * 7 + len) as u8).collect();
            let direct: Vec<HoldingHash> = nodes
                .iter()
                .map(|node| holding_hash(&nonce, *node, &chunk))
                .collect();
            assert_eq!(
                holding_hashes(&nonce, &nodes, &chunk),
                direct,
                "length {len}"
            );
            let mut input = chunk.clone();
            input.extend_from_slice(nodes[0].as_slice());
            assert_eq!(
                direct[0].0,
                *blake3::keyed_hash(nonce.as_bytes(), &input).as_bytes(),
                "the chunk, then the node's address, keyed with the nonce"
            );
        }
        assert_ne!(
            holding_hash(&nonce, nodes[0], b"chunk"),
            holding_hash(&nonce, nodes[1], b"chunk")
        );
    }

    #[test]
    fn only_a_holder_of_the_bytes_answers_a_fresh_challenge() {
        let signer = PrivateKeySigner::random();
        let bytes = b"encrypted chunk bytes".to_vec();
        let chunk = ChunkAddress::of(&bytes);
        let request = ChallengeRequest::fresh(chunk);
        let expected = holding_hash(&request.nonce, signer.address(), &bytes);
        let honest = ChallengeAnswer::answer(&request, &bytes, &signer);
        assert_eq!(honest.check(&request, signer.address(), &expected), Ok(()));

        // A node relaying the challenge to a holder and signing the holder's hash as its own.
        let relay = PrivateKeySigner::random();
        let relayed = ChallengeAnswer::sign(&request, honest.hash, &relay);
        let relay_expected = holding_hash(&request.nonce, relay.address(), &bytes);
        assert_eq!(
            relayed.check(&request, relay.address(), &relay_expected),
            Err(ChallengeFailure::WrongHash),
            "a holder's hash fits no other node"
        );

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
        let next_expected = holding_hash(&next.nonce, signer.address(), &bytes);
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
