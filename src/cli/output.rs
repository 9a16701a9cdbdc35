//! What the CLI shows: JSON lines on stdout for `--json`, progress bars on a terminal, short
//! status lines off one, and nothing but errors with `-q`.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{HumanBytes, MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use super::receipts::StatusLine;
use crate::client::reporter::{EVENT_SCHEMA, Event, Phase, Reporter};
use crate::devnet::{DevnetStatus, IsolatedNetwork, StoppedProcess};
use crate::exit::ErrorKind;
use alloy::primitives::Address;

use super::units::Unit;
use crate::wire::types::Amount;

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
        }
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

/// How much to show on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    /// Errors only.
    Quiet,
    /// Progress and summaries.
    Normal,
}

/// Human output on stderr: bars on a terminal, status lines every few seconds off one.
///
/// Each phase gets its own bar when it starts (encrypt, pay, store; fetch for downloads). Bars
/// count only what has happened: the pay bar confirmed payments (and chunks found already
/// stored), the store bar bytes that nodes have acknowledged.
pub struct HumanReporter {
    bars: Option<Bars>,
    plain: Option<Mutex<PlainStatus>>,
    /// Bytes of chunks the network already held: stored without being sent.
    already_stored_bytes: AtomicU64,
}

struct Bars {
    multi: MultiProgress,
    by_phase: Mutex<Vec<(Phase, ProgressBar)>>,
    paid_wei: Mutex<Amount>,
    units: Unit,
}

struct PlainStatus {
    last: Instant,
    interval: Duration,
}

impl HumanReporter {
    /// A reporter for stderr as it is (terminal or not) at this verbosity.
    pub fn new(verbosity: Verbosity, units: Unit) -> Self {
        let terminal = std::io::stderr().is_terminal();
        let (bars, plain) = match (verbosity, terminal) {
            (Verbosity::Quiet, _) => (None, None),
            (Verbosity::Normal, true) => (Some(Bars::new(units)), None),
            (Verbosity::Normal, false) => (
                None,
                Some(Mutex::new(PlainStatus {
                    last: Instant::now(),
                    interval: Duration::from_secs(5),
                })),
            ),
        };
        Self {
            bars,
            plain,
            already_stored_bytes: AtomicU64::new(0),
        }
    }

    /// Prints a line on stderr without tearing the bars.
    pub fn line(&self, text: &str) {
        match &self.bars {
            Some(bars) => {
                let _ = bars.multi.println(text);
            }
            None if self.plain.is_some() => eprintln!("{text}"),
            None => {}
        }
    }

    /// Runs `f` (a question on the terminal) with the bars taken off the screen, so nothing
    /// redraws over it; they come back afterwards.
    pub fn hidden_while<R>(&self, f: impl FnOnce() -> R) -> R {
        let Some(bars) = &self.bars else {
            return f();
        };
        let _ = bars.multi.clear();
        bars.multi.set_draw_target(ProgressDrawTarget::hidden());
        let result = f();
        bars.multi.set_draw_target(ProgressDrawTarget::stderr());
        result
    }

    /// Removes the bars.
    pub fn finish(&self) {
        if let Some(bars) = &self.bars {
            for (_, bar) in bars.by_phase.lock().expect("bars lock").iter() {
                bar.finish_and_clear();
            }
        }
    }

    /// Store progress counts chunks the network already held as stored.
    fn with_already_stored(&self, phase: Phase, done: u64, total: u64) -> u64 {
        if phase == Phase::Store {
            (done + self.already_stored_bytes.load(Ordering::Relaxed)).min(total)
        } else {
            done
        }
    }
}

impl Bars {
    fn new(units: Unit) -> Self {
        Self {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
            by_phase: Mutex::new(Vec::new()),
            paid_wei: Mutex::new(Amount::ZERO),
            units,
        }
    }

    /// The phase's bar, added below the others the first time it is asked for.
    fn bar(&self, phase: Phase) -> ProgressBar {
        let mut by_phase = self.by_phase.lock().expect("bars lock");
        if let Some((_, bar)) = by_phase.iter().find(|(p, _)| *p == phase) {
            return bar.clone();
        }
        let template = match phase {
            Phase::Pay | Phase::Verify | Phase::Repair => {
                "{prefix:>8} [{bar:30}] {pos}/{len} chunks {msg}"
            }
            _ => {
                "{prefix:>8} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta} {msg}"
            }
        };
        let style = ProgressStyle::with_template(template)
            .expect("template")
            .progress_chars("=> ");
        let bar = self.multi.add(
            ProgressBar::new(0)
                .with_style(style)
                .with_prefix(phase_name(phase)),
        );
        by_phase.push((phase, bar.clone()));
        bar
    }
}

impl Reporter for HumanReporter {
    fn event(&self, event: &Event) {
        if let Event::ChunkAlreadyStored { bytes, .. } = event {
            self.already_stored_bytes
                .fetch_add(u64::from(*bytes), Ordering::Relaxed);
        }
        match (event, &self.bars) {
            (Event::Started { chunks, .. }, Some(bars)) => {
                bars.bar(Phase::Pay).set_length(*chunks as u64);
                if let Some(resuming) = resuming(event) {
                    self.line(&resuming);
                }
            }
            (Event::Started { chunks, bytes, .. }, None) => {
                self.line(&format!("uploading {bytes} bytes in {chunks} chunks"));
                if let Some(resuming) = resuming(event) {
                    self.line(&resuming);
                }
            }
            (
                Event::WavePaid {
                    storage_cost_wei,
                    gas_cost_wei,
                    ..
                },
                Some(bars),
            ) => {
                let mut paid = bars.paid_wei.lock().expect("paid lock");
                *paid = Amount::sum([*paid, *storage_cost_wei, *gas_cost_wei]);
                bars.bar(Phase::Pay).set_message(format!("{} paid", bars.units.format(*paid)));
            }
            (
                Event::WavePaid {
                    wave,
                    chunks,
                    tx_hash,
                    ..
                },
                None,
            ) => self.line(&format!("wave {wave}: paid {chunks} chunks in {tx_hash}")),
            (Event::ChunkAlreadyStored { .. }, Some(bars)) => bars.bar(Phase::Pay).inc(1),
            (
                Event::FileEncrypted {
                    files_done, files, ..
                },
                Some(bars),
            ) => bars
                .bar(Phase::Encrypt)
                .set_message(format!("{files_done}/{files} files")),
            (
                Event::FileStored {
                    files_done, files, ..
                },
                Some(bars),
            ) => bars
                .bar(Phase::Store)
                .set_message(format!("{files_done}/{files} files")),
            (Event::Skipped { file, reason }, _) => {
                self.line(&format!("skipped {file}: {reason}"))
            }
            (Event::Retry { node, reason, .. }, _) => {
                tracing::info!(%node, %reason, "retrying a chunk")
            }
            (Event::WaitingForLock { file }, _) => self.line(&format!(
                "waiting: another ferry process is uploading {file}; this one carries on from its receipt when it finishes"
            )),
            (Event::ReceiptSetAside { path, reason }, _) => self.line(&format!(
                "warning: the cached receipt was unreadable ({reason}); it was moved to {path} and the upload goes on without it"
            )),
            _ => {}
        }
    }

    fn progress(&self, phase: Phase, done: u64, total: u64) {
        let done = self.with_already_stored(phase, done, total);
        if let Some(bars) = &self.bars {
            let bar = bars.bar(phase);
            bar.set_length(total);
            bar.set_position(done);
            return;
        }
        if let Some(plain) = &self.plain {
            let mut plain = plain.lock().expect("status lock");
            if plain.last.elapsed() >= plain.interval || (done == total && phase != Phase::Pay) {
                plain.last = Instant::now();
                let percent = (done * 100).checked_div(total).unwrap_or(100);
                let line = match phase {
                    Phase::Pay | Phase::Verify | Phase::Repair => {
                        format!("{done}/{total} chunks")
                    }
                    _ => format!("{}/{}", HumanBytes(done), HumanBytes(total)),
                };
                eprintln!("{}: {line} ({percent}%)", phase_name(phase));
            }
        }
    }
}

/// What a resumed upload starts from, when it resumes anything.
fn resuming(started: &Event) -> Option<String> {
    let Event::Started {
        reused_proofs,
        already_stored,
        expired_proofs,
        recovered_payments,
        unpaid_proofs,
        ..
    } = started
    else {
        return None;
    };
    if reused_proofs + already_stored + expired_proofs + recovered_payments + unpaid_proofs == 0 {
        return None;
    }
    let mut text =
        format!("resuming: {already_stored} chunks already stored, {reused_proofs} paid earlier");
    if *recovered_payments > 0 {
        text += &format!(" ({recovered_payments} of them recovered from the chain)");
    }
    if *expired_proofs > 0 {
        text += &format!(", {expired_proofs} proofs expired (those chunks are paid again)");
    }
    if *unpaid_proofs > 0 {
        text += &format!(
            ", {unpaid_proofs} proofs not found on this chain (those chunks are paid again)"
        );
    }
    Some(text)
}

fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Encrypt => "encrypt",
        Phase::Pay => "pay",
        Phase::Store => "store",
        Phase::Fetch => "fetch",
        Phase::Verify => "verify",
        Phase::Repair => "repair",
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
