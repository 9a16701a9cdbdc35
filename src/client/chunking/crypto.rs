//! A chunk's convergent encryption: its key derived from its own plaintext (BLAKE3
//! `derive_key`), AES-256-GCM with the all-zero nonce (sound because a key seals only the one
//! plaintext it came from), and its address the BLAKE3 of the ciphertext.
//!
//! Invariant: opening checks the address before the tag, so a substituted chunk and a tampered
//! one fail with different errors, and neither yields bytes.

use std::fmt;

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use serde::{Deserialize, Serialize};

use super::ChunkError;
use crate::wire::types::ChunkAddress;

const KEY_CONTEXT: &str = "ferry 2026-11 convergent chunk key v1";

/// The symmetric key of one chunk (derived from its plaintext). Never printed.
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkKey(pub [u8; 32]);

impl fmt::Debug for ChunkKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ChunkKey(..)")
    }
}

/// Encrypts `buffer` (plaintext) in place, appending the tag; returns the key and address.
pub fn encrypt_in_place(buffer: &mut Vec<u8>) -> (ChunkKey, ChunkAddress) {
    encrypt_tail_in_place(buffer, 0)
}

/// Encrypts `buffer[start..]` (plaintext) in place and appends the tag, leaving
/// `buffer[..start]` (a header) untouched; returns the key and address of the encrypted tail.
pub fn encrypt_tail_in_place(buffer: &mut Vec<u8>, start: usize) -> (ChunkKey, ChunkAddress) {
    let key = ChunkKey(
        *blake3::Hasher::new_derive_key(KEY_CONTEXT)
            .update(&buffer[start..])
            .finalize()
            .as_bytes(),
    );
    (key, encrypt_tail_with_key(buffer, start, &key))
}

/// [`encrypt_tail_in_place`] with the key already derived from this plaintext (by an earlier
/// pass over the same bytes), saving a hash of the plaintext; returns the address. The caller
/// checks the address against the one the key came with: a plaintext that changed since then
/// gets another address, and its ciphertext must not leave the process (it is sealed under a
/// key that belongs to other bytes).
pub fn encrypt_tail_with_key(buffer: &mut Vec<u8>, start: usize, key: &ChunkKey) -> ChunkAddress {
    let tag = aead_key(key)
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key([0u8; 12]),
            Aad::empty(),
            &mut buffer[start..],
        )
        .expect("AES-GCM sealing cannot fail below its 64 GiB limit");
    buffer.extend_from_slice(tag.as_ref());
    ChunkAddress::of(&buffer[start..])
}

/// Checks that `bytes` are the chunk at `address` and decrypts them with `key`.
pub fn decrypt(address: ChunkAddress, key: &ChunkKey, bytes: &[u8]) -> Result<Vec<u8>, ChunkError> {
    verify_address(address, bytes)?;
    let mut buffer = bytes.to_vec();
    let plain_len = aead_key(key)
        .open_in_place(
            Nonce::assume_unique_for_key([0u8; 12]),
            Aad::empty(),
            &mut buffer,
        )
        .map_err(|_| ChunkError::Tampered(address))?
        .len();
    buffer.truncate(plain_len);
    Ok(buffer)
}

/// Fails unless BLAKE3 of `bytes` is `address`.
pub fn verify_address(address: ChunkAddress, bytes: &[u8]) -> Result<(), ChunkError> {
    let actual = ChunkAddress::of(bytes);
    if actual == address {
        Ok(())
    } else {
        Err(ChunkError::AddressMismatch {
            expected: address,
            actual,
        })
    }
}

fn aead_key(key: &ChunkKey) -> LessSafeKey {
    LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &key.0).expect("32-byte key"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tampered_chunk_fails_loudly() {
        let mut buffer = b"secret".to_vec();
        let (key, address) = encrypt_in_place(&mut buffer);
        buffer[0] ^= 1;
        assert!(matches!(
            decrypt(address, &key, &buffer),
            Err(ChunkError::AddressMismatch { .. })
        ));
        let forged = ChunkAddress::of(&buffer);
        assert!(matches!(
            decrypt(forged, &key, &buffer),
            Err(ChunkError::Tampered(_))
        ));
    }

    #[test]
    fn sealing_with_the_derived_key_gives_the_same_chunk_and_other_bytes_another_address() {
        let mut first = b"head".to_vec();
        first.extend_from_slice(b"plaintext");
        let (key, address) = encrypt_tail_in_place(&mut first, 4);
        let mut again = b"head".to_vec();
        again.extend_from_slice(b"plaintext");
        assert_eq!(encrypt_tail_with_key(&mut again, 4, &key), address);
        assert_eq!(again, first);
        let mut changed = b"head".to_vec();
        changed.extend_from_slice(b"plaintexT");
        assert_ne!(encrypt_tail_with_key(&mut changed, 4, &key), address);
    }
}
