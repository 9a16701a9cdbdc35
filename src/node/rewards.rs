//! `ferry-node rewards`: what the vault holds for this node, and claiming it.
//!
//! The node's earnings record ([`Earnings`]) lists its leaves: those its admitted proofs
//! brought, and those [`scan_chain`] learns from the chain first (the leaves of chunks the
//! node does not store). The vault's record of each wave says which of them are still
//! unclaimed. Claiming sends them in batches of at most [`CLAIM_BATCH`] leaves, one
//! transaction (one transfer) each, from the node's own key (which pays the gas). A batch that
//! fails is reported and its waves are kept for the next run; the other batches go on. A wave
//! whose leaves are all claimed is then forgotten.

use std::path::PathBuf;
use std::sync::Arc;

use alloy::primitives::Address;
use alloy::signers::local::PrivateKeySigner;

use crate::blocking::blocking;
use crate::node::NodeError;
use crate::node::earnings::{EarnedWave, Earnings};
use crate::node::scan::{ScanReport, scan_chain};
use crate::vault::{ClaimedRewards, Vault};
use crate::wire::network::NetworkConfig;
use crate::wire::types::{Amount, WaveRoot};
use crate::wire::wave::WaveMembership;

/// The most leaves one claim transaction carries.
pub const CLAIM_BATCH: usize = 64;

/// What `rewards` is run with.
#[derive(Debug, Clone)]
pub struct RewardsConfig {
    /// The node's root directory (its earnings record is under it).
    pub root: PathBuf,
    /// The network file (chain and vault).
    pub network_file: PathBuf,
    /// The node's key.
    pub key: crate::node::NodeKey,
    /// Replaces the network file's `rpc_url`.
    pub rpc_url: Option<String>,
    /// Claim what is unclaimed (otherwise only show it).
    pub withdraw: bool,
    /// How deep a paid wave's block must be before its leaves are learned; `None`: as
    /// `ferry-node` defaults (0 on a devnet chain, [`crate::node::DEFAULT_CONFIRMATIONS`]
    /// elsewhere).
    pub confirmations: Option<u64>,
}

/// What the vault holds for the node, and what was claimed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RewardsReport {
    /// The node's rewards address.
    pub rewards: Address,
    /// Unclaimed before this run, wei.
    pub unclaimed: Amount,
    /// Unclaimed leaves.
    pub leaves: usize,
    /// Waves they are in.
    pub waves: usize,
    /// What reading the chain for missed leaves found.
    pub scan: ScanReport,
    /// The claim transactions sent.
    pub claims: Vec<ClaimedRewards>,
    /// The batches whose claim failed (their leaves stay recorded).
    pub failed: Vec<FailedClaim>,
}

/// A claim batch that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedClaim {
    /// Its leaves.
    pub leaves: usize,
    /// What they hold, wei.
    pub amount: Amount,
    /// Why it failed, with its causes.
    pub reason: String,
}

/// Shows (and with `withdraw`, claims) what the vault holds for the node, after learning from
/// the chain the leaves it missed.
pub async fn rewards(config: RewardsConfig) -> Result<RewardsReport, NodeError> {
    let (signer, network) = load(config.clone()).await?;
    let rpc_url = config.rpc_url.as_deref().unwrap_or(&network.rpc_url);
    let vault = Vault::connect(rpc_url, network.vault, Some(&signer))?;
    let rewards = signer.address();
    let earnings = Arc::new(Earnings::open(&config.root));
    let first_block = network.vault_block.unwrap_or(0);
    let confirmations = match config.confirmations {
        Some(confirmations) => confirmations,
        None => crate::node::default_confirmations(vault.chain_id().await?),
    };
    let scan = scan_chain(
        &vault,
        earnings.clone(),
        rewards,
        first_block,
        confirmations,
    )
    .await?;
    let waves = {
        let earnings = earnings.clone();
        blocking(move || earnings.waves()).await?
    };
    let (unclaimed, mut done) = unclaimed_leaves(&vault, rewards, waves).await?;
    let mut report = RewardsReport {
        rewards,
        unclaimed: Amount::sum(unclaimed.iter().map(|(_, leaf)| leaf.leaf.amount)),
        leaves: unclaimed.len(),
        waves: count_waves(&unclaimed),
        scan,
        claims: Vec::new(),
        failed: Vec::new(),
    };
    if config.withdraw {
        done.extend(claim_all(&vault, rewards, &unclaimed, &mut report).await);
        let claimed = Amount::sum(report.claims.iter().map(|claim| claim.amount));
        let record = earnings.clone();
        blocking(move || record.add_claimed(claimed)).await?;
    }
    done.sort();
    done.dedup();
    blocking(move || {
        done.iter()
            .try_for_each(|(payer, root)| earnings.forget(*payer, *root))
    })
    .await?;
    Ok(report)
}

/// The node's key and the network file.
async fn load(config: RewardsConfig) -> Result<(PrivateKeySigner, NetworkConfig), NodeError> {
    blocking(move || {
        let signer = crate::node::load_key(&config.key)?;
        Ok((signer, NetworkConfig::load(&config.network_file)?))
    })
    .await
}

/// Claims `unclaimed` in batches, recording each claim or failure in `report`; returns the
/// waves every leaf of which was claimed.
async fn claim_all(
    vault: &Vault,
    rewards: Address,
    unclaimed: &[(Address, WaveMembership)],
    report: &mut RewardsReport,
) -> Vec<(Address, WaveRoot)> {
    let mut claimed = Vec::new();
    let mut failed = Vec::new();
    for batch in unclaimed.chunks(CLAIM_BATCH) {
        let waves = batch.iter().map(|(payer, leaf)| (*payer, leaf.root));
        match vault.claim(rewards, batch).await {
            Ok(claim) => {
                report.claims.push(claim);
                claimed.extend(waves);
            }
            Err(error) => {
                let reason = crate::exit::with_causes(&error);
                tracing::warn!(leaves = batch.len(), %reason, "a claim failed; its leaves are kept for the next run");
                report.failed.push(FailedClaim {
                    leaves: batch.len(),
                    amount: Amount::sum(batch.iter().map(|(_, leaf)| leaf.leaf.amount)),
                    reason,
                });
                failed.extend(waves);
            }
        }
    }
    claimed.retain(|wave| !failed.contains(wave));
    claimed
}

/// The leaves of `waves` the vault records as paid and not yet claimed, and the waves with
/// no such leaf left (all claimed).
async fn unclaimed_leaves(
    vault: &Vault,
    rewards: Address,
    waves: Vec<EarnedWave>,
) -> Result<(Vec<(Address, WaveMembership)>, Vec<(Address, WaveRoot)>), NodeError> {
    let mut unclaimed = Vec::new();
    let mut settled = Vec::new();
    for wave in waves {
        let status = vault.wave_status(wave.payer, wave.root).await?;
        if status.is_unpaid() {
            tracing::warn!(root = %wave.root, payer = %wave.payer, "an earned wave is not paid on this chain; left as it is");
            continue;
        }
        let open: Vec<_> = wave
            .leaves
            .into_iter()
            .filter(|leaf| leaf.leaf.rewards == rewards && !status.is_claimed(leaf.index))
            .collect();
        if open.is_empty() {
            settled.push((wave.payer, wave.root));
        }
        unclaimed.extend(open.into_iter().map(|leaf| (wave.payer, leaf)));
    }
    Ok((unclaimed, settled))
}

fn count_waves(leaves: &[(Address, WaveMembership)]) -> usize {
    let mut waves: Vec<_> = leaves
        .iter()
        .map(|(payer, leaf)| (*payer, leaf.root))
        .collect();
    waves.sort();
    waves.dedup();
    waves.len()
}
