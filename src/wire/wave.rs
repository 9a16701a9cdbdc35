//! Payment waves as the vault sees them: leaves, the Merkle tree over them, and the membership
//! a chunk's proof carries.
//!
//! A leaf is 64 bytes: the chunk address, then one word with the rewards address in its high
//! 20 bytes and the amount in its low 12 (so an amount must fit in 96 bits). The tree is the
//! vault's: leaf hash = keccak256(leaf), an inner node = keccak256(left ++ right), an odd node
//! at the end of a level moves up unchanged. A membership names its leaf's index and the wave's
//! leaf count, which fix the path's length and shape ([`root_of`]); the vault records the count,
//! so a node compares it too.
//!
//! Invariants: [`WaveTree::new`] refuses an empty wave, more than [`MAX_WAVE_LEAVES`] leaves
//! and amounts that do not fit (never truncates one); [`WaveMembership::leads_to_root`] is the
//! one check that a leaf belongs to a root, used by the node and by the client's own checks.

use alloy::primitives::{Address, B256, U256, keccak256};
use serde::{Deserialize, Serialize};

use crate::wire::types::{Amount, ChunkAddress, WaveRoot};

/// The most leaves the vault takes in one wave.
pub const MAX_WAVE_LEAVES: usize = 128;

/// The largest amount a leaf can carry (96 bits).
pub const MAX_LEAF_AMOUNT: U256 = U256::from_limbs([u64::MAX, u32::MAX as u64, 0, 0]);

/// Why leaves do not make a wave.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WaveError {
    /// No leaves.
    #[error("a wave needs at least one chunk")]
    Empty,
    /// More leaves than the vault takes.
    #[error("a wave holds at most {MAX_WAVE_LEAVES} chunks, not {0}")]
    TooMany(usize),
    /// An amount above 96 bits.
    #[error("the payment {amount} wei for chunk {chunk} does not fit the vault's 96-bit amounts")]
    AmountTooLarge {
        /// The chunk.
        chunk: ChunkAddress,
        /// Its amount.
        amount: Amount,
    },
    /// A `payWave` argument whose length is not a whole number of 64-byte leaves.
    #[error("a wave's calldata of {0} bytes is not a whole number of 64-byte leaves")]
    BadCalldata(usize),
}

/// One chunk's payment in a wave: what a leaf binds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct WaveLeaf {
    /// The chunk paid for.
    pub chunk: ChunkAddress,
    /// Who is paid (the median quote's rewards address).
    pub rewards: Address,
    /// How much, wei (three times the median quote's price).
    pub amount: Amount,
}

impl WaveLeaf {
    /// The leaf's second word: rewards in the high 20 bytes, amount in the low 12; `None`
    /// when the amount does not fit in 96 bits.
    pub fn payment_word(&self) -> Option<B256> {
        if self.amount.0 > MAX_LEAF_AMOUNT {
            return None;
        }
        let mut word = [0u8; 32];
        word[..20].copy_from_slice(self.rewards.as_slice());
        word[20..].copy_from_slice(&self.amount.0.to_be_bytes::<32>()[20..]);
        Some(B256::from(word))
    }

    /// The 64 bytes the vault reads, or `None` when the amount does not fit.
    pub fn encode(&self) -> Option<[u8; 64]> {
        let word = self.payment_word()?;
        let mut bytes = [0u8; 64];
        bytes[..32].copy_from_slice(self.chunk.as_bytes());
        bytes[32..].copy_from_slice(word.as_slice());
        Some(bytes)
    }

    /// The leaf's hash in the tree, or `None` when the amount does not fit.
    pub fn hash(&self) -> Option<B256> {
        self.encode().map(keccak256)
    }

    /// The leaf a vault log's word describes, for `chunk`.
    pub fn from_word(chunk: ChunkAddress, word: B256) -> Self {
        let mut amount = [0u8; 32];
        amount[20..].copy_from_slice(&word[20..]);
        Self {
            chunk,
            rewards: Address::from_slice(&word[..20]),
            amount: Amount(U256::from_be_bytes(amount)),
        }
    }
}

fn parent(left: &B256, right: &B256) -> B256 {
    let mut bytes = [0u8; 64];
    bytes[..32].copy_from_slice(left.as_slice());
    bytes[32..].copy_from_slice(right.as_slice());
    keccak256(bytes)
}

/// The root that `leaf` at `index` of a wave of `count` leaves leads to along `path`; `None`
/// when the index is out of range or the path has the wrong length for that position.
pub fn root_of(leaf: B256, index: u32, count: u32, path: &[B256]) -> Option<B256> {
    if index >= count {
        return None;
    }
    let (mut node, mut index, mut count) = (leaf, index, count);
    let mut siblings = path.iter();
    while count > 1 {
        if (index ^ 1) < count {
            let sibling = siblings.next()?;
            node = if index & 1 == 0 {
                parent(&node, sibling)
            } else {
                parent(sibling, &node)
            };
        }
        index >>= 1;
        count = count.div_ceil(2);
    }
    siblings.next().is_none().then_some(node)
}

/// A wave's leaves and every level of its tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaveTree {
    leaves: Vec<WaveLeaf>,
    /// Level 0 is the leaf hashes; the last level is the root alone.
    levels: Vec<Vec<B256>>,
}

impl WaveTree {
    /// Builds the tree over `leaves`, in their order.
    pub fn new(leaves: Vec<WaveLeaf>) -> Result<Self, WaveError> {
        if leaves.is_empty() {
            return Err(WaveError::Empty);
        }
        if leaves.len() > MAX_WAVE_LEAVES {
            return Err(WaveError::TooMany(leaves.len()));
        }
        let hashes = leaves
            .iter()
            .map(|leaf| {
                leaf.hash().ok_or(WaveError::AmountTooLarge {
                    chunk: leaf.chunk,
                    amount: leaf.amount,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut levels = vec![hashes];
        while levels.last().expect("one level at least").len() > 1 {
            let below = levels.last().expect("one level at least");
            let mut level: Vec<B256> = below
                .chunks(2)
                .map(|pair| match pair {
                    [left, right] => parent(left, right),
                    [odd] => *odd,
                    _ => unreachable!("chunks of two"),
                })
                .collect();
            level.shrink_to_fit();
            levels.push(level);
        }
        Ok(Self { leaves, levels })
    }

    /// The wave a `payWave` argument (64 bytes per leaf) pays, as the vault reads it.
    pub fn from_calldata(calldata: &[u8]) -> Result<Self, WaveError> {
        if !calldata.len().is_multiple_of(64) {
            return Err(WaveError::BadCalldata(calldata.len()));
        }
        let leaves = calldata
            .chunks_exact(64)
            .map(|leaf| {
                let chunk = ChunkAddress(leaf[..32].try_into().expect("32 bytes"));
                WaveLeaf::from_word(chunk, B256::from_slice(&leaf[32..]))
            })
            .collect();
        Self::new(leaves)
    }

    /// The wave's root.
    pub fn root(&self) -> WaveRoot {
        WaveRoot(self.levels.last().expect("one level at least")[0].0)
    }

    /// The leaves, in order.
    pub fn leaves(&self) -> &[WaveLeaf] {
        &self.leaves
    }

    /// What the wave pays in all, wei.
    pub fn total(&self) -> Amount {
        Amount::sum(self.leaves.iter().map(|leaf| leaf.amount))
    }

    /// The `payWave` argument: 64 bytes per leaf.
    pub fn calldata(&self) -> Vec<u8> {
        self.leaves
            .iter()
            .flat_map(|leaf| leaf.encode().expect("checked when the tree was built"))
            .collect()
    }

    /// The membership of leaf `index` (which must be in range).
    pub fn membership(&self, index: usize) -> WaveMembership {
        let mut path = Vec::with_capacity(self.levels.len());
        let mut at = index;
        for level in &self.levels[..self.levels.len() - 1] {
            if let Some(sibling) = level.get(at ^ 1) {
                path.push(*sibling);
            }
            at /= 2;
        }
        WaveMembership {
            root: self.root(),
            leaf: self.leaves[index],
            index: index as u32,
            leaves: self.leaves.len() as u32,
            path,
        }
    }
}

/// A chunk's place in a paid wave: its leaf, and the path from it to the wave's root.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct WaveMembership {
    /// The wave's root (the vault records it under the payer).
    pub root: WaveRoot,
    /// The chunk's leaf.
    pub leaf: WaveLeaf,
    /// The leaf's index in the wave.
    pub index: u32,
    /// The wave's leaf count.
    pub leaves: u32,
    /// The siblings from the leaf up to the root.
    pub path: Vec<B256>,
}

impl WaveMembership {
    /// True when the leaf, at its index in a wave of its count, leads to the root.
    pub fn leads_to_root(&self) -> bool {
        self.leaf
            .hash()
            .and_then(|leaf| root_of(leaf, self.index, self.leaves, &self.path))
            .is_some_and(|root| root.0 == self.root.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(n: u8) -> WaveLeaf {
        WaveLeaf {
            chunk: ChunkAddress([n; 32]),
            rewards: Address::repeat_byte(n),
            amount: Amount::wei(3_000 + u128::from(n)),
        }
    }

    #[test]
    fn every_leaf_of_every_wave_size_leads_to_its_root_and_only_there() {
        for count in 1..=MAX_WAVE_LEAVES {
            let tree = WaveTree::new((0..count as u8).map(leaf).collect()).unwrap();
            for index in 0..count {
                let member = tree.membership(index);
                assert!(member.leads_to_root(), "leaf {index} of {count}");
                let mut other = member.clone();
                other.leaf.amount = Amount::wei(1);
                assert!(!other.leads_to_root(), "a changed leaf of {count}");
                let mut moved = member.clone();
                moved.index = count as u32;
                assert!(!moved.leads_to_root(), "an index out of range");
            }
        }
    }

    #[test]
    fn a_leaf_packs_rewards_and_a_96_bit_amount_into_one_word() {
        let one = leaf(7);
        let bytes = one.encode().unwrap();
        assert_eq!(&bytes[..32], one.chunk.as_bytes());
        assert_eq!(&bytes[32..52], one.rewards.as_slice());
        assert_eq!(
            u128::from_be_bytes(bytes[48..].try_into().unwrap()) & ((1 << 96) - 1),
            3_007
        );
        assert_eq!(
            WaveLeaf::from_word(one.chunk, B256::from_slice(&bytes[32..])),
            one
        );
        let too_much = WaveLeaf {
            amount: Amount(MAX_LEAF_AMOUNT + U256::from(1)),
            ..one
        };
        assert_eq!(too_much.encode(), None);
        assert!(matches!(
            WaveTree::new(vec![too_much]),
            Err(WaveError::AmountTooLarge { .. })
        ));
        assert_eq!(WaveTree::new(Vec::new()), Err(WaveError::Empty));
    }

    #[test]
    fn a_wave_read_back_from_its_calldata_is_the_same_wave() {
        let tree = WaveTree::new((0..5).map(leaf).collect()).unwrap();
        assert_eq!(WaveTree::from_calldata(&tree.calldata()), Ok(tree.clone()));
        let calldata = tree.calldata();
        assert_eq!(
            WaveTree::from_calldata(&calldata[..100]),
            Err(WaveError::BadCalldata(100))
        );
        assert_eq!(WaveTree::from_calldata(&[]), Err(WaveError::Empty));
    }

    #[test]
    fn an_inner_node_cannot_pose_as_a_leaf() {
        let tree = WaveTree::new((0..4).map(leaf).collect()).unwrap();
        let member = tree.membership(0);
        // Leaf 0's parent, presented as a leaf of a two-leaf wave with leaf 0's last sibling.
        let inner = parent(&tree.levels[0][0], &tree.levels[0][1]);
        assert_eq!(
            root_of(inner, 0, 2, &member.path[1..]),
            Some(B256::from(tree.root().0))
        );
        // With the wave's real count, the path is one sibling short.
        assert_eq!(root_of(inner, 0, 4, &member.path[1..]), None);
    }
}
