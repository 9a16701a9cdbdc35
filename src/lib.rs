//! ferry: upload files to a pay-per-chunk storage network, resumably, never paying twice.
//!
//! The library holds everything; the `ferry` and `ferry-node` binaries only parse arguments,
//! call in here and turn results into exit codes. Folders show who uses what:
//! - [`wire`]: what client and node both speak (the network file and XOR geometry, ids and
//!   amounts, signed quotes, proofs and storage receipts, HTTP bodies); it imports neither;
//! - [`client`]: node requests, quoting, replication, upload, download, the cached receipt;
//! - [`node`]: the storage node; it never imports [`client`], nor [`client`] it;
//! - [`vault`]: the chain (the client pays, the node checks);
//! - [`devnet`] and [`cli`]: a local network, and the command line over all of it.
//!
//! The library never prints: progress flows out through [`client::reporter::Reporter`].
//!
//! # Error policy
//!
//! - Each library module returns its own `thiserror` enum that keeps the cause chain; `anyhow`
//!   lives only in the CLI layer and the binaries.
//! - A message never repeats its cause: a variant either marks its cause `#[source]` (and leaves
//!   it out of its text) or puts it in its text (and has no source). The CLI prints the chain
//!   with [`exit::with_causes`], which also drops a dependency's cause that only repeats the
//!   text before it, so each cause appears once. A test walks the chains of the errors users meet.
//! - A message says what failed, on which file, node or chain, and what to do next.
//! - Each library error knows its kind ([`exit::ErrorKind`]: bad input, network, payment,
//!   partial, local I/O, interrupted, internal) through a `kind()` method, classified by type,
//!   never by message text; the CLI maps kinds to exit codes in one place,
//!   [`exit::ErrorKind::exit_code`].
//! - What a remote party says is never a classification: a node's status code or text is a
//!   failure of that node for that chunk, nothing more.

pub mod blocking;
pub mod cli;
pub mod client;
pub mod config_file;
pub mod devnet;
pub mod exit;
pub mod fsutil;
pub mod keys;
pub mod node;
pub mod paths;
pub mod shell;
pub mod signals;
pub mod sizes;
pub mod vault;
pub mod wire;
