//! The command line: clap definitions, dispatch, and turning failures into exit codes.
//!
//! Each command returns `Result<(), CliError>`; a [`CliError`] carries the [`ErrorKind`] that
//! picks the exit code, so no handler calls `process::exit`. With `--json` the failure is the
//! last line on stdout (`{"event":"error",…}`); without it, the message and its causes go to
//! stderr.

pub mod devnet;
mod output;
mod receipts;
mod transfer;
mod wallet;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::exit::ErrorKind;
use crate::network::NetworkConfig;
use crate::types::Amount;
pub use output::Verbosity;

/// ferry: upload files to a pay-per-chunk storage network; an interrupted upload resumes
/// without paying twice.
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
    /// Where ferry keeps receipts and the devnet.
    #[arg(long, global = true, env = "FERRY_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// ferry's commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Upload a file: encrypt, pay in waves, store; rerun to resume.
    Upload(UploadArgs),
    /// Download a file by its reference.
    Download(DownloadArgs),
    /// Estimate what uploading a file costs; pays nothing and needs no wallet.
    Quote(QuoteArgs),
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
    /// Print shell completions (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout.
    #[command(hide = true)]
    Man,
}

/// Which network to use.
#[derive(Debug, Clone, Args)]
pub struct NetworkArgs {
    /// A network file (JSON: chain_id, rpc_url, vault, bootstrap).
    #[arg(
        long,
        env = "FERRY_NETWORK",
        value_name = "FILE",
        conflicts_with = "devnet"
    )]
    pub network: Option<PathBuf>,
    /// Use the local devnet, starting it (detached) if none is running.
    #[arg(long)]
    pub devnet: bool,
    /// Override the network file's RPC URL.
    #[arg(long, env = "FERRY_RPC_URL", value_name = "URL")]
    pub rpc_url: Option<String>,
}

/// `ferry upload`.
#[derive(Debug, Clone, Args)]
pub struct UploadArgs {
    /// The file to upload.
    pub file: PathBuf,
    /// Do not ask before paying.
    #[arg(long)]
    pub yes: bool,
    /// Never pay more than this many wei in total for storage.
    #[arg(long, env = "FERRY_MAX_COST", value_name = "WEI")]
    pub max_cost: Option<Amount>,
    /// Ignore any cached receipt and start afresh.
    #[arg(long)]
    pub no_resume: bool,
    /// Chunks being sent to nodes at once (each to 4 nodes; about 4 MiB of memory each).
    #[arg(long, env = "FERRY_TRANSFERS", default_value_t = 8, value_parser = clap::value_parser!(u8).range(1..=32), value_name = "N")]
    pub transfers: u8,
    /// Chunks per payment transaction.
    #[arg(long, env = "FERRY_WAVE_SIZE", default_value_t = 64, value_parser = clap::value_parser!(u8).range(1..=64), value_name = "N")]
    pub wave_size: u8,
    /// The network.
    #[command(flatten)]
    pub network: NetworkArgs,
}

/// `ferry download`.
#[derive(Debug, Clone, Args)]
pub struct DownloadArgs {
    /// The reference `ferry upload` printed (`ferry:` followed by hex).
    pub reference: String,
    /// Where to write the file.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// The network.
    #[command(flatten)]
    pub network: NetworkArgs,
}

/// `ferry quote`.
#[derive(Debug, Clone, Args)]
pub struct QuoteArgs {
    /// The file to price.
    pub file: PathBuf,
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
}

impl CliError {
    /// A failure of this kind.
    pub fn new(kind: ErrorKind, error: impl Into<anyhow::Error>) -> Self {
        Self {
            kind,
            error: error.into(),
            hint: None,
        }
    }

    /// Adds what to do next.
    pub fn with_hint(mut self, hint: String) -> Self {
        self.hint = Some(hint);
        self
    }
}

/// What the handlers share: output mode and data dir.
pub struct Context {
    /// `--json`.
    pub json: bool,
    /// Human verbosity.
    pub verbosity: Verbosity,
    /// The data dir.
    pub data_dir: PathBuf,
}

impl Context {
    /// Resolves the network for a command: a file, `FERRY_NETWORK`, or the devnet.
    pub async fn network(&self, args: &NetworkArgs) -> Result<NetworkConfig, CliError> {
        let mut network = if args.devnet {
            crate::devnet::ensure_running(&self.data_dir, crate::devnet::DEFAULT_NODES)
                .await
                .map_err(|e| CliError::new(ErrorKind::Network, e))?
        } else if let Some(path) = &args.network {
            NetworkConfig::load(path).map_err(|e| CliError::new(ErrorKind::BadInput, e))?
        } else {
            return Err(CliError::new(
                ErrorKind::BadInput,
                anyhow::anyhow!(
                    "no network given: pass --network FILE (or set FERRY_NETWORK), or --devnet for a local one"
                ),
            ));
        };
        if let Some(url) = &args.rpc_url {
            network.rpc_url = url.clone();
        }
        Ok(network)
    }
}

/// Runs a parsed command line; returns the process exit code.
pub async fn run(cli: Cli) -> u8 {
    let context = Context {
        json: cli.json,
        verbosity: if cli.quiet {
            Verbosity::Quiet
        } else {
            Verbosity::Normal
        },
        data_dir: cli.data_dir.unwrap_or_else(crate::paths::data_dir),
    };
    let result = match cli.command {
        Command::Upload(args) => transfer::upload(&context, args).await,
        Command::Download(args) => transfer::download(&context, args).await,
        Command::Quote(args) => transfer::quote(&context, args).await,
        Command::Status { file } => receipts::status(&context, file.as_deref()),
        Command::Cache(command) => receipts::cache(&context, command),
        Command::Wallet(command) => wallet::wallet(&context, command).await,
        Command::Vault(command) => wallet::vault(&context, command).await,
        Command::Devnet(command) => devnet::run(command, &context.data_dir, context.json)
            .await
            .map_err(|e| CliError::new(ErrorKind::Network, e)),
        Command::Completions { shell } => {
            print_completions(shell);
            Ok(())
        }
        Command::Man => print_man().map_err(|e| CliError::new(ErrorKind::Internal, e)),
    };
    match result {
        Ok(()) => 0,
        Err(failure) => {
            report_failure(&context, &failure);
            failure.kind.exit_code()
        }
    }
}

fn report_failure(context: &Context, failure: &CliError) {
    let mut message = format!("{:#}", failure.error);
    if let Some(hint) = &failure.hint {
        message = format!("{message}; {hint}");
    }
    if context.json {
        output::print_json_line(&output::ErrorEvent::new(failure.kind, &message));
    } else {
        eprintln!("error: {message}");
    }
}

/// Writes completions for `shell` to stdout.
pub fn print_completions(shell: clap_complete::Shell) {
    use clap::CommandFactory;
    clap_complete::generate(shell, &mut Cli::command(), "ferry", &mut std::io::stdout());
}

/// Writes the man page (roff) to stdout.
pub fn print_man() -> std::io::Result<()> {
    use clap::CommandFactory;
    clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout())
}
