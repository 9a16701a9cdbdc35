//! The wire: what client and node both speak, and nothing else. Nothing here imports the
//! client or the node.
//!
//! - [`types`]: chunk addresses, node ids, quote hashes, amounts;
//! - [`network`]: the network file and the XOR geometry of close groups;
//! - [`signed`]: what nodes sign (quotes, storage receipts) and what clients carry (payment
//!   proofs), with the one freshness rule;
//! - [`announce`]: a node's signed statement of its id, rewards address and URL;
//! - [`http`]: the routes, request and answer bodies, and the PUT framing.

pub mod announce;
pub mod http;
pub mod network;
pub mod signed;
pub mod types;
