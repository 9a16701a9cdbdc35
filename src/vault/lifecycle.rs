//! A wave's payment transaction from its nonce to mined: sent with the nonce the caller
//! journalled, confirmed by its tx receipt, and after a crash, found again by where that nonce
//! or that transaction stands on the chain.
//!
//! Invariants: the payer's balance is checked against the wave's value plus its estimated gas
//! before anything is sent; every wait ends at the confirmation timeout with
//! [`PaymentError::StillPending`], never an endless loop.

use std::time::{Duration, Instant};

use alloy::eips::BlockId;
use alloy::primitives::{Address, B256, U256};
use alloy::providers::Provider;

use super::{CONFIRMATION_TIMEOUT, PaymentError, Vault, transactions};
use crate::wire::types::{Amount, WaveRoot};
use crate::wire::wave::WaveTree;

/// How often a wait asks the chain again.
const POLL: Duration = Duration::from_millis(500);

/// A wave payment sent and not yet confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentWave {
    /// The transaction.
    pub tx_hash: B256,
    /// The wave's root.
    pub root: WaveRoot,
    /// The sum paid to nodes.
    pub storage_cost: Amount,
}

/// Where one of the payer's nonces stands on the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceState {
    /// A mined transaction used it.
    Used,
    /// A transaction waiting in the pool holds it.
    Pending,
    /// No transaction this endpoint knows carries it; `next` is the payer's next unused
    /// nonce, which its next transaction is sent with.
    Free {
        /// The payer's next nonce by mined transactions.
        next: u64,
    },
}

/// Where a transaction is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxState {
    /// In a block.
    Mined,
    /// Waiting in the pool.
    Pending,
    /// Unknown to the endpoint: never sent, dropped, or reorganised away.
    Unknown,
}

/// A confirmed wave payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaidWave {
    /// The transaction.
    pub tx_hash: B256,
    /// The wave's root.
    pub root: WaveRoot,
    /// Gas the transaction used.
    pub gas_used: u64,
    /// What that gas cost, in wei.
    pub gas_cost: Amount,
    /// The sum paid to nodes.
    pub storage_cost: Amount,
}

impl Vault {
    /// The payer's next nonce: what its next transaction is sent with (transactions still
    /// pending counted).
    pub async fn next_nonce(&self) -> Result<u64, PaymentError> {
        let payer = self.payer.ok_or(PaymentError::NoWallet)?;
        self.provider
            .get_transaction_count(payer)
            .pending()
            .await
            .map_err(|e| self.classify(e))
    }

    /// Pays for a wave in one transaction with the payer's next nonce and waits until it is
    /// mined, journalling nothing (the upload journals between [`Vault::send_wave`] and
    /// [`Vault::confirm_wave`]).
    pub async fn pay_wave(&self, wave: &WaveTree) -> Result<PaidWave, PaymentError> {
        let nonce = self.next_nonce().await?;
        let sent = self.send_wave(wave, nonce).await?;
        self.confirm_wave(sent).await
    }

    /// Sends a wave's payment in one transaction with the payer's nonce `nonce` (journalled
    /// by the caller before), after checking the balance against its value and gas. Returns
    /// once the chain accepted it; [`Vault::confirm_wave`] waits for it to be mined.
    pub async fn send_wave(&self, wave: &WaveTree, nonce: u64) -> Result<SentWave, PaymentError> {
        let payer = self.payer.ok_or(PaymentError::NoWallet)?;
        let storage_cost = wave.total();
        let available = self.balance_of(payer).await?;
        let insufficient = |needed| PaymentError::InsufficientFunds {
            payer,
            needed,
            available,
        };
        // Checked before estimating gas: a node refuses to estimate a call it cannot fund.
        if available < storage_cost {
            return Err(insufficient(storage_cost));
        }
        let vault = self.contract();
        let call = vault.payWave(wave.calldata().into()).value(storage_cost.0);
        let gas = call
            .estimate_gas()
            .await
            .map_err(|e| self.classify_contract(e))?;
        let gas_price = self.gas_price().await?;
        let needed = storage_cost
            .checked_add(Amount(gas_price.0 * U256::from(gas)))
            .unwrap_or(Amount(U256::MAX));
        if available < needed {
            return Err(insufficient(needed));
        }
        let tx_hash = self.send_call(call, gas, nonce).await?;
        Ok(SentWave {
            tx_hash,
            root: wave.root(),
            storage_cost,
        })
    }

    /// Waits until a sent wave is mined (for at most the confirmation timeout) and checks that
    /// it succeeded.
    pub async fn confirm_wave(&self, sent: SentWave) -> Result<PaidWave, PaymentError> {
        let receipt = self.mined(sent.tx_hash).await?;
        Ok(PaidWave {
            tx_hash: sent.tx_hash,
            root: sent.root,
            gas_used: receipt.gas_used,
            gas_cost: transactions::gas_cost(&receipt),
            storage_cost: sent.storage_cost,
        })
    }

    /// Waits until no transaction from the payer is pending (an earlier run may have sent one
    /// just before it stopped), for at most the confirmation timeout. For journal entries that
    /// carry no nonce (schema 1); [`Vault::nonce_state`] is the precise check.
    pub async fn wait_for_pending(&self) -> Result<(), PaymentError> {
        let Some(payer) = self.payer else {
            return Ok(());
        };
        self.poll_until(payer, async || {
            let mined = self.transaction_count(payer, BlockId::latest()).await?;
            let sent = self.transaction_count(payer, BlockId::pending()).await?;
            Ok((sent <= mined).then_some(()))
        })
        .await
    }

    /// Where the payer's nonce `nonce` stands: used by a mined transaction, held by a pending
    /// one, or free (no transaction this endpoint knows carries it).
    pub async fn nonce_state(&self, nonce: u64) -> Result<NonceState, PaymentError> {
        let payer = self.payer.ok_or(PaymentError::NoWallet)?;
        let mined = self.transaction_count(payer, BlockId::latest()).await?;
        if mined > nonce {
            return Ok(NonceState::Used);
        }
        let sent = self.transaction_count(payer, BlockId::pending()).await?;
        Ok(if sent > nonce {
            NonceState::Pending
        } else {
            NonceState::Free { next: mined }
        })
    }

    /// Waits until the payer's nonce `nonce` is used by a mined transaction, for at most the
    /// confirmation timeout; still unused then, the payment may yet be mined:
    /// [`PaymentError::StillPending`].
    pub async fn wait_for_nonce(&self, nonce: u64) -> Result<(), PaymentError> {
        let payer = self.payer.ok_or(PaymentError::NoWallet)?;
        self.poll_until(payer, async || {
            Ok((self.nonce_state(nonce).await? == NonceState::Used).then_some(()))
        })
        .await
    }

    /// Waits while a transaction is pending (for at most the confirmation timeout) and says
    /// where it ended: mined, or unknown to the chain (never sent, dropped, or reorganised
    /// away and not pending again).
    pub async fn settled_state(&self, tx_hash: B256) -> Result<TxState, PaymentError> {
        self.poll_until(self.payer.unwrap_or_default(), async || {
            let state = self.tx_state(tx_hash).await?;
            Ok((state != TxState::Pending).then_some(state))
        })
        .await
    }

    /// Asks `settled` every [`POLL`] until it answers, for at most the confirmation timeout;
    /// then [`PaymentError::StillPending`] for `payer`.
    async fn poll_until<T>(
        &self,
        payer: Address,
        mut settled: impl AsyncFnMut() -> Result<Option<T>, PaymentError>,
    ) -> Result<T, PaymentError> {
        let deadline = Instant::now() + CONFIRMATION_TIMEOUT;
        loop {
            if let Some(value) = settled().await? {
                return Ok(value);
            }
            if Instant::now() > deadline {
                return Err(PaymentError::StillPending { payer });
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// How many transactions `payer` has sent as of `block` (pending ones counted for
    /// [`BlockId::pending`]).
    async fn transaction_count(&self, payer: Address, block: BlockId) -> Result<u64, PaymentError> {
        self.provider
            .get_transaction_count(payer)
            .block_id(block)
            .await
            .map_err(|e| self.classify(e))
    }

    /// Where a transaction is: mined, waiting in the pool, or unknown to this endpoint.
    pub async fn tx_state(&self, tx_hash: B256) -> Result<TxState, PaymentError> {
        let receipt = self
            .provider
            .get_transaction_receipt(tx_hash)
            .await
            .map_err(|e| self.classify(e))?;
        if receipt.is_some() {
            return Ok(TxState::Mined);
        }
        let transaction = self
            .provider
            .get_transaction_by_hash(tx_hash)
            .await
            .map_err(|e| self.classify(e))?;
        Ok(if transaction.is_some() {
            TxState::Pending
        } else {
            TxState::Unknown
        })
    }

    /// What a mined transaction cost in gas, wei.
    pub async fn gas_cost_of(&self, tx_hash: B256) -> Result<Amount, PaymentError> {
        let receipt = self
            .provider
            .get_transaction_receipt(tx_hash)
            .await
            .map_err(|e| self.classify(e))?;
        Ok(receipt.map_or(Amount::ZERO, |r| transactions::gas_cost(&r)))
    }
}
