//! The local devnet: an anvil chain with the payment vault deployed and N `ferry-node`s, all on
//! 127.0.0.1 or each in a network namespace of its own ([`Topology::Isolated`], see
//! [`isolated`]), for trying ferry out and for the tests (`ferry devnet up|down|status`,
//! `--devnet`).
//!
//! It owns `<data dir>/devnet/`: `network.json` (what clients and nodes read; its `funded_key`
//! is anvil's well-known account #0), `state.json` (exactly what `up` started), `logs/` (one log
//! per process), `nodes/<i>/` (node roots and keys, cleared when a new devnet starts, since the
//! chain that paid for their chunks is gone) and `lock`.
//!
//! Invariants:
//! - stop exactly what `up` started: a pid from `state.json` is signalled only while `/proc`
//!   shows the same program started at the same clock tick, so a reused pid is never hit;
//!   besides those, only anvils and nodes whose command line names this devnet's dir
//!   (`--config-out`, `--root`) are stopped: strays of a ferry killed between spawning a
//!   process and recording it;
//! - files are written with [`crate::fsutil::write_atomic`], so a crash leaves an old or a new
//!   `network.json` or `state.json`, never a torn one; `state.json` records every child right
//!   after it is spawned, so `down` can undo even an interrupted `up`;
//! - one devnet per data dir: starting and stopping hold the lock file, and starting while a
//!   usable devnet runs (its chain and at least one node answer) returns that one
//!   ([`StartOutcome::AlreadyRunning`]), so its chain's payments are kept; one whose chain is
//!   gone is stopped and replaced;
//! - children run in their own process groups with stdin closed and output in log files: a
//!   Ctrl-C in the terminal or the end of the ferry process does not reach them. Only
//!   [`RunningDevnet::shutdown`], dropping a [`RunningDevnet`] (SIGKILL) or [`stop`] ends them;
//!   [`RunningDevnet::detach`] leaves them running;
//! - an isolated devnet's namespaces, links and qdisc are recorded in `state.json` before they
//!   are created and removed after its processes are stopped; the state file goes only once
//!   they are gone, so a failed removal is retried by the next `down`.

mod anvil;
mod error;
mod health;
mod isolated;
mod launch;
mod process;
mod state;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::blocking::blocking;
use crate::paths::{devnet_dir, devnet_network_file};
use crate::wire::network::NetworkConfig;

pub use anvil::{ANVIL_NPM_PACKAGE, CHAIN_ID, FUNDED_KEY, install_command};
pub use error::DevnetError;
pub use health::{ChainHealth, DevnetHealth, DevnetStatus, NodeHealth};
pub use isolated::{IsolatedNetwork, MAX_NODES as MAX_ISOLATED_NODES, NetResource, Topology};
pub use process::{StopHow, StoppedProcess};
use state::{DevnetLock, DevnetState, Program};

/// Nodes a devnet starts by default.
pub const DEFAULT_NODES: usize = 10;

/// How long anvil and each node may take to say where they listen.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a process may take to exit after SIGTERM before it gets SIGKILL.
const GRACE: Duration = Duration::from_secs(5);

/// How to start a devnet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevnetOptions {
    /// ferry's data dir; the devnet lives in its `devnet/`.
    pub data_dir: PathBuf,
    /// How many nodes to start (at least one).
    pub nodes: usize,
    /// The `ferry-node` executable.
    pub node_binary: PathBuf,
    /// The nodes' `--repair-interval`: short, so a devnet heals within seconds.
    pub repair_interval: std::time::Duration,
    /// Where its processes run.
    pub topology: Topology,
}

impl DevnetOptions {
    /// [`DEFAULT_NODES`] nodes from [`default_node_binary`], in `data_dir`.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            nodes: DEFAULT_NODES,
            node_binary: default_node_binary(),
            repair_interval: DEFAULT_REPAIR_INTERVAL,
            topology: Topology::Loopback,
        }
    }
}

/// How often a devnet's nodes check their chunks' replicas unless told otherwise.
pub const DEFAULT_REPAIR_INTERVAL: std::time::Duration = std::time::Duration::from_secs(5);

/// The `ferry-node` next to the running executable (or, for a test binary in `target/*/deps`,
/// one directory up); plain `ferry-node`, looked up on PATH, when there is none.
pub fn default_node_binary() -> PathBuf {
    let name = Program::Node.executable_name();
    let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_owned))
    else {
        return PathBuf::from(name);
    };
    let mut candidates = vec![dir.join(name)];
    if dir.file_name().is_some_and(|n| n == "deps")
        && let Some(up) = dir.parent()
    {
        candidates.push(up.join(name));
    }
    candidates
        .into_iter()
        .find(|path| path.is_file())
        .unwrap_or_else(|| PathBuf::from(name))
}

/// What [`start`] found or did.
#[derive(Debug)]
pub enum StartOutcome {
    /// It started a new devnet, owned by the caller.
    Started(Box<RunningDevnet>),
    /// A healthy devnet was already running in this data dir; this is its network.
    AlreadyRunning(NetworkConfig),
}

impl StartOutcome {
    /// The devnet's network, new or already running.
    pub fn network(&self) -> &NetworkConfig {
        match self {
            StartOutcome::Started(devnet) => devnet.network(),
            StartOutcome::AlreadyRunning(network) => network,
        }
    }
}

/// What [`stop`] or [`RunningDevnet::shutdown`] stopped.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StopReport {
    /// Each recorded process and how it ended.
    pub processes: Vec<StoppedProcess>,
}

/// A devnet this process started; its children are killed if it is dropped without
/// [`RunningDevnet::shutdown`] or [`RunningDevnet::detach`].
#[derive(Debug)]
pub struct RunningDevnet {
    network: NetworkConfig,
    devnet_dir: PathBuf,
    state: DevnetState,
    /// True once `state.json` is given up (shutdown, abort, drop); held while it is written,
    /// so a write still in flight when a start is cancelled cannot bring it back.
    forgotten: Arc<Mutex<bool>>,
    /// True once an isolated network is being removed on drop; held while a resource is
    /// created, so a creation still in flight when a start is cancelled finishes before the
    /// removal, or does not happen.
    network_closed: Arc<Mutex<bool>>,
    children: Vec<process::Launched>,
}

/// A devnet child that exited on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildExit {
    /// `anvil`, `node 3`.
    pub name: String,
    /// Its exit status.
    pub status: String,
    /// Its log file.
    pub log: PathBuf,
    /// True for the chain: without it the devnet cannot go on.
    pub is_chain: bool,
}

/// Starts a devnet in `options.data_dir`, or finds the usable one already running there.
/// A recorded devnet that is not usable is stopped first.
pub async fn start(options: DevnetOptions) -> Result<StartOutcome, DevnetError> {
    let topology = options.topology;
    start_reusing(options, Some(topology)).await
}

/// [`start`], reusing a running devnet of `reuse` topology (`None`: of any).
async fn start_reusing(
    options: DevnetOptions,
    reuse: Option<Topology>,
) -> Result<StartOutcome, DevnetError> {
    if options.nodes == 0 {
        return Err(DevnetError::NoNodes);
    }
    let mut isolated = match options.topology {
        Topology::Loopback => None,
        Topology::Isolated { uplink_mbit } => {
            Some(blocking(move || IsolatedNetwork::plan(options.nodes, uplink_mbit)).await?)
        }
    };
    let devnet_dir = devnet_dir(&options.data_dir);
    let _lock = lock(&devnet_dir).await?;
    if let Some(network) = reuse_or_clear(&devnet_dir, reuse).await? {
        return Ok(StartOutcome::AlreadyRunning(network));
    }
    let anvil = anvil::find_or_install(&options.data_dir).await?;
    launch::prepare_dirs(&devnet_dir, options.nodes).await?;
    let mut state = DevnetState::new(devnet_network_file(&options.data_dir));
    if let Some(isolated) = &mut isolated {
        isolated.name_after(state.instance);
    }
    state.isolated = isolated;
    let mut devnet = RunningDevnet {
        network: NetworkConfig {
            chain_id: CHAIN_ID,
            rpc_url: String::new(),
            vault: Default::default(),
            vault_block: None,
            native_unit: None,
            private: true,
            diversity: Default::default(),
            bootstrap: Vec::new(),
            funded_key: Some(FUNDED_KEY.to_owned()),
        },
        state,
        devnet_dir,
        forgotten: Arc::default(),
        network_closed: Arc::default(),
        children: Vec::new(),
    };
    match devnet.bring_up(&anvil, &options).await {
        Ok(()) => Ok(StartOutcome::Started(Box::new(devnet))),
        Err(error) => {
            devnet.abort().await;
            Err(error)
        }
    }
}

/// The network of the devnet in `data_dir` (loopback or isolated), starting a loopback one with
/// `nodes` nodes, detached, when none is running (a stale one is cleaned up first). For
/// `--devnet`.
pub async fn ensure_running(data_dir: &Path, nodes: usize) -> Result<NetworkConfig, DevnetError> {
    let options = DevnetOptions {
        nodes,
        ..DevnetOptions::new(data_dir)
    };
    match start_reusing(options, None).await? {
        StartOutcome::AlreadyRunning(network) => Ok(network),
        StartOutcome::Started(devnet) => {
            let network = devnet.network().clone();
            devnet.detach();
            Ok(network)
        }
    }
}

/// The network of the devnet running in `data_dir`, or `None` when none is recorded or the
/// recorded one does not answer. Starts and stops nothing: for commands that read data an
/// earlier upload stored, where a fresh devnet would hold nothing.
pub async fn running(data_dir: &Path) -> Result<Option<NetworkConfig>, DevnetError> {
    let Some(recorded) = load_state(&devnet_dir(data_dir)).await? else {
        return Ok(None);
    };
    if !health::assess(&recorded).await.is_usable() {
        return Ok(None);
    }
    let network_file = recorded.network_file.clone();
    let network = blocking(move || NetworkConfig::load(&network_file)).await?;
    Ok(Some(network))
}

/// Stops the devnet recorded in `data_dir`: exactly the recorded processes that still run (and
/// strays of this devnet), then removes `state.json`. `Ok(None)` when no devnet is
/// recorded: nothing to do is not an error.
pub async fn stop(data_dir: &Path) -> Result<Option<StopReport>, DevnetError> {
    let devnet_dir = devnet_dir(data_dir);
    if !tokio::fs::try_exists(&devnet_dir).await.unwrap_or(false) {
        return Ok(None);
    }
    let _lock = lock(&devnet_dir).await?;
    let recorded = load_state(&devnet_dir).await?;
    let was_recorded = recorded.is_some();
    let isolated = recorded
        .as_ref()
        .and_then(|recorded| recorded.isolated.clone());
    let leftovers = with_strays(&devnet_dir, recorded).await;
    if !was_recorded && leftovers.is_empty() {
        return Ok(None);
    }
    let processes = process::terminate(&leftovers, GRACE).await;
    // The state file stays while some of the network does, so a rerun removes the rest.
    isolated::tear_down(isolated).await?;
    blocking(move || state::remove(&devnet_dir)).await?;
    Ok(Some(StopReport { processes }))
}

/// The health of the devnet recorded in `data_dir`.
pub async fn inspect(data_dir: &Path) -> Result<DevnetStatus, DevnetError> {
    Ok(match load_state(&devnet_dir(data_dir)).await? {
        None => DevnetStatus::NotRunning,
        Some(recorded) => DevnetStatus::Running(health::assess(&recorded).await),
    })
}

impl RunningDevnet {
    /// The devnet's network, as written to its network file.
    pub fn network(&self) -> &NetworkConfig {
        &self.network
    }

    /// The devnet's network file.
    pub fn network_file(&self) -> PathBuf {
        self.state.network_file.clone()
    }

    /// The namespaces and links of an isolated devnet; `None` on loopback.
    pub fn isolated(&self) -> Option<&IsolatedNetwork> {
        self.state.isolated.as_ref()
    }

    /// Waits until one of the devnet's processes exits on its own (it crashed, or `ferry devnet
    /// down` stopped it). Cancel-safe.
    pub async fn wait_for_exit(&mut self) -> ChildExit {
        if self.children.is_empty() {
            return std::future::pending().await;
        }
        let waits = self.children.iter_mut().map(|launched| {
            Box::pin(async move {
                let status = launched.child.wait().await;
                ChildExit {
                    name: launched.record.name.clone(),
                    status: status
                        .map_or_else(|error| error.to_string(), |status| status.to_string()),
                    log: launched.record.log.clone(),
                    is_chain: launched.record.program == state::Program::Anvil,
                }
            })
        });
        let (exit, index, _) = futures::future::select_all(waits).await;
        // A child that exited is watched no more, so the next call waits for the others.
        self.children.remove(index);
        exit
    }

    /// True when `state.json` no longer records this devnet: someone ran `ferry devnet down` (or
    /// replaced it). Waits while another process holds the devnet's lock, so a `down` in
    /// progress is seen finished.
    pub async fn stopped_elsewhere(&self) -> bool {
        let devnet_dir = self.devnet_dir.clone();
        let recorded = async {
            let _lock = lock(&devnet_dir).await?;
            load_state(&devnet_dir).await
        };
        match recorded.await {
            Ok(recorded) => {
                recorded.is_none_or(|recorded| recorded.instance != self.state.instance)
            }
            Err(_) => false,
        }
    }

    /// Stops every process: SIGTERM, SIGKILL after a grace period; then removes `state.json`
    /// if it still describes this devnet.
    pub async fn shutdown(mut self) -> StopReport {
        let processes = self.stop_children().await;
        // Taken, so dropping `self` afterwards does not remove the network a second time.
        let isolated = self.state.isolated.take();
        let forgotten = async {
            let _lock = lock(&self.devnet_dir).await?;
            isolated::tear_down(isolated).await?;
            self.forget_state().await
        };
        if let Err(error) = forgotten.await {
            tracing::warn!("the devnet stopped, but its state file stays: {error}");
        }
        StopReport { processes }
    }

    /// Undoes a failed start, for [`start`], which holds the lock.
    async fn abort(mut self) {
        self.stop_children().await;
        let isolated = self.state.isolated.take();
        let forgotten = async {
            isolated::tear_down(isolated).await?;
            self.forget_state().await
        };
        if let Err(error) = forgotten.await {
            tracing::warn!("the failed devnet stopped, but its state file stays: {error}");
        }
    }

    async fn stop_children(&mut self) -> Vec<StoppedProcess> {
        let mut children = std::mem::take(&mut self.children);
        let records: Vec<_> = children
            .iter()
            .map(|launched| launched.record.clone())
            .collect();
        let processes = process::terminate(&records, GRACE).await;
        for launched in &mut children {
            let _ = launched.child.wait().await;
        }
        processes
    }

    /// Removes `state.json` if it still records this devnet.
    async fn forget_state(&self) -> Result<bool, DevnetError> {
        let (devnet_dir, instance) = (self.devnet_dir.clone(), self.state.instance);
        let forgotten = Arc::clone(&self.forgotten);
        blocking(move || forget(&forgotten, &devnet_dir, instance)).await
    }

    /// Leaves the devnet running after this process exits; `ferry devnet down` stops it.
    pub fn detach(mut self) {
        self.children.clear();
        self.state.isolated = None;
    }
}

impl Drop for RunningDevnet {
    /// Kills what was started and removes an isolated network, also one whose start was
    /// cancelled before any process ran.
    fn drop(&mut self) {
        if self.children.is_empty() && self.state.isolated.is_none() {
            return;
        }
        let records: Vec<_> = self
            .children
            .iter()
            .map(|launched| launched.record.clone())
            .collect();
        process::kill_now(&records);
        let mut closed = self
            .network_closed
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *closed = true;
        let failures = self
            .state
            .isolated
            .as_ref()
            .map(IsolatedNetwork::tear_down)
            .unwrap_or_default();
        drop(closed);
        if failures.is_empty() {
            let _ = forget(&self.forgotten, &self.devnet_dir, self.state.instance);
        }
    }
}

/// Marks the state file given up and removes it if it still records `instance`. Blocking.
fn forget(forgotten: &Mutex<bool>, devnet_dir: &Path, instance: u64) -> Result<bool, DevnetError> {
    let mut forgotten = forgotten.lock().unwrap_or_else(PoisonError::into_inner);
    *forgotten = true;
    state::remove_if_ours(devnet_dir, instance)
}

/// The running devnet's network if the recorded one is usable (its chain and at least one node
/// answer: replacing it would wipe the chain's payments); otherwise stops what is left
/// of a recorded one and returns `None`. A usable one of another topology than `reuse` (when
/// given) is an error. Call with the lock held.
async fn reuse_or_clear(
    devnet_dir: &Path,
    reuse: Option<Topology>,
) -> Result<Option<NetworkConfig>, DevnetError> {
    let recorded = load_state(devnet_dir).await?;
    let isolated = recorded
        .as_ref()
        .and_then(|recorded| recorded.isolated.clone());
    if let Some(recorded) = &recorded {
        let health = health::assess(recorded).await;
        if health.is_usable() {
            let running = match recorded.isolated {
                Some(_) => "isolated",
                None => "loopback",
            };
            if let Some(wanted) = reuse.filter(|wanted| wanted.name() != running) {
                return Err(DevnetError::OtherKindRunning {
                    running,
                    wanted: wanted.name(),
                });
            }
            let dead = health.nodes.iter().filter(|node| !node.healthy).count();
            if dead > 0 {
                tracing::warn!(
                    "{dead} of the devnet's {} nodes do not answer; using the rest (ferry devnet down, then up, starts afresh)",
                    health.nodes.len()
                );
            }
            let network_file = recorded.network_file.clone();
            let network = blocking(move || NetworkConfig::load(&network_file)).await?;
            return Ok(Some(network));
        }
        tracing::warn!(
            "the devnet recorded in {} does not answer; stopping what is left of it",
            devnet_dir.display()
        );
    }
    let leftovers = with_strays(devnet_dir, recorded).await;
    process::terminate(&leftovers, GRACE).await;
    isolated::tear_down(isolated).await?;
    let devnet_dir = devnet_dir.to_owned();
    blocking(move || state::remove(&devnet_dir)).await?;
    Ok(None)
}

/// The recorded processes plus any strays of this devnet dir ([`process::strays`]).
async fn with_strays(
    devnet_dir: &Path,
    recorded: Option<DevnetState>,
) -> Vec<state::ProcessRecord> {
    let mut processes = recorded
        .map(|recorded| recorded.processes)
        .unwrap_or_default();
    let known: Vec<u32> = processes.iter().map(|record| record.pid).collect();
    let devnet_dir = devnet_dir.to_owned();
    let strays = blocking(move || process::strays(&devnet_dir, &known)).await;
    if !strays.is_empty() {
        tracing::warn!(
            "stopping {} stray devnet process(es) that no state file recorded",
            strays.len()
        );
    }
    processes.extend(strays);
    processes
}

async fn load_state(devnet_dir: &Path) -> Result<Option<DevnetState>, DevnetError> {
    let devnet_dir = devnet_dir.to_owned();
    blocking(move || state::read_state(&devnet_dir)).await
}

async fn lock(devnet_dir: &Path) -> Result<DevnetLock, DevnetError> {
    let devnet_dir = devnet_dir.to_owned();
    blocking(move || DevnetLock::acquire(&devnet_dir)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_options_start_ten_nodes() {
        let options = DevnetOptions::new("/tmp/x");
        assert_eq!(options.nodes, 10);
        assert!(options.node_binary.ends_with("ferry-node"));
    }

    #[tokio::test]
    async fn stopping_without_a_devnet_reports_none() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(stop(dir.path()).await.unwrap(), None);
        assert_eq!(inspect(dir.path()).await.unwrap(), DevnetStatus::NotRunning);
    }

    #[tokio::test]
    async fn a_failed_start_stops_what_it_started_and_releases_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        // Where PATH has no anvil, this stand-in fails at once; where it has one, the missing
        // node binary fails the start after anvil is up. Either way the start must be undone.
        let fake_anvil = crate::paths::npm_prefix(dir.path()).join(anvil::ANVIL_IN_PREFIX);
        std::fs::create_dir_all(fake_anvil.parent().unwrap()).unwrap();
        std::fs::write(&fake_anvil, "#!/bin/sh\necho no chain today >&2\nexit 1\n").unwrap();
        let executable = std::os::unix::fs::PermissionsExt::from_mode(0o755);
        std::fs::set_permissions(&fake_anvil, executable).unwrap();
        let options = DevnetOptions {
            nodes: 2,
            node_binary: dir.path().join("no-such-ferry-node"),
            ..DevnetOptions::new(dir.path())
        };
        for _ in 0..2 {
            let attempt = tokio::time::timeout(Duration::from_secs(60), start(options.clone()));
            let error = attempt.await.expect("a failed start returns").unwrap_err();
            assert!(
                matches!(
                    error,
                    DevnetError::ExitedEarly { .. } | DevnetError::Spawn { .. }
                ),
                "{error}"
            );
            assert_eq!(inspect(dir.path()).await.unwrap(), DevnetStatus::NotRunning);
        }
    }

    #[tokio::test]
    async fn zero_nodes_is_refused_before_anything_starts() {
        let dir = tempfile::tempdir().unwrap();
        let options = DevnetOptions {
            nodes: 0,
            ..DevnetOptions::new(dir.path())
        };
        assert!(matches!(start(options).await, Err(DevnetError::NoNodes)));
        assert!(!dir.path().join("devnet").exists());
    }
}
