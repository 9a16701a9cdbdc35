//! The wire: what client and node both speak, and nothing else. Nothing here imports the
//! client or the node.
//!
//! - [`types`]: chunk addresses, node ids, quote hashes, wave roots, amounts;
//! - [`network`]: the network file and the XOR geometry of close groups;
//! - [`signed`]: what nodes sign (quotes, storage receipts) and what clients carry (payment
//!   proofs), with the one freshness rule;
//! - [`wave`]: payment waves: leaves, their Merkle tree, a chunk's membership;
//! - [`http`]: the routes, request and answer bodies, and the PUT framing.

pub mod http;
pub mod network;
pub mod signed;
pub mod types;
pub mod wave;
