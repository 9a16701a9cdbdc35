//! `ferry-node`: a storage node. Parses arguments, runs [`ferry::node::Node`] until SIGTERM or
//! SIGINT, and turns the result into an exit code (0 stopped cleanly, 2 bad input, 1 otherwise).
//! `ferry-node rewards` learns from the chain the leaves paying the node, shows what the vault
//! holds for it and withdraws it (exit 1 when a claim transaction failed; the others are sent).
//!
//! Serving, stdout carries exactly one line, `listening URL` (the URL the node advertises:
//! --public-url, else `http://IP:PORT` of the port bound), once the port is bound; logs go to
//! stderr (filter with `RUST_LOG`).

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ferry::node::register::{RegisterConfig, SPONSOR_KEY_ENV};
use ferry::node::rewards::{RewardsConfig, RewardsReport};
use ferry::node::{DEFAULT_CAPACITY, DEFAULT_REPAIR_INTERVAL, Node, NodeConfig, NodeError};
use ferry::wire::network::CLOSE_GROUP_SIZE;
use ferry::wire::types::Amount;
use tokio_util::sync::CancellationToken;

/// A ferry storage node: quotes chunks, checks payments on-chain, stores and serves chunks.
#[derive(Debug, Parser)]
#[command(
    name = "ferry-node",
    version,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// Address to listen on (IP:PORT); port 0 picks a free one. An unspecified IP (0.0.0.0 or
    /// ::) needs --public-url.
    #[arg(long, value_name = "ADDR:PORT", required = true)]
    listen: Option<SocketAddr>,
    /// The URL peers and clients reach this node at (http or https, a host and an optional
    /// port), advertised in its /info and announcements [default: http://ADDR:PORT of --listen].
    #[arg(long, value_name = "URL", env = "FERRY_PUBLIC_URL")]
    public_url: Option<String>,
    /// Directory for the chunk store (and the node's earnings record).
    #[arg(long, value_name = "DIR", required = true)]
    root: Option<PathBuf>,
    /// Network file (JSON: chain_id, rpc_url, vault, bootstrap).
    #[arg(long, value_name = "FILE", required = true)]
    network: Option<PathBuf>,
    /// File holding the node's hex secp256k1 key; generated (mode 0600) when missing.
    #[arg(long, value_name = "FILE", required = true)]
    key_file: Option<PathBuf>,
    /// Bytes the store may hold.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_CAPACITY)]
    capacity: u64,
    /// Price of a chunk on an empty node, in wei; it rises to 10x as the store fills.
    #[arg(long, value_name = "WEI", default_value = "1000000000")]
    base_price_wei: Amount,
    /// Nodes in a chunk's close group (K).
    #[arg(long, value_name = "K", default_value_t = CLOSE_GROUP_SIZE)]
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
    #[arg(long)]
    no_announce: bool,
    /// Seconds between checks that the 4 nodes closest to each held chunk hold it too; the
    /// chunk is forwarded, with its payment proof, to those that do not.
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_REPAIR_INTERVAL.as_secs(), value_parser = clap::value_parser!(u64).range(1..))]
    repair_interval: u64,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Stakes for this node in the vault's registry (paid by FERRY_PRIVATE_KEY, or a devnet
    /// network file's funded key) and activates it at the position the vault derives from a
    /// block hash; a node counts for clients and peers only once registered. Creates the key
    /// file when missing. Prints the node's address and position.
    Register {
        /// The node's key file (created, mode 0600, when missing).
        #[arg(long, value_name = "FILE")]
        key_file: PathBuf,
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
        /// The node's key file.
        #[arg(long, value_name = "FILE")]
        key_file: PathBuf,
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
}

fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        // A closed stderr (the devnet that started us exited) must not panic the node.
        .log_internal_errors(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            let _ = writeln!(
                std::io::stderr(),
                "ferry-node: cannot start the async runtime: {error}"
            );
            return ExitCode::from(1);
        }
    };
    let result = match args.command {
        Some(Command::Register {
            key_file,
            network,
            rpc_url,
            stake,
        }) => runtime.block_on(register(RegisterConfig {
            key_file,
            network_file: network,
            rpc_url,
            stake,
            sponsor_key: std::env::var(SPONSOR_KEY_ENV).ok(),
        })),
        Some(Command::Rewards {
            key_file,
            root,
            network,
            rpc_url,
            show_only,
            confirmations,
        }) => runtime.block_on(rewards(RewardsConfig {
            root,
            network_file: network,
            key_file,
            rpc_url,
            withdraw: !show_only,
            confirmations,
        })),
        None => runtime.block_on(run(args)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let code = if error.is_bad_input() { 2 } else { 1 };
            let message = ferry::exit::with_causes(&error);
            let _ = writeln!(std::io::stderr(), "ferry-node: {message}");
            ExitCode::from(code)
        }
    }
}

async fn register(config: RegisterConfig) -> Result<(), NodeError> {
    let registration = ferry::node::register::register(config).await?;
    let _ = writeln!(
        std::io::stdout().lock(),
        "registered {} at position {} with a stake of {} wei",
        registration.node,
        registration.position,
        registration.stake
    );
    Ok(())
}

async fn rewards(config: RewardsConfig) -> Result<(), NodeError> {
    let report = ferry::node::rewards::rewards(config).await?;
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{}", describe(&report));
    if report.failed.is_empty() {
        Ok(())
    } else {
        Err(NodeError::ClaimsFailed {
            failed: report.failed.len(),
            batches: report.failed.len() + report.claims.len(),
        })
    }
}

/// What `ferry-node rewards` prints.
fn describe(report: &RewardsReport) -> String {
    let scan = &report.scan;
    let mut text = format!(
        "read the chain up to block {}: {} new leaves paying this node",
        scan.to_block, scan.learned
    );
    if scan.refused > 0 {
        text.push_str(&format!(
            "; {} waves skipped until the next run: the RPC endpoint gave no calldata building their logged root",
            scan.refused
        ));
    }
    if scan.unreadable > 0 {
        text.push_str(&format!(
            "; {} waves not paid by a direct payWave call, unreadable",
            scan.unreadable
        ));
    }
    text.push_str(&format!(
        "\nthe vault holds {} wei for {} ({} leaves in {} waves)",
        report.unclaimed, report.rewards, report.leaves, report.waves
    ));
    for claim in &report.claims {
        text.push_str(&format!(
            "\nwithdrew {} wei in {} (gas {} wei)",
            claim.amount, claim.tx_hash, claim.gas_cost
        ));
    }
    for failed in &report.failed {
        text.push_str(&format!(
            "\nclaim of {} leaves ({} wei) failed: {}",
            failed.leaves, failed.amount, failed.reason
        ));
    }
    text
}

async fn run(args: Args) -> Result<(), NodeError> {
    let (Some(listen), Some(root), Some(network), Some(key_file)) =
        (args.listen, args.root, args.network, args.key_file)
    else {
        return Err(NodeError::InvalidConfig(
            "--listen, --root, --network and --key-file are required",
        ));
    };
    let config = NodeConfig {
        capacity: args.capacity,
        base_price: args.base_price_wei,
        close_group: args.close_group,
        rpc_url: args.rpc_url,
        confirmations: args.confirmations,
        public_url: args.public_url,
        announce: !args.no_announce,
        repair_interval: std::time::Duration::from_secs(args.repair_interval),
        ..NodeConfig::new(listen, root, network, key_file)
    };
    let node = Node::bind(config).await?;
    let mut stdout = std::io::stdout().lock();
    if let Err(error) = writeln!(stdout, "listening {}", node.url()).and_then(|()| stdout.flush()) {
        tracing::warn!(%error, "cannot write the listening line to stdout");
    }
    drop(stdout);
    let shutdown = CancellationToken::new();
    tokio::spawn(cancel_on_signal(shutdown.clone()));
    node.serve(shutdown).await
}

/// Cancels `shutdown` on SIGTERM or SIGINT.
async fn cancel_on_signal(shutdown: CancellationToken) {
    let mut terminate =
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM; stopping");
                shutdown.cancel();
                return;
            }
        };
    let signal = tokio::select! {
        _ = terminate.recv() => "SIGTERM",
        _ = tokio::signal::ctrl_c() => "SIGINT",
    };
    shutdown.cancel();
    tracing::info!("{signal} received; stopping");
}
