//! Claims: a node operator withdraws what its leaves of paid waves hold, many leaves in one
//! transaction (one transfer), with the paths its node kept from the proofs it admitted.

use alloy::primitives::{Address, B256};

use super::transactions::gas_cost;
use super::{PaymentError, PaymentVault, Vault};
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
        let vault = self.contract();
        let call = vault.claim(rewards, claims);
        // Estimated first and sent with the chain's next nonce: a claim that would revert
        // is refused here and consumes no nonce, so the next batch is never left waiting
        // behind a gap (the provider's nonce cache counts a nonce it fetched, sent or not).
        let gas = call
            .estimate_gas()
            .await
            .map_err(|e| self.classify_contract(e))?;
        let nonce = self.next_nonce().await?;
        let tx_hash = self.send_call(call, gas, nonce).await?;
        let receipt = self.mined(tx_hash).await?;
        Ok(ClaimedRewards {
            tx_hash,
            amount,
            gas_cost: gas_cost(&receipt),
        })
    }
}
