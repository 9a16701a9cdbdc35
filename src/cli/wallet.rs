//! `ferry wallet address|balance` and `ferry vault deploy`.

use anyhow::anyhow;
use clap::Subcommand;

use super::output::{JsonEvent, print_json_line, stdout_line};
use super::{CliError, Context, NetworkArgs};
use crate::exit::ErrorKind;
use crate::vault::{RegistryTerms, Vault, deploy_vault};

/// `ferry wallet …`.
#[derive(Debug, Subcommand)]
pub enum WalletCommand {
    /// Print the paying address (from FERRY_PRIVATE_KEY, or the devnet's funded key).
    Address {
        /// The network (for the devnet's funded key).
        #[command(flatten)]
        network: NetworkArgs,
    },
    /// Print the paying address's balance in wei.
    Balance {
        /// The network.
        #[command(flatten)]
        network: NetworkArgs,
    },
}

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

async fn resolve_signer(
    context: &Context,
    network: &NetworkArgs,
) -> Result<
    (
        alloy::signers::local::PrivateKeySigner,
        Option<crate::wire::network::NetworkConfig>,
    ),
    CliError,
> {
    let config = if context.has_network(network) {
        Some(context.network(network).await?)
    } else {
        None
    };
    let signer = super::transfer::signer(config.as_ref().and_then(|c| c.funded_key.as_deref()))?;
    Ok((signer, config))
}

/// Runs a wallet command.
pub async fn wallet(context: &Context, command: WalletCommand) -> Result<(), CliError> {
    match command {
        WalletCommand::Address { network } => {
            let (signer, _) = resolve_signer(context, &network).await?;
            if context.json {
                print_json_line(&JsonEvent::Wallet {
                    address: signer.address().to_string(),
                    balance_wei: None,
                });
            } else {
                stdout_line(&format!("{}", signer.address()));
            }
        }
        WalletCommand::Balance { network } => {
            let (signer, config) = resolve_signer(context, &network).await?;
            let config = config.ok_or_else(|| {
                CliError::new(
                    ErrorKind::BadInput,
                    anyhow!(
                        "balance needs a network: pass --network FILE (or set FERRY_NETWORK, or `network` in the config file), or --devnet"
                    ),
                )
            })?;
            let vault = Vault::connect(&config.rpc_url, config.vault, None)
                .map_err(|e| CliError::new(ErrorKind::BadInput, e))?;
            let balance = vault
                .balance_of(signer.address())
                .await
                .map_err(|e| CliError::new(ErrorKind::Network, e))?;
            if context.json {
                print_json_line(&JsonEvent::Wallet {
                    address: signer.address().to_string(),
                    balance_wei: Some(balance),
                });
            } else {
                stdout_line(&context.units.format(balance));
            }
        }
    }
    Ok(())
}

/// Runs a vault command.
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
    let signer = super::transfer::signer(None)?;
    let terms = RegistryTerms {
        min_stake,
        exit_delay,
    };
    let deployed = deploy_vault(&rpc_url, &signer, terms)
        .await
        .map_err(|e| CliError::new(ErrorKind::Network, e))?;
    if context.json {
        print_json_line(&JsonEvent::VaultDeployed {
            vault: deployed.address.to_string(),
            block: deployed.block,
        });
    } else {
        stdout_line(&format!("{}", deployed.address));
        eprintln!(
            "deployed in block {}: pass --vault-block {} to `ferry network init` so nodes read its logs from there",
            deployed.block, deployed.block
        );
    }
    Ok(())
}
