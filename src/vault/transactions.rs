//! Sending the vault's write calls and waiting for their tx receipts: the one way a payment
//! and a claim go out (a fifth more gas than estimated, the nonce the caller chose) and the
//! one way they are confirmed (mined within the confirmation timeout, with success status).

use alloy::contract::{CallBuilder, CallDecoder};
use alloy::primitives::{B256, U256};
use alloy::providers::{PendingTransactionBuilder, Provider};
use alloy::rpc::types::TransactionReceipt;

use super::{CONFIRMATION_TIMEOUT, PaymentError, Vault};
use crate::wire::types::Amount;

impl Vault {
    /// Sends `call` with its estimated `gas` plus a fifth and the nonce `nonce`; returns the
    /// transaction's hash once the chain accepted it.
    pub(super) async fn send_call<P: Provider, D: CallDecoder>(
        &self,
        call: CallBuilder<P, D>,
        gas: u64,
        nonce: u64,
    ) -> Result<B256, PaymentError> {
        let pending = call
            .gas(gas + gas / 5)
            .nonce(nonce)
            .send()
            .await
            .map_err(|e| self.classify_contract(e))?;
        Ok(*pending.tx_hash())
    }

    /// Waits until `tx_hash` is mined (for at most the confirmation timeout) and checks that it
    /// succeeded.
    pub(super) async fn mined(&self, tx_hash: B256) -> Result<TransactionReceipt, PaymentError> {
        let receipt = PendingTransactionBuilder::new(self.provider.root().clone(), tx_hash)
            .with_timeout(Some(CONFIRMATION_TIMEOUT))
            .get_receipt()
            .await
            .map_err(|e| PaymentError::Rpc {
                url: self.url.clone(),
                source: Box::new(e),
            })?;
        if !receipt.status() {
            return Err(PaymentError::Reverted {
                reason: "status 0 in the receipt".into(),
                tx_hash: Some(tx_hash),
            });
        }
        Ok(receipt)
    }
}

/// What a mined transaction's gas cost its sender, wei.
pub(super) fn gas_cost(receipt: &TransactionReceipt) -> Amount {
    Amount(U256::from(receipt.gas_used) * U256::from(receipt.effective_gas_price))
}
