//! Proving possession: the nodes that claim to hold a chunk (a quote answered "already held",
//! a storage receipt after a PUT, relayed or not) each get a fresh challenge, all at once,
//! and count as holding it only by an answer checked against the client's own bytes within a
//! deadline sized to a local read ([`crate::wire::challenge::audit_deadline`]).
//!
//! Invariants: a node is proven only by a signed answer to its own fresh nonce whose hash the
//! client computed from bytes that hash to the chunk's address, arriving in time; the
//! expected hashes are computed before the challenges are sent, so the client's own hashing
//! never eats into a node's deadline; what a node says otherwise (a receipt, a status, an
//! error text) proves nothing.

use std::collections::HashSet;

use alloy::primitives::Address;
use bytes::Bytes;

use crate::blocking::blocking;
use crate::client::nodes::{NodeClient, RequestError};
use crate::wire::challenge::{ChallengeFailure, ChallengeRequest, holding_hash};
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

/// Challenges each of `claimed` (distinct nodes) to prove it holds `chunk`, whose bytes are
/// `bytes` (already checked against the address), all at once.
pub async fn prove(
    client: &NodeClient,
    chunk: ChunkAddress,
    bytes: &Bytes,
    claimed: &[NodeInfo],
) -> Possession {
    if claimed.is_empty() {
        return Possession::default();
    }
    let requests: Vec<ChallengeRequest> = claimed
        .iter()
        .map(|_| ChallengeRequest::fresh(chunk))
        .collect();
    let expected = expected_hashes(&requests, bytes).await;
    let size = bytes.len() as u64;
    let answers = futures::future::join_all(
        claimed
            .iter()
            .zip(&requests)
            .map(|(node, request)| client.challenge(node, request, size)),
    )
    .await;
    let claimed = claimed.to_vec();
    blocking(move || {
        let mut possession = Possession::default();
        for (((node, request), expected), answer) in claimed
            .into_iter()
            .zip(&requests)
            .zip(&expected)
            .zip(answers)
        {
            let verdict = match answer {
                Err(error) => Err(Unproven::Failed(error)),
                Ok(None) => Err(Unproven::NotHeld),
                Ok(Some(answer)) => answer
                    .check(request, node.rewards, expected)
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

/// The hash each of `requests` must be answered with, computed off the async threads.
async fn expected_hashes(requests: &[ChallengeRequest], bytes: &Bytes) -> Vec<HoldingHash> {
    let nonces: Vec<_> = requests.iter().map(|request| request.nonce).collect();
    let bytes = bytes.clone();
    blocking(move || {
        nonces
            .iter()
            .map(|nonce| holding_hash(nonce, &bytes))
            .collect()
    })
    .await
}
