//! The devnet's state file (`<devnet>/state.json`) and its lock file (`<devnet>/lock`).
//!
//! The state file lists exactly the processes one `up` started, with what identifies each of
//! them beyond its pid (program and kernel start time), so `down` never signals a stranger that
//! happens to reuse a pid. It is written atomically; a devnet removes it only while it still
//! carries that devnet's own `instance` id, so an old devnet shutting down late never erases
//! the record of a newer one.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use fs2::FileExt;
use serde::{Deserialize, Serialize};

use super::DevnetError;
use super::isolated::IsolatedNetwork;
use crate::fsutil::write_atomic;

/// The state file's schema version; a newer one is never overwritten or acted on.
pub const STATE_VERSION: u32 = 1;

/// Which executable a devnet process runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Program {
    /// The anvil chain.
    Anvil,
    /// A `ferry-node` storage node.
    Node,
}

impl Program {
    /// The executable's file name, as `/proc/<pid>/cmdline` shows it.
    pub fn executable_name(self) -> &'static str {
        match self {
            Program::Anvil => "anvil",
            Program::Node => "ferry-node",
        }
    }
}

/// One process a devnet started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessRecord {
    /// A name for people: `anvil`, `node 3`.
    pub name: String,
    /// What it runs.
    pub program: Program,
    /// Its pid, which is also its process group id.
    pub pid: u32,
    /// Its start time in clock ticks since boot (`/proc/<pid>/stat`), to tell a reused pid apart.
    pub start_ticks: Option<u64>,
    /// The URL it serves, once it has said so.
    pub url: Option<String>,
    /// Its log file (stdout and stderr).
    pub log: PathBuf,
}

/// What one `up` started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevnetState {
    /// [`STATE_VERSION`] of the ferry that wrote it.
    pub version: u32,
    /// A random id of this devnet instance.
    pub instance: u64,
    /// When it was started, in seconds since the Unix epoch.
    pub started_at: u64,
    /// The network file it serves.
    pub network_file: PathBuf,
    /// Its processes: anvil first, then the nodes in order.
    pub processes: Vec<ProcessRecord>,
    /// The namespaces, links and qdisc of an isolated devnet (`up --isolated`), each recorded
    /// before it is created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isolated: Option<IsolatedNetwork>,
}

impl DevnetState {
    /// A new, empty state for a devnet being started now.
    pub fn new(network_file: PathBuf) -> Self {
        let started_at = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs());
        Self {
            version: STATE_VERSION,
            instance: rand::random(),
            started_at,
            network_file,
            processes: Vec::new(),
            isolated: None,
        }
    }

    /// The anvil process, if it was started.
    pub fn anvil(&self) -> Option<&ProcessRecord> {
        self.processes.iter().find(|p| p.program == Program::Anvil)
    }

    /// The node processes, in order.
    pub fn nodes(&self) -> impl Iterator<Item = &ProcessRecord> {
        self.processes.iter().filter(|p| p.program == Program::Node)
    }
}

/// The state file inside a devnet dir.
pub fn state_file(devnet_dir: &Path) -> PathBuf {
    devnet_dir.join("state.json")
}

/// Reads the state file; `None` when there is none. Blocking.
pub fn read_state(devnet_dir: &Path) -> Result<Option<DevnetState>, DevnetError> {
    let path = state_file(devnet_dir);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(DevnetError::io("read", &path, source)),
    };
    decode_state(&text, &path).map(Some)
}

fn decode_state(text: &str, path: &Path) -> Result<DevnetState, DevnetError> {
    #[derive(Deserialize)]
    struct Versioned {
        version: u32,
    }
    let corrupt = |source| DevnetError::CorruptState {
        path: path.to_owned(),
        source,
    };
    let Versioned { version } = serde_json::from_str(text).map_err(corrupt)?;
    if version > STATE_VERSION {
        return Err(DevnetError::NewerState {
            path: path.to_owned(),
            version,
        });
    }
    serde_json::from_str(text).map_err(corrupt)
}

/// Writes the state file atomically. Blocking.
pub fn save(devnet_dir: &Path, state: &DevnetState) -> Result<(), DevnetError> {
    let path = state_file(devnet_dir);
    let json =
        serde_json::to_string_pretty(state).expect("a devnet state always serialises") + "\n";
    write_atomic(&path, json.as_bytes(), 0o644)
        .map_err(|source| DevnetError::io("write", &path, source))
}

/// Removes the state file if it still describes devnet `instance`; true if it did. Blocking.
pub fn remove_if_ours(devnet_dir: &Path, instance: u64) -> Result<bool, DevnetError> {
    match read_state(devnet_dir) {
        Ok(Some(state)) if state.instance == instance => remove(devnet_dir).map(|()| true),
        Ok(_) | Err(_) => Ok(false),
    }
}

/// Removes the state file (a missing one is fine). Blocking.
pub fn remove(devnet_dir: &Path) -> Result<(), DevnetError> {
    let path = state_file(devnet_dir);
    match std::fs::remove_file(&path) {
        Err(error) if error.kind() != io::ErrorKind::NotFound => {
            Err(DevnetError::io("remove", &path, error))
        }
        _ => Ok(()),
    }
}

/// An exclusive hold on a devnet dir, for starting or stopping its devnet; released on drop.
#[derive(Debug)]
pub struct DevnetLock {
    _file: File,
}

impl DevnetLock {
    /// Takes the lock, waiting (and saying so in the log) while another process holds it.
    /// Blocking.
    pub fn acquire(devnet_dir: &Path) -> Result<Self, DevnetError> {
        std::fs::create_dir_all(devnet_dir)
            .map_err(|source| DevnetError::io("create", devnet_dir, source))?;
        let path = devnet_dir.join("lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| DevnetError::io("open", &path, source))?;
        if file.try_lock_exclusive().is_err() {
            tracing::info!(
                "waiting for another ferry process that is starting or stopping the devnet in {}",
                devnet_dir.display()
            );
            file.lock_exclusive()
                .map_err(|source| DevnetError::io("lock", &path, source))?;
        }
        Ok(Self { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(dir: &Path) -> DevnetState {
        let mut state = DevnetState::new(dir.join("network.json"));
        state.processes.push(ProcessRecord {
            name: "anvil".into(),
            program: Program::Anvil,
            pid: 4242,
            start_ticks: Some(123_456),
            url: Some("http://127.0.0.1:8545".into()),
            log: dir.join("logs/anvil.log"),
        });
        state.processes.push(ProcessRecord {
            name: "node 0".into(),
            program: Program::Node,
            pid: 4243,
            start_ticks: None,
            url: None,
            log: dir.join("logs/node-0.log"),
        });
        state
    }

    #[test]
    fn state_file_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read_state(dir.path()).unwrap(), None);
        let state = sample(dir.path());
        save(dir.path(), &state).unwrap();
        let back = read_state(dir.path()).unwrap().unwrap();
        assert_eq!(back, state);
        assert_eq!(back.anvil().unwrap().pid, 4242);
        assert_eq!(back.nodes().count(), 1);
    }

    #[test]
    fn state_file_is_removed_only_by_its_own_instance() {
        let dir = tempfile::tempdir().unwrap();
        let state = sample(dir.path());
        save(dir.path(), &state).unwrap();
        assert!(!remove_if_ours(dir.path(), state.instance.wrapping_add(1)).unwrap());
        assert!(state_file(dir.path()).exists());
        assert!(remove_if_ours(dir.path(), state.instance).unwrap());
        assert!(!state_file(dir.path()).exists());
    }

    #[test]
    fn corrupt_and_newer_state_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(state_file(dir.path()), "{not json").unwrap();
        assert!(matches!(
            read_state(dir.path()),
            Err(DevnetError::CorruptState { .. })
        ));
        let mut newer = serde_json::to_value(sample(dir.path())).unwrap();
        newer["version"] = (STATE_VERSION + 1).into();
        std::fs::write(state_file(dir.path()), newer.to_string()).unwrap();
        assert!(matches!(
            read_state(dir.path()),
            Err(DevnetError::NewerState { .. })
        ));
    }

    #[test]
    fn lock_is_exclusive_until_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let held = DevnetLock::acquire(dir.path()).unwrap();
        let other = File::open(dir.path().join("lock")).unwrap();
        assert!(other.try_lock_exclusive().is_err());
        drop(held);
        assert!(other.try_lock_exclusive().is_ok());
    }
}
