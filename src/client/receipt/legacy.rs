//! Receipts written by older ferry versions, read so that an upgrade never makes an upload
//! fail on its old receipt. Each older schema is decoded into its own structs here and
//! converted to the current [`Receipt`]; nothing here is ever written.
//!
//! - schema 1: journalled intents carry no nonce and no transaction hash;
//! - schema 2: intents carry both;
//! - both: proofs carry no wave membership. They were paid to a vault that recorded each quote
//!   hash, which the current vault (one Merkle commitment per wave) is not: a receipt's key
//!   names the vault's address, and the current vault only ever sits at an address an older
//!   one had on a chain restarted from scratch (a devnet), where those payments do not exist.
//!   So their proofs and intents are dropped, and their chunks quoted and paid again on the
//!   current vault; what was paid (waves, with their costs) and what was stored are kept.

use std::collections::BTreeMap;

use alloy::primitives::B256;
use serde::Deserialize;

use super::{Receipt, WaveRecord};
use crate::wire::signed::{SignedQuote, StorageReceipt};
use crate::wire::types::ChunkAddress;

/// A proof of schemas 1 and 2: no wave membership.
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
// Decoded only to reach the fields after it; the current vault cannot use it.
#[allow(dead_code)]
pub(super) struct ProofV1 {
    quotes: Vec<SignedQuote>,
    paid: u32,
    tx_hash: B256,
}

/// A schema 1 intent: no nonce, no transaction hash.
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
// Decoded only to reach the fields after it; the current vault cannot use it.
#[allow(dead_code)]
pub(super) struct IntentV1 {
    written_at: u64,
    from_block: u64,
    proofs: Vec<ProofV1>,
}

/// A schema 2 intent.
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
// Decoded only to reach the fields after it; the current vault cannot use it.
#[allow(dead_code)]
pub(super) struct IntentV2 {
    written_at: u64,
    from_block: u64,
    nonce: Option<u64>,
    tx_hash: Option<B256>,
    proofs: Vec<ProofV1>,
}

/// A receipt body of schema 1 (`I` = [`IntentV1`]) or 2 (`I` = [`IntentV2`]).
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
pub(super) struct ReceiptV1<I> {
    file: String,
    file_size: u64,
    chunks_total: u64,
    created_at: u64,
    waves: BTreeMap<B256, WaveRecord>,
    intents: Vec<I>,
    proofs: BTreeMap<ChunkAddress, ProofV1>,
    stored: BTreeMap<ChunkAddress, Vec<StorageReceipt>>,
}

/// A schema 1 receipt body.
pub(super) type ReceiptSchema1 = ReceiptV1<IntentV1>;
/// A schema 2 receipt body.
pub(super) type ReceiptSchema2 = ReceiptV1<IntentV2>;

impl<I> From<ReceiptV1<I>> for Receipt {
    fn from(old: ReceiptV1<I>) -> Self {
        if !old.proofs.is_empty() || !old.intents.is_empty() {
            tracing::info!(
                file = old.file,
                proofs = old.proofs.len(),
                intents = old.intents.len(),
                "an older receipt's proofs are for the per-quote vault; their chunks are paid again"
            );
        }
        Receipt {
            file: old.file,
            file_size: old.file_size,
            chunks_total: old.chunks_total,
            created_at: old.created_at,
            waves: old.waves,
            intents: Vec::new(),
            proofs: BTreeMap::new(),
            stored: old.stored,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::receipt::{LEGACY_HEADER_LEN as HEADER_LEN, MAGIC};
    use crate::wire::types::Amount;

    fn proof() -> ProofV1 {
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
        ProofV1 {
            quotes: vec![quote],
            paid: 0,
            tx_hash: B256::ZERO,
        }
    }

    /// The bytes a schema `schema` ferry wrote for `body`.
    fn old_bytes<T: serde::Serialize>(schema: u32, body: &T) -> Vec<u8> {
        let body = bincode::serde::encode_to_vec(body, bincode::config::standard()).unwrap();
        let mut bytes = Vec::with_capacity(HEADER_LEN + body.len());
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&schema.to_be_bytes());
        bytes.extend_from_slice(blake3::hash(&body).as_bytes());
        bytes.extend_from_slice(&body);
        bytes
    }

    fn old_receipt<I>(intent: I) -> ReceiptV1<I> {
        let wave = WaveRecord {
            paid_at: 1_800_000_001,
            chunks: 1,
            storage_cost: Amount::wei(9),
            gas_cost: Amount::wei(50_000),
        };
        ReceiptV1 {
            file: "/f".into(),
            file_size: 10,
            chunks_total: 3,
            created_at: 1_800_000_000,
            waves: BTreeMap::from([(B256::repeat_byte(1), wave)]),
            intents: vec![intent],
            proofs: BTreeMap::from([(ChunkAddress([4; 32]), proof())]),
            stored: BTreeMap::from([(ChunkAddress([5; 32]), Vec::new())]),
        }
    }

    fn assert_read_with_proofs_dropped(bytes: &[u8]) {
        let receipt = Receipt::decode(bytes).unwrap();
        assert_eq!(receipt.file, "/f");
        assert_eq!(receipt.chunks_total, 3);
        assert_eq!(
            receipt.storage_cost(),
            Amount::wei(9),
            "what was paid is kept"
        );
        assert_eq!(receipt.gas_cost(), Amount::wei(50_000));
        assert!(receipt.stored.contains_key(&ChunkAddress([5; 32])));
        assert!(receipt.proofs.is_empty() && receipt.intents.is_empty());
        // Written back in the current schema, it reads the same.
        assert_eq!(Receipt::decode(&receipt.encode()).unwrap(), receipt);
    }

    #[test]
    fn a_schema_1_receipt_reads_with_its_per_quote_proofs_dropped() {
        let intent = IntentV1 {
            written_at: 1_800_000_001,
            from_block: 42,
            proofs: vec![proof()],
        };
        assert_read_with_proofs_dropped(&old_bytes(1, &old_receipt(intent)));
    }

    #[test]
    fn a_schema_2_receipt_reads_with_its_per_quote_proofs_dropped() {
        let intent = IntentV2 {
            written_at: 1_800_000_001,
            from_block: 42,
            nonce: Some(7),
            tx_hash: Some(B256::repeat_byte(2)),
            proofs: vec![proof()],
        };
        assert_read_with_proofs_dropped(&old_bytes(2, &old_receipt(intent)));
    }
}
