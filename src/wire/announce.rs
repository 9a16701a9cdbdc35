//! Signed announcements: how a node tells the bootstrap nodes where it is.
//!
//! An announcement binds a node's id, its rewards address, the URL it is reached at and the
//! node's clock time, signed with the node's key over a keccak-256 digest of those fields
//! (domain-separated from quotes and storage receipts).
//!
//! Invariants kept here ([`Announcement::verify`], cheapest checks first, the signature last):
//! - the URL is a plain `http(s)://host[:port]` ([`node_url`]), in its normal form;
//! - the id is the position the vault's registry gave the rewards address
//!   ([`Registry::admits`]), so no one claims a place on the ring they do not own, and a key
//!   that is not staked in the vault announces nothing;
//! - it is fresh by the receiver's clock ([`ANNOUNCEMENT_FRESHNESS`]: at most 10 minutes old,
//!   300 s ahead), so a captured announcement cannot be replayed for ever;
//! - the signature recovers to the rewards address.
//!
//! A valid announcement is only a claim: the receiving node still asks the URL for its
//! `/info` before it adds the node to its view.

use std::time::Duration;

use alloy::primitives::{Address, keccak256};
use alloy::signers::local::PrivateKeySigner;
use serde::{Deserialize, Serialize};

use crate::wire::network::{BadNodeUrl, NodeInfo, node_url};
use crate::wire::registry::Registry;
use crate::wire::signed::{Freshness, QuoteError, StaleKind, recover, sign_prehash};
use crate::wire::types::NodeId;

const ANNOUNCE_DOMAIN: &[u8] = b"ferry announcement v1";

/// How old (and how far ahead of the receiver's clock) an announcement may be.
pub const ANNOUNCEMENT_FRESHNESS: Freshness = Freshness {
    max_age: Duration::from_secs(600),
    max_future: Duration::from_secs(300),
};

/// A node's signed statement of who it is and where it is reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Announcement {
    /// The node's id: its position in the vault's registry.
    pub id: NodeId,
    /// The node's rewards (EVM) address: the signer.
    pub rewards: Address,
    /// The node's base URL.
    pub url: String,
    /// The node's clock when it announced (Unix seconds).
    pub issued_at: u64,
    /// 65-byte secp256k1 signature over the fields above.
    pub signature: Vec<u8>,
}

/// Why an announcement is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnnounceError {
    /// The URL is not a plain node URL.
    #[error("the announced URL is not usable")]
    BadUrl(#[source] BadNodeUrl),
    /// The rewards address is not an active node of the vault's registry, or the id is not
    /// the position the registry gave it.
    #[error(
        "the announced id {id} is not the registered position of {rewards}; register the node first (ferry-node register)"
    )]
    WrongId {
        /// The id claimed.
        id: NodeId,
        /// The rewards address given.
        rewards: Address,
    },
    /// Too old or too far in the future.
    #[error("the announcement issued at {issued_at} is {age}; announce again with a fresh one")]
    Stale {
        /// Its time (Unix seconds).
        issued_at: u64,
        /// What is wrong with it.
        age: StaleKind,
    },
    /// The signature is missing, malformed or not the rewards address's.
    #[error("the announcement is not signed by its rewards address {rewards}")]
    BadSignature {
        /// The address it claims.
        rewards: Address,
    },
}

impl AnnounceError {
    /// True for a forgery (a signature or id that is not the node's), as opposed to a
    /// malformed or stale statement.
    pub fn is_forgery(&self) -> bool {
        matches!(
            self,
            AnnounceError::WrongId { .. } | AnnounceError::BadSignature { .. }
        )
    }
}

impl Announcement {
    fn digest(id: &NodeId, rewards: &Address, url: &str, issued_at: u64) -> [u8; 32] {
        let mut bytes = Vec::with_capacity(ANNOUNCE_DOMAIN.len() + 32 + 20 + 8 + 8 + url.len());
        bytes.extend_from_slice(ANNOUNCE_DOMAIN);
        bytes.extend_from_slice(&id.0);
        bytes.extend_from_slice(rewards.as_slice());
        bytes.extend_from_slice(&issued_at.to_be_bytes());
        bytes.extend_from_slice(&(url.len() as u64).to_be_bytes());
        bytes.extend_from_slice(url.as_bytes());
        keccak256(&bytes).0
    }

    /// Signs an announcement that the node with `signer`'s key, at position `id`, is reached
    /// at `url`, now.
    pub fn sign(url: &str, id: NodeId, signer: &PrivateKeySigner, issued_at: u64) -> Self {
        let rewards = signer.address();
        let signature = sign_prehash(signer, Self::digest(&id, &rewards, url, issued_at));
        Self {
            id,
            rewards,
            url: url.to_owned(),
            issued_at,
            signature,
        }
    }

    /// Checks the announcement against the clock `now` (Unix seconds) and the vault's
    /// `registry`; returns the node it announces. Cheap checks run first, the signature
    /// recovery last.
    pub fn verify(&self, now: u64, registry: &Registry) -> Result<NodeInfo, AnnounceError> {
        let url = node_url(&self.url).map_err(AnnounceError::BadUrl)?;
        if url != self.url {
            return Err(AnnounceError::BadUrl(BadNodeUrl {
                url: self.url.clone(),
            }));
        }
        if registry.id_of(&self.rewards) != Some(self.id) {
            return Err(AnnounceError::WrongId {
                id: self.id,
                rewards: self.rewards,
            });
        }
        ANNOUNCEMENT_FRESHNESS
            .check(self.issued_at, now)
            .map_err(|error| match error {
                QuoteError::Stale { issued_at, age } => AnnounceError::Stale { issued_at, age },
                _ => unreachable!("a freshness check only fails as stale"),
            })?;
        let digest = Self::digest(&self.id, &self.rewards, &self.url, self.issued_at);
        if recover(&self.signature, digest) != Some(self.rewards) {
            return Err(AnnounceError::BadSignature {
                rewards: self.rewards,
            });
        }
        Ok(NodeInfo {
            id: self.id,
            url,
            rewards: self.rewards,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_000_000;
    const POSITION: NodeId = NodeId([5; 32]);

    fn registered(signer: &PrivateKeySigner) -> Registry {
        Registry::new(1, [(signer.address(), POSITION)])
    }

    #[test]
    fn a_signed_announcement_verifies_and_names_its_node() {
        let signer = PrivateKeySigner::random();
        let announcement = Announcement::sign("http://10.0.0.2:7000", POSITION, &signer, NOW);
        let info = announcement.verify(NOW + 5, &registered(&signer)).unwrap();
        assert_eq!(info.id, POSITION);
        assert_eq!(info.rewards, signer.address());
        assert_eq!(info.url, "http://10.0.0.2:7000");
    }

    #[test]
    fn forged_altered_stale_and_odd_announcements_are_refused() {
        let signer = PrivateKeySigner::random();
        let registry = registered(&signer);
        let good = Announcement::sign("http://10.0.0.2:7000", POSITION, &signer, NOW);
        assert!(matches!(
            good.verify(NOW, &Registry::default()),
            Err(AnnounceError::WrongId { .. })
        ));
        let mut moved = good.clone();
        moved.url = "http://10.0.0.3:7000".into();
        assert_eq!(
            moved.verify(NOW, &registry),
            Err(AnnounceError::BadSignature {
                rewards: signer.address()
            })
        );
        let mut unsigned = good.clone();
        unsigned.signature.clear();
        assert!(unsigned.verify(NOW, &registry).unwrap_err().is_forgery());
        let mut stolen = good.clone();
        stolen.rewards = PrivateKeySigner::random().address();
        assert!(matches!(
            stolen.verify(NOW, &registry),
            Err(AnnounceError::WrongId { .. })
        ));
        let mut other_id = good.clone();
        other_id.id = NodeId([7; 32]);
        assert!(other_id.verify(NOW, &registry).unwrap_err().is_forgery());
        assert!(matches!(
            good.verify(NOW + 601, &registry),
            Err(AnnounceError::Stale {
                age: StaleKind::Expired,
                ..
            })
        ));
        assert!(matches!(
            good.verify(NOW - 301, &registry),
            Err(AnnounceError::Stale {
                age: StaleKind::FromTheFuture,
                ..
            })
        ));
        let odd = Announcement::sign("http://10.0.0.2:7000/x", POSITION, &signer, NOW);
        assert!(matches!(
            odd.verify(NOW, &registry),
            Err(AnnounceError::BadUrl(_))
        ));
        let not_normal = Announcement::sign("http://10.0.0.2:7000/", POSITION, &signer, NOW);
        assert!(matches!(
            not_normal.verify(NOW, &registry),
            Err(AnnounceError::BadUrl(_))
        ));
    }
}
