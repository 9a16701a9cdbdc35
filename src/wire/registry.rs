//! Who counts as a node: the vault's registry of staked nodes and the positions it gave them.
//!
//! Anyone can make keys, so a key by itself is no node. A node counts, for a client placing
//! chunks and for a peer judging a proof, only while the vault lists it as active: registered
//! with at least the vault's minimum stake, and activated at the position the vault derived
//! from its address and the hash of its registration's block (`contract/PaymentVault.sol`).
//! Its id on the XOR ring *is* that position, so an operator cannot choose or predict where
//! its node lands, and a new position costs a new stake.
//!
//! Invariants: [`Registry::admits`] is the one test of a node entry (from `/peers`, `/info`
//! or an announcement): its rewards address is active and its id is the position the vault
//! gave that address. Nothing a remote party says adds to a registry; only the chain does.

use std::collections::HashMap;

use alloy::primitives::Address;

use crate::wire::network::NodeInfo;
use crate::wire::types::NodeId;

/// The active nodes as the vault lists them: each signing address and its position.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Registry {
    positions: HashMap<Address, NodeId>,
    version: u64,
}

impl Registry {
    /// A registry of `members` (address and position) as of the vault's `version`.
    pub fn new(version: u64, members: impl IntoIterator<Item = (Address, NodeId)>) -> Self {
        Self {
            positions: members.into_iter().collect(),
            version,
        }
    }

    /// The vault's `registryVersion` this registry was read at.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Active nodes.
    pub fn len(&self) -> usize {
        self.positions.len()
    }

    /// True when no node is active.
    pub fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }

    /// The position (ring id) of the node with this signing address, when it is active.
    pub fn id_of(&self, address: &Address) -> Option<NodeId> {
        self.positions.get(address).copied()
    }

    /// The positions of the active nodes, in no particular order.
    pub fn positions(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.positions.values().copied()
    }

    /// True when `entry` is an active node at the position the vault gave it.
    pub fn admits(&self, entry: &NodeInfo) -> bool {
        self.id_of(&entry.rewards) == Some(entry.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_active_address_at_its_own_position_is_admitted() {
        let (a, b) = (Address::repeat_byte(1), Address::repeat_byte(2));
        let registry = Registry::new(3, [(a, NodeId([9; 32]))]);
        let entry = |rewards, id| NodeInfo {
            id: NodeId(id),
            url: "http://127.0.1.1:1".into(),
            rewards,
        };
        assert!(registry.admits(&entry(a, [9; 32])));
        assert!(!registry.admits(&entry(a, [8; 32])), "a chosen position");
        assert!(!registry.admits(&entry(b, [9; 32])), "an unregistered key");
        assert_eq!(registry.version(), 3);
        assert_eq!(registry.len(), 1);
    }
}
