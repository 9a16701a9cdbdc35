//! Set-up that several commands share: the network's nodes and its vault (upload, download,
//! quote, verify, repair), where progress goes, and standard input spooled to a file (upload
//! and quote of `-`).
//!
//! Invariant: every command that pays or quotes reaches the vault through [`connect_vault`],
//! which refuses an RPC endpoint of another chain than the network file's and an address that
//! holds no ferry vault, before anything is asked of the nodes.

use std::sync::Arc;

use anyhow::anyhow;

use super::context::devnet_hint;
use super::human::HumanReporter;
use super::output::JsonReporter;
use super::{CliError, Context};
use crate::blocking::blocking;
use crate::client::nodes::{NodeClient, Swarm};
use crate::client::reporter::Reporter;
use crate::exit::ErrorKind;
use crate::vault::{PaymentError, Vault};
use crate::wire::network::NetworkConfig;

/// The network's nodes: the vault's registry (who counts), then the bootstrap nodes' peers
/// (where each is reached), checked against it.
pub(super) async fn discover(
    client: &NodeClient,
    network: &NetworkConfig,
) -> Result<Arc<Swarm>, CliError> {
    let vault = connect_vault(network, None).await?;
    let registry = vault.registry(None).await.map_err(payment_failure)?;
    tracing::debug!(nodes = registry.len(), "read the vault's registry");
    client
        .discover(&network.bootstrap, &registry, network.diversity)
        .await
        .map(Arc::new)
        .map_err(|e| CliError::new(ErrorKind::Network, e))
}

pub(super) fn payment_failure(error: PaymentError) -> CliError {
    CliError::new(error.kind(), error)
}

/// Connects the vault and checks that its RPC endpoint serves the network file's chain.
pub(super) async fn connect_vault(
    network: &NetworkConfig,
    signer: Option<&alloy::signers::local::PrivateKeySigner>,
) -> Result<Vault, CliError> {
    let vault = Vault::connect(&network.rpc_url, network.vault, signer).map_err(payment_failure)?;
    let rpc_chain_id = vault
        .chain_id()
        .await
        .map_err(|e| devnet_hint(payment_failure(e), network))?;
    if rpc_chain_id != network.chain_id {
        return Err(CliError::new(
            ErrorKind::BadInput,
            anyhow!(
                "the chain at {} has chain id {rpc_chain_id}, but the network file says chain_id {}; fix the network file or the RPC URL (FERRY_RPC_URL)",
                network.rpc_url,
                network.chain_id
            ),
        ));
    }
    vault
        .check_is_vault(rpc_chain_id)
        .await
        .map_err(payment_failure)?;
    Ok(vault)
}

/// The reporter a command's progress goes to: JSON lines with `--json`, else human output
/// (silent with `-q`), which is also returned so the caller can close its bars.
pub(super) fn reporter(
    context: &Context,
    network: &NetworkConfig,
) -> (Arc<dyn Reporter>, Option<Arc<HumanReporter>>) {
    if context.output.is_json() {
        return (Arc::new(JsonReporter), None);
    }
    let human = Arc::new(HumanReporter::new(
        context.output,
        context.amounts(Some(network)),
    ));
    (human.clone(), Some(human))
}

/// Whether `path` names standard input (`-`).
pub(super) fn is_stdin(path: &std::path::Path) -> bool {
    path.as_os_str() == "-"
}

/// Refuses standard input that is a terminal: nothing is piped in.
pub(super) fn refuse_terminal_stdin() -> Result<(), CliError> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        return Err(CliError::new(
            ErrorKind::BadInput,
            anyhow!(
                "`-` reads what is piped into ferry, and standard input is a terminal; pipe the data in (e.g. `tar c DIR | ferry upload -`) or name a file"
            ),
        ));
    }
    Ok(())
}

/// Copies standard input into a spool under the data dir (see [`crate::client::stream`]).
pub(super) async fn spool_stdin(
    context: &Context,
) -> Result<crate::client::stream::Spooled, CliError> {
    use std::io::IsTerminal;
    refuse_terminal_stdin()?;
    let dir = context.data_dir.join("spool");
    // A spinner of bytes read on a terminal: a long pipe is read before anything is paid.
    let shown = context.output.narrates() && std::io::stderr().is_terminal();
    let bar = shown.then(|| {
        let style = indicatif::ProgressStyle::with_template(
            "{prefix:>8} {spinner} {bytes} from standard input {binary_bytes_per_sec}",
        )
        .expect("template");
        indicatif::ProgressBar::new_spinner()
            .with_style(style)
            .with_prefix("read")
    });
    let progress = bar.clone();
    let spooled = blocking(move || {
        crate::client::stream::spool(std::io::stdin().lock(), &dir, &|bytes| {
            if let Some(bar) = &progress {
                bar.set_position(bytes);
            }
        })
    })
    .await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    spooled.map_err(|e| CliError::new(e.kind(), e))
}
