//! `ferry wallet address|balance|import|new|list`: the paying key's accounts, address and
//! balance. Keys are never printed; an account's keystore is written through [`super::keys`].

use anyhow::anyhow;
use clap::Subcommand;

use super::output::{JsonEvent, print_json_line, stdout_line};
use super::{CliError, Context, NetworkArgs};
use crate::exit::ErrorKind;
use crate::vault::Vault;

/// `ferry wallet …`.
#[derive(Debug, Subcommand)]
pub enum WalletCommand {
    /// Save a private key in an encrypted keystore under the data dir, as account NAME: the key
    /// is typed at a prompt (or read from standard input off a terminal, never from an
    /// argument), the password asked twice (or read from --password-file).
    Import {
        /// The account's name (`--account NAME` unlocks it).
        name: String,
    },
    /// Make a fresh key and save it in an encrypted keystore as account NAME (fund its
    /// address before paying with it).
    New {
        /// The account's name.
        name: String,
    },
    /// List the accounts under the data dir: names and addresses, never keys.
    List,
    /// Print the paying address (from --account, --keystore, FERRY_PRIVATE_KEY, or the
    /// devnet's funded key).
    Address {
        /// The network (for the devnet's funded key).
        #[command(flatten)]
        network: NetworkArgs,
    },
    /// Print the paying address's balance, exactly, in the chain's coin (--units gwei or wei
    /// for those; --json gives wei).
    Balance {
        /// The network.
        #[command(flatten)]
        network: NetworkArgs,
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
    let signer = context
        .signer(config.as_ref().and_then(|c| c.funded_key.as_deref()))
        .await?;
    Ok((signer, config))
}

/// Runs a wallet command.
pub async fn wallet(context: &Context, command: WalletCommand) -> Result<(), CliError> {
    match command {
        WalletCommand::Import { name } => {
            let signer = super::keys::read_private_key()?;
            let address = signer.address();
            let path = super::keys::save_account(context, &name, signer).await?;
            report_account(context, &name, address, &path);
        }
        WalletCommand::New { name } => {
            let signer = alloy::signers::local::PrivateKeySigner::random();
            let address = signer.address();
            let path = super::keys::save_account(context, &name, signer).await?;
            report_account(context, &name, address, &path);
        }
        WalletCommand::List => {
            for (name, address) in crate::keys::list(&context.data_dir) {
                let path = crate::keys::account_path(&context.data_dir, &name);
                if context.output.is_json() {
                    print_json_line(&JsonEvent::Account {
                        name: &name,
                        address: address.map(|a| a.to_string()),
                        keystore: &path,
                    });
                } else {
                    let shown = address
                        .map_or_else(|| "(address not recorded)".to_owned(), |a| a.to_string());
                    stdout_line(&format!("{name}\t{shown}"));
                }
            }
        }
        WalletCommand::Address { network } => {
            let (signer, _) = resolve_signer(context, &network).await?;
            if context.output.is_json() {
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
            if context.output.is_json() {
                print_json_line(&JsonEvent::Wallet {
                    address: signer.address().to_string(),
                    balance_wei: Some(balance),
                });
            } else {
                stdout_line(&context.amounts(Some(&config)).format_exact(balance));
            }
        }
    }
    Ok(())
}

/// Says where account `name` was saved.
fn report_account(
    context: &Context,
    name: &str,
    address: alloy::primitives::Address,
    path: &std::path::Path,
) {
    if context.output.is_json() {
        print_json_line(&JsonEvent::Account {
            name,
            address: Some(address.to_string()),
            keystore: path,
        });
    } else {
        stdout_line(&address.to_string());
        if context.output.narrates() {
            eprintln!(
                "saved account {name} in {}; pay with --account {name}",
                path.display()
            );
        }
    }
}
