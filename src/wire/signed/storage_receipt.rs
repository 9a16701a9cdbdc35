//! A storage receipt: a node's signed statement that it durably holds a chunk (domain
//! `ferry storage receipt v1`), valid only when its signature recovers to the node named in it.

use alloy::primitives::{Address, keccak256};
use alloy::signers::local::PrivateKeySigner;
use serde::{Deserialize, Serialize};

use super::{recover, sign_prehash, unix_now};
use crate::wire::types::ChunkAddress;

const RECEIPT_DOMAIN: &[u8] = b"ferry storage receipt v1";

/// A node's signed statement that it durably holds a chunk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageReceipt {
    /// The chunk.
    pub chunk: ChunkAddress,
    /// The storing node's address.
    pub node: Address,
    /// The node's clock when it answered (Unix seconds).
    pub stored_at: u64,
    /// 65-byte signature over the fields above.
    pub signature: Vec<u8>,
}

impl StorageReceipt {
    fn digest(chunk: &ChunkAddress, node: &Address, stored_at: u64) -> [u8; 32] {
        let mut bytes = Vec::with_capacity(RECEIPT_DOMAIN.len() + 60);
        bytes.extend_from_slice(RECEIPT_DOMAIN);
        bytes.extend_from_slice(chunk.as_bytes());
        bytes.extend_from_slice(node.as_slice());
        bytes.extend_from_slice(&stored_at.to_be_bytes());
        keccak256(&bytes).0
    }

    /// Signs a receipt for `chunk` with the node's key.
    pub fn sign(chunk: ChunkAddress, signer: &PrivateKeySigner) -> Self {
        let node = signer.address();
        let stored_at = unix_now();
        let signature = sign_prehash(signer, Self::digest(&chunk, &node, stored_at));
        Self {
            chunk,
            node,
            stored_at,
            signature,
        }
    }

    /// True when the signature is the node's.
    pub fn is_valid(&self) -> bool {
        recover(
            &self.signature,
            Self::digest(&self.chunk, &self.node, self.stored_at),
        ) == Some(self.node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_receipts_are_signed_by_the_node() {
        let signer = PrivateKeySigner::random();
        let mut receipt = StorageReceipt::sign(ChunkAddress::of(b"x"), &signer);
        assert!(receipt.is_valid());
        receipt.stored_at += 1;
        assert!(!receipt.is_valid());
    }
}
