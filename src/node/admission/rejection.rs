//! Why a PUT's payment was not accepted, and which refusals are the node's own (retry soon)
//! rather than the request's.

use alloy::primitives::Address;

use crate::vault::PaymentError;
use crate::wire::signed::{LeafError, PAYMENT_MULTIPLIER, QuoteError};
use crate::wire::types::{Amount, ChunkAddress, NodeId, WaveRoot};

/// Why a PUT's payment was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum Rejection {
    /// A quote is forged, for another chunk, or the paid one is not the median.
    #[error("invalid payment proof")]
    InvalidProof(#[source] QuoteError),
    /// The paid quote is for another size.
    #[error("the paid quote is for {quoted} bytes but the chunk is {actual} bytes")]
    SizeMismatch {
        /// The size quoted.
        quoted: u32,
        /// The chunk's length.
        actual: usize,
    },
    /// A quote's issuer is not an active node of the vault's registry.
    #[error(
        "quote issuer {rewards} is not a registered node (no stake in the vault): its quote counts for nothing"
    )]
    UnregisteredIssuer {
        /// The issuer's address.
        rewards: Address,
    },
    /// This node is not among the chunk's close group in its own view.
    #[error(
        "this node is not among the {k} nodes closest to chunk {chunk} (one per network prefix) in its view: send it to the chunk's close group"
    )]
    NotResponsible {
        /// The chunk.
        chunk: ChunkAddress,
        /// Places counted (the close group and the slack).
        k: usize,
    },
    /// The paid price is below this node's floor.
    #[error("the paid quote's price {paid} is below this node's floor of {floor} wei a chunk")]
    BelowFloor {
        /// The paid quote's price.
        paid: Amount,
        /// This node's floor.
        floor: Amount,
    },
    /// A quote's issuer is not a node this node knows.
    #[error("quote issuer {issuer} is not a node this node knows")]
    UnknownIssuer {
        /// The issuer's id.
        issuer: NodeId,
    },
    /// A quote's issuer is unknown and this node refreshed its peers too recently to look again.
    #[error("{issuer} yet; its peer view is being refreshed, retry in a few seconds")]
    RefreshPending {
        /// What is unknown of the issuer.
        issuer: String,
    },
    /// A quote's issuer is not close to the chunk.
    #[error(
        "quote issuer {issuer} is not among the {k} nodes closest to chunk {chunk} in this node's view"
    )]
    NotInCloseGroup {
        /// The issuer's id.
        issuer: NodeId,
        /// The chunk.
        chunk: ChunkAddress,
        /// The close group size.
        k: usize,
    },
    /// The paid quote is too old or from the future.
    #[error("the paid quote is not fresh by this node's clock")]
    Stale(#[source] QuoteError),
    /// The price times three overflows 256 bits.
    #[error("the paid quote's price {0} overflows when multiplied by {PAYMENT_MULTIPLIER}")]
    PriceOverflow(Amount),
    /// The proof's wave leaf does not pay for the chunk as the paid quote asks.
    #[error(transparent)]
    Leaf(LeafError),
    /// The vault has no payment of the wave by the payer.
    #[error("wave {root} of payer {payer} is not paid on-chain")]
    NotPaid {
        /// The wave's root.
        root: WaveRoot,
        /// The paid quote's payer.
        payer: Address,
    },
    /// The vault records the wave with another leaf count than the proof's.
    #[error("the proof says wave {root} has {claimed} leaves, but the vault records {recorded}")]
    WrongWaveSize {
        /// The wave's root.
        root: WaveRoot,
        /// The proof's count.
        claimed: u32,
        /// The vault's.
        recorded: u32,
    },
    /// The payment is not yet deep enough to count.
    #[error(
        "wave {root} is paid in a block {depth} deep: not yet {needed} confirmations; retry later"
    )]
    NotConfirmed {
        /// The wave's root.
        root: WaveRoot,
        /// Blocks from the payment's to the latest, both counted.
        depth: u64,
        /// Confirmations this node requires.
        needed: u64,
    },
    /// The chain could not be asked.
    #[error("cannot check the payment on-chain")]
    ChainUnavailable(#[source] PaymentError),
}

impl Rejection {
    /// True when the failure is the node's (the chain is unreachable, or its peer view is
    /// being refreshed), not the request's: the same PUT may pass soon.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            Rejection::ChainUnavailable(_) | Rejection::RefreshPending { .. }
        )
    }

    /// True when the payment is real but not yet deep enough.
    pub fn is_too_early(&self) -> bool {
        matches!(self, Rejection::NotConfirmed { .. })
    }
}
