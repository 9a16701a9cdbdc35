//! The output mode every command is run in, the one writer of stdout, and the JSON lines of
//! `--json` (every event's name and fields). Human output on stderr lives in
//! [`super::human`].

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;

use super::history::Finished;
use super::list::EntryLine;
use super::status::StatusLine;
use crate::client::reporter::{EVENT_SCHEMA, Event, Reporter};
use crate::devnet::{DevnetStatus, IsolatedNetwork, StoppedProcess};
use crate::exit::ErrorKind;
use alloy::primitives::Address;

use crate::wire::types::Amount;

/// What a command prints, from `--json` and `-q`; every handler is given it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputMode {
    /// `--json`: one JSON object per line on stdout and nothing else there; wins over `-q`.
    Json,
    /// Results on stdout; progress, summaries, notes and warnings on stderr.
    Human,
    /// `-q`: errors only. On stdout only what the command was run to get and a script
    /// captures (upload's reference, an address, a balance, a quote, a listing, a downloaded
    /// file); nothing on stderr but errors. Commands that only change state (`devnet up` and
    /// `down`, `cache`, `vault deploy`'s block note) and `verify`'s summary (its exit code says
    /// it) print nothing.
    Quiet,
}

impl OutputMode {
    /// The mode `--json` and `-q` ask for.
    pub fn new(json: bool, quiet: bool) -> Self {
        match (json, quiet) {
            (true, _) => OutputMode::Json,
            (false, false) => OutputMode::Human,
            (false, true) => OutputMode::Quiet,
        }
    }

    /// `--json`.
    pub fn is_json(self) -> bool {
        self == OutputMode::Json
    }

    /// Whether human progress, summaries, notes and warnings show (not with `--json` or `-q`).
    pub fn narrates(self) -> bool {
        self == OutputMode::Human
    }
}

/// Set once stdout is found closed: nothing more is written to it.
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// The one writer of stdout. A closed stdout (the reader went away, as in
/// `ferry quote FILE | head -1`) ends the output quietly: this and every later write are
/// dropped and the command carries on (an upload is not abandoned because its reader left).
/// Any other write failure is logged once and ends the output the same way.
pub fn write_stdout(bytes: &[u8]) {
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut stdout = std::io::stdout().lock();
    if let Err(error) = stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        STDOUT_CLOSED.store(true, Ordering::Relaxed);
        if error.kind() != std::io::ErrorKind::BrokenPipe {
            tracing::warn!(%error, "cannot write to stdout; no more output goes there");
        }
    }
}

/// Writes `text` and a newline to stdout through [`write_stdout`].
pub fn stdout_line(text: &str) {
    write_stdout(format!("{text}\n").as_bytes());
}

/// Writes one event as a JSON line on stdout, with the schema version added.
pub fn print_json_line(event: &JsonEvent<'_>) {
    let mut object = serde_json::to_value(event).expect("events serialise");
    if let Some(map) = object.as_object_mut() {
        map.insert("schema".into(), EVENT_SCHEMA.into());
    }
    stdout_line(&object.to_string());
}

/// Every line `--json` prints: the library's progress [`Event`]s and the CLI's own results.
/// Each line names itself in its `event` field; names and fields are a stable interface
/// (scripts and tests parse them).
#[derive(Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum JsonEvent<'a> {
    /// The final line of a failed command.
    Error {
        /// The failure's kind ([`ErrorKind::as_str`]).
        kind: &'static str,
        /// The error and its causes.
        message: &'a str,
        /// Whether rerunning the command may succeed.
        retryable: bool,
        /// For an upload that stopped (interrupted, partial, refused): what it did before.
        #[serde(flatten, skip_serializing_if = "Option::is_none")]
        upload: Option<UploadCounts>,
    },
    /// `ferry upload` finished.
    #[serde(rename = "done")]
    UploadDone {
        /// The reference to download the file by.
        reference: String,
        /// The file uploaded.
        file: &'a str,
        /// File chunks.
        chunks: usize,
        /// Files, for a folder.
        #[serde(skip_serializing_if = "Option::is_none")]
        files: Option<usize>,
        /// Chunks paid in this run.
        paid_chunks: usize,
        /// Chunks paid by proofs from an earlier run.
        reused_proofs: usize,
        /// Chunks found paid on the chain.
        found_paid: usize,
        /// Chunks the network already held.
        already_stored: usize,
        /// Chunks stored in this run.
        stored_chunks: usize,
        /// Bytes of chunk PUT bodies this run sent to nodes.
        bytes_sent: u64,
        /// Storage paid in this run (wei).
        storage_cost_wei: Amount,
        /// Gas paid in this run (wei).
        gas_cost_wei: Amount,
        /// Wall time.
        seconds: f64,
    },
    /// `ferry download` finished.
    #[serde(rename = "done")]
    DownloadDone {
        /// The file written.
        output: String,
        /// Bytes written.
        bytes: u64,
        /// Files written, for a folder.
        #[serde(skip_serializing_if = "Option::is_none")]
        files: Option<usize>,
        /// File chunks fetched.
        chunks: usize,
        /// Wall time.
        seconds: f64,
    },
    /// `ferry quote`: what an upload would cost.
    Quote {
        /// The file quoted.
        file: String,
        /// Its size.
        bytes: u64,
        /// File chunks.
        chunks: usize,
        /// Chunks to pay for.
        payable_chunks: usize,
        /// Chunks the network already holds.
        already_stored: usize,
        /// Chunks no node quoted.
        unquoted_chunks: usize,
        /// Payment transactions.
        waves: usize,
        /// Storage cost (wei).
        storage_cost_wei: Amount,
        /// Estimated gas (wei).
        estimated_gas_wei: Amount,
        /// Estimated gas (units), by the vault's gas model.
        estimated_gas: u64,
        /// Estimated gas (units) of one full wave.
        gas_per_wave: u64,
    },
    /// `ferry verify` (and, last, `ferry repair`): how well the file is held.
    Verified {
        /// `healthy`, `degraded` or `lost`.
        status: &'static str,
        /// Distinct chunks, data map chunks included.
        chunks: usize,
        /// Proven replicas each chunk needs.
        replicas: usize,
        /// The fewest proven replicas of any chunk.
        lowest: usize,
        /// The median count of proven replicas.
        median: usize,
        /// The chunks below `replicas`, with their counts.
        below: Vec<ChunkCount>,
        /// Chunks proven by no node.
        lost: usize,
        /// Nodes that failed some chunk, with how many.
        failed_nodes: Vec<NodeCount>,
        /// Wall time.
        seconds: f64,
    },
    /// `ferry repair`: what was stored (before the final `verified`).
    Repaired {
        /// Chunks that were below their replica count (and held by some node).
        chunks: usize,
        /// Replicas stored.
        replicas_stored: usize,
        /// Wall time of the repair, its verifies included.
        seconds: f64,
    },
    /// `ferry status`: one interrupted upload.
    UploadStatus(&'a StatusLine),
    /// `ferry list`: one finished upload from the history.
    Upload(&'a Finished),
    /// `ferry list REF`: one file or directory of the folder.
    Entry(&'a EntryLine),
    /// The upload history could not be read: it was moved aside and a new one started.
    HistorySetAside {
        /// Where it is now.
        path: &'a Path,
        /// What was wrong with it.
        reason: &'a str,
    },
    /// `ferry cache gc|clear`: what the sweep did with each receipt.
    Cache {
        /// Receipts removed.
        removed: Vec<String>,
        /// Receipts kept because they hold paid chunks not yet stored.
        kept_paid: Vec<String>,
        /// Receipts kept because a running upload holds them.
        in_use: Vec<String>,
        /// Receipts kept because a newer ferry wrote them.
        newer_schema: Vec<String>,
    },
    /// `ferry devnet up`.
    DevnetUp {
        /// `started` or `already_running`.
        state: &'static str,
        /// Whether the devnet runs on without this process.
        detached: bool,
        /// Its network file.
        network_file: &'a Path,
        /// The chain id.
        chain_id: u64,
        /// The chain's RPC URL.
        rpc_url: &'a str,
        /// The vault contract.
        vault: Address,
        /// The nodes' URLs.
        nodes: &'a [String],
        /// An isolated devnet's network: subnet, bridge (the shaped uplink), namespaces.
        #[serde(skip_serializing_if = "Option::is_none")]
        isolated: Option<&'a IsolatedNetwork>,
    },
    /// `ferry devnet status`.
    DevnetStatus {
        /// The status (its `status` field and, when running, its health).
        #[serde(flatten)]
        status: &'a DevnetStatus,
        /// Whether every part is healthy, when it runs.
        #[serde(skip_serializing_if = "Option::is_none")]
        healthy: Option<bool>,
    },
    /// `ferry devnet down` (or the end of a foreground `devnet up`).
    DevnetDown {
        /// `stopped` or `not_running`.
        state: &'static str,
        /// Why it stopped, when not asked to.
        reason: Option<&'a str>,
        /// Each process and how it ended.
        processes: &'a [StoppedProcess],
    },
    /// `ferry wallet address|balance`.
    Wallet {
        /// The wallet's address.
        address: String,
        /// Its balance (wei), for `balance`.
        #[serde(skip_serializing_if = "Option::is_none")]
        balance_wei: Option<Amount>,
    },
    /// `ferry wallet import|new|list`: an account's keystore (never its key).
    Account {
        /// The account's name.
        name: &'a str,
        /// Its address, when the keystore records it.
        #[serde(skip_serializing_if = "Option::is_none")]
        address: Option<String>,
        /// The keystore file.
        keystore: &'a std::path::Path,
    },
    /// `ferry vault deploy`.
    VaultDeployed {
        /// The deployed contract's address.
        vault: String,
        /// The block it was deployed in (`ferry network init --vault-block`).
        block: u64,
    },
    /// `ferry network init -o FILE` wrote a network file.
    NetworkFile {
        /// The file written.
        path: &'a Path,
        /// The chain id read from the RPC endpoint.
        chain_id: u64,
    },
    /// A library progress event, as it serialises itself.
    #[serde(untagged)]
    Progress(&'a Event),
}

impl<'a> JsonEvent<'a> {
    /// The error event for a failure of this kind.
    pub fn error(kind: ErrorKind, message: &'a str) -> Self {
        JsonEvent::Error {
            kind: kind.as_str(),
            message,
            retryable: kind.is_retryable(),
            upload: None,
        }
    }
}

/// What an upload that stopped had done, as fields of its `error` line (the same figures its
/// message gives, for scripts).
#[derive(Debug, Clone, Serialize)]
pub struct UploadCounts {
    /// Chunks in the plan, data map included.
    pub chunks: usize,
    /// Chunks paid in this run.
    pub paid_chunks: usize,
    /// Chunks stored in this run.
    pub stored_chunks: usize,
    /// Chunks paid by proofs from an earlier run.
    pub reused_proofs: usize,
    /// Chunks the network already held.
    pub already_stored: usize,
    /// Storage paid in this run (wei).
    pub storage_cost_wei: Amount,
    /// Gas paid in this run (wei).
    pub gas_cost_wei: Amount,
    /// Payment transactions confirmed in this run.
    pub transactions: usize,
}

impl UploadCounts {
    /// The counts of an upload's failure, when the error is one and says what it did.
    pub fn of(error: &anyhow::Error) -> Option<Self> {
        let summary = error
            .downcast_ref::<crate::client::upload::UploadError>()?
            .summary()?;
        Some(Self {
            chunks: summary.chunks,
            paid_chunks: summary.paid_chunks,
            stored_chunks: summary.stored_chunks,
            reused_proofs: summary.reused_proofs,
            already_stored: summary.already_stored,
            storage_cost_wei: summary.storage_cost,
            gas_cost_wei: summary.gas_cost,
            transactions: summary.transactions,
        })
    }
}

/// A chunk and its count of proven replicas.
#[derive(Clone, Serialize)]
pub struct ChunkCount {
    /// The chunk.
    pub chunk: String,
    /// Nodes that proved they hold it.
    pub proven: usize,
}

/// A node and how many chunks it failed.
#[derive(Clone, Serialize)]
pub struct NodeCount {
    /// The node's URL.
    pub node: String,
    /// Chunks it failed.
    pub chunks: usize,
}

/// `--json`: every event as a line on stdout.
pub struct JsonReporter;

impl Reporter for JsonReporter {
    fn event(&self, event: &Event) {
        print_json_line(&JsonEvent::Progress(event));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn line(event: &JsonEvent<'_>) -> serde_json::Value {
        serde_json::to_value(event).unwrap()
    }

    #[test]
    fn json_wins_over_quiet_and_only_human_output_narrates() {
        assert_eq!(OutputMode::new(true, true), OutputMode::Json);
        assert_eq!(OutputMode::new(false, true), OutputMode::Quiet);
        assert_eq!(OutputMode::new(false, false), OutputMode::Human);
        let narrating =
            [OutputMode::Json, OutputMode::Human, OutputMode::Quiet].map(OutputMode::narrates);
        assert_eq!(narrating, [false, true, false]);
    }

    #[test]
    fn cli_events_keep_their_names_and_fields() {
        assert_eq!(
            line(&JsonEvent::error(ErrorKind::Network, "no node")),
            json!({"event": "error", "kind": "network", "message": "no node", "retryable": true})
        );
        assert_eq!(
            line(&JsonEvent::DownloadDone {
                output: "out".into(),
                bytes: 3,
                files: None,
                chunks: 1,
                seconds: 0.5,
            }),
            json!({"event": "done", "output": "out", "bytes": 3, "chunks": 1, "seconds": 0.5})
        );
        assert_eq!(
            line(&JsonEvent::DownloadDone {
                output: "dir".into(),
                bytes: 3,
                files: Some(2),
                chunks: 1,
                seconds: 0.5,
            }),
            json!({"event": "done", "output": "dir", "bytes": 3, "files": 2, "chunks": 1, "seconds": 0.5})
        );
        assert_eq!(
            line(&JsonEvent::Wallet {
                address: "0xab".into(),
                balance_wei: None,
            }),
            json!({"event": "wallet", "address": "0xab"})
        );
        assert_eq!(
            line(&JsonEvent::DevnetDown {
                state: "not_running",
                reason: None,
                processes: &[],
            }),
            json!({"event": "devnet_down", "state": "not_running", "reason": null, "processes": []})
        );
        assert_eq!(
            line(&JsonEvent::DevnetStatus {
                status: &DevnetStatus::NotRunning,
                healthy: None,
            }),
            json!({"event": "devnet_status", "status": "not_running"})
        );
    }

    #[test]
    fn library_events_are_printed_as_they_serialise_themselves() {
        let event = Event::WaitingForLock { file: "f".into() };
        assert_eq!(
            line(&JsonEvent::Progress(&event)),
            serde_json::to_value(&event).unwrap()
        );
        assert_eq!(
            line(&JsonEvent::Progress(&event))["event"],
            "waiting_for_lock"
        );
    }
}
