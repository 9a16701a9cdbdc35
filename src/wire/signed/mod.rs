//! Signed quotes, payment proofs and storage receipts: what nodes sign and what clients carry.
//!
//! A quote binds a chunk address, its size, a price, the node's rewards address and the node's
//! clock time, and is signed with the node's secp256k1 key over its keccak-256 [`QuoteHash`];
//! the signer's EVM address must equal the quoted rewards address, and the node's id is derived
//! from that address. A proof carries the chunk's place in its paid wave
//! ([`WaveMembership`]): the vault records the wave's root under the payer.
//!
//! Invariants kept here:
//! - a quote verifies only if its signature recovers to its own rewards address;
//! - a proof holds between a majority of the close group and K quotes, from distinct issuers,
//!   all for one chunk and one payer ([`PaymentProof::check_shape`], no signature recovery);
//! - the paid quote of a proof is the median of the close group's quotes (the upper median for
//!   an even count), and is paid [`PAYMENT_MULTIPLIER`] times its price: the proof's wave leaf
//!   is for the chunk, pays the quote's rewards address at least that much, and its path leads
//!   to the proof's wave root ([`PaymentProof::check_leaf`], no chain);
//! - [`Freshness`] is the one age rule: nodes use [`Freshness::NODE`] (24 h old, 300 s ahead),
//!   clients prune with [`Freshness::CLIENT`] (5 minutes stricter on age).
//!
//! One file each: `quote` (the quote, its signature and its age rule), `proof` (the payment
//! proof and the checks a node makes of it) and `storage_receipt`.

mod proof;
mod quote;
mod storage_receipt;

pub use proof::{LeafError, PAYMENT_MULTIPLIER, PaymentProof};
pub use quote::{Freshness, QuoteBody, QuoteError, SignedQuote, StaleKind, median_index};
pub use storage_receipt::StorageReceipt;

use std::time::{SystemTime, UNIX_EPOCH};

use alloy::primitives::{Address, B256, Signature};
use alloy::signers::SignerSync;
use alloy::signers::local::PrivateKeySigner;

/// The current Unix time in seconds.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Signs `hash` as it is (no prefix) with a node's key: 65 bytes.
pub(crate) fn sign_prehash(signer: &PrivateKeySigner, hash: [u8; 32]) -> Vec<u8> {
    signer
        .sign_hash_sync(&B256::from(hash))
        .expect("signing a 32-byte hash with a local key cannot fail")
        .as_bytes()
        .to_vec()
}

/// The address whose key made `signature` over `hash`, when it is a valid signature.
pub(crate) fn recover(signature: &[u8], hash: [u8; 32]) -> Option<Address> {
    Signature::try_from(signature)
        .ok()?
        .recover_address_from_prehash(&B256::from(hash))
        .ok()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::wire::types::{Amount, ChunkAddress};

    /// A quote for `chunk` at `price` wei signed by `signer`, for one fixed payer.
    pub(crate) fn quote(
        signer: &PrivateKeySigner,
        chunk: ChunkAddress,
        price: u128,
    ) -> SignedQuote {
        SignedQuote::sign(
            QuoteBody {
                chunk,
                size: 10,
                price: Amount::wei(price),
                rewards: signer.address(),
                issued_at: 1_000,
                payer: Address::repeat_byte(9),
            },
            signer,
        )
    }
}
