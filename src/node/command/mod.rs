//! `ferry-node`'s command line: its clap definition, the settings a `--config` file fills in,
//! what each subcommand prints, and the exit code of its result. The binary only calls
//! [`execute`]; like `src/cli/` for `ferry`, this is the one part of the node that prints.
//!
//! Serving, stdout carries exactly one line, `listening URL` (the URL the node advertises:
//! --public-url, else `http://IP:PORT` of the port bound), once the port is bound; logs go to
//! stderr (filter with `RUST_LOG`; one JSON object a line with `--log-format json`).
//! `ferry-node rewards` learns from the chain the leaves paying the node, shows what the vault
//! holds for it and withdraws it; `ferry-node status` asks the node running with a root for its
//! status.
//!
//! Invariants: every setting may come from a flag, its environment variable or the `--config`
//! file, in that order ([`crate::node::settings`]); every failure is one `ferry-node: …` line
//! on stderr, and its exit code is its [`ErrorKind`]'s: 0 stopped cleanly, 2 bad input, 3 no
//! node answers `status`, 1 otherwise.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::exit::ErrorKind;
use crate::node::NodeKey;
use crate::node::register::{RegisterConfig, SPONSOR_KEY_ENV};
use crate::node::rewards::RewardsConfig;
use crate::node::settings::{LogFormat, NODE_CONFIG_ENV, SettingsError, parse_duration};
use crate::wire::network::CLOSE_GROUP_SIZE;
use crate::wire::types::Amount;

mod report;
mod serve;

/// A ferry storage node: quotes chunks, checks payments on-chain, stores and serves chunks.
#[derive(Debug, Parser)]
#[command(
    name = "ferry-node",
    version,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
struct NodeCli {
    #[command(subcommand)]
    command: Option<NodeCommand>,
    /// A TOML file holding any of these settings (keys are the flags' names with `_`:
    /// `key_file = "node.key"`, `capacity = "500G"`); flags and environment variables win.
    #[arg(long, value_name = "FILE", env = NODE_CONFIG_ENV)]
    config: Option<PathBuf>,
    /// Address to listen on (IP:PORT); port 0 picks a free one. An unspecified IP (0.0.0.0 or
    /// ::) needs --public-url. Required (flag, environment or config file).
    #[arg(long, value_name = "ADDR:PORT", env = "FERRY_NODE_LISTEN")]
    listen: Option<SocketAddr>,
    /// The URL peers and clients reach this node at (http or https, a host and an optional
    /// port), advertised in its /info and announcements [default: http://ADDR:PORT of --listen].
    #[arg(long, value_name = "URL", env = "FERRY_PUBLIC_URL")]
    public_url: Option<String>,
    /// Directory for the chunk store (and the node's earnings record and state file).
    /// Required.
    #[arg(long, value_name = "DIR", env = "FERRY_NODE_ROOT")]
    root: Option<PathBuf>,
    /// Network file (JSON: chain_id, rpc_url, vault, bootstrap). Required.
    #[arg(long, value_name = "FILE", env = "FERRY_NODE_NETWORK")]
    network: Option<PathBuf>,
    /// File holding the node's hex secp256k1 key, or with --password-file its encrypted
    /// keystore (`--keystore` is the same flag); generated (mode 0600) when missing. Required.
    #[arg(
        long,
        alias = "keystore",
        value_name = "FILE",
        env = "FERRY_NODE_KEY_FILE"
    )]
    key_file: Option<PathBuf>,
    /// The key file is an encrypted keystore (Web3 Secret Storage v3) whose password is the
    /// first line of this file; a new key is written encrypted.
    #[arg(long, value_name = "FILE", env = "FERRY_PASSWORD_FILE")]
    password_file: Option<PathBuf>,
    /// How much the store may hold: bytes, or a size such as 10G, 500GiB (powers of 1024) or
    /// 2TB (powers of 1000).
    #[arg(long, value_name = "SIZE", default_value = "10G", value_parser = crate::sizes::parse_size, env = "FERRY_NODE_CAPACITY")]
    capacity: u64,
    /// Price of a chunk on an empty node, in wei; it rises to 10x as the store fills.
    #[arg(
        long,
        value_name = "WEI",
        default_value = "1000000000",
        env = "FERRY_NODE_BASE_PRICE_WEI"
    )]
    base_price_wei: Amount,
    /// Nodes in a chunk's close group (K).
    #[arg(long, value_name = "K", default_value_t = CLOSE_GROUP_SIZE, env = "FERRY_NODE_CLOSE_GROUP")]
    close_group: usize,
    /// Chain JSON-RPC endpoint, replacing the network file's rpc_url.
    #[arg(long, value_name = "URL", env = "FERRY_RPC_URL")]
    rpc_url: Option<String>,
    /// Blocks deep a payment must be before it counts (its own block included) [default: 0 on
    /// a devnet chain (chain id 31337 or 1337), 12 on any other]. Use more on L2s whose
    /// batches can still be reorganised.
    #[arg(long, value_name = "N", env = "FERRY_CONFIRMATIONS")]
    confirmations: Option<u64>,
    /// Do not announce this node to the bootstrap nodes: it learns the network and serves
    /// whoever reaches it, but other nodes and clients list it only once it is in their
    /// network file's bootstrap list.
    #[arg(long, env = "FERRY_NODE_NO_ANNOUNCE")]
    no_announce: bool,
    /// Time between checks that the 4 nodes closest to each held chunk hold it too (seconds,
    /// or a duration such as 15m or 1h); the chunk is forwarded, with its payment proof, to
    /// those that do not.
    #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = parse_duration, env = "FERRY_NODE_REPAIR_INTERVAL")]
    repair_interval: std::time::Duration,
    /// On SIGTERM or SIGINT new PUTs are refused (503) and those under way get this long to
    /// finish before the node exits (seconds, or a duration such as 30s or 2m).
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration, env = "FERRY_NODE_DRAIN_TIMEOUT")]
    drain_timeout: std::time::Duration,
    /// How the log on stderr is written: `human` lines, or `json`, one object a line (time,
    /// level, target, message and fields) for a log shipper.
    #[arg(
        long,
        value_name = "FORMAT",
        default_value = "human",
        env = "FERRY_NODE_LOG_FORMAT"
    )]
    log_format: LogFormat,
}

/// `ferry-node`'s subcommands.
#[derive(Debug, Subcommand)]
enum NodeCommand {
    /// Stakes for this node in the vault's registry (paid by FERRY_PRIVATE_KEY, or a devnet
    /// network file's funded key) and activates it at the position the vault derives from a
    /// block hash; a node counts for clients and peers only once registered. Creates the key
    /// file when missing. Prints the node's address and position.
    Register {
        /// The node's key file (created, mode 0600, when missing); `--keystore` is the same.
        #[arg(long, alias = "keystore", value_name = "FILE")]
        key_file: PathBuf,
        /// The key file is an encrypted keystore with the password on this file's first line.
        #[arg(long, value_name = "FILE", env = "FERRY_PASSWORD_FILE")]
        password_file: Option<PathBuf>,
        /// Network file (JSON: chain_id, rpc_url, vault, bootstrap).
        #[arg(long, value_name = "FILE")]
        network: PathBuf,
        /// Chain JSON-RPC endpoint, replacing the network file's rpc_url.
        #[arg(long, value_name = "URL", env = "FERRY_RPC_URL")]
        rpc_url: Option<String>,
        /// The stake to lock, wei [default: the vault's minimum].
        #[arg(long, value_name = "WEI", env = "FERRY_STAKE")]
        stake: Option<Amount>,
    },
    /// Shows what the vault holds for this node (the leaves it earned and has not claimed,
    /// those its proofs brought and those it learns from the chain's paid waves) and withdraws
    /// it to the node's rewards address; the node's key pays the gas.
    Rewards {
        /// The node's key file; `--keystore` is the same.
        #[arg(long, alias = "keystore", value_name = "FILE")]
        key_file: PathBuf,
        /// The key file is an encrypted keystore with the password on this file's first line.
        #[arg(long, value_name = "FILE", env = "FERRY_PASSWORD_FILE")]
        password_file: Option<PathBuf>,
        /// The node's root directory (its earnings record is under it).
        #[arg(long, value_name = "DIR")]
        root: PathBuf,
        /// Network file (JSON: chain_id, rpc_url, vault, bootstrap).
        #[arg(long, value_name = "FILE")]
        network: PathBuf,
        /// Chain JSON-RPC endpoint, replacing the network file's rpc_url.
        #[arg(long, value_name = "URL", env = "FERRY_RPC_URL")]
        rpc_url: Option<String>,
        /// Only show what the vault holds; withdraw nothing.
        #[arg(long)]
        show_only: bool,
        /// Blocks deep a paid wave must be before its leaves are learned from the chain
        /// [default: 0 on a devnet chain, 12 on any other].
        #[arg(long, value_name = "N", env = "FERRY_CONFIRMATIONS")]
        confirmations: Option<u64>,
    },
    /// Shows the node running with this root (found by the state file it writes there): its
    /// id, URL, readiness, registration, stored bytes against capacity, peers, earnings and
    /// last errors. Exit 3 when no node answers.
    Status {
        /// The node's root directory [default: `root` of --config].
        #[arg(long, value_name = "DIR", env = "FERRY_NODE_ROOT")]
        root: Option<PathBuf>,
        /// The node's config file, to find its root.
        #[arg(long, value_name = "FILE", env = NODE_CONFIG_ENV)]
        config: Option<PathBuf>,
        /// One JSON object on stdout instead of lines for a person.
        #[arg(long)]
        json: bool,
    },
    /// Writes ferry-node.1 and a page per subcommand into DIR (scripts/gen-docs.sh).
    #[command(hide = true)]
    Man {
        /// Where to write the pages.
        dir: PathBuf,
    },
}

/// Runs `ferry-node` with the process's arguments; returns its exit code.
pub fn execute() -> u8 {
    let matches = NodeCli::command().get_matches();
    let mut cli = match NodeCli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(error) => error.exit(),
    };
    let result = apply_config_file(&matches, &mut cli)
        .map_err(|error| Failure::new(ErrorKind::BadInput, error.to_string()))
        .and_then(|()| dispatch(cli));
    match result {
        Ok(()) => 0,
        Err(failure) => {
            let _ = writeln!(std::io::stderr(), "ferry-node: {}", failure.message);
            failure.kind.exit_code()
        }
    }
}

/// Why a `ferry-node` command failed: the line it prints and the kind its exit code is.
#[derive(Debug)]
struct Failure {
    kind: ErrorKind,
    message: String,
}

impl Failure {
    fn new(kind: ErrorKind, message: String) -> Self {
        Self { kind, message }
    }
}

impl From<crate::node::NodeError> for Failure {
    fn from(error: crate::node::NodeError) -> Self {
        Self::new(error.kind(), crate::exit::with_causes(&error))
    }
}

/// Runs the command `cli` names.
fn dispatch(cli: NodeCli) -> Result<(), Failure> {
    match cli.command {
        Some(NodeCommand::Status { root, config, json }) => {
            return report::show_status(root.as_deref(), config.as_deref(), json);
        }
        Some(NodeCommand::Man { dir }) => {
            return crate::cli::man::write_node_pages(NodeCli::command(), &dir)
                .map(drop)
                .map_err(|error| {
                    Failure::new(
                        ErrorKind::Internal,
                        format!("cannot write the man pages: {error}"),
                    )
                });
        }
        _ => {}
    }
    serve::init_logging(cli.log_format);
    let runtime = runtime()?;
    match cli.command {
        Some(NodeCommand::Register {
            key_file,
            password_file,
            network,
            rpc_url,
            stake,
        }) => runtime.block_on(report::register_node(RegisterConfig {
            key: NodeKey {
                path: key_file,
                password_file,
            },
            network_file: network,
            rpc_url,
            stake,
            sponsor_key: std::env::var(SPONSOR_KEY_ENV).ok(),
        })),
        Some(NodeCommand::Rewards {
            key_file,
            password_file,
            root,
            network,
            rpc_url,
            show_only,
            confirmations,
        }) => runtime.block_on(report::claim_rewards(RewardsConfig {
            root,
            network_file: network,
            key: NodeKey {
                path: key_file,
                password_file,
            },
            rpc_url,
            withdraw: !show_only,
            confirmations,
        })),
        Some(NodeCommand::Man { .. } | NodeCommand::Status { .. }) => {
            unreachable!("handled above")
        }
        None => runtime.block_on(serve::serve_node(cli)),
    }
}

/// The async runtime the commands run on.
fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Runtime::new().map_err(|error| {
        Failure::new(
            ErrorKind::Internal,
            format!("cannot start the async runtime: {error}"),
        )
    })
}

/// Fills the settings given neither as a flag nor in the environment from the `--config`
/// file, when there is one.
fn apply_config_file(matches: &ArgMatches, args: &mut NodeCli) -> Result<(), SettingsError> {
    let Some(path) = args.config.clone() else {
        return Ok(());
    };
    if args.command.is_some() {
        return Ok(());
    }
    let file = crate::node::settings::load(&path)?;
    let given = |id: &str| {
        matches!(
            matches.value_source(id),
            Some(ValueSource::CommandLine | ValueSource::EnvVariable)
        )
    };
    macro_rules! from_file {
        ($($field:ident),*) => {$(
            if !given(stringify!($field)) && let Some(value) = file.$field {
                args.$field = value.into();
            }
        )*};
    }
    from_file!(
        listen,
        public_url,
        root,
        network,
        key_file,
        password_file,
        capacity,
        base_price_wei,
        close_group,
        rpc_url,
        confirmations,
        no_announce,
        repair_interval,
        drain_timeout,
        log_format
    );
    Ok(())
}
