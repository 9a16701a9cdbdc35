//! `ferry-node`: a storage node. Parses arguments, runs [`ferry::node::Node`] until SIGTERM or
//! SIGINT, and turns the result into an exit code (0 stopped cleanly, 2 bad input, 1 otherwise).
//!
//! Stdout carries exactly one line, `listening URL` (the URL the node advertises: --public-url,
//! else `http://IP:PORT` of the port bound), once the port is bound; logs go
//! to stderr (filter with `RUST_LOG`).

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use ferry::node::{DEFAULT_CAPACITY, Node, NodeConfig, NodeError};
use ferry::wire::network::CLOSE_GROUP_SIZE;
use ferry::wire::types::Amount;
use tokio_util::sync::CancellationToken;

/// A ferry storage node: quotes chunks, checks payments on-chain, stores and serves chunks.
#[derive(Debug, Parser)]
#[command(name = "ferry-node", version)]
struct Args {
    /// Address to listen on (IP:PORT); port 0 picks a free one. An unspecified IP (0.0.0.0 or
    /// ::) needs --public-url.
    #[arg(long, value_name = "ADDR:PORT")]
    listen: SocketAddr,
    /// The URL peers and clients reach this node at (http or https, a host and an optional port), advertised in
    /// its /info and announcements [default: http://ADDR:PORT of --listen].
    #[arg(long, value_name = "URL", env = "FERRY_PUBLIC_URL")]
    public_url: Option<String>,
    /// Directory for the chunk store.
    #[arg(long, value_name = "DIR")]
    root: PathBuf,
    /// Network file (JSON: chain_id, rpc_url, vault, bootstrap).
    #[arg(long, value_name = "FILE")]
    network: PathBuf,
    /// File holding the node's hex secp256k1 key; generated (mode 0600) when missing.
    #[arg(long, value_name = "FILE")]
    key_file: PathBuf,
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
    /// Blocks deep a payment must be before it counts (its own block included). 0 suits a
    /// devnet; a real chain needs more: 12 or more on Ethereum mainnet, more on L2s whose
    /// batches can still be reorganised.
    #[arg(long, value_name = "N", default_value_t = 0)]
    confirmations: u64,
    /// Do not announce this node to the bootstrap nodes: it learns the network and serves
    /// whoever reaches it, but other nodes and clients list it only once it is in their
    /// network file's bootstrap list.
    #[arg(long)]
    no_announce: bool,
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
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let code = if error.is_bad_input() { 2 } else { 1 };
            let message = ferry::exit::with_causes(&error);
            let _ = writeln!(std::io::stderr(), "ferry-node: {message}");
            ExitCode::from(code)
        }
    }
}

async fn run(args: Args) -> Result<(), NodeError> {
    let config = NodeConfig {
        capacity: args.capacity,
        base_price: args.base_price_wei,
        close_group: args.close_group,
        rpc_url: args.rpc_url,
        confirmations: args.confirmations,
        public_url: args.public_url,
        announce: !args.no_announce,
        ..NodeConfig::new(args.listen, args.root, args.network, args.key_file)
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
