//! The wire: what client and node both speak, and nothing else. Nothing here imports the
//! client or the node.
//!
//! - [`types`]: chunk addresses, node ids, quote hashes, wave roots, amounts;
//! - [`network`]: the network file and the XOR geometry of close groups (one node per prefix);
//! - [`registry`]: who counts as a node: the vault's staked nodes and their positions;
//! - [`signed`]: what nodes sign (quotes, storage receipts) and what clients carry (payment
//!   proofs), with the one freshness rule;
//! - [`announce`]: a node's signed statement of its id, rewards address and URL;
//! - [`wave`]: payment waves: leaves, their Merkle tree, a chunk's membership;
//! - [`challenge`]: storage challenges and the signed answers that prove a node holds a chunk;
//! - [`routes`]: the routes a node answers, listed once, and the URL builders;
//! - [`http`]: request and answer bodies, and the PUT framing;
//! - [`answer`]: reading a node's answer within a cap, and why a request to a node failed.

pub mod announce;
pub mod answer;
pub mod challenge;
pub mod http;
pub mod network;
pub mod registry;
pub mod routes;
pub mod signed;
pub mod types;
pub mod wave;
