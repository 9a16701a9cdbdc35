//! Receipts written by older ferry versions, read so an upload interrupted before an upgrade
//! resumes after it. Each older schema is decoded into its own structs here and converted to
//! the current [`Receipt`]; nothing here is ever written.
//!
//! - schema 1: journalled intents carry no nonce and no transaction hash; they convert to
//!   intents with both unknown, which reconcile treats as "may still be pending" by waiting for
//!   every pending transaction of the payer, as schema 1 ferry did.

use std::collections::BTreeMap;

use alloy::primitives::B256;
use serde::Deserialize;

use super::{PaymentIntent, Receipt, WaveRecord};
use crate::wire::signed::{PaymentProof, StorageReceipt};
use crate::wire::types::ChunkAddress;

/// A schema 1 intent: no nonce, no transaction hash.
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct IntentV1 {
    written_at: u64,
    from_block: u64,
    proofs: Vec<PaymentProof>,
}

/// A schema 1 receipt body.
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
pub(super) struct ReceiptV1 {
    file: String,
    file_size: u64,
    chunks_total: u64,
    created_at: u64,
    waves: BTreeMap<B256, WaveRecord>,
    intents: Vec<IntentV1>,
    proofs: BTreeMap<ChunkAddress, PaymentProof>,
    stored: BTreeMap<ChunkAddress, Vec<StorageReceipt>>,
}

impl From<ReceiptV1> for Receipt {
    fn from(old: ReceiptV1) -> Self {
        Receipt {
            file: old.file,
            file_size: old.file_size,
            chunks_total: old.chunks_total,
            created_at: old.created_at,
            waves: old.waves,
            intents: old
                .intents
                .into_iter()
                .map(|intent| PaymentIntent {
                    written_at: intent.written_at,
                    from_block: intent.from_block,
                    nonce: None,
                    tx_hash: None,
                    proofs: intent.proofs,
                })
                .collect(),
            proofs: old.proofs,
            stored: old.stored,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::receipt::{HEADER_LEN, MAGIC};
    use crate::wire::types::Amount;

    fn proof() -> PaymentProof {
        let signer = alloy::signers::local::PrivateKeySigner::random();
        let quote = crate::wire::signed::SignedQuote::sign(
            crate::wire::signed::QuoteBody {
                chunk: ChunkAddress([4; 32]),
                size: 10,
                price: Amount::wei(3),
                rewards: signer.address(),
                issued_at: 1_800_000_000,
                payer: alloy::primitives::Address::repeat_byte(3),
            },
            &signer,
        );
        PaymentProof {
            quotes: vec![quote],
            paid: 0,
            tx_hash: B256::ZERO,
        }
    }

    /// The bytes a schema 1 ferry wrote for `body`.
    fn schema_1_bytes(body: &ReceiptV1) -> Vec<u8> {
        let body = bincode::serde::encode_to_vec(body, bincode::config::standard()).unwrap();
        let mut bytes = Vec::with_capacity(HEADER_LEN + body.len());
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&1u32.to_be_bytes());
        bytes.extend_from_slice(blake3::hash(&body).as_bytes());
        bytes.extend_from_slice(&body);
        bytes
    }

    #[test]
    fn a_schema_1_receipt_reads_with_its_intents_nonce_unknown() {
        let old = ReceiptV1 {
            file: "/f".into(),
            file_size: 10,
            chunks_total: 3,
            created_at: 1_800_000_000,
            waves: BTreeMap::new(),
            intents: vec![IntentV1 {
                written_at: 1_800_000_001,
                from_block: 42,
                proofs: vec![proof()],
            }],
            proofs: BTreeMap::new(),
            stored: BTreeMap::new(),
        };
        let receipt = Receipt::decode(&schema_1_bytes(&old)).unwrap();
        assert_eq!(receipt.file, "/f");
        assert_eq!(receipt.chunks_total, 3);
        let intent = &receipt.intents[0];
        assert_eq!(
            (intent.from_block, intent.nonce, intent.tx_hash),
            (42, None, None)
        );
        assert_eq!(intent.proofs, old.intents[0].proofs);
        // Written back in the current schema, it reads the same.
        assert_eq!(Receipt::decode(&receipt.encode()).unwrap(), receipt);
    }
}
