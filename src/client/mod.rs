//! The client: everything `ferry` does against a network of nodes and a chain.
//!
//! - [`bodies`]: chunk bodies in memory, bounded, freed once written;
//! - [`chunking`]: chunking and convergent encryption, data maps and references;
//! - [`plan_cache`]: what a folder upload learnt of each file, so a resume re-reads only
//!   changed files;
//! - [`lookup`]: finding a chunk's close group by asking nodes for the nodes closest to it;
//! - [`nodes`]: requests to nodes over HTTP (bounded answers, deadlines) and discovery;
//! - [`quoting`]: asking a chunk's close group for quotes and choosing what to pay;
//! - [`possession`]: challenging the nodes that claim a chunk, against the client's own bytes;
//! - [`replication`]: getting a paid chunk onto enough nodes of its close group;
//! - [`upload`]: the upload pipeline (resume, encrypt, quote, pay, send);
//! - [`download`]: fetching, verifying and decrypting a file back;
//! - [`folder`]: walking a folder into files to upload, and its manifest;
//! - [`pack`]: a folder's small files packed into shared chunks;
//! - [`receipt`]: the per-file cached receipt that makes an upload resumable;
//! - [`restore`]: rebuilding a downloaded folder from its manifest;
//! - [`sources`]: the files an upload reads, and re-deriving a chunk from them;
//! - [`stream`]: spooling standard input for `ferry upload -`;
//! - [`verify`]: challenging nodes to prove they still hold a file's chunks;
//! - [`repair`]: storing the missing replicas of a degraded file, paying nothing;
//! - [`reporter`]: the events and progress the library reports (it never prints).

pub mod bodies;
pub mod chunking;
pub mod download;
pub mod folder;
pub mod lookup;
pub mod nodes;
pub mod pack;
pub mod plan_cache;
pub mod possession;
pub mod quoting;
mod race;
pub mod receipt;
pub mod repair;
pub mod replication;
pub mod reporter;
pub mod restore;
pub mod sources;
pub mod stream;
pub mod upload;
pub mod verify;
