//! Serving: `ferry-node` without a subcommand binds the node, prints its one `listening URL`
//! line, and serves until SIGTERM or SIGINT; and the log it writes to stderr.

use std::io::{IsTerminal, Write};

use tokio_util::sync::CancellationToken;

use super::{Failure, NodeCli};
use crate::node::settings::LogFormat;
use crate::node::{Node, NodeConfig, NodeError, NodeKey};
use crate::signals::StopSignals;

/// Serves as `cli` says until SIGTERM or SIGINT.
pub(super) async fn serve_node(args: NodeCli) -> Result<(), Failure> {
    let (Some(listen), Some(root), Some(network), Some(key_file)) =
        (args.listen, args.root, args.network, args.key_file)
    else {
        return Err(NodeError::InvalidConfig(
            "--listen, --root, --network and --key-file are required (as flags, FERRY_NODE_LISTEN, FERRY_NODE_ROOT, FERRY_NODE_NETWORK and FERRY_NODE_KEY_FILE, or the --config file's listen, root, network and key_file)",
        )
        .into());
    };
    let config = NodeConfig {
        capacity: args.capacity,
        base_price: args.base_price_wei,
        close_group: args.close_group,
        rpc_url: args.rpc_url,
        confirmations: args.confirmations,
        public_url: args.public_url,
        announce: !args.no_announce,
        repair_interval: args.repair_interval,
        drain_timeout: args.drain_timeout,
        key: NodeKey {
            path: key_file.clone(),
            password_file: args.password_file,
        },
        ..NodeConfig::new(listen, root, network, key_file)
    };
    let node = Node::bind(config).await?;
    // Signal handlers are in place before the listening line: whoever waits for that line
    // may stop the node at once, and it must stop cleanly.
    let shutdown = CancellationToken::new();
    let signals = StopSignals::listen().map_err(|error| {
        tracing::error!(%error, "cannot listen for SIGTERM and SIGINT");
        NodeError::Signals(error)
    })?;
    tokio::spawn(cancel_on_first(signals, shutdown.clone()));
    let mut stdout = std::io::stdout().lock();
    if let Err(error) = writeln!(stdout, "listening {}", node.url()).and_then(|()| stdout.flush()) {
        tracing::warn!(%error, "cannot write the listening line to stdout");
    }
    drop(stdout);
    Ok(node.serve(shutdown).await?)
}

/// Cancels `shutdown` on the first SIGTERM or SIGINT.
async fn cancel_on_first(mut signals: StopSignals, shutdown: CancellationToken) {
    let stop = signals.recv().await;
    shutdown.cancel();
    tracing::info!("{} received; stopping", stop.name());
}

/// Logs to stderr as `format` says, filtered by `RUST_LOG` (default `info`); warnings and
/// errors are also kept for `GET /status`.
pub(super) fn init_logging(format: LogFormat) {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let registry = tracing_subscriber::registry()
        .with(filter)
        .with(crate::node::status::RecentErrors);
    // A closed stderr (the devnet that started us exited) must not panic the node.
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .log_internal_errors(false);
    match format {
        LogFormat::Human => registry
            .with(layer.with_ansi(std::io::stderr().is_terminal()))
            .init(),
        LogFormat::Json => registry.with(layer.json().with_ansi(false)).init(),
    }
}
