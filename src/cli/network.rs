//! `ferry network init`: a network file for any EVM chain, from its RPC endpoint, a deployed
//! vault and the URLs of some nodes.
//!
//! The chain id is read from the endpoint (never typed by hand), and the vault must be a
//! contract there that answers as a ferry payment vault, so a file that names the wrong chain
//! or address is refused before anyone pays through it.

use std::path::PathBuf;

use alloy::primitives::Address;
use anyhow::anyhow;
use clap::{Args, Subcommand};

use super::output::{JsonEvent, OutputMode, print_json_line, stdout_line, write_stdout};
use super::{CliError, Context};
use crate::blocking::blocking;
use crate::exit::ErrorKind;
use crate::vault::{PaymentError, Vault};
use crate::wire::network::{NetworkConfig, node_url};

/// `ferry network …`.
#[derive(Debug, Subcommand)]
pub enum NetworkCommand {
    /// Write a network file: the chain id is read from the RPC endpoint and the vault checked.
    Init(InitArgs),
}

/// `ferry network init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The chain's JSON-RPC URL (else `rpc_url` from the config file).
    #[arg(long, env = "FERRY_RPC_URL", value_name = "URL")]
    pub rpc_url: Option<String>,
    /// The payment vault's address (what `ferry vault deploy` printed).
    #[arg(long, env = "FERRY_VAULT", value_name = "ADDR")]
    pub vault: Address,
    /// A node's public URL to bootstrap from; repeat it or separate URLs with commas.
    #[arg(long, env = "FERRY_BOOTSTRAP", value_name = "URL", required = true, num_args = 1.., value_delimiter = ',')]
    pub bootstrap: Vec<String>,
    /// The block the vault was deployed in (what `ferry vault deploy` printed): where nodes
    /// start reading its logs for their rewards [default: block 0].
    #[arg(long, env = "FERRY_VAULT_BLOCK", value_name = "N")]
    pub vault_block: Option<u64>,
    /// The symbol of the chain's native coin, which human output shows amounts in (`POL`,
    /// `xDAI`…) [default: ETH].
    #[arg(long, env = "FERRY_NATIVE_UNIT", value_name = "SYMBOL", value_parser = native_unit)]
    pub native_unit: Option<String>,
    /// Mark the network private: its nodes live on loopback or private (LAN) addresses and
    /// may connect to such peers. Without it, nodes refuse to reach any loopback, private,
    /// link-local or otherwise non-public address.
    #[arg(long)]
    pub private: bool,
    /// Write the network file here (atomically) instead of to stdout.
    #[arg(short, long, env = "FERRY_NETWORK_OUTPUT", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// A native coin's symbol: 1 to 12 letters or digits.
fn native_unit(text: &str) -> Result<String, String> {
    let plain =
        !text.is_empty() && text.len() <= 12 && text.chars().all(|c| c.is_ascii_alphanumeric());
    if plain {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "{text:?} is not a coin symbol; give 1 to 12 letters or digits, such as POL"
        ))
    }
}

/// Runs a network command: the network file on stdout, or with `-o FILE` written there and
/// its path printed (unless `-q`).
pub async fn network(context: &Context, command: NetworkCommand) -> Result<(), CliError> {
    let NetworkCommand::Init(args) = command;
    let bad_input = |error: anyhow::Error| CliError::new(ErrorKind::BadInput, error);
    let rpc_url = args
        .rpc_url
        .or_else(|| context.config.rpc_url.clone())
        .ok_or_else(|| {
            bad_input(anyhow!(
                "no chain given: pass --rpc-url URL (or set FERRY_RPC_URL, or `rpc_url` in the config file)"
            ))
        })?;
    let mut bootstrap = Vec::with_capacity(args.bootstrap.len());
    for url in &args.bootstrap {
        let url = node_url(url)
            .map_err(|error| bad_input(anyhow::Error::new(error).context("bad --bootstrap")))?;
        if !bootstrap.contains(&url) {
            bootstrap.push(url);
        }
    }
    let network = NetworkConfig {
        chain_id: checked_chain(&rpc_url, args.vault).await?,
        rpc_url,
        vault: args.vault,
        bootstrap,
        funded_key: None,
        vault_block: args.vault_block,
        native_unit: args.native_unit,
        private: args.private,
        diversity: Default::default(),
    };
    let json = network.to_json();
    let Some(path) = args.output else {
        write_stdout(json.as_bytes());
        return Ok(());
    };
    let (target, text) = (path.clone(), json.clone());
    blocking(move || crate::fsutil::write_atomic(&target, text.as_bytes(), 0o644))
        .await
        .map_err(|e| {
            CliError::new(
                ErrorKind::Io,
                anyhow::Error::new(e).context(format!("cannot write {}", path.display())),
            )
        })?;
    match context.output {
        OutputMode::Json => print_json_line(&JsonEvent::NetworkFile {
            path: &path,
            chain_id: network.chain_id,
        }),
        OutputMode::Human => stdout_line(&path.display().to_string()),
        OutputMode::Quiet => {}
    }
    Ok(())
}

/// The endpoint's chain id, once the vault is found to be a ferry payment vault there.
async fn checked_chain(rpc_url: &str, vault_address: Address) -> Result<u64, CliError> {
    let classify = |error: PaymentError| {
        let kind = error.kind();
        CliError::new(kind, error)
    };
    let vault = Vault::connect(rpc_url, vault_address, None).map_err(classify)?;
    let chain_id = vault.chain_id().await.map_err(classify)?;
    vault.check_is_vault(chain_id).await.map_err(classify)?;
    Ok(chain_id)
}
