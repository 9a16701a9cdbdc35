//! How the library tells the outside world what it is doing, without ever printing.
//!
//! Long operations take a `&dyn Reporter` and send it [`Event`]s; the CLI implements it with
//! progress bars on a terminal, plain status lines off one, or JSON lines for `--json`. Every
//! count in an event is work that has actually happened: a chunk is reported stored only once
//! the nodes have acknowledged it.

use serde::Serialize;

use crate::wire::types::{Amount, ChunkAddress};

/// The version of the JSON event schema, carried by every `--json` line.
pub const EVENT_SCHEMA: u32 = 1;

/// A stage of an upload or download.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Chunking and encrypting the file.
    Encrypt,
    /// Paying waves on-chain.
    Pay,
    /// Sending chunks to nodes.
    Store,
    /// Fetching chunks back.
    Fetch,
    /// Challenging nodes to prove they hold chunks.
    Verify,
    /// Storing missing replicas.
    Repair,
}

/// Something that happened, in the form `--json` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// The upload is planned.
    Started {
        /// The file.
        file: String,
        /// The file's size in bytes.
        bytes: u64,
        /// Chunks to store, data map included.
        chunks: usize,
        /// Payment waves at most (chunks already paid or stored need none).
        waves: usize,
        /// Proofs reused from an earlier run.
        reused_proofs: usize,
        /// Chunks already stored (recorded by an earlier run, or held by the network).
        already_stored: usize,
        /// Proofs dropped because their quotes expired (their chunks are paid again).
        expired_proofs: usize,
        /// Chunks whose payment was sent by an earlier run that stopped before recording it,
        /// recovered from the chain.
        recovered_payments: usize,
        /// Proofs from an earlier run that this chain does not record as paid (a reset chain),
        /// dropped with that run's records: their chunks are quoted and paid again.
        unpaid_proofs: usize,
    },
    /// A wave's payment is confirmed on-chain.
    WavePaid {
        /// The wave's number, from 1.
        wave: usize,
        /// Chunks paid in it.
        chunks: usize,
        /// The transaction.
        tx_hash: String,
        /// Paid to nodes, wei.
        storage_cost_wei: Amount,
        /// Gas, wei.
        gas_cost_wei: Amount,
    },
    /// A file of a folder is chunked and encrypted.
    FileEncrypted {
        /// The file.
        file: String,
        /// Its size in bytes.
        bytes: u64,
        /// Files of the folder encrypted so far, this one included.
        files_done: usize,
        /// Files in the folder.
        files: usize,
    },
    /// Every chunk of a file of a folder is stored (or was already).
    FileStored {
        /// The file.
        file: String,
        /// Files of the folder stored so far, this one included.
        files_done: usize,
        /// Files in the folder.
        files: usize,
    },
    /// An entry of a folder that is not uploaded: a symbolic link or a special file.
    Skipped {
        /// The entry.
        file: String,
        /// What it is.
        reason: String,
    },
    /// A chunk is held by enough nodes.
    ChunkStored {
        /// The chunk.
        chunk: ChunkAddress,
        /// Its size in bytes.
        bytes: u32,
        /// How many nodes acknowledged it.
        nodes: usize,
    },
    /// A chunk was found already stored on the network and needs no payment.
    ChunkAlreadyStored {
        /// The chunk.
        chunk: ChunkAddress,
        /// Its size in bytes.
        bytes: u32,
    },
    /// Another ferry process is uploading the same file; this one waits for it, then carries
    /// on from its receipt.
    WaitingForLock {
        /// The file.
        file: String,
    },
    /// The file's cached receipt was corrupt: it was renamed aside and the upload goes on
    /// without it.
    ReceiptSetAside {
        /// Where the corrupt receipt is now.
        path: String,
        /// What was wrong with it.
        reason: String,
    },
    /// Every node of a chunk's close group was challenged to prove it holds the chunk.
    ChunkVerified {
        /// The chunk.
        chunk: ChunkAddress,
        /// How many nodes proved they hold it.
        proven: usize,
        /// Those nodes' URLs.
        holders: Vec<String>,
        /// Nodes that should hold it (among its closest) and did not prove it, or that
        /// answered falsely, with why.
        failed: Vec<NodeFailure>,
    },
    /// Missing replicas of a chunk were stored (by `ferry repair`).
    ChunkRepaired {
        /// The chunk.
        chunk: ChunkAddress,
        /// Nodes that stored a replica now.
        stored_on: Vec<String>,
        /// Nodes that refused or failed, with why.
        failed: Vec<NodeFailure>,
    },
    /// A request failed and will be tried again or elsewhere.
    Retry {
        /// The chunk concerned.
        chunk: ChunkAddress,
        /// The node that failed.
        node: String,
        /// Attempts so far for this chunk.
        attempt: u32,
        /// What went wrong.
        reason: String,
    },
}

/// A node that failed a chunk, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeFailure {
    /// The node's URL.
    pub node: String,
    /// What went wrong.
    pub reason: String,
}

/// Receives events and progress from long operations.
pub trait Reporter: Send + Sync {
    /// Something happened.
    fn event(&self, event: &Event);

    /// Progress within a phase: `done` of `total` units (bytes for encrypt, store and fetch,
    /// chunks for quote and pay).
    fn progress(&self, phase: Phase, done: u64, total: u64) {
        let _ = (phase, done, total);
    }
}

/// A reporter that drops everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl Reporter for Silent {
    fn event(&self, _: &Event) {}
}
