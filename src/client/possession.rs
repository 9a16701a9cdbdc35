//! Proving possession: the nodes that claim to hold a chunk (a quote answered "already held",
//! a storage receipt after a PUT, relayed or not) are challenged all at once, and count as
//! holding it only by an answer checked against the client's own bytes within a deadline sized
//! to a local read ([`crate::wire::challenge::audit_deadline`]).
//!
//! The holders challenged together share one fresh nonce (a round); each one's hash covers its
//! own address after the chunk ([`crate::wire::challenge::holding_hash`]), so one holder's
//! answer fits no other, and the client still hashes the chunk once per round
//! ([`holding_hashes`]).
//!
//! Invariants: a node is proven only by an answer, signed by it, to a fresh nonce never sent
//! to it before, whose hash the client computed from bytes that hash to the chunk's address,
//! arriving in time; the expected hash is computed before the challenges are sent
//! ([`prepare`]), so the client's own hashing never eats into a node's deadline and the bytes
//! need not be held while the answers are awaited; what a node says otherwise (a receipt, a
//! status, an error text) proves nothing.

use std::collections::HashSet;

use alloy::primitives::Address;

use crate::blocking::blocking;
use crate::client::nodes::{NodeClient, RequestError};
use crate::wire::challenge::{ChallengeFailure, ChallengeRequest, holding_hashes};
use crate::wire::network::NodeInfo;
use crate::wire::types::{ChunkAddress, HoldingHash};

/// Why a node that claimed a chunk did not prove it.
#[derive(Debug, thiserror::Error)]
pub enum Unproven {
    /// It answered that it does not hold the chunk.
    #[error("it says it does not hold the chunk")]
    NotHeld,
    /// Its answer does not prove it holds the bytes.
    #[error(transparent)]
    False(ChallengeFailure),
    /// The challenge failed: unreachable, refused, or no answer within the deadline.
    #[error(transparent)]
    Failed(RequestError),
}

/// What challenging a chunk's claimed holders showed.
#[derive(Debug, Default)]
pub struct Possession {
    /// The rewards addresses of the nodes that proved they hold the chunk.
    pub proven: HashSet<Address>,
    /// The nodes that did not, and why.
    pub unproven: Vec<(NodeInfo, Unproven)>,
}

/// A challenge ready to send: a fresh request, and the hash its answer must carry, computed
/// from the client's own bytes before the challenge is sent.
#[derive(Debug, Clone, Copy)]
pub struct Prepared {
    /// The challenge.
    pub request: ChallengeRequest,
    /// [`crate::wire::challenge::holding_hash`] of the chunk's bytes under the challenge's
    /// nonce, for its node.
    pub expected: HoldingHash,
}

/// One round's fresh challenge for `chunk`, whose bytes are `bytes` (already checked against
/// the address), for each of `nodes` (rewards addresses), in order, hashed on the calling
/// thread.
pub fn prepare(chunk: ChunkAddress, bytes: &[u8], nodes: &[Address]) -> Vec<Prepared> {
    let request = ChallengeRequest::fresh(chunk);
    holding_hashes(&request.nonce, nodes, bytes)
        .into_iter()
        .map(|expected| Prepared { request, expected })
        .collect()
}

/// Sends each of `claimed` (distinct nodes, none sent its challenge before) its challenge from
/// `prepared` (one each, in the same order, for a chunk of `size` bytes), all at once, and
/// checks the answers.
pub async fn prove(
    client: &NodeClient,
    size: u64,
    claimed: &[NodeInfo],
    prepared: Vec<Prepared>,
) -> Possession {
    debug_assert_eq!(claimed.len(), prepared.len());
    let answers = futures::future::join_all(
        claimed
            .iter()
            .zip(&prepared)
            .map(|(node, challenge)| client.challenge(node, &challenge.request, size)),
    )
    .await;
    let claimed = claimed.to_vec();
    blocking(move || {
        let mut possession = Possession::default();
        for ((node, challenge), answer) in claimed.into_iter().zip(&prepared).zip(answers) {
            let verdict = match answer {
                Err(error) => Err(Unproven::Failed(error)),
                Ok(None) => Err(Unproven::NotHeld),
                Ok(Some(answer)) => answer
                    .check(&challenge.request, node.rewards, &challenge.expected)
                    .map_err(Unproven::False),
            };
            match verdict {
                Ok(()) => {
                    possession.proven.insert(node.rewards);
                }
                Err(why) => possession.unproven.push((node, why)),
            }
        }
        possession
    })
    .await
}
