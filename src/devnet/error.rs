//! The devnet's error type: each variant names what failed (a file, a process and its log)
//! and what to do next.

use std::path::{Path, PathBuf};

use crate::exit::ErrorKind;
use crate::vault::PaymentError;
use crate::wire::network::NetworkFileError;

/// Why the devnet could not be started, checked or stopped.
#[derive(Debug, thiserror::Error)]
pub enum DevnetError {
    /// anvil is nowhere and cannot be installed.
    #[error(
        "anvil is not on PATH nor installed in {npm_prefix}, and npm is not on PATH to install it; \
         install it with `{install_command}` (or put foundry's anvil on PATH) and rerun"
    )]
    AnvilMissing {
        /// Where ferry looks for its own copy.
        npm_prefix: PathBuf,
        /// The command that installs it there.
        install_command: String,
    },
    /// `npm install` of anvil failed.
    #[error(
        "installing anvil with `{command}` failed: {detail}; run it yourself to see why, then rerun"
    )]
    AnvilInstall {
        /// The install command.
        command: String,
        /// What went wrong.
        detail: String,
    },
    /// A program could not be started.
    #[error("cannot start {program}; {next_step}")]
    Spawn {
        /// The executable.
        program: PathBuf,
        /// What to do about it.
        next_step: &'static str,
        /// The cause.
        source: std::io::Error,
    },
    /// A process exited while starting.
    #[error("{what} exited while starting ({status}); see its log {log}")]
    ExitedEarly {
        /// `anvil`, `node 3`.
        what: String,
        /// Its exit status.
        status: String,
        /// Its log file.
        log: PathBuf,
    },
    /// A process did not get ready in time.
    #[error("{what} did not get ready within {seconds} s; see its log {log}")]
    NotReady {
        /// What was waited for.
        what: String,
        /// How long.
        seconds: u64,
        /// Its log file.
        log: PathBuf,
    },
    /// The vault could not be deployed on the devnet chain.
    #[error("deploying the payment vault on the devnet chain failed")]
    Deploy {
        /// The cause.
        source: PaymentError,
    },
    /// Registering the devnet's nodes in the vault failed.
    #[error("registering the devnet's nodes in the vault failed")]
    Register {
        /// The cause.
        source: PaymentError,
    },
    /// A node's key could not be created.
    #[error("cannot create a devnet node's key")]
    NodeKey {
        /// The cause.
        source: Box<crate::node::NodeError>,
    },
    /// A devnet file could not be read or written.
    #[error("cannot {action} {path}")]
    Io {
        /// `read`, `write`, `create`, …
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The state file does not parse.
    #[error(
        "the devnet state file {path} is corrupt; stop leftover anvil and ferry-node processes by \
         hand (their logs are in the same directory), delete the file and rerun"
    )]
    CorruptState {
        /// The state file.
        path: PathBuf,
        /// The cause.
        source: serde_json::Error,
    },
    /// The state file was written by a newer ferry.
    #[error(
        "the devnet state file {path} has version {version}, from a newer ferry; use that ferry to manage this devnet"
    )]
    NewerState {
        /// The state file.
        path: PathBuf,
        /// Its version.
        version: u32,
    },
    /// The running devnet's network file is unreadable.
    #[error(transparent)]
    NetworkFile(#[from] NetworkFileError),
    /// `--nodes 0`.
    #[error("a devnet needs at least one node; pass --nodes 1 or more")]
    NoNodes,
    /// `--isolated` needs what this machine lacks.
    #[error(
        "an isolated devnet needs {missing}; provide it or run `ferry devnet up` without --isolated"
    )]
    IsolationUnavailable {
        /// What is missing, `, `-separated.
        missing: String,
    },
    /// More nodes than one /24 holds.
    #[error("an isolated devnet holds at most {max} nodes, not {nodes}; pass a smaller --nodes")]
    TooManyIsolatedNodes {
        /// The nodes asked for.
        nodes: usize,
        /// The limit.
        max: usize,
    },
    /// Every candidate 10.x.y.0/24 overlaps a route or address of this machine.
    #[error(
        "no free 10.x.y.0/24 subnet for an isolated devnet; remove unused routes under 10.64.0.0/10 and rerun"
    )]
    NoFreeSubnet,
    /// A namespace or link name of this devnet is taken by something it did not create.
    #[error(
        "{name} already exists and this devnet did not create it; run `ferry devnet up --isolated` again (it picks new names)"
    )]
    NameTaken {
        /// The namespace or link.
        name: String,
    },
    /// `ip` or `tc` could not be run.
    #[error("cannot run `{command}`; install iproute2")]
    NetCommandStart {
        /// The command line.
        command: String,
        /// The cause.
        source: std::io::Error,
    },
    /// `ip` or `tc` failed.
    #[error("`{command}` failed ({status}): {stderr}")]
    NetCommand {
        /// The command line.
        command: String,
        /// Its exit status.
        status: String,
        /// What it printed on stderr.
        stderr: String,
    },
    /// `down` stopped the processes but could not remove some of the isolated network.
    #[error(
        "the devnet's processes stopped, but removing its network failed: {failures}; rerun `ferry devnet down`"
    )]
    TearDown {
        /// Each failure, `; `-separated.
        failures: String,
    },
    /// `up --isolated` asked while a plain devnet runs here, or the other way round.
    #[error(
        "a {running} devnet already runs in this data dir; stop it with `ferry devnet down` before starting a {wanted} one"
    )]
    OtherKindRunning {
        /// `loopback` or `isolated`.
        running: &'static str,
        /// The kind asked for.
        wanted: &'static str,
    },
}

impl DevnetError {
    /// The class of failure (for the exit code): what the user must fix is bad input, a
    /// process or chain that failed is a network failure, a file operation is local I/O.
    pub fn kind(&self) -> ErrorKind {
        match self {
            DevnetError::AnvilMissing { .. }
            | DevnetError::Spawn { .. }
            | DevnetError::CorruptState { .. }
            | DevnetError::NewerState { .. }
            | DevnetError::NetworkFile(_)
            | DevnetError::NoNodes
            | DevnetError::IsolationUnavailable { .. }
            | DevnetError::TooManyIsolatedNodes { .. }
            | DevnetError::NoFreeSubnet
            | DevnetError::NameTaken { .. }
            | DevnetError::NetCommandStart { .. }
            | DevnetError::OtherKindRunning { .. } => ErrorKind::BadInput,
            DevnetError::NetCommand { .. } | DevnetError::TearDown { .. } => ErrorKind::Network,
            DevnetError::AnvilInstall { .. }
            | DevnetError::ExitedEarly { .. }
            | DevnetError::NotReady { .. } => ErrorKind::Network,
            DevnetError::Deploy { source } | DevnetError::Register { source } => source.kind(),
            DevnetError::NodeKey { .. } => ErrorKind::Io,
            DevnetError::Io { .. } => ErrorKind::Io,
        }
    }

    pub(super) fn io(action: &'static str, path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            action,
            path: path.to_owned(),
            source,
        }
    }
}
