//! The command line: clap definitions, dispatch, and turning failures into exit codes.
//!
//! Settings come from flags, then environment variables, then the config file ([`config`]),
//! then defaults; the handlers read the resolved values from [`Context`].
//!
//! Each command returns `Result<(), CliError>`; a [`CliError`] carries the [`ErrorKind`] that
//! picks the exit code, so no handler calls `process::exit`. With `--json` the failure is the
//! last line on stdout (`{"event":"error",…}`); without it, the message and its causes go to
//! stderr.

pub mod config;
pub mod devnet;
mod keys;
pub mod man;
mod network;
mod output;
mod prompt;
mod quote;
mod receipts;
mod transfer;
pub mod units;
mod verify;
mod wallet;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::exit::ErrorKind;
use crate::wire::network::NetworkConfig;
use crate::wire::types::Amount;
pub use output::Verbosity;

/// Upload files to a pay-per-chunk storage network; an interrupted upload resumes without
/// paying twice.
#[derive(Debug, Parser)]
#[command(name = "ferry", version, propagate_version = true)]
pub struct Cli {
    /// Print one JSON object per line on stdout instead of human output.
    #[arg(long, global = true)]
    pub json: bool,
    /// Show only errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// More log output on stderr (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Where ferry keeps receipts and the devnet [default: the platform's data dir, e.g.
    /// ~/.local/share/ferry].
    #[arg(long, global = true, env = "FERRY_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// The config file [default: config.toml in the platform's config dir, e.g.
    /// ~/.config/ferry/config.toml].
    #[arg(long, global = true, env = config::CONFIG_ENV, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The unit human output shows amounts in (`--json` always gives decimal strings of wei)
    /// [default: eth].
    #[arg(long, global = true, env = "FERRY_UNITS", value_name = "UNIT")]
    pub units: Option<units::Unit>,
    /// Pay with the key in the keystore of this account (made by `ferry wallet import` or
    /// `ferry wallet new`, under the data dir).
    #[arg(long, global = true, env = "FERRY_ACCOUNT", value_name = "NAME")]
    pub account: Option<String>,
    /// Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and
    /// `cast wallet` write them).
    #[arg(
        long,
        global = true,
        env = "FERRY_KEYSTORE",
        value_name = "FILE",
        conflicts_with = "account"
    )]
    pub keystore: Option<PathBuf>,
    /// Read the keystore's password from the first line of this file instead of asking.
    #[arg(long, global = true, env = "FERRY_PASSWORD_FILE", value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// ferry's commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Upload a file or a folder: encrypt, pay in waves, store; rerun to resume.
    Upload(UploadArgs),
    /// Download a file or a folder by its reference.
    Download(DownloadArgs),
    /// Estimate what uploading a file costs; pays nothing and needs no wallet.
    Quote(QuoteArgs),
    /// Check that a file is still fully stored: every node of each chunk's close group is
    /// challenged to prove it holds the chunk. Pays nothing.
    Verify(VerifyArgs),
    /// Verify, then store the missing replicas of every chunk below 4 on its close group.
    /// Pays nothing.
    Repair(VerifyArgs),
    /// List interrupted uploads: chunks paid, stored and total, and when proofs expire.
    Status {
        /// Only this file's upload.
        file: Option<PathBuf>,
    },
    /// Clean the receipt cache.
    #[command(subcommand)]
    Cache(receipts::CacheCommand),
    /// Show the paying wallet.
    #[command(subcommand)]
    Wallet(wallet::WalletCommand),
    /// Run a local network: anvil, the payment vault and storage nodes.
    #[command(subcommand)]
    Devnet(devnet::DevnetCommand),
    /// Deploy the payment vault contract.
    #[command(subcommand)]
    Vault(wallet::VaultCommand),
    /// Write a network file for a chain, its vault and some nodes.
    #[command(subcommand)]
    Network(network::NetworkCommand),
    /// Print shell completions (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page ferry.1 (roff) to stdout, or write it and a page per command into DIR.
    #[command(hide = true)]
    Man {
        /// Where to write every page.
        dir: Option<PathBuf>,
    },
}

/// Which network to use.
#[derive(Debug, Clone, Args)]
pub struct NetworkArgs {
    /// A network file (JSON: chain_id, rpc_url, vault, bootstrap).
    #[arg(long, env = "FERRY_NETWORK", value_name = "FILE")]
    pub network: Option<PathBuf>,
    /// Use the local devnet, starting it (detached) if none is running; wins over --network
    /// and FERRY_NETWORK.
    #[arg(long)]
    pub devnet: bool,
    /// Override the network file's RPC URL.
    #[arg(long, env = "FERRY_RPC_URL", value_name = "URL")]
    pub rpc_url: Option<String>,
}

/// `ferry upload`.
#[derive(Debug, Clone, Args)]
pub struct UploadArgs {
    /// The file or folder to upload, or `-` for standard input.
    pub file: PathBuf,
    /// Do not ask before paying (ferry never asks off a terminal or with --json).
    #[arg(long)]
    pub yes: bool,
    /// Never let this run pay more than this, storage and gas: wei (1000), gwei (5gwei) or
    /// ETH (0.01eth).
    #[arg(long, env = "FERRY_MAX_COST", value_name = "AMOUNT", value_parser = units::parse_amount)]
    pub max_cost: Option<Amount>,
    /// On a terminal, ask before paying more than this (storage and gas): wei, gwei (5gwei)
    /// or ETH (0.01eth); 0 asks always [default: 0.01eth].
    #[arg(long, env = "FERRY_CONFIRM_ABOVE", value_name = "AMOUNT", value_parser = units::parse_amount)]
    pub confirm_above: Option<Amount>,
    /// Ignore any cached receipt and start afresh.
    #[arg(long)]
    pub no_resume: bool,
    /// Chunks being sent to nodes at once, 1 to 32 (each to 4 nodes; about 4 MiB of memory
    /// each) [default: 8].
    #[arg(long, env = "FERRY_TRANSFERS", value_parser = clap::value_parser!(u8).range(1..=32), value_name = "N")]
    pub transfers: Option<u8>,
    /// Chunks per payment transaction, 1 to 64 [default: 64].
    #[arg(long, env = "FERRY_WAVE_SIZE", value_parser = clap::value_parser!(u8).range(1..=64), value_name = "N")]
    pub wave_size: Option<u8>,
    /// The network.
    #[command(flatten)]
    pub network: NetworkArgs,
}

/// `ferry download`.
#[derive(Debug, Clone, Args)]
pub struct DownloadArgs {
    /// The reference `ferry upload` printed (`ferry:` followed by hex).
    pub reference: String,
    /// Where to write the file (`-` for standard output), or the directory to rebuild a
    /// folder in.
    #[arg(short, long, env = "FERRY_OUTPUT", value_name = "FILE")]
    pub output: PathBuf,
    /// The network.
    #[command(flatten)]
    pub network: NetworkArgs,
}

/// `ferry verify` and `ferry repair`.
#[derive(Debug, Clone, Args)]
pub struct VerifyArgs {
    /// The reference `ferry upload` printed (`ferry:` followed by hex).
    pub reference: String,
    /// The network.
    #[command(flatten)]
    pub network: NetworkArgs,
}

/// `ferry quote`.
#[derive(Debug, Clone, Args)]
pub struct QuoteArgs {
    /// The file or folder to price, or `-` for standard input.
    pub file: PathBuf,
    /// Chunks per payment transaction the estimate assumes, 1 to 64 [default: 64].
    #[arg(long, env = "FERRY_WAVE_SIZE", value_parser = clap::value_parser!(u8).range(1..=64), value_name = "N")]
    pub wave_size: Option<u8>,
    /// The network.
    #[command(flatten)]
    pub network: NetworkArgs,
}

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
    /// `--json`.
    pub json: bool,
    /// Human verbosity.
    pub verbosity: Verbosity,
    /// The data dir.
    pub data_dir: PathBuf,
    /// The config file's settings (flags and environment variables override them).
    pub config: config::Config,
    /// The unit human output shows amounts in.
    pub units: units::Unit,
    /// Where the paying key is kept.
    pub wallet: keys::WalletSource,
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
            let nodes = self
                .config
                .devnet_nodes
                .unwrap_or(crate::devnet::DEFAULT_NODES);
            crate::devnet::ensure_running(&self.data_dir, nodes)
                .await
                .map_err(|e| CliError::new(e.kind(), e))?
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
        if let Some(symbol) = &network.native_unit {
            units::set_native_symbol(symbol);
        }
        Ok(network)
    }
}

impl Cli {
    /// The log filter for `-q`, `-v`, `-vv`, `-vvv` (used when neither `FERRY_LOG` nor
    /// `RUST_LOG` is set): ferry's own logs get one level more than its libraries'.
    pub fn log_filter(&self) -> &'static str {
        match (self.quiet, self.verbose) {
            (true, _) => "error",
            (false, 0) => "warn,ferry::devnet=info",
            (false, 1) => "warn,ferry=info",
            (false, 2) => "info,ferry=debug",
            (false, _) => "debug,ferry=trace",
        }
    }
}

/// Runs a parsed command line; returns the process exit code.
pub async fn run(cli: Cli) -> u8 {
    let verbosity = if cli.quiet {
        Verbosity::Quiet
    } else {
        Verbosity::Normal
    };
    let config = match config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(error) => {
            let failure = CliError::new(ErrorKind::BadInput, error);
            report_failure(cli.json, &failure);
            return failure.kind.exit_code();
        }
    };
    let context = Context {
        json: cli.json,
        verbosity,
        data_dir: cli
            .data_dir
            .or_else(|| config.data_dir.clone())
            .unwrap_or_else(crate::paths::data_dir),
        units: cli.units.or(config.units).unwrap_or_default(),
        wallet: keys::WalletSource {
            account: cli.account.or_else(|| config.account.clone()),
            keystore: cli.keystore.or_else(|| config.keystore.clone()),
            password_file: cli.password_file.or_else(|| config.password_file.clone()),
        },
        config,
    };
    let result = match cli.command {
        Command::Upload(args) => transfer::upload(&context, args).await,
        Command::Download(args) => transfer::download(&context, args).await,
        Command::Quote(args) => quote::quote(&context, args).await,
        Command::Verify(args) => verify::verify(&context, args).await,
        Command::Repair(args) => verify::repair(&context, args).await,
        Command::Status { file } => {
            let (data_dir, json) = (context.data_dir.clone(), context.json);
            off_runtime(move || receipts::status(&data_dir, json, file.as_deref())).await
        }
        Command::Cache(command) => {
            let (data_dir, json) = (context.data_dir.clone(), context.json);
            off_runtime(move || receipts::cache(&data_dir, json, command)).await
        }
        Command::Wallet(command) => wallet::wallet(&context, command).await,
        Command::Vault(command) => wallet::vault(&context, command).await,
        Command::Network(command) => network::run(&context, command).await,
        Command::Devnet(mut command) => {
            if let devnet::DevnetCommand::Up { nodes, .. } = &mut command {
                *nodes = nodes.or(context.config.devnet_nodes);
            }
            devnet::run(command, &context.data_dir, context.json).await
        }
        Command::Completions { shell } => {
            print_completions(shell);
            Ok(())
        }
        Command::Man { dir } => print_man(dir.as_deref()).map_err(|e| {
            CliError::new(
                ErrorKind::BadInput,
                anyhow::anyhow!("cannot write the man pages: {e}"),
            )
        }),
    };
    match result {
        Ok(()) => 0,
        Err(failure) => {
            report_failure(context.json, &failure);
            failure.kind.exit_code()
        }
    }
}

/// Runs a command's blocking file work on a blocking thread.
async fn off_runtime(
    job: impl FnOnce() -> Result<(), CliError> + Send + 'static,
) -> Result<(), CliError> {
    tokio::task::spawn_blocking(job)
        .await
        .unwrap_or_else(|e| Err(CliError::new(ErrorKind::Internal, e)))
}

fn report_failure(json: bool, failure: &CliError) {
    let mut message = format!("{:#}", failure.error);
    if let Some(hint) = &failure.hint {
        message = format!("{message}; {hint}");
    }
    if json && failure.reported_in_json {
        return;
    }
    if json {
        output::print_json_line(&output::JsonEvent::error(failure.kind, &message));
    } else {
        eprintln!("error: {message}");
    }
}

/// Writes completions for `shell` to stdout.
pub fn print_completions(shell: clap_complete::Shell) {
    use clap::CommandFactory;
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "ferry", &mut script);
    output::write_stdout(&script);
}

/// Writes `ferry.1` to stdout, or every page into `dir`.
pub fn print_man(dir: Option<&std::path::Path>) -> std::io::Result<()> {
    match dir {
        Some(dir) => man::write_pages(dir).map(drop),
        None => {
            let mut page = Vec::new();
            man::render_main(&mut page)?;
            output::write_stdout(&page);
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Cli {
        Cli::try_parse_from(std::iter::once("ferry").chain(args.iter().copied())).unwrap()
    }

    /// Fails when an error's message repeats the message of its cause.
    fn assert_each_cause_once(error: &(dyn std::error::Error + 'static)) {
        let mut current = error;
        while let Some(cause) = current.source() {
            let (outer, inner) = (current.to_string(), cause.to_string());
            assert!(
                !outer.contains(&inner),
                "{outer:?} repeats its cause {inner:?}"
            );
            current = cause;
        }
    }

    #[test]
    fn error_chains_print_each_cause_once() {
        let disk_full = || std::io::Error::new(std::io::ErrorKind::StorageFull, "disk full");
        let path = std::path::PathBuf::from("/data/receipts/x.receipt");
        let cache = || crate::client::receipt::cache::CacheError::Io {
            action: "write",
            path: path.clone(),
            source: disk_full(),
        };
        let errors: Vec<Box<dyn std::error::Error + 'static>> = vec![
            Box::new(cache()),
            Box::new(crate::client::upload::UploadError::ReceiptWrite {
                source: cache(),
                summary: Box::default(),
            }),
            Box::new(crate::devnet::DevnetError::Io {
                action: "write",
                path: path.clone(),
                source: disk_full(),
            }),
            Box::new(crate::devnet::DevnetError::Deploy {
                source: crate::vault::PaymentError::BadUrl("x".into()),
            }),
            Box::new(crate::wire::network::NetworkFileError::Read {
                path: path.clone(),
                source: disk_full(),
            }),
            Box::new(crate::client::chunking::ChunkError::Read {
                path: "f".into(),
                source: disk_full(),
            }),
            Box::new(crate::node::NodeError::KeyFile {
                path: path.clone(),
                source: disk_full(),
            }),
            Box::new(crate::node::StoreError::Io {
                path: path.clone(),
                source: disk_full(),
            }),
            Box::new(crate::client::download::DownloadError::Output {
                path,
                source: disk_full(),
            }),
        ];
        for error in &errors {
            assert_each_cause_once(error.as_ref());
        }
    }

    #[test]
    fn quiet_and_verbose_pick_log_levels() {
        assert_eq!(parse(&["-q", "man"]).log_filter(), "error");
        assert_eq!(parse(&["man"]).log_filter(), "warn,ferry::devnet=info");
        assert_eq!(parse(&["-v", "man"]).log_filter(), "warn,ferry=info");
        assert_eq!(parse(&["-vv", "man"]).log_filter(), "info,ferry=debug");
        assert_eq!(parse(&["-vvvv", "man"]).log_filter(), "debug,ferry=trace");
    }

    /// Every option that takes a value, in every command, and its environment variable.
    fn options_with_values(command: &clap::Command, found: &mut Vec<(String, Option<String>)>) {
        for arg in command.get_arguments() {
            let takes_value = arg.get_action().takes_values();
            if takes_value && !arg.is_positional() && !arg.is_hide_set() {
                let env = arg.get_env().map(|e| e.to_string_lossy().into_owned());
                found.push((format!("{} --{}", command.get_name(), arg.get_id()), env));
            }
        }
        for sub in command.get_subcommands() {
            options_with_values(sub, found);
        }
    }

    #[test]
    fn every_flag_with_a_value_has_an_environment_variable() {
        use clap::CommandFactory;
        let mut found = Vec::new();
        options_with_values(&Cli::command(), &mut found);
        assert!(found.len() >= 8, "{found:?}");
        let missing: Vec<_> = found.iter().filter(|(_, env)| env.is_none()).collect();
        assert!(missing.is_empty(), "no environment variable: {missing:?}");
    }

    #[test]
    fn every_config_key_is_an_environment_variable_without_the_prefix() {
        use clap::CommandFactory;
        let mut found = Vec::new();
        options_with_values(&Cli::command(), &mut found);
        let envs: Vec<String> = found.into_iter().filter_map(|(_, env)| env).collect();
        for key in config::KEYS {
            let env = format!("FERRY_{}", key.to_ascii_uppercase());
            assert!(
                envs.contains(&env),
                "config key {key} has no flag with {env}"
            );
        }
    }

    #[test]
    fn upload_settings_left_unset_are_none_so_the_config_file_can_fill_them() {
        let Command::Upload(args) = parse(&["upload", "f"]).command else {
            panic!("not an upload");
        };
        assert_eq!(
            (args.wave_size, args.transfers, args.max_cost),
            (None, None, None)
        );
        assert!(args.confirm_above.is_none());
    }
}
