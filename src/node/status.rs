//! How a running node reports on itself, and how `ferry-node status` finds and asks it.
//!
//! A serving node writes `ROOT/node.json` ([`StateFile`]: its URL, id and process id) once it
//! is bound, and removes it when it stops cleanly; `GET /status` answers a [`NodeStatus`].
//! `ferry-node status` reads the state file under the node's root and asks that URL.
//! The node's last warnings and errors are kept by [`RecentErrors`], a tracing layer the
//! binary installs. The earnings figures come from a tally of the earnings record against the
//! vault ([`tally_earnings_until`]), run at start, after the node earns, and every
//! [`TALLY_INTERVAL`].
//!
//! Invariants: the state file is written atomically, so a reader sees a whole one or none;
//! a status never quotes a secret (the key file's path is not in it); at most
//! [`RECENT_ERRORS`] log lines are kept.

use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::blocking::blocking;
use crate::node::state::{NodeState, Shared};
use crate::wire::routes::Route;
use crate::wire::types::Amount;

/// The state file's name under the node's root.
pub const STATE_FILE: &str = "node.json";
/// How many recent warnings and errors a node keeps for its status.
pub const RECENT_ERRORS: usize = 10;
/// How often the earnings are tallied when the node earns nothing new.
pub const TALLY_INTERVAL: Duration = Duration::from_secs(60);
/// The least time between two tallies.
const TALLY_GAP: Duration = Duration::from_secs(2);
/// How long `ferry-node status` waits for the node.
const STATUS_TIMEOUT: Duration = Duration::from_secs(5);

/// Where a running node is: `ROOT/node.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateFile {
    /// The URL it serves at.
    pub url: String,
    /// Its id.
    pub id: String,
    /// Its process.
    pub pid: u32,
}

impl StateFile {
    /// Writes the state file under `root`. Blocking.
    pub fn write(&self, root: &Path) -> std::io::Result<()> {
        let bytes = serde_json::to_vec_pretty(self).expect("a state file always encodes");
        crate::fsutil::write_atomic(&root.join(STATE_FILE), &bytes, 0o644)
    }

    /// Writes the state file of node `me`, this process, under `root` (a failure is logged:
    /// the node serves on without it).
    pub(crate) async fn write_for(me: &crate::wire::network::NodeInfo, root: &Path) {
        let file = StateFile {
            url: me.url.clone(),
            id: me.id.to_string(),
            pid: std::process::id(),
        };
        let root = root.to_owned();
        if let Err(error) = blocking(move || file.write(&root)).await {
            tracing::warn!(%error, "cannot write the state file ferry-node status reads");
        }
    }

    /// Removes the state file under `root`, if it is still this process's. Blocking.
    pub fn remove(root: &Path) {
        let path = root.join(STATE_FILE);
        let ours = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<StateFile>(&bytes).ok())
            .is_some_and(|file| file.pid == std::process::id());
        if ours && let Err(error) = std::fs::remove_file(&path) {
            tracing::warn!(path = %path.display(), %error, "cannot remove the state file");
        }
    }
}

/// One warning or error the node logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggedError {
    /// When, seconds since the Unix epoch.
    pub time: u64,
    /// `WARN` or `ERROR`.
    pub level: String,
    /// The message and its fields.
    pub message: String,
}

/// What `GET /status` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeStatus {
    /// The node's id (its position).
    pub id: String,
    /// The URL it serves at.
    pub url: String,
    /// Its rewards address.
    pub rewards: String,
    /// `serving`, `starting` or `stopping`.
    pub state: String,
    /// Why it is not serving.
    pub reason: Option<String>,
    /// True while the vault's registry (as last read) holds the node.
    pub registered: bool,
    /// Bytes of chunks stored.
    pub stored_bytes: u64,
    /// Bytes the store may hold.
    pub capacity_bytes: u64,
    /// Chunks stored.
    pub chunks: usize,
    /// Other nodes in its view.
    pub peers: usize,
    /// Wei the vault holds for the node's recorded leaves, unclaimed; `None` before the
    /// first tally.
    pub unclaimed_wei: Option<Amount>,
    /// Wei `ferry-node rewards` claimed for it; `None` before the first tally.
    pub claimed_wei: Option<Amount>,
    /// Its last warnings and errors, oldest first.
    pub last_errors: Vec<LoggedError>,
    /// The ferry version it runs.
    pub version: String,
}

/// `GET /status`.
pub(crate) async fn status(State(state): State<Shared>) -> Json<NodeStatus> {
    let me = state.peers.me();
    let (word, reason) = match crate::node::ops::readiness(&state) {
        Ok(()) => ("serving".to_owned(), None),
        Err(reason) => (
            reason.split(':').next().unwrap_or("starting").to_owned(),
            Some(reason),
        ),
    };
    let earnings = state.metrics.earnings();
    Json(NodeStatus {
        id: me.id.to_string(),
        url: me.url.clone(),
        rewards: me.rewards.to_string(),
        state: word,
        reason,
        registered: state.peers.registry().id_of(&me.rewards).is_some(),
        stored_bytes: state.store.used(),
        capacity_bytes: state.store.capacity(),
        chunks: state.store.len(),
        peers: state.peers.all().len().saturating_sub(1),
        unclaimed_wei: earnings.map(|(unclaimed, _)| unclaimed),
        claimed_wei: earnings.map(|(_, claimed)| claimed),
        last_errors: recent_errors(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    })
}

static RECENT: Mutex<VecDeque<LoggedError>> = Mutex::new(VecDeque::new());

fn recent_errors() -> Vec<LoggedError> {
    RECENT
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .cloned()
        .collect()
}

/// A tracing layer keeping the last [`RECENT_ERRORS`] warnings and errors for `GET /status`.
#[derive(Debug, Default, Clone, Copy)]
pub struct RecentErrors;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for RecentErrors {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        let level = *event.metadata().level();
        if level > tracing::Level::WARN {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        let mut message = fields.message;
        for (name, value) in fields.others {
            message.push_str(&format!(" {name}={value}"));
        }
        let mut recent = RECENT.lock().unwrap_or_else(PoisonError::into_inner);
        if recent.len() == RECENT_ERRORS {
            recent.pop_front();
        }
        recent.push_back(LoggedError {
            time: crate::wire::signed::unix_now(),
            level: level.to_string(),
            message,
        });
    }
}

#[derive(Default)]
struct Fields {
    message: String,
    others: BTreeMap<&'static str, String>,
}

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        } else {
            self.others.insert(field.name(), format!("{value:?}"));
        }
    }

    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "message" {
            self.message = value.to_owned();
        } else {
            self.others.insert(field.name(), value.to_owned());
        }
    }
}

/// Tallies the earnings record against the vault at start, soon after the node earns a leaf,
/// and every [`TALLY_INTERVAL`], until `shutdown`.
pub(crate) async fn tally_earnings_until(state: Arc<NodeState>, shutdown: CancellationToken) {
    loop {
        tally_earnings(&state).await;
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(TALLY_INTERVAL) => {}
            _ = state.ops.earned.notified() => {}
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(TALLY_GAP) => {}
        }
    }
}

/// One tally: the recorded leaves the vault does not mark claimed (one call per payer), and
/// what `ferry-node rewards` claimed. A failure keeps the last tally.
async fn tally_earnings(state: &NodeState) {
    let earnings = state.earnings.clone();
    let recorded = blocking(move || {
        Ok::<_, crate::node::earnings::EarningsError>((earnings.waves()?, earnings.claimed()?))
    })
    .await;
    let (waves, claimed) = match recorded {
        Ok(recorded) => recorded,
        Err(error) => {
            tracing::warn!(%error, "cannot tally the earnings record");
            return;
        }
    };
    let mut by_payer: BTreeMap<_, Vec<_>> = BTreeMap::new();
    for wave in waves {
        by_payer.entry(wave.payer).or_default().push(wave);
    }
    let mine = state.signer.address();
    let mut unclaimed = Vec::new();
    for (payer, waves) in by_payer {
        let roots: Vec<_> = waves.iter().map(|wave| wave.root).collect();
        let statuses = match state.chain.wave_statuses(payer, &roots).await {
            Ok(statuses) => statuses,
            Err(error) => {
                tracing::debug!(%error, "cannot tally the earnings: the vault does not answer");
                return;
            }
        };
        for (wave, status) in waves.iter().zip(statuses) {
            if status.is_unpaid() {
                continue;
            }
            unclaimed.extend(
                wave.leaves
                    .iter()
                    .filter(|leaf| leaf.leaf.rewards == mine && !status.is_claimed(leaf.index))
                    .map(|leaf| leaf.leaf.amount),
            );
        }
    }
    state.metrics.set_earnings(Amount::sum(unclaimed), claimed);
}

/// Why `ferry-node status` could not tell.
#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    /// The root directory does not exist.
    #[error("the node root {root} does not exist; pass the --root (or --config) of the node")]
    NoRoot {
        /// The root.
        root: PathBuf,
    },
    /// No node has written its state file under the root.
    #[error(
        "no node is running with root {root} (it has no {STATE_FILE}); start ferry-node with that --root, or pass the --root of a running node"
    )]
    NotRunning {
        /// The root.
        root: PathBuf,
    },
    /// The state file names a node that does not answer.
    #[error(
        "the node that wrote {state_file} (process {pid}) does not answer at {url}; it may have stopped: start it again"
    )]
    Unreachable {
        /// The state file.
        state_file: PathBuf,
        /// The URL in it.
        url: String,
        /// The process in it.
        pid: u32,
        /// The cause.
        source: reqwest::Error,
    },
    /// The node's answer was not a status.
    #[error("the node at {url} answered GET /status with something that is not a status")]
    BadAnswer {
        /// The node.
        url: String,
        /// The cause.
        source: reqwest::Error,
    },
}

impl StatusError {
    /// Bad input when the root does not exist (exit 2); otherwise no node answers (network,
    /// exit 3).
    pub fn kind(&self) -> crate::exit::ErrorKind {
        match self {
            StatusError::NoRoot { .. } => crate::exit::ErrorKind::BadInput,
            _ => crate::exit::ErrorKind::Network,
        }
    }
}

/// Finds the node running with root `root` and asks it for its status.
pub async fn query(root: &Path) -> Result<NodeStatus, StatusError> {
    if !tokio::fs::try_exists(root).await.unwrap_or(false) {
        return Err(StatusError::NoRoot {
            root: root.to_owned(),
        });
    }
    let state_file = root.join(STATE_FILE);
    let running: StateFile = match tokio::fs::read(&state_file).await {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|_| StatusError::NotRunning {
            root: root.to_owned(),
        })?,
        Err(_) => {
            return Err(StatusError::NotRunning {
                root: root.to_owned(),
            });
        }
    };
    let http = reqwest::Client::builder()
        .timeout(STATUS_TIMEOUT)
        .build()
        .expect("the HTTP client builds");
    let response = http
        .get(Route::Status.url(&running.url))
        .send()
        .await
        .map_err(|source| StatusError::Unreachable {
            state_file,
            url: running.url.clone(),
            pid: running.pid,
            source,
        })?;
    response
        .json()
        .await
        .map_err(|source| StatusError::BadAnswer {
            url: running.url,
            source,
        })
}

/// `status` for a person.
pub fn describe(status: &NodeStatus) -> String {
    let state = match &status.reason {
        Some(reason) => reason.clone(),
        None => status.state.clone(),
    };
    let mut text = format!(
        "node {} at {}: {state}\nregistered: {}\nrewards address: {}\nstored: {} of {} ({} chunks)\npeers: {}\n",
        status.id,
        status.url,
        if status.registered {
            "yes"
        } else {
            "NO: not in the vault's registry; register it with ferry-node register"
        },
        status.rewards,
        crate::sizes::format_size(status.stored_bytes),
        crate::sizes::format_size(status.capacity_bytes),
        status.chunks,
        status.peers,
    );
    match (status.unclaimed_wei, status.claimed_wei) {
        (Some(unclaimed), Some(claimed)) => text.push_str(&format!(
            "earnings: {unclaimed} wei unclaimed (ferry-node rewards claims it), {claimed} wei claimed\n"
        )),
        _ => text.push_str("earnings: not tallied yet\n"),
    }
    if status.last_errors.is_empty() {
        text.push_str("last errors: none\n");
    } else {
        text.push_str("last errors:\n");
        for logged in &status.last_errors {
            text.push_str(&format!(
                "  {} {} {}\n",
                humantime::format_rfc3339_seconds(
                    std::time::UNIX_EPOCH + Duration::from_secs(logged.time)
                ),
                logged.level,
                logged.message
            ));
        }
    }
    text
}
