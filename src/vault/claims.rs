//! Claims: a node operator withdraws what its leaves of paid waves hold, many leaves in one
//! transaction (one transfer), with the paths its node kept from the proofs it admitted.

use alloy::primitives::{Address, B256, U256};
use alloy::providers::{PendingTransactionBuilder, Provider};

use super::{CONFIRMATION_TIMEOUT, PaymentError, PaymentVault, Vault};
use crate::wire::types::Amount;
use crate::wire::wave::WaveMembership;

/// A confirmed claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedRewards {
    /// The transaction.
    pub tx_hash: B256,
    /// What it moved to the rewards address, wei.
    pub amount: Amount,
    /// What its gas cost the sender, wei.
    pub gas_cost: Amount,
}

impl Vault {
    /// Claims for `rewards` the leaves `earned` (each with the payer of its wave) in one
    /// transaction sent by this vault's wallet, and waits until it is mined. Every leaf must
    /// pay `rewards`, be unclaimed, and lead to a paid wave, or the vault reverts the whole
    /// claim.
    pub async fn claim(
        &self,
        rewards: Address,
        earned: &[(Address, WaveMembership)],
    ) -> Result<ClaimedRewards, PaymentError> {
        self.payer.ok_or(PaymentError::NoWallet)?;
        let claims = earned
            .iter()
            .map(|(payer, member)| PaymentVault::Claim {
                payer: *payer,
                root: B256::from(member.root.0),
                chunk: B256::from(member.leaf.chunk.0),
                amount: alloy::primitives::Uint::<96, 2>::saturating_from(member.leaf.amount.0),
                index: member.index as u16,
                path: member.path.clone(),
            })
            .collect();
        let amount = Amount::sum(earned.iter().map(|(_, member)| member.leaf.amount));
        let vault = PaymentVault::new(self.address, &self.provider);
        let call = vault.claim(rewards, claims);
        // Estimated first and sent with the chain's next nonce: a claim that would revert
        // is refused here and consumes no nonce, so the next batch is never left waiting
        // behind a gap (the provider's nonce cache counts a nonce it fetched, sent or not).
        let gas = call
            .estimate_gas()
            .await
            .map_err(|e| self.classify_contract(e))?;
        let nonce = self.next_nonce().await?;
        let pending = call
            .gas(gas + gas / 5)
            .nonce(nonce)
            .send()
            .await
            .map_err(|e| self.classify_contract(e))?;
        let tx_hash = *pending.tx_hash();
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
        Ok(ClaimedRewards {
            tx_hash,
            amount,
            gas_cost: Amount(
                U256::from(receipt.gas_used) * U256::from(receipt.effective_gas_price),
            ),
        })
    }
}
