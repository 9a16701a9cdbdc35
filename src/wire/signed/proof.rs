//! A payment proof: the close group's quotes, which one was paid, and the chunk's place in
//! its paid wave; and the checks a node makes of one before it stores a chunk.
//!
//! Invariants: a proof holds between a majority of the close group and K quotes, from
//! distinct issuers, all for one chunk and one payer ([`PaymentProof::check_shape`], no
//! signature recovery); the paid quote is the median (the upper one for an even count) and is
//! paid [`PAYMENT_MULTIPLIER`] times its price: the proof's wave leaf is for the chunk, pays
//! the quote's rewards address at least that much, and its path leads to the proof's wave root
//! ([`PaymentProof::check_leaf`], no chain).

use alloy::primitives::{Address, B256};
use serde::{Deserialize, Serialize};

use super::{QuoteError, SignedQuote, median_index};
use crate::wire::types::{Amount, ChunkAddress, WaveRoot};
use crate::wire::wave::WaveMembership;

/// The paid quote is paid this many times its price.
pub const PAYMENT_MULTIPLIER: u64 = 3;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::signed::tests::quote;
    use alloy::signers::local::PrivateKeySigner;

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
}
