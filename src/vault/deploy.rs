//! Deploying the payment vault: its committed bytecode with the registry's terms as
//! constructor arguments, paid by the deployer, confirmed within the confirmation timeout.

use alloy::network::TransactionBuilder;
use alloy::primitives::{Address, U256};
use alloy::providers::Provider;
use alloy::rpc::types::TransactionRequest;
use alloy::signers::local::PrivateKeySigner;

use super::{CONFIRMATION_TIMEOUT, PaymentError, VAULT_BYTECODE_HEX, Vault};
use crate::wire::types::Amount;

/// A deployed vault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeployedVault {
    /// Its address.
    pub address: Address,
    /// The block it was deployed in.
    pub block: u64,
}

/// The terms of a vault's node registry, fixed when it is deployed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegistryTerms {
    /// The least stake a node registers with, wei.
    pub min_stake: Amount,
    /// Blocks between a node's exit and the return of its stake.
    pub exit_delay: u64,
}

impl RegistryTerms {
    /// A devnet's terms: 1 ETH a node (anvil's accounts hold 10,000), 10 blocks to exit.
    pub const DEVNET: RegistryTerms = RegistryTerms {
        min_stake: Amount(U256::from_limbs([1_000_000_000_000_000_000, 0, 0, 0])),
        exit_delay: 10,
    };
}

/// Deploys the payment vault with `deployer` paying; returns its address and block.
pub async fn deploy_vault(
    rpc_url: &str,
    deployer: &PrivateKeySigner,
    terms: RegistryTerms,
) -> Result<DeployedVault, PaymentError> {
    use alloy::sol_types::SolValue;
    let vault = Vault::connect(rpc_url, Address::ZERO, Some(deployer))?;
    let mut code = hex::decode(VAULT_BYTECODE_HEX.trim()).expect("the committed bytecode is hex");
    code.extend((terms.min_stake.0, U256::from(terms.exit_delay)).abi_encode_params());
    let request = TransactionRequest::default().with_deploy_code(code);
    let pending = vault
        .provider
        .send_transaction(request)
        .await
        .map_err(|e| vault.classify(e))?;
    let receipt = pending
        .with_timeout(Some(CONFIRMATION_TIMEOUT))
        .get_receipt()
        .await
        .map_err(|e| PaymentError::Rpc {
            url: rpc_url.to_owned(),
            source: Box::new(e),
        })?;
    let address = receipt.contract_address.ok_or(PaymentError::Reverted {
        reason: "the deployment produced no contract".into(),
        tx_hash: Some(receipt.transaction_hash),
    })?;
    Ok(DeployedVault {
        address,
        block: receipt.block_number.unwrap_or_default(),
    })
}
