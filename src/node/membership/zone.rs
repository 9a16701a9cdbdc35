//! Neighbourhoods: the part of the ring whose liveness a node follows.
//!
//! The registry's positions are cut into neighbourhoods by a binary trie over the ids: a
//! prefix is split into its two halves (the next bit 0 or 1) only while both halves would
//! hold at least [`MIN_NEIGHBOURHOOD`] registered nodes. Every node lands in exactly one
//! neighbourhood, the same one whichever member computes it from the same registry, so the
//! relation is symmetric: A follows B exactly when B follows A, and no probe goes to a node
//! that would not answer it. A neighbourhood holds at least [`MIN_NEIGHBOURHOOD`] nodes (all
//! of them in a smaller network) and, with positions drawn from block hashes, rarely more than
//! four times that, whatever the size of the network: per-node membership work and memory stay
//! flat as the network grows.
//!
//! Why this is enough: in the XOR metric every node sharing a chunk's longest prefix is
//! closer to it than any node that does not, so a chunk's close group (K = 7, one node per
//! network prefix) lies inside one neighbourhood whenever that neighbourhood holds K nodes of
//! distinct prefixes, and a node's own K closest peers are its neighbours. Those are the nodes
//! that must notice it fail and learn it joined.

use std::collections::HashSet;

use crate::wire::types::NodeId;

/// The fewest registered nodes in a neighbourhood (all of them in a smaller network).
pub const MIN_NEIGHBOURHOOD: usize = 16;

/// The nodes one node follows: its own neighbourhood of the ring, itself included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Neighbourhood {
    /// How many leading bits of an id its members share.
    depth: u32,
    members: HashSet<NodeId>,
}

impl Neighbourhood {
    /// The neighbourhood of `me` among `positions` (the registry's active positions).
    pub fn of(me: NodeId, positions: impl IntoIterator<Item = NodeId>) -> Self {
        let mut members: Vec<NodeId> = positions.into_iter().collect();
        let mut depth = 0;
        while depth < 256 {
            let (mine, other): (Vec<NodeId>, Vec<NodeId>) = members
                .iter()
                .partition(|id| bit(id, depth) == bit(&me, depth));
            if mine.len() < MIN_NEIGHBOURHOOD || other.len() < MIN_NEIGHBOURHOOD {
                break;
            }
            members = mine;
            depth += 1;
        }
        Self {
            depth,
            members: members.into_iter().collect(),
        }
    }

    /// True when `id` is a node of this neighbourhood.
    pub fn contains(&self, id: &NodeId) -> bool {
        self.members.contains(id)
    }

    /// Its registered nodes, itself included.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// True when it has no node (never for a node's own neighbourhood).
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// How many leading bits of an id its members share.
    pub fn depth(&self) -> u32 {
        self.depth
    }

    /// Its registered nodes.
    pub fn members(&self) -> impl Iterator<Item = &NodeId> {
        self.members.iter()
    }
}

fn bit(id: &NodeId, index: u32) -> bool {
    let byte = id.0[(index / 8) as usize];
    byte & (0x80 >> (index % 8)) != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(count: u32) -> Vec<NodeId> {
        (0..count)
            .map(|i| NodeId(*blake3::hash(&i.to_be_bytes()).as_bytes()))
            .collect()
    }

    #[test]
    fn a_small_network_is_one_neighbourhood() {
        let all = ids(20);
        let hood = Neighbourhood::of(all[3], all.clone());
        assert_eq!(hood.len(), 20);
        assert_eq!(hood.depth(), 0);
    }

    #[test]
    fn neighbourhoods_partition_the_ring_symmetrically_with_bounded_sizes() {
        for count in [100, 1000, 5000] {
            let all = ids(count);
            let mut seen = 0;
            let mut largest = 0;
            for (index, id) in all.iter().enumerate() {
                let hood = Neighbourhood::of(*id, all.clone());
                assert!(hood.contains(id));
                assert!(hood.len() >= MIN_NEIGHBOURHOOD);
                largest = largest.max(hood.len());
                for other in hood.members() {
                    let theirs = Neighbourhood::of(*other, all.clone());
                    assert_eq!(theirs, hood, "node {index} of {count}");
                }
                if index % 50 == 0 {
                    seen += 1;
                }
                if seen > 10 {
                    break;
                }
            }
            assert!(
                largest <= 4 * MIN_NEIGHBOURHOOD,
                "{largest} of {count} nodes"
            );
        }
    }

    #[test]
    fn a_nodes_closest_peers_are_its_neighbours() {
        let all = ids(3000);
        for id in all.iter().take(40) {
            let hood = Neighbourhood::of(*id, all.clone());
            let mut by_distance: Vec<NodeId> = all.clone();
            by_distance.sort_by_key(|other| {
                let mut distance = [0u8; 32];
                for (d, (a, b)) in distance.iter_mut().zip(id.0.iter().zip(other.0.iter())) {
                    *d = a ^ b;
                }
                distance
            });
            for close in &by_distance[..8] {
                assert!(hood.contains(close));
            }
        }
    }
}
