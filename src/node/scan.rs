//! Learning from the chain the leaves that pay this node: the proofs a node admits name only
//! the chunks it stores, but the median quote's issuer is paid whether or not it stores the
//! chunk. Every leaf of a wave is in its `payWave` transaction's calldata, so `ferry-node
//! rewards` reads the vault's `WavePaid` logs, fetches each wave's calldata, rebuilds its tree
//! and records the leaves paying this node, with their paths, in the earnings record.
//!
//! Invariants:
//! - the chain is read in windows of at most [`crate::vault::LOG_WINDOW`] blocks, and the scan
//!   position is written durably after each window, once its leaves are recorded: a stopped
//!   scan resumes where it stopped and loses nothing;
//! - the first scan of a vault starts at the block the network file names as the vault's
//!   (`vault_block`, which `ferry devnet up` writes), or at block 0 when it names none (one
//!   log query per 10,000 blocks, once); later scans start [`REORG_MARGIN`] blocks before the
//!   position, so a wave that a reorganisation moved into blocks already read is still found;
//! - a wave is kept only when the tree rebuilt from its calldata has the logged root. Calldata
//!   that does not (an endpoint that lies), or a transaction the endpoint does not know, is
//!   skipped with a warning and holds the scan position at its block, so the next run (with an
//!   honest endpoint) reads it again; a wave paid through another contract, whose leaves are
//!   not in its transaction's calldata, is skipped for good with a warning. Of a kept wave,
//!   only the leaves paying this node's address that the vault's claimed bitmap says are
//!   unclaimed are recorded.

use std::sync::Arc;

use alloy::primitives::Address;
use futures::StreamExt;

use crate::blocking::blocking;
use crate::node::NodeError;
use crate::node::earnings::{Earnings, EarningsError};
use crate::vault::{PaymentError, Vault, WaveCalldata, WavePaidLog, log_windows};
use crate::wire::types::WaveRoot;
use crate::wire::wave::{WaveMembership, WaveTree};

/// Blocks read again below the scan position on every scan.
pub const REORG_MARGIN: u64 = 64;

/// Transactions fetched at once.
const FETCH_CONCURRENCY: usize = 8;

/// What a scan found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ScanReport {
    /// Leaves recorded that the record did not hold yet.
    pub learned: usize,
    /// Waves not paid by a direct `payWave` call to the vault: their leaves are not in their
    /// calldata, and they are skipped for good.
    pub unreadable: usize,
    /// Waves whose transaction the endpoint did not know, or whose calldata does not build
    /// their logged root: the scan position stays before the first of them, so the next scan
    /// reads them again.
    pub refused: usize,
    /// The last block read.
    pub to_block: u64,
}

/// What one window of blocks holds for this node.
#[derive(Debug, Default)]
struct WindowFindings {
    /// The unclaimed leaves paying the node, by wave (with its payer).
    found: Vec<(Address, Vec<WaveMembership>)>,
    /// The block of the first wave refused, if any.
    first_refused: Option<u64>,
}

/// Reads the chain from the node's scan position (from `first_block` on the first scan of this
/// vault) to the newest block that is `confirmations` deep (counting its own) and records every
/// unclaimed leaf paying `rewards` that the earnings record does not hold yet. Blocks not yet
/// that deep are read by a later scan.
pub async fn scan_chain(
    vault: &Vault,
    earnings: Arc<Earnings>,
    rewards: Address,
    first_block: u64,
    confirmations: u64,
) -> Result<ScanReport, NodeError> {
    let vault_address = vault.address();
    let position = on_record(&earnings, move |e| e.scan_position(vault_address)).await?;
    let from = position.map_or(first_block, |next| {
        next.saturating_sub(REORG_MARGIN).max(first_block)
    });
    let latest = vault
        .block_number()
        .await?
        .saturating_sub(confirmations.saturating_sub(1));
    let mut report = ScanReport {
        to_block: latest,
        ..ScanReport::default()
    };
    let mut held = None;
    for (start, end) in log_windows(from, latest) {
        let logs = vault.wave_paid_logs(start, end).await?;
        let window = leaves_in_waves(vault, rewards, logs, &mut report).await?;
        held = held.or(window.first_refused);
        let next_block = held.unwrap_or(end + 1);
        report.learned += on_record(&earnings, move |earnings| {
            let mut learned = 0;
            for (payer, leaves) in &window.found {
                learned += earnings.record_all(*payer, leaves)?;
            }
            earnings.set_scan_position(vault_address, next_block)?;
            Ok(learned)
        })
        .await?;
    }
    Ok(report)
}

/// Runs `work` on the earnings record on a blocking thread.
async fn on_record<T: Send + 'static>(
    earnings: &Arc<Earnings>,
    work: impl FnOnce(&Earnings) -> Result<T, EarningsError> + Send + 'static,
) -> Result<T, NodeError> {
    let earnings = earnings.clone();
    Ok(blocking(move || work(&earnings)).await?)
}

/// The unclaimed leaves paying `rewards` in the waves of `logs` (one window of blocks).
async fn leaves_in_waves(
    vault: &Vault,
    rewards: Address,
    logs: Vec<WavePaidLog>,
    report: &mut ScanReport,
) -> Result<WindowFindings, PaymentError> {
    let fetched: Vec<_> = futures::stream::iter(logs)
        .map(|log| async move { (log, vault.wave_calldata(log.tx_hash).await) })
        .buffered(FETCH_CONCURRENCY)
        .collect()
        .await;
    let mut findings = WindowFindings::default();
    for (log, calldata) in fetched {
        let (tx, root) = (log.tx_hash, log.root);
        let mine = match calldata? {
            WaveCalldata::Leaves(calldata) => leaves_paying(rewards, root, &calldata),
            WaveCalldata::NotPayWave => {
                tracing::warn!(%tx, %root, "a wave was not paid by a direct payWave call to the vault; its leaves cannot be read from the chain and are skipped");
                report.unreadable += 1;
                continue;
            }
            WaveCalldata::Unknown => None,
        };
        let Some(mine) = mine else {
            tracing::warn!(%tx, %root, "the RPC endpoint gives no calldata building this wave's logged root; skipped, and read again on the next run");
            report.refused += 1;
            findings.first_refused = findings.first_refused.or(Some(log.block));
            continue;
        };
        if mine.is_empty() {
            continue;
        }
        let status = vault.wave_status(log.payer, root).await?;
        let open: Vec<_> = mine
            .into_iter()
            .filter(|leaf| !status.is_claimed(leaf.index))
            .collect();
        if !open.is_empty() {
            findings.found.push((log.payer, open));
        }
    }
    Ok(findings)
}

/// The leaves paying `rewards`, with their paths, of the wave whose `payWave` argument is
/// `calldata`; `None` when that calldata does not build `root` (it is not that wave's).
pub fn leaves_paying(
    rewards: Address,
    root: WaveRoot,
    calldata: &[u8],
) -> Option<Vec<WaveMembership>> {
    let tree = WaveTree::from_calldata(calldata).ok()?;
    if tree.root() != root {
        return None;
    }
    Some(
        (0..tree.leaves().len())
            .filter(|&index| tree.leaves()[index].rewards == rewards)
            .map(|index| tree.membership(index))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::types::{Amount, ChunkAddress};
    use crate::wire::wave::WaveLeaf;

    fn wave(paying: &[Address]) -> WaveTree {
        let leaves = paying
            .iter()
            .enumerate()
            .map(|(n, rewards)| WaveLeaf {
                chunk: ChunkAddress([n as u8; 32]),
                rewards: *rewards,
                amount: Amount::wei(1_000 + n as u128),
            })
            .collect();
        WaveTree::new(leaves).unwrap()
    }

    #[test]
    fn the_leaves_paying_an_address_come_with_paths_to_the_logged_root() {
        let (me, other) = (Address::repeat_byte(1), Address::repeat_byte(2));
        let tree = wave(&[other, me, other, other, me]);
        let mine = leaves_paying(me, tree.root(), &tree.calldata()).unwrap();
        assert_eq!(mine, [tree.membership(1), tree.membership(4)]);
        assert!(mine.iter().all(WaveMembership::leads_to_root));
        let nobody = Address::repeat_byte(3);
        assert_eq!(
            leaves_paying(nobody, tree.root(), &tree.calldata()),
            Some(vec![])
        );
    }

    #[test]
    fn calldata_that_does_not_build_the_logged_root_is_refused() {
        let me = Address::repeat_byte(1);
        let tree = wave(&[me, me, me]);
        // An endpoint that swaps in another wave's calldata, or alters one amount.
        let other = wave(&[me, me]);
        assert_eq!(leaves_paying(me, tree.root(), &other.calldata()), None);
        let mut altered = tree.calldata();
        altered[63] ^= 1;
        assert_eq!(leaves_paying(me, tree.root(), &altered), None);
        assert_eq!(leaves_paying(me, tree.root(), &altered[..70]), None);
    }
}
