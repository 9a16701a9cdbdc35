//! The vault's logs: which transaction paid a wave (for display when reconciling a journal),
//! and every chunk paid (an audit). Lookups ask at most [`super::LOG_WINDOW`] blocks at a time, since
//! public endpoints refuse wider ranges; the vault's records, not its logs, say what is paid.

use std::collections::HashMap;

use alloy::primitives::{Address, B256};
use alloy::providers::Provider;
use alloy::rpc::types::Filter;
use alloy::sol_types::SolEvent;

use super::waves::log_windows;
use super::{PaymentError, PaymentVault, Vault};
use crate::wire::types::{Amount, ChunkAddress, WaveRoot};
use crate::wire::wave::WaveLeaf;

/// A `ChunkPaid` event read back from the chain, with its wave's payer (from the `WavePaid`
/// log of the same transaction).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkPaidEvent {
    /// The chunk.
    pub chunk: ChunkAddress,
    /// Who paid (zero if the transaction's `WavePaid` log was not found).
    pub payer: Address,
    /// Who was paid.
    pub rewards: Address,
    /// How much.
    pub amount: Amount,
    /// In which transaction.
    pub tx_hash: Option<B256>,
}

impl Vault {
    /// The transaction in which `payer` paid wave `root`, looked up in the `WavePaid` logs
    /// from `from_block` to the latest block, window by window; `None` when not found.
    pub async fn find_wave(
        &self,
        payer: Address,
        root: WaveRoot,
        from_block: u64,
    ) -> Result<Option<B256>, PaymentError> {
        let latest = self.block_number().await?;
        for (start, end) in log_windows(from_block, latest) {
            let filter = Filter::new()
                .address(self.address)
                .event_signature(PaymentVault::WavePaid::SIGNATURE_HASH)
                .topic1(payer.into_word())
                .topic2(B256::from(root.0))
                .from_block(start)
                .to_block(end);
            let logs = self
                .provider
                .get_logs(&filter)
                .await
                .map_err(|e| self.classify(e))?;
            if let Some(tx_hash) = logs.iter().find_map(|log| log.transaction_hash) {
                return Ok(Some(tx_hash));
            }
        }
        Ok(None)
    }

    /// Every `ChunkPaid` event the vault has emitted, each with its wave's payer (an audit of
    /// what was paid).
    pub async fn chunk_paid_events(&self) -> Result<Vec<ChunkPaidEvent>, PaymentError> {
        let logs = |signature| {
            let filter = Filter::new()
                .address(self.address)
                .event_signature(signature)
                .from_block(0);
            async move {
                self.provider
                    .get_logs(&filter)
                    .await
                    .map_err(|e| self.classify(e))
            }
        };
        let payers: HashMap<B256, Address> = logs(PaymentVault::WavePaid::SIGNATURE_HASH)
            .await?
            .iter()
            .filter_map(|log| {
                let event = log.log_decode::<PaymentVault::WavePaid>().ok()?;
                Some((log.transaction_hash?, event.inner.data.payer))
            })
            .collect();
        Ok(logs(PaymentVault::ChunkPaid::SIGNATURE_HASH)
            .await?
            .iter()
            .filter_map(|log| {
                let event = log.log_decode::<PaymentVault::ChunkPaid>().ok()?;
                let data = &event.inner.data;
                let leaf = WaveLeaf::from_word(ChunkAddress(data.chunk.0), data.payment);
                Some(ChunkPaidEvent {
                    chunk: leaf.chunk,
                    payer: log
                        .transaction_hash
                        .and_then(|tx| payers.get(&tx).copied())
                        .unwrap_or_default(),
                    rewards: leaf.rewards,
                    amount: leaf.amount,
                    tx_hash: log.transaction_hash,
                })
            })
            .collect())
    }
}
