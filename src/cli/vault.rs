//! `ferry vault deploy`: the payment vault contract deployed on a chain, paid by the wallet
//! (`--account`, `--keystore` or `FERRY_PRIVATE_KEY`), with its registry's terms fixed.

use anyhow::anyhow;
use clap::Subcommand;

use super::output::{JsonEvent, print_json_line, stdout_line};
use super::{CliError, Context};
use crate::exit::ErrorKind;
use crate::vault::{RegistryTerms, deploy_vault};

/// `ferry vault …`.
#[derive(Debug, Subcommand)]
pub enum VaultCommand {
    /// Deploy the payment vault on a chain, paid by FERRY_PRIVATE_KEY; prints its address.
    Deploy {
        /// The chain's JSON-RPC URL (else `rpc_url` from the config file).
        #[arg(long, env = "FERRY_RPC_URL", value_name = "URL")]
        rpc_url: Option<String>,
        /// The least stake a node registers with (`0.1eth`, `5gwei`, or wei).
        #[arg(long, env = "FERRY_MIN_STAKE", value_name = "AMOUNT", default_value = "0.1eth", value_parser = super::units::parse_amount)]
        min_stake: crate::wire::types::Amount,
        /// Blocks between a node's exit and the return of its stake (50,400: a week of 12 s
        /// blocks).
        #[arg(
            long,
            env = "FERRY_EXIT_DELAY",
            value_name = "BLOCKS",
            default_value_t = 50_400
        )]
        exit_delay: u64,
    },
}

/// Runs a vault command: the address on stdout (`-q` too: scripts capture it), and unless
/// `-q` the block to start reading logs from on stderr.
pub async fn vault(context: &Context, command: VaultCommand) -> Result<(), CliError> {
    let VaultCommand::Deploy {
        rpc_url,
        min_stake,
        exit_delay,
    } = command;
    let rpc_url = rpc_url
        .or_else(|| context.config.rpc_url.clone())
        .ok_or_else(|| {
            CliError::new(
                ErrorKind::BadInput,
                anyhow!(
                    "no chain given: pass --rpc-url URL (or set FERRY_RPC_URL, or `rpc_url` in the config file)"
                ),
            )
        })?;
    let signer = context.signer(None).await?;
    let terms = RegistryTerms {
        min_stake,
        exit_delay,
    };
    let deployed = deploy_vault(&rpc_url, &signer, terms)
        .await
        .map_err(|e| CliError::new(ErrorKind::Network, e))?;
    if context.output.is_json() {
        print_json_line(&JsonEvent::VaultDeployed {
            vault: deployed.address.to_string(),
            block: deployed.block,
        });
        return Ok(());
    }
    stdout_line(&format!("{}", deployed.address));
    if context.output.narrates() {
        eprintln!(
            "deployed in block {}: pass --vault-block {} to `ferry network init` so nodes read its logs from there",
            deployed.block, deployed.block
        );
    }
    Ok(())
}
