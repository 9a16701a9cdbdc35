//! The vault connection's read calls: balances, gas prices, the chain id, what the vault
//! records for a wave, and whether a ferry vault is at its address at all.
//!
//! Invariant: a wave counts as paid only by the vault's own record for (payer, root)
//! ([`Vault::wave_status`]); a payment by anyone else than the payer does not count.

use alloy::primitives::{Address, B256, U256};
use alloy::providers::Provider;

use super::{PaymentError, Vault, estimated_gas};
use crate::wire::types::{Amount, WaveRoot};

/// What the vault records for a (payer, wave root): all zero when that payer never paid it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WaveStatus {
    /// The block the wave was paid in (0 when unpaid).
    pub block: u64,
    /// Its leaf count.
    pub leaves: u32,
    /// Which leaves were claimed (bit i for leaf i).
    pub claimed: u128,
}

impl WaveStatus {
    /// True when the vault holds no payment.
    pub fn is_unpaid(&self) -> bool {
        self.block == 0
    }

    /// True when leaf `index` was claimed.
    pub fn is_claimed(&self, index: u32) -> bool {
        index < 128 && self.claimed & (1u128 << index) != 0
    }
}

impl Vault {
    /// The balance of an address.
    pub async fn balance_of(&self, who: Address) -> Result<Amount, PaymentError> {
        self.provider
            .get_balance(who)
            .await
            .map(Amount)
            .map_err(|e| self.classify(e))
    }

    /// The current gas price in wei.
    pub async fn gas_price(&self) -> Result<Amount, PaymentError> {
        self.provider
            .get_gas_price()
            .await
            .map(|price| Amount(U256::from(price)))
            .map_err(|e| self.classify(e))
    }

    /// The price a transaction sent now pays per gas, wei: the latest block's base fee plus the
    /// priority fee a payment is sent with (what an EIP-1559 transaction is charged), or the
    /// legacy gas price on a chain without a base fee. Estimates use it, not the fee cap a
    /// transaction offers (twice the base fee and more), which it rarely pays.
    pub async fn effective_gas_price(&self) -> Result<Amount, PaymentError> {
        let block = self
            .provider
            .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
            .await
            .map_err(|e| self.classify(e))?;
        let Some(base_fee) = block.and_then(|block| block.header.base_fee_per_gas) else {
            return self.gas_price().await;
        };
        // The fees a payment is sent with are alloy's estimate (from the fee history); it pays
        // the base fee plus that tip, never more than the cap.
        let fees = self
            .provider
            .estimate_eip1559_fees()
            .await
            .map_err(|e| self.classify(e))?;
        let paid = (u128::from(base_fee) + fees.max_priority_fee_per_gas).min(fees.max_fee_per_gas);
        Ok(Amount(U256::from(paid)))
    }

    /// What the vault records for `payer`'s wave `root` (a payment by anyone else does not
    /// count): one call.
    pub async fn wave_status(
        &self,
        payer: Address,
        root: WaveRoot,
    ) -> Result<WaveStatus, PaymentError> {
        let vault = self.contract();
        let record = vault
            .waves(payer, B256::from(root.0))
            .call()
            .await
            .map_err(|e| self.classify_contract(e))?;
        Ok(WaveStatus {
            block: record.blockNumber,
            leaves: u32::from(record.leaves),
            claimed: record.claimed,
        })
    }

    /// [`Vault::wave_status`] for many of one payer's waves in one call.
    pub async fn wave_statuses(
        &self,
        payer: Address,
        roots: &[WaveRoot],
    ) -> Result<Vec<WaveStatus>, PaymentError> {
        let vault = self.contract();
        let records = vault
            .wavesOf(payer, roots.iter().map(|r| B256::from(r.0)).collect())
            .call()
            .await
            .map_err(|e| self.classify_contract(e))?;
        Ok(records
            .into_iter()
            .map(|record| WaveStatus {
                block: record.blockNumber,
                leaves: u32::from(record.leaves),
                claimed: record.claimed,
            })
            .collect())
    }

    /// The chain id the RPC endpoint reports.
    pub async fn chain_id(&self) -> Result<u64, PaymentError> {
        self.provider
            .get_chain_id()
            .await
            .map_err(|e| self.classify(e))
    }

    /// The size in bytes of the code deployed at the vault's address (0: no contract there).
    pub async fn code_size(&self) -> Result<usize, PaymentError> {
        self.provider
            .get_code_at(self.address)
            .await
            .map(|code| code.len())
            .map_err(|e| self.classify(e))
    }

    /// Checks that a ferry payment vault is at the vault's address on this chain (`chain_id`,
    /// as the endpoint reports it): code is there, and it answers the vault's `waves` view.
    /// `network init` and every command reading a network file run this same check, so a wrong
    /// address is bad input (exit 2), never a retryable chain failure.
    pub async fn check_is_vault(&self, chain_id: u64) -> Result<(), PaymentError> {
        let not_a_vault = |reason| PaymentError::NotAVault {
            vault: self.address,
            chain_id,
            url: self.url.clone(),
            reason,
        };
        if self.code_size().await? == 0 {
            return Err(not_a_vault("there is no contract there"));
        }
        match self.wave_status(Address::ZERO, WaveRoot([0; 32])).await {
            Ok(_) => Ok(()),
            Err(error @ PaymentError::Unreachable { .. }) => Err(error),
            Err(error) => {
                tracing::debug!(%error, "the contract does not answer as a vault");
                Err(not_a_vault("the contract there does not answer as one"))
            }
        }
    }

    /// Estimates the gas cost (wei) of paying `chunks` chunks in `waves` transactions, without
    /// a wallet, at the price a transaction pays now ([`Vault::effective_gas_price`]), by
    /// [`estimated_gas`].
    pub async fn estimate_gas_cost(
        &self,
        chunks: usize,
        waves: usize,
    ) -> Result<Amount, PaymentError> {
        let gas_price = self.effective_gas_price().await?;
        Ok(Amount(
            gas_price.0 * U256::from(estimated_gas(chunks, waves)),
        ))
    }

    /// The chain's latest block number.
    pub async fn block_number(&self) -> Result<u64, PaymentError> {
        self.provider
            .get_block_number()
            .await
            .map_err(|e| self.classify(e))
    }
}
