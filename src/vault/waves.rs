//! Paid waves read back from the chain: the `WavePaid` logs of a block range and the leaves a
//! wave's `payWave` transaction carried in its calldata. A node that missed a proof rebuilds
//! its leaves and paths from these.
//!
//! Nothing here is trusted by itself: the endpoint may lie about logs and transactions alike.
//! Callers rebuild the tree from the calldata and keep it only when its root is the logged one
//! (and the vault's own record then decides what a claim is worth).

use alloy::consensus::Transaction as _;
use alloy::primitives::{Address, B256};
use alloy::providers::Provider;
use alloy::rpc::types::Filter;
use alloy::sol_types::{SolCall, SolEvent};

use super::{LOG_WINDOW, PaymentError, PaymentVault, Vault};
use crate::wire::types::WaveRoot;

/// A `WavePaid` log: who paid which wave, in which transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WavePaidLog {
    /// Who paid (the log's first topic).
    pub payer: Address,
    /// The wave's root (the log's second topic).
    pub root: WaveRoot,
    /// The block it is in.
    pub block: u64,
    /// The transaction that emitted it.
    pub tx_hash: B256,
}

/// What a wave's transaction says of its leaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaveCalldata {
    /// The `leaves` argument of its direct `payWave` call to the vault.
    Leaves(Vec<u8>),
    /// The transaction is not a direct `payWave` call to the vault (a wave paid through
    /// another contract): its leaves are not in its calldata.
    NotPayWave,
    /// The endpoint does not know the transaction.
    Unknown,
}

impl Vault {
    /// Every `WavePaid` log from block `from` to block `to` (inclusive, at most
    /// [`LOG_WINDOW`] blocks: one query), in chain order. Logs without a transaction or block
    /// (pending ones) are left out.
    pub async fn wave_paid_logs(
        &self,
        from: u64,
        to: u64,
    ) -> Result<Vec<WavePaidLog>, PaymentError> {
        debug_assert!(to < from + LOG_WINDOW, "one window at a time");
        let filter = Filter::new()
            .address(self.address)
            .event_signature(PaymentVault::WavePaid::SIGNATURE_HASH)
            .from_block(from)
            .to_block(to);
        let logs = self
            .provider
            .get_logs(&filter)
            .await
            .map_err(|e| self.classify(e))?;
        Ok(logs
            .iter()
            .filter_map(|log| {
                let event = log.log_decode::<PaymentVault::WavePaid>().ok()?;
                Some(WavePaidLog {
                    payer: event.inner.data.payer,
                    root: WaveRoot(event.inner.data.root.0),
                    block: log.block_number?,
                    tx_hash: log.transaction_hash?,
                })
            })
            .collect())
    }

    /// The `leaves` argument of the `payWave` call that transaction `tx_hash` makes to this
    /// vault, as the endpoint reports it.
    pub async fn wave_calldata(&self, tx_hash: B256) -> Result<WaveCalldata, PaymentError> {
        let transaction = self
            .provider
            .get_transaction_by_hash(tx_hash)
            .await
            .map_err(|e| self.classify(e))?;
        let Some(transaction) = transaction else {
            return Ok(WaveCalldata::Unknown);
        };
        if transaction.to() != Some(self.address) {
            return Ok(WaveCalldata::NotPayWave);
        }
        Ok(
            match PaymentVault::payWaveCall::abi_decode(transaction.input()) {
                Ok(call) => WaveCalldata::Leaves(call.leaves.to_vec()),
                Err(_) => WaveCalldata::NotPayWave,
            },
        )
    }
}

/// The block ranges, inclusive and at most [`LOG_WINDOW`] long, that cover `from` to `latest`.
pub fn log_windows(from: u64, latest: u64) -> impl Iterator<Item = (u64, u64)> {
    (from..=latest)
        .step_by(LOG_WINDOW as usize)
        .map(move |start| (start, latest.min(start + LOG_WINDOW - 1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_windows_cover_the_range_in_steps_of_at_most_10000_blocks() {
        let windows: Vec<_> = log_windows(5, 25_004).collect();
        assert_eq!(
            windows,
            [(5, 10_004), (10_005, 20_004), (20_005, 25_004)],
            "three windows, the last one short"
        );
        assert_eq!(log_windows(7, 7).collect::<Vec<_>>(), [(7, 7)]);
        assert_eq!(
            log_windows(8, 7).count(),
            0,
            "nothing past the latest block"
        );
    }
}
