//! ferry: upload files to a pay-per-chunk storage network, resumably, never paying twice.
//!
//! The library holds everything; the `ferry` and `ferry-node` binaries only parse arguments,
//! call in here and turn results into exit codes. The library never prints: progress flows out
//! through [`reporter::Reporter`].
//!
//! # Error policy
//!
//! - Each library module returns its own `thiserror` enum that keeps the cause chain; `anyhow`
//!   lives only in the CLI layer and the binaries.
//! - A message never repeats its cause: a variant either marks its cause `#[source]` (and leaves
//!   it out of its text) or puts it in its text (and has no source). The CLI prints the chain
//!   with `{:#}`, so each cause appears once. A test walks the chains of the errors users meet.
//! - A message says what failed, on which file, node or chain, and what to do next.
//! - Each library error knows its kind ([`exit::ErrorKind`]: bad input, network, payment,
//!   partial, local I/O, interrupted, internal) through a `kind()` method, classified by type,
//!   never by message text; the CLI maps kinds to exit codes in one place,
//!   [`exit::ErrorKind::exit_code`].
//! - What a remote party says is never a classification: a node's status code or text is a
//!   failure of that node for that chunk, nothing more.

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
