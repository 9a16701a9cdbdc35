//! Cost control: what an upload expects to pay, the wallet check, the gate the caller uses to
//! approve (the CLI asks on a terminal), and the budget every wave is checked against.
//!
//! What is counted, exactly: a run's cost is what *this run* pays, storage plus gas. Before a
//! wave is sent its cost is its storage (exact, from its quotes) plus its gas (estimated at the
//! current gas price); once it is mined the actual gas is counted instead. What earlier runs of
//! the same upload paid is not counted (`ferry status` shows it).
//!
//! - `--max-cost` is checked before every wave: a wave that would take the run's cost past it
//!   is not paid.
//! - The gate is asked before the first payment, with an estimate of the whole rest of the
//!   upload (the first quoted wave extrapolated to every chunk that may still need paying). What
//!   it approves bounds the run: a later wave that would take the run's cost past the approved
//!   amount (plus [`APPROVAL_MARGIN_PERCENT`] for prices and gas that move) asks the gate again
//!   with a fresh estimate, and stops unpaid if that is declined.

use crate::blocking::blocking;
use crate::vault::{PaymentError, Vault};
use crate::wire::types::Amount;
use alloy::primitives::U256;

use super::PayStop;

/// How far past an approved estimate the run may go before the gate is asked again.
pub const APPROVAL_MARGIN_PERCENT: u64 = 10;

/// What an upload expects to pay, from a quoted wave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostEstimate {
    /// Chunks that may still need paying.
    pub chunks_to_pay: usize,
    /// Payment transactions expected.
    pub waves: usize,
    /// Storage, wei (exact for the quoted wave, extrapolated for the rest).
    pub storage_cost: Amount,
    /// Gas, wei (estimated at the current gas price).
    pub gas_cost: Amount,
    /// The paying wallet's balance, wei.
    pub balance: Amount,
}

impl CostEstimate {
    /// Storage plus gas.
    pub fn total(&self) -> Amount {
        Amount::sum([self.storage_cost, self.gas_cost])
    }
}

/// The answer to a cost estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Approval {
    /// Go on; only `--max-cost` bounds what is paid (`--yes`, or nobody to ask).
    Unbounded,
    /// Go on, and ask again before this run pays more than this, wei.
    UpTo(Amount),
    /// Stop; nothing more is paid.
    Declined,
}

/// Approves an upload's expected cost before it is paid. Called from a blocking thread (it
/// may wait for a person).
pub trait CostGate: Send + Sync {
    /// Whether to pay what `estimate` says, and how far.
    fn approve(&self, estimate: &CostEstimate) -> Approval;
}

/// A gate that approves everything (`--yes`, or no terminal to ask on).
#[derive(Debug, Default, Clone, Copy)]
pub struct ApproveAll;

impl CostGate for ApproveAll {
    fn approve(&self, _: &CostEstimate) -> Approval {
        Approval::Unbounded
    }
}

/// `amount` plus the approval margin.
pub fn with_margin(amount: Amount) -> Amount {
    let margin = amount.0 / U256::from(100u64) * U256::from(APPROVAL_MARGIN_PERCENT);
    Amount(amount.0.saturating_add(margin))
}

/// A quoted wave about to be paid, and what may follow it.
pub(super) struct NextWave {
    /// The wave's storage cost, wei.
    pub storage_cost: Amount,
    /// Chunks paid in it.
    pub chunks: usize,
    /// Chunks after it that may need paying.
    pub later_chunks: usize,
    /// Chunks per wave.
    pub wave_size: usize,
}

/// What this run may still pay.
pub(super) struct Budget {
    max_cost: Option<Amount>,
    /// What the gate approved so far (`None` before it was asked), in this run's total.
    approved_up_to: Option<Amount>,
}

impl Budget {
    /// A run capped by `max_cost`, nothing approved yet.
    pub fn new(max_cost: Option<Amount>) -> Self {
        Self {
            max_cost,
            approved_up_to: None,
        }
    }

    /// Before a wave is paid, with `spent` paid by this run so far (storage and gas): checks
    /// the wave against `--max-cost`, and asks the gate when nothing was approved yet or the
    /// wave would take the run past what was. Nothing is paid when this fails.
    pub async fn check(
        &mut self,
        vault: &Vault,
        gate: &std::sync::Arc<dyn CostGate>,
        spent: Amount,
        wave: NextWave,
    ) -> Result<(), PayStop> {
        let gas = vault
            .estimate_gas_cost(wave.chunks, 1)
            .await
            .map_err(PayStop::Payment)?;
        let wave_cost = Amount::sum([wave.storage_cost, gas]);
        let would_be = Amount::sum([spent, wave_cost]);
        if let Some(max_cost) = self.max_cost
            && would_be > max_cost
        {
            return Err(PayStop::CostLimit {
                wave_cost,
                would_be,
                max_cost,
            });
        }
        if self.approved_up_to.is_some_and(|limit| would_be <= limit) {
            return Ok(());
        }
        let estimate = estimate(vault, &wave).await?;
        let gate = gate.clone();
        let asked = estimate.clone();
        let approval = blocking(move || gate.approve(&asked)).await;
        self.approved_up_to = match approval {
            Approval::Unbounded => Some(Amount(U256::MAX)),
            Approval::UpTo(amount) => Some(Amount::sum([spent, amount])),
            Approval::Declined => return Err(PayStop::Declined(estimate)),
        };
        Ok(())
    }
}

/// Estimates the rest of the upload from the wave about to be paid, and checks the wallet can
/// pay it.
async fn estimate(vault: &Vault, wave: &NextWave) -> Result<CostEstimate, PayStop> {
    let Some(payer) = vault.payer() else {
        return Err(PayStop::Payment(PaymentError::NoWallet));
    };
    let chunks_to_pay = wave.chunks + wave.later_chunks;
    let per_chunk = wave.storage_cost.0 / U256::from(wave.chunks.max(1));
    let later = per_chunk * U256::from(wave.later_chunks);
    let waves = 1 + wave.later_chunks.div_ceil(wave.wave_size.max(1));
    let gas_cost = vault
        .estimate_gas_cost(chunks_to_pay, waves)
        .await
        .map_err(PayStop::Payment)?;
    let balance = vault.balance_of(payer).await.map_err(PayStop::Payment)?;
    let estimate = CostEstimate {
        chunks_to_pay,
        waves,
        storage_cost: Amount::sum([wave.storage_cost, Amount(later)]),
        gas_cost,
        balance,
    };
    if balance < estimate.total() {
        return Err(PayStop::Payment(PaymentError::InsufficientFunds {
            payer,
            needed: estimate.total(),
            available: balance,
        }));
    }
    Ok(estimate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_approval_margin_is_ten_percent_and_never_overflows() {
        assert_eq!(with_margin(Amount::wei(1_000)), Amount::wei(1_100));
        assert_eq!(with_margin(Amount(U256::MAX)), Amount(U256::MAX));
    }
}
