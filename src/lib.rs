//! ferry: upload files to a pay-per-chunk storage network, resumably, never paying twice.
//!
//! The library holds everything; the `ferry` and `ferry-node` binaries only parse arguments,
//! call in here and turn results into exit codes. The library never prints: progress flows out
//! through [`reporter::Reporter`].

pub mod chunking;
pub mod cli;
pub mod devnet;
pub mod download;
pub mod exit;
pub mod fsutil;
pub mod network;
pub mod node;
pub mod paths;
pub mod payment;
pub mod protocol;
pub mod put;
pub mod quote;
pub mod quoting;
pub mod receipt;
pub mod reporter;
pub mod transport;
pub mod types;
pub mod upload;
