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
///
/// The signature is parsed and its `s` normalized as alloy does, then recovered with
/// libsecp256k1 (the same answer as alloy's k256 recovery, which the tests check, in a third of
/// the time: a client recovers some fifteen signers per chunk it stores).
pub(crate) fn recover(signature: &[u8], hash: [u8; 32]) -> Option<Address> {
    use secp256k1::Message;
    use secp256k1::ecdsa::{RecoverableSignature, RecoveryId};
    let signature = Signature::try_from(signature).ok()?;
    let signature = signature.normalize_s().unwrap_or(signature);
    let mut compact = [0u8; 64];
    compact[..32].copy_from_slice(&signature.r().to_be_bytes::<32>());
    compact[32..].copy_from_slice(&signature.s().to_be_bytes::<32>());
    let id = RecoveryId::try_from(i32::from(signature.v())).ok()?;
    let key = RecoverableSignature::from_compact(&compact, id)
        .ok()?
        .recover(Message::from_digest(hash))
        .ok()?;
    Some(Address::from_raw_public_key(
        &key.serialize_uncompressed()[1..],
    ))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    /// alloy's own recovery (k256), which [`recover`] must agree with.
    fn recover_k256(signature: &[u8], hash: [u8; 32]) -> Option<Address> {
        Signature::try_from(signature)
            .ok()?
            .recover_address_from_prehash(&B256::from(hash))
            .ok()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn recovery_agrees_with_k256_on_signatures_their_high_s_twins_and_garbage(
            key in any::<[u8; 32]>(),
            hash in any::<[u8; 32]>(),
            noise in proptest::collection::vec(any::<u8>(), 65),
        ) {
            let Ok(signer) = PrivateKeySigner::from_slice(&key) else {
                return Ok(());
            };
            let signature = sign_prehash(&signer, hash);
            prop_assert_eq!(recover(&signature, hash), Some(signer.address()));
            prop_assert_eq!(recover_k256(&signature, hash), Some(signer.address()));
            // The same signature with s replaced by n - s and the parity flipped.
            let parsed = Signature::try_from(&signature[..]).unwrap();
            let n = alloy::primitives::U256::from_be_slice(&[
                0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                0xFF, 0xFE, 0xBA, 0xAE, 0xDC, 0xE6, 0xAF, 0x48, 0xA0, 0x3B, 0xBF, 0xD2, 0x5E, 0x8C,
                0xD0, 0x36, 0x41, 0x41,
            ]);
            let twin = Signature::new(parsed.r(), n - parsed.s(), !parsed.v()).as_bytes();
            prop_assert_eq!(recover(&twin, hash), recover_k256(&twin, hash));
            let mut other = hash;
            other[0] ^= 1;
            prop_assert_eq!(recover(&signature, other), recover_k256(&signature, other));
            prop_assert_eq!(recover(&noise, hash), recover_k256(&noise, hash));
            // Random r and s with a well-formed parity byte: most recover some address.
            let mut random = noise.clone();
            random[64] = 27 + (random[64] & 1);
            prop_assert_eq!(recover(&random, hash), recover_k256(&random, hash));
            prop_assert_eq!(recover(&noise[..64], hash), recover_k256(&noise[..64], hash));
        }
    }
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
