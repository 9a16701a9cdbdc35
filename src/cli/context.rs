//! What every command handler is given and returns: the resolved settings of this run
//! ([`Context`]) and a failure that knows its exit code ([`CliError`]).
//!
//! Invariant: a handler learns the output mode, the data dir, the unit of amounts and the
//! network from here alone; nothing about the run is kept in a process-wide variable.

use std::path::PathBuf;

use super::args::NetworkArgs;
use super::output::OutputMode;
use super::units::AmountFormat;
use super::{config, invocation, keys, units};
use crate::exit::ErrorKind;
use crate::wire::network::NetworkConfig;

/// A failed command: what failed, and which exit code it earns.
#[derive(Debug)]
pub struct CliError {
    /// The class of failure.
    pub kind: ErrorKind,
    /// The error with its causes.
    pub error: anyhow::Error,
    /// What to do next, when there is a command for it.
    pub hint: Option<String>,
    /// With `--json`, the command's last line already says how it ended (no `error` line).
    pub reported_in_json: bool,
}

impl CliError {
    /// A failure of this kind.
    pub fn new(kind: ErrorKind, error: impl Into<anyhow::Error>) -> Self {
        Self {
            kind,
            error: error.into(),
            hint: None,
            reported_in_json: false,
        }
    }

    /// A command's outcome that is not a success, already told by its last JSON line.
    pub fn outcome(kind: ErrorKind, message: String) -> Self {
        Self {
            reported_in_json: true,
            ..Self::new(kind, anyhow::anyhow!(message))
        }
    }

    /// Adds what to do next.
    pub fn with_hint(mut self, hint: String) -> Self {
        self.hint = Some(hint);
        self
    }
}

/// What the handlers share: output mode, data dir and the config file's settings.
pub struct Context {
    /// What the command prints: JSON lines, human output, or (`-q`) only errors.
    pub output: OutputMode,
    /// The data dir.
    pub data_dir: PathBuf,
    /// The config file's settings (flags and environment variables override them).
    pub config: config::Config,
    /// The unit human output shows amounts in.
    pub units: units::Unit,
    /// Where the paying key is kept.
    pub wallet: keys::WalletSource,
    /// Whether `--devnet` may start a devnet when none runs: only for commands that make
    /// something new (upload, quote, wallet). Commands that read what an upload stored
    /// (download, verify, repair, list) would find nothing on a fresh one.
    pub devnet_may_start: bool,
    /// The global flags a command ferry prints for the user must keep.
    pub invocation: invocation::Invocation,
}

impl Context {
    /// Whether a network is chosen at all (a flag, `FERRY_NETWORK` or the config file).
    pub fn has_network(&self, args: &NetworkArgs) -> bool {
        args.devnet || args.network.is_some() || self.config.network.is_some()
    }

    /// Resolves the network for a command: `--devnet`, a file (flag, `FERRY_NETWORK` or the
    /// config file), with the RPC URL overridden by `--rpc-url`, `FERRY_RPC_URL` or the config.
    pub async fn network(&self, args: &NetworkArgs) -> Result<NetworkConfig, CliError> {
        let mut network = if args.devnet {
            self.devnet().await?
        } else if let Some(path) = args.network.as_ref().or(self.config.network.as_ref()) {
            tracing::info!(network = %path.display(), "network file");
            NetworkConfig::load(path).map_err(|e| CliError::new(ErrorKind::BadInput, e))?
        } else {
            return Err(CliError::new(
                ErrorKind::BadInput,
                anyhow::anyhow!(
                    "no network given: pass --network FILE (or set FERRY_NETWORK, or `network` in the config file), or --devnet for a local one"
                ),
            ));
        };
        if let Some(url) = args.rpc_url.as_ref().or(self.config.rpc_url.as_ref()) {
            network.rpc_url = url.clone();
        }
        Ok(network)
    }

    /// How human output writes amounts: in `--units`, the coin unit named by `network`'s
    /// `native_unit` (ETH without a network, or when the file names none).
    pub fn amounts(&self, network: Option<&NetworkConfig>) -> AmountFormat {
        AmountFormat::new(
            self.units,
            network.and_then(|network| network.native_unit.as_deref()),
        )
    }

    /// The devnet's network: the running one, else (for commands that may) a new one started
    /// detached; a command that reads stored data exits 2 when none runs.
    async fn devnet(&self) -> Result<NetworkConfig, CliError> {
        let failed = |e: crate::devnet::DevnetError| CliError::new(e.kind(), e);
        if !self.devnet_may_start {
            return crate::devnet::running(&self.data_dir)
                .await
                .map_err(failed)?
                .ok_or_else(|| {
                    CliError::new(
                        ErrorKind::BadInput,
                        anyhow::anyhow!(
                            "no devnet is running; start one with `{}` (a new devnet holds nothing uploaded before)",
                            self.invocation.command_line(["devnet", "up"])
                        ),
                    )
                });
        }
        let nodes = self
            .config
            .devnet_nodes
            .unwrap_or(crate::devnet::DEFAULT_NODES);
        crate::devnet::ensure_running(&self.data_dir, nodes)
            .await
            .map_err(failed)
    }
}

/// For a devnet's network, adds to a chain failure how to see whether the devnet runs.
pub(super) fn devnet_hint(failure: CliError, network: &NetworkConfig) -> CliError {
    if crate::vault::is_devnet_chain(network.chain_id) && failure.kind == ErrorKind::Network {
        failure.with_hint("is the devnet running? see `ferry devnet status`".to_owned())
    } else {
        failure
    }
}
