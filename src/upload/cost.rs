//! Cost control before the first payment: what the upload expects to pay, the wallet check,
//! and the gate the caller uses to approve (the CLI asks on a terminal).
//!
//! The estimate is made once, after the first wave is quoted and before anything is paid: the
//! quoted wave's cost is extrapolated to every chunk that may still need paying (chunks the
//! receipt or the network already covers are left out). Per-wave checks still guard each
//! payment exactly (`--max-cost` before every wave, the balance inside `send_wave`).

use crate::types::Amount;

/// What an upload expects to pay, from the first quoted wave.
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

/// Approves an upload's expected cost before anything is paid. Called at most once per upload,
/// from a blocking thread (it may wait for a person).
pub trait CostGate: Send + Sync {
    /// `true` to go on and pay, `false` to stop with nothing paid.
    fn approve(&self, estimate: &CostEstimate) -> bool;
}

/// A gate that approves everything (`--yes`, or no terminal to ask on).
#[derive(Debug, Default, Clone, Copy)]
pub struct ApproveAll;

impl CostGate for ApproveAll {
    fn approve(&self, _: &CostEstimate) -> bool {
        true
    }
}

/// The first quoted wave, from which the whole upload is estimated.
pub(super) struct FirstWave {
    /// The wave's storage cost, wei.
    pub cost: Amount,
    /// Chunks paid in it.
    pub chunks: usize,
    /// Chunks after it that may need paying.
    pub later_chunks: usize,
    /// Chunks per wave.
    pub wave_size: usize,
}

/// Before the first payment: estimates the whole cost, checks the wallet can pay it, and asks
/// the gate. Nothing is paid when this fails.
pub(super) async fn approve_first_payment(
    vault: &crate::payment::Vault,
    gate: &std::sync::Arc<dyn CostGate>,
    first: FirstWave,
) -> Result<(), super::PayStop> {
    use super::PayStop;
    use crate::payment::PaymentError;
    let Some(payer) = vault.payer() else {
        return Err(PayStop::Payment(PaymentError::NoWallet));
    };
    let chunks_to_pay = first.chunks + first.later_chunks;
    let per_chunk = first.cost.0 / alloy::primitives::U256::from(first.chunks.max(1));
    let later = per_chunk * alloy::primitives::U256::from(first.later_chunks);
    let waves = 1 + first.later_chunks.div_ceil(first.wave_size.max(1));
    let gas_cost = vault
        .estimate_gas_cost(chunks_to_pay, waves)
        .await
        .map_err(PayStop::Payment)?;
    let balance = vault.balance_of(payer).await.map_err(PayStop::Payment)?;
    let estimate = CostEstimate {
        chunks_to_pay,
        waves,
        storage_cost: Amount::sum([first.cost, Amount(later)]),
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
    let gate = gate.clone();
    let asked = estimate.clone();
    let approved = tokio::task::spawn_blocking(move || gate.approve(&asked))
        .await
        .expect("the cost gate does not panic");
    if approved {
        Ok(())
    } else {
        Err(PayStop::Declined(estimate))
    }
}
