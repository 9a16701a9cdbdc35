//! The wire: what client and node both speak, and nothing else. Nothing here imports the
//! client or the node.
//!
//! - [`types`]: chunk addresses, node ids, quote hashes, amounts;
//! - [`network`]: the network file and the XOR geometry of close groups;
//! - [`signed`]: what nodes sign (quotes, storage receipts) and what clients carry (payment
//!   proofs), with the one freshness rule;
//! - [`challenge`]: storage challenges and the signed answers that prove a node holds a chunk;
//! - [`http`]: the routes, request and answer bodies, and the PUT framing.

pub mod challenge;
pub mod http;
pub mod network;
pub mod signed;
pub mod types;
