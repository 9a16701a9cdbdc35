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

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use alloy::primitives::{Address, B256, Signature, keccak256};
use alloy::signers::SignerSync;
use alloy::signers::local::PrivateKeySigner;
use serde::{Deserialize, Serialize};

use crate::wire::types::{Amount, ChunkAddress, QuoteHash, WaveRoot};
use crate::wire::wave::WaveMembership;

/// The paid quote is paid this many times its price.
pub const PAYMENT_MULTIPLIER: u64 = 3;

const QUOTE_DOMAIN: &[u8] = b"ferry quote v2";
const RECEIPT_DOMAIN: &[u8] = b"ferry storage receipt v1";

/// Why a quote, proof or receipt is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuoteError {
    /// The signature is malformed or does not recover to the quoted rewards address.
    #[error("quote for chunk {chunk} is not signed by its rewards address {rewards}")]
    BadSignature {
        /// The chunk quoted.
        chunk: ChunkAddress,
        /// The address the quote claims.
        rewards: Address,
    },
    /// A quote in the proof is for another chunk.
    #[error("proof carries a quote for chunk {quoted}, not {expected}")]
    WrongChunk {
        /// The chunk the proof is presented for.
        expected: ChunkAddress,
        /// The chunk the quote names.
        quoted: ChunkAddress,
    },
    /// The proof has no quotes or its paid index is out of range.
    #[error("proof is malformed: {0}")]
    Malformed(&'static str),
    /// The paid quote is not the median of the quotes carried.
    #[error("the paid quote is not the median of the close group's quotes")]
    NotMedian,
    /// Fewer quotes than a majority of the close group.
    #[error(
        "the proof holds {got} quotes but needs at least {needed}, a majority of the chunk's close group"
    )]
    TooFewQuotes {
        /// Quotes carried.
        got: usize,
        /// The majority needed.
        needed: usize,
    },
    /// More quotes than the close group has nodes.
    #[error("the proof holds {got} quotes, more than the close group's {max}")]
    TooManyQuotes {
        /// Quotes carried.
        got: usize,
        /// The close group size.
        max: usize,
    },
    /// Two quotes name the same issuer.
    #[error(
        "the proof holds more than one quote from issuer {0}; each must come from a distinct node"
    )]
    DuplicateIssuer(Address),
    /// A quote is bound to another payer than the paid quote.
    #[error("a quote in the proof is for payer {quoted}, not the paid quote's payer {paid}")]
    PayerMismatch {
        /// The paid quote's payer.
        paid: Address,
        /// The other quote's payer.
        quoted: Address,
    },
    /// The quote is too old or too far in the future.
    #[error("quote issued at {issued_at} is {age}")]
    Stale {
        /// The quote's time (Unix seconds).
        issued_at: u64,
        /// What is wrong with it.
        age: StaleKind,
    },
}

/// Why a proof's wave leaf does not pay for its chunk as its paid quote asks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LeafError {
    /// The leaf is for another chunk.
    #[error("the proof's wave leaf is for chunk {leaf}, not {chunk}")]
    OtherChunk {
        /// The chunk the leaf names.
        leaf: ChunkAddress,
        /// The proof's chunk.
        chunk: ChunkAddress,
    },
    /// The leaf pays another address than the paid quote's.
    #[error(
        "the proof's wave leaf pays {paid_to}, not the paid quote's rewards address {expected}"
    )]
    OtherRecipient {
        /// Who the leaf pays.
        paid_to: Address,
        /// The paid quote's rewards address.
        expected: Address,
    },
    /// The leaf pays less than three times the paid quote's price.
    #[error(
        "the proof's wave leaf pays {paid} wei, below the required {required} wei ({PAYMENT_MULTIPLIER} times the paid quote's price)"
    )]
    Underpaid {
        /// What the leaf pays.
        paid: Amount,
        /// Three times the price.
        required: Amount,
    },
    /// The path does not lead from the leaf to the wave's root.
    #[error("the proof's path does not lead from its leaf to its wave root {root}")]
    NotInWave {
        /// The root the proof names.
        root: WaveRoot,
    },
}

/// How a quote's time is out of bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaleKind {
    /// Older than the maximum age.
    Expired,
    /// Further in the future than the clock-skew tolerance.
    FromTheFuture,
}

impl std::fmt::Display for StaleKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StaleKind::Expired => "expired",
            StaleKind::FromTheFuture => "too far in the future",
        })
    }
}

/// The age rule for quotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Freshness {
    /// A quote older than this is expired.
    pub max_age: Duration,
    /// A quote more than this ahead of the clock is rejected (clock-skew tolerance).
    pub max_future: Duration,
}

impl Freshness {
    /// What a node accepts: 24 hours old, 300 seconds ahead.
    pub const NODE: Freshness = Freshness {
        max_age: Duration::from_secs(24 * 3600),
        max_future: Duration::from_secs(300),
    };
    /// What a client keeps on resume: 5 minutes stricter on age than a node, so a reused proof
    /// still has time to reach the nodes before they would refuse it.
    pub const CLIENT: Freshness = Freshness {
        max_age: Duration::from_secs(24 * 3600 - 300),
        max_future: Duration::from_secs(300),
    };

    /// Checks a quote time against `now` (both Unix seconds). The bounds themselves pass.
    pub fn check(&self, issued_at: u64, now: u64) -> Result<(), QuoteError> {
        let stale = |age| Err(QuoteError::Stale { issued_at, age });
        if issued_at > now.saturating_add(self.max_future.as_secs()) {
            return stale(StaleKind::FromTheFuture);
        }
        if now.saturating_sub(issued_at) > self.max_age.as_secs() {
            return stale(StaleKind::Expired);
        }
        Ok(())
    }
}

/// The current Unix time in seconds.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// What a node offers to store a chunk for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteBody {
    /// The chunk's address.
    pub chunk: ChunkAddress,
    /// The chunk's encrypted size in bytes.
    pub size: u32,
    /// The node's price in wei (it is paid three times this if its quote is the median).
    pub price: Amount,
    /// The node's rewards address (its EVM address).
    pub rewards: Address,
    /// The node's clock when it quoted (Unix seconds).
    pub issued_at: u64,
    /// The address that will pay: only a payment from it counts for this quote, so a stranger
    /// can neither pay it first (making the payer's wave revert) nor lend it a payment.
    pub payer: Address,
}

impl QuoteBody {
    /// The hash the node signs and the vault records payments under.
    pub fn hash(&self) -> QuoteHash {
        let mut bytes = Vec::with_capacity(QUOTE_DOMAIN.len() + 32 + 4 + 32 + 20 + 8 + 20);
        bytes.extend_from_slice(QUOTE_DOMAIN);
        bytes.extend_from_slice(self.chunk.as_bytes());
        bytes.extend_from_slice(&self.size.to_be_bytes());
        bytes.extend_from_slice(&self.price.0.to_be_bytes::<32>());
        bytes.extend_from_slice(self.rewards.as_slice());
        bytes.extend_from_slice(&self.issued_at.to_be_bytes());
        bytes.extend_from_slice(self.payer.as_slice());
        QuoteHash(keccak256(&bytes).0)
    }
}

/// A quote with the node's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedQuote {
    /// What was quoted.
    pub body: QuoteBody,
    /// 65-byte secp256k1 signature over [`QuoteBody::hash`].
    pub signature: Vec<u8>,
}

impl SignedQuote {
    /// Signs a quote; `body.rewards` must be the signer's address.
    pub fn sign(body: QuoteBody, signer: &PrivateKeySigner) -> Self {
        debug_assert_eq!(body.rewards, signer.address());
        let signature = sign_prehash(signer, body.hash().0);
        Self { body, signature }
    }

    /// Checks the signature; returns the issuing node's address (its id is the position the
    /// vault's registry gave that address).
    pub fn verify(&self) -> Result<Address, QuoteError> {
        if recover(&self.signature, self.body.hash().0) == Some(self.body.rewards) {
            Ok(self.body.rewards)
        } else {
            Err(QuoteError::BadSignature {
                chunk: self.body.chunk,
                rewards: self.body.rewards,
            })
        }
    }
}

pub(crate) fn sign_prehash(signer: &PrivateKeySigner, hash: [u8; 32]) -> Vec<u8> {
    signer
        .sign_hash_sync(&B256::from(hash))
        .expect("signing a 32-byte hash with a local key cannot fail")
        .as_bytes()
        .to_vec()
}

pub(crate) fn recover(signature: &[u8], hash: [u8; 32]) -> Option<Address> {
    Signature::try_from(signature)
        .ok()?
        .recover_address_from_prehash(&B256::from(hash))
        .ok()
}

/// The index of the median quote (upper median for an even count), by price.
pub fn median_index(quotes: &[SignedQuote]) -> Option<usize> {
    let mut order: Vec<usize> = (0..quotes.len()).collect();
    order.sort_by_key(|&i| (quotes[i].body.price, quotes[i].body.hash()));
    order.get(quotes.len() / 2).copied()
}

/// Proof that a chunk was paid for: the close group's quotes, which one was paid, the chunk's
/// place in its paid wave, and the wave's transaction (for display: the vault's record of the
/// wave is what counts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentProof {
    /// The close group's signed quotes for the chunk.
    pub quotes: Vec<SignedQuote>,
    /// Index of the paid (median) quote.
    pub paid: u32,
    /// The payment transaction.
    pub tx_hash: B256,
    /// The chunk's leaf in its wave and the path to the wave's root (default until the wave
    /// is formed).
    pub wave: WaveMembership,
}

impl PaymentProof {
    /// The chunk the proof is for.
    pub fn chunk(&self) -> Option<ChunkAddress> {
        self.quotes.first().map(|q| q.body.chunk)
    }

    /// The paid quote.
    pub fn paid_quote(&self) -> Option<&SignedQuote> {
        self.quotes.get(self.paid as usize)
    }

    /// What the vault must hold for the paid quote: three times its price.
    pub fn required_amount(&self) -> Option<Amount> {
        self.paid_quote()
            .and_then(|q| q.body.price.checked_mul(PAYMENT_MULTIPLIER))
    }

    /// The cheap checks, with no signature recovery, no chain and no clock: between
    /// `min_quotes` and `max_quotes` quotes, all for `chunk` and for one payer, from distinct
    /// issuers, the paid index in range and the paid quote the median. Returns the paid quote.
    pub fn check_shape(
        &self,
        chunk: ChunkAddress,
        min_quotes: usize,
        max_quotes: usize,
    ) -> Result<&SignedQuote, QuoteError> {
        let got = self.quotes.len();
        if got > max_quotes {
            return Err(QuoteError::TooManyQuotes {
                got,
                max: max_quotes,
            });
        }
        if got < min_quotes.max(1) {
            return Err(QuoteError::TooFewQuotes {
                got,
                needed: min_quotes.max(1),
            });
        }
        let paid = self
            .paid_quote()
            .ok_or(QuoteError::Malformed("paid index out of range"))?;
        let mut issuers = std::collections::HashSet::with_capacity(got);
        for quote in &self.quotes {
            if quote.body.chunk != chunk {
                return Err(QuoteError::WrongChunk {
                    expected: chunk,
                    quoted: quote.body.chunk,
                });
            }
            if quote.body.payer != paid.body.payer {
                return Err(QuoteError::PayerMismatch {
                    paid: paid.body.payer,
                    quoted: quote.body.payer,
                });
            }
            if !issuers.insert(quote.body.rewards) {
                return Err(QuoteError::DuplicateIssuer(quote.body.rewards));
            }
        }
        let median = median_index(&self.quotes).expect("non-empty");
        if self.quotes[median].body.price != paid.body.price {
            return Err(QuoteError::NotMedian);
        }
        Ok(paid)
    }

    /// Checks the proof's wave leaf against the paid quote `paid`, with no chain: for this
    /// proof's chunk, paying the quote's rewards address at least three times its price, and
    /// on a path that leads to the proof's wave root.
    pub fn check_leaf(&self, paid: &SignedQuote) -> Result<(), LeafError> {
        let leaf = &self.wave.leaf;
        if leaf.chunk != paid.body.chunk {
            return Err(LeafError::OtherChunk {
                leaf: leaf.chunk,
                chunk: paid.body.chunk,
            });
        }
        if leaf.rewards != paid.body.rewards {
            return Err(LeafError::OtherRecipient {
                paid_to: leaf.rewards,
                expected: paid.body.rewards,
            });
        }
        let required = paid
            .body
            .price
            .checked_mul(PAYMENT_MULTIPLIER)
            .unwrap_or(Amount(alloy::primitives::U256::MAX));
        if leaf.amount < required {
            return Err(LeafError::Underpaid {
                paid: leaf.amount,
                required,
            });
        }
        if !self.wave.leads_to_root() {
            return Err(LeafError::NotInWave {
                root: self.wave.root,
            });
        }
        Ok(())
    }

    /// Checks that every quote is signed by its issuer (CPU work: run it off async threads).
    pub fn verify_signatures(&self) -> Result<(), QuoteError> {
        self.quotes
            .iter()
            .try_for_each(|quote| quote.verify().map(drop))
    }

    /// [`PaymentProof::check_shape`] with any count up to `max_quotes`, then every signature.
    pub fn verify_for(&self, chunk: ChunkAddress) -> Result<&SignedQuote, QuoteError> {
        let paid = self.check_shape(chunk, 1, usize::MAX)?;
        self.verify_signatures()?;
        Ok(paid)
    }
}

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

    fn quote(signer: &PrivateKeySigner, chunk: ChunkAddress, price: u128) -> SignedQuote {
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

    #[test]
    fn quotes_verify_and_forgeries_do_not() {
        let signer = PrivateKeySigner::random();
        let chunk = ChunkAddress::of(b"c");
        let good = quote(&signer, chunk, 5);
        assert_eq!(good.verify().unwrap(), signer.address());
        let mut raised = good.clone();
        raised.body.price = Amount::wei(50);
        assert!(raised.verify().is_err());
        let mut stolen = good.clone();
        stolen.body.rewards = PrivateKeySigner::random().address();
        assert!(stolen.verify().is_err());
    }

    #[test]
    fn proof_requires_the_median_and_the_right_chunk() {
        let chunk = ChunkAddress::of(b"c");
        let quotes: Vec<_> = [9u128, 1, 5, 7, 3]
            .iter()
            .map(|&p| quote(&PrivateKeySigner::random(), chunk, p))
            .collect();
        let median = median_index(&quotes).unwrap();
        assert_eq!(quotes[median].body.price, Amount::wei(5));
        let proof = PaymentProof {
            quotes: quotes.clone(),
            paid: median as u32,
            tx_hash: B256::ZERO,
            wave: WaveMembership::default(),
        };
        assert!(proof.verify_for(chunk).is_ok());
        assert_eq!(proof.required_amount(), Some(Amount::wei(15)));
        assert!(matches!(
            proof.verify_for(ChunkAddress::of(b"other")),
            Err(QuoteError::WrongChunk { .. })
        ));
        let cheapest = PaymentProof { paid: 1, ..proof };
        assert_eq!(cheapest.verify_for(chunk), Err(QuoteError::NotMedian));
    }

    #[test]
    fn a_proofs_shape_needs_a_majority_distinct_issuers_and_one_payer() {
        let chunk = ChunkAddress::of(b"c");
        let signers: Vec<_> = (0..5).map(|_| PrivateKeySigner::random()).collect();
        let quotes: Vec<_> = signers
            .iter()
            .zip([9u128, 1, 5, 7, 3])
            .map(|(s, p)| quote(s, chunk, p))
            .collect();
        let proof = |quotes: Vec<SignedQuote>| {
            let paid = median_index(&quotes).unwrap() as u32;
            PaymentProof {
                quotes,
                paid,
                tx_hash: B256::ZERO,
                wave: WaveMembership::default(),
            }
        };
        assert!(proof(quotes.clone()).check_shape(chunk, 4, 7).is_ok());
        assert_eq!(
            proof(quotes[..3].to_vec()).check_shape(chunk, 4, 7),
            Err(QuoteError::TooFewQuotes { got: 3, needed: 4 })
        );
        assert_eq!(
            proof(quotes.clone()).check_shape(chunk, 4, 4),
            Err(QuoteError::TooManyQuotes { got: 5, max: 4 })
        );
        let mut twice = quotes.clone();
        twice[4] = quote(&signers[0], chunk, 3);
        assert_eq!(
            proof(twice).check_shape(chunk, 4, 7),
            Err(QuoteError::DuplicateIssuer(signers[0].address()))
        );
        let mut other_payer = quotes.clone();
        other_payer[1].body.payer = Address::repeat_byte(1);
        assert!(matches!(
            proof(other_payer).check_shape(chunk, 4, 7),
            Err(QuoteError::PayerMismatch { .. })
        ));
    }

    #[test]
    fn a_proofs_leaf_pays_the_paid_quotes_address_three_times_its_price_in_its_wave() {
        use crate::wire::wave::{WaveLeaf, WaveTree};
        let chunk = ChunkAddress::of(b"c");
        let paid = quote(&PrivateKeySigner::random(), chunk, 5);
        let leaf = WaveLeaf {
            chunk,
            rewards: paid.body.rewards,
            amount: Amount::wei(15),
        };
        let other = WaveLeaf {
            chunk: ChunkAddress::of(b"d"),
            ..leaf
        };
        let proof_with = |leaf: WaveLeaf| {
            let tree = WaveTree::new(vec![other, leaf]).unwrap();
            PaymentProof {
                quotes: vec![paid.clone()],
                paid: 0,
                tx_hash: B256::ZERO,
                wave: tree.membership(1),
            }
        };
        assert_eq!(proof_with(leaf).check_leaf(&paid), Ok(()));
        let stranger = Address::repeat_byte(4);
        assert_eq!(
            proof_with(WaveLeaf {
                rewards: stranger,
                ..leaf
            })
            .check_leaf(&paid),
            Err(LeafError::OtherRecipient {
                paid_to: stranger,
                expected: paid.body.rewards
            })
        );
        assert_eq!(
            proof_with(WaveLeaf {
                amount: Amount::wei(14),
                ..leaf
            })
            .check_leaf(&paid),
            Err(LeafError::Underpaid {
                paid: Amount::wei(14),
                required: Amount::wei(15)
            })
        );
        let mut detour = proof_with(leaf);
        detour.wave.path[0] = B256::repeat_byte(1);
        assert!(matches!(
            detour.check_leaf(&paid),
            Err(LeafError::NotInWave { .. })
        ));
        assert!(matches!(
            proof_with(other).check_leaf(&paid),
            Err(LeafError::OtherChunk { .. })
        ));
    }

    #[test]
    fn freshness_bounds_are_inclusive_at_their_edges() {
        let rule = Freshness::NODE;
        let now = 1_000_000;
        assert!(rule.check(now - 86_400, now).is_ok());
        assert!(rule.check(now - 86_401, now).is_err());
        assert!(rule.check(now + 300, now).is_ok());
        assert!(rule.check(now + 301, now).is_err());
        assert!(Freshness::CLIENT.check(now - 86_100, now).is_ok());
        assert!(Freshness::CLIENT.check(now - 86_101, now).is_err());
    }

    #[test]
    fn storage_receipts_are_signed_by_the_node() {
        let signer = PrivateKeySigner::random();
        let mut receipt = StorageReceipt::sign(ChunkAddress::of(b"x"), &signer);
        assert!(receipt.is_valid());
        receipt.stored_at += 1;
        assert!(!receipt.is_valid());
    }
}
