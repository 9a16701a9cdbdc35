//! The local upload history, `<data dir>/history.jsonl`: one JSON line per upload started
//! (which network it used, so `ferry status` prints a resume command that runs as printed) and
//! one per upload finished (what `ferry list` shows: name, size, date, cost, reference).
//!
//! Invariants:
//! - lines are only appended, each in a single write to a file opened for appending, so a
//!   crash leaves at most one torn last line, and writers never rewrite what others wrote;
//! - the history is a convenience, never a gate: failing to append is a warning, and a file
//!   that cannot be read (not UTF-8, a line that is not a record) is renamed aside to
//!   `history.jsonl.unreadable-<unix time>`, reported, and read for what it still holds;
//! - a record of a newer schema is skipped, not treated as damage;
//! - the history holds references (whoever holds one can read the file): it is written
//!   owner-only (0600), like the receipts.

use std::io::Write;
use std::path::{Path, PathBuf};

use alloy::primitives::Address;
use serde::{Deserialize, Serialize};

use super::invocation::absolute;
use super::{Context, NetworkArgs};
use crate::blocking::blocking;
use crate::client::upload::UploadSummary;
use crate::wire::network::NetworkConfig;
use crate::wire::types::Amount;

/// The schema of the records this ferry writes.
const SCHEMA: u32 = 1;

/// The history file inside a data dir.
pub fn history_file(data_dir: &Path) -> PathBuf {
    data_dir.join("history.jsonl")
}

/// Which network an upload used, as a printed command names it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkChoice {
    /// `--devnet`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub devnet: bool,
    /// The network file (absolute), when not the devnet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_file: Option<PathBuf>,
    /// The RPC URL override (`--rpc-url`, `FERRY_RPC_URL` or the config file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rpc_url: Option<String>,
}

impl NetworkChoice {
    /// The flags that choose this network again.
    pub fn flags(&self) -> Vec<String> {
        let mut flags = Vec::new();
        if self.devnet {
            flags.push("--devnet".to_owned());
        } else if let Some(file) = &self.network_file {
            flags.extend(["--network".to_owned(), file.display().to_string()]);
        }
        if let Some(url) = &self.rpc_url {
            flags.extend(["--rpc-url".to_owned(), url.clone()]);
        }
        flags
    }
}

/// An upload that finished: one line of `ferry list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finished {
    /// When it finished (Unix seconds).
    pub finished_at: u64,
    /// The file's or folder's name (`standard input` for a pipe).
    pub name: String,
    /// Its absolute path (absent for standard input).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Its size in bytes (a folder's files summed).
    pub bytes: u64,
    /// Files, for a folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<usize>,
    /// What the run that finished it paid to nodes, wei.
    pub storage_cost_wei: Amount,
    /// What it paid in gas, wei.
    pub gas_cost_wei: Amount,
    /// The reference to download it by.
    pub reference: String,
    /// The chain it was paid on.
    pub chain_id: u64,
    /// The vault it was paid to.
    pub vault: Address,
}

/// One line of the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
enum HistoryRecord {
    /// An upload started (before anything is paid).
    Started {
        /// The record's schema.
        schema: u32,
        /// The file as its receipt names it (canonical path).
        file: String,
        /// The network it used.
        network: NetworkChoice,
    },
    /// An upload finished.
    Finished {
        /// The record's schema.
        schema: u32,
        /// What finished.
        #[serde(flatten)]
        upload: Finished,
    },
}

/// What the history holds, and whether it had to be set aside to read it.
#[derive(Debug, Default)]
pub struct History {
    started: Vec<(String, NetworkChoice)>,
    /// Finished uploads, oldest first.
    pub finished: Vec<Finished>,
    /// Where an unreadable history was moved, and why it could not be read.
    pub set_aside: Option<(PathBuf, String)>,
}

impl History {
    /// The network the last upload of `file` (its canonical path) started with.
    pub fn network_of(&self, file: &str) -> Option<&NetworkChoice> {
        self.started
            .iter()
            .rev()
            .find(|(started, _)| started == file)
            .map(|(_, network)| network)
    }
}

/// Reads the history of `data_dir` (none yet: empty). A file that cannot be read is renamed
/// aside and what it still holds is returned; this never fails.
pub fn read(data_dir: &Path) -> History {
    let path = history_file(data_dir);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return History::default(),
        Err(error) => return set_aside(&path, History::default(), error.to_string()),
    };
    let text = String::from_utf8_lossy(&bytes);
    let mut history = History::default();
    let mut problem = std::str::from_utf8(&bytes)
        .err()
        .map(|_| "it is not UTF-8 text".to_owned());
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<serde_json::Value>(line) {
            Ok(value)
                if value["schema"]
                    .as_u64()
                    .is_some_and(|s| s > u64::from(SCHEMA)) => {}
            Ok(value) => match serde_json::from_value::<HistoryRecord>(value) {
                Ok(HistoryRecord::Started { file, network, .. }) => {
                    history.started.push((file, network))
                }
                Ok(HistoryRecord::Finished { upload, .. }) => history.finished.push(upload),
                Err(error) => {
                    problem.get_or_insert(format!("line {}: {error}", number + 1));
                }
            },
            Err(error) => {
                problem.get_or_insert(format!("line {}: {error}", number + 1));
            }
        }
    }
    match problem {
        Some(problem) => set_aside(&path, history, problem),
        None => history,
    }
}

/// Renames an unreadable history aside (so new records start a clean file) and says where.
fn set_aside(path: &Path, mut history: History, problem: String) -> History {
    let aside = path.with_extension(format!(
        "jsonl.unreadable-{}",
        crate::wire::signed::unix_now()
    ));
    match std::fs::rename(path, &aside) {
        Ok(()) => history.set_aside = Some((aside, problem)),
        Err(error) => {
            tracing::warn!(%error, path = %path.display(), "cannot move the unreadable history aside");
            history.set_aside = Some((path.to_owned(), problem));
        }
    }
    history
}

/// Appends a record: one write, owner-only file. Failing is a warning, never an error.
fn append(data_dir: &Path, record: &HistoryRecord) {
    let path = history_file(data_dir);
    let mut line = serde_json::to_string(record).expect("records serialise");
    line.push('\n');
    let written = std::fs::create_dir_all(data_dir).and_then(|()| {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&path)?
            .write_all(line.as_bytes())
    });
    if let Err(error) = written {
        tracing::warn!(%error, path = %path.display(), "cannot add to the upload history");
    }
}

/// Records that an upload of `file` started on the network `args` choose (before anything is
/// paid), so `ferry status` can name that network in its resume command.
pub async fn note_started(context: &Context, file: &Path, args: &NetworkArgs) {
    let network = NetworkChoice {
        devnet: args.devnet,
        network_file: (!args.devnet)
            .then(|| args.network.as_ref().or(context.config.network.as_ref()))
            .flatten()
            .map(|file| absolute(file)),
        rpc_url: args
            .rpc_url
            .clone()
            .or_else(|| context.config.rpc_url.clone()),
    };
    let (data_dir, file) = (context.data_dir.clone(), file.to_owned());
    let _ = blocking(move || {
        let file = std::fs::canonicalize(&file).unwrap_or_else(|_| absolute(&file));
        let record = HistoryRecord::Started {
            schema: SCHEMA,
            file: file.display().to_string(),
            network,
        };
        append(&data_dir, &record);
    })
    .await;
}

/// Records a finished upload of `file` (standard input when `stdin`, spooled at `file`), for
/// `ferry list`.
pub async fn note_finished(
    context: &Context,
    file: &Path,
    stdin: bool,
    network: &NetworkConfig,
    summary: &UploadSummary,
) {
    let Some(reference) = summary.reference else {
        return;
    };
    let (data_dir, file) = (context.data_dir.clone(), file.to_owned());
    let mut upload = Finished {
        finished_at: crate::wire::signed::unix_now(),
        name: "standard input".to_owned(),
        path: None,
        bytes: summary.bytes,
        files: summary.files,
        storage_cost_wei: summary.storage_cost,
        gas_cost_wei: summary.gas_cost,
        reference: reference.to_string(),
        chain_id: network.chain_id,
        vault: network.vault,
    };
    let _ = blocking(move || {
        if !stdin {
            let path = std::fs::canonicalize(&file).unwrap_or_else(|_| absolute(&file));
            upload.name = path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            upload.path = Some(path.display().to_string());
        }
        append(
            &data_dir,
            &HistoryRecord::Finished {
                schema: SCHEMA,
                upload,
            },
        );
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finished(name: &str) -> Finished {
        Finished {
            finished_at: 1_700_000_000,
            name: name.into(),
            path: Some(format!("/d/{name}")),
            bytes: 3,
            files: None,
            storage_cost_wei: Amount::wei(10),
            gas_cost_wei: Amount::wei(5),
            reference: "ferry:ab".into(),
            chain_id: 31337,
            vault: Address::ZERO,
        }
    }

    #[test]
    fn records_read_back_in_order_and_the_last_start_of_a_file_wins() {
        let dir = tempfile::tempdir().unwrap();
        let devnet = NetworkChoice {
            devnet: true,
            network_file: None,
            rpc_url: None,
        };
        let file_network = NetworkChoice {
            devnet: false,
            network_file: Some("/n.json".into()),
            rpc_url: Some("http://127.0.0.1:1".into()),
        };
        for (file, network) in [("/d/a", &devnet), ("/d/a", &file_network)] {
            let record = HistoryRecord::Started {
                schema: SCHEMA,
                file: file.into(),
                network: network.clone(),
            };
            append(dir.path(), &record);
        }
        for name in ["a", "b"] {
            let record = HistoryRecord::Finished {
                schema: SCHEMA,
                upload: finished(name),
            };
            append(dir.path(), &record);
        }
        let history = read(dir.path());
        assert!(history.set_aside.is_none());
        assert_eq!(history.finished, vec![finished("a"), finished("b")]);
        assert_eq!(history.network_of("/d/a"), Some(&file_network));
        assert_eq!(
            file_network.flags(),
            ["--network", "/n.json", "--rpc-url", "http://127.0.0.1:1"]
        );
        assert!(history.network_of("/d/b").is_none());
    }

    #[test]
    fn a_damaged_history_is_set_aside_and_read_for_what_it_holds() {
        let dir = tempfile::tempdir().unwrap();
        let record = HistoryRecord::Finished {
            schema: SCHEMA,
            upload: finished("a"),
        };
        append(dir.path(), &record);
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(history_file(dir.path()))
            .unwrap();
        file.write_all(b"{\"record\":\"finis").unwrap();
        let history = read(dir.path());
        assert_eq!(history.finished, vec![finished("a")]);
        let (aside, problem) = history.set_aside.expect("set aside");
        assert!(aside.exists() && !history_file(dir.path()).exists());
        assert!(problem.contains("line 2"), "{problem}");
        assert!(read(dir.path()).set_aside.is_none(), "a fresh start");
    }

    #[test]
    fn a_record_of_a_newer_schema_is_skipped_not_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            history_file(dir.path()),
            "{\"record\":\"finished\",\"schema\":9,\"whatever\":1}\n",
        )
        .unwrap();
        let history = read(dir.path());
        assert!(history.set_aside.is_none() && history.finished.is_empty());
    }
}
