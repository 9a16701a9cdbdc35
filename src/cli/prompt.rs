//! The cost question: before the first payment, on a terminal, an upload expected to cost more
//! than the confirmation threshold asks "Pay about … ETH …? [y/N]" (in `--units`) on stderr and reads the
//! answer from stdin. Anything but `y`/`yes` declines, and so do end of input and Ctrl-C; a
//! declined upload pays nothing. Off a terminal, with `--json` or `--yes` the CLI never builds
//! this gate (it approves everything instead), so a script is never asked.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::human::HumanReporter;
use super::units::AmountFormat;
use super::{Context, UploadArgs};
use crate::client::upload::{Approval, ApproveAll, CostEstimate, CostGate, with_margin};
use crate::wire::types::Amount;

/// The threshold when neither `--confirm-above`, `FERRY_CONFIRM_ABOVE` nor the config file sets
/// one: 10^16 wei (0.01 of a coin with 18 decimals), above what a devnet upload of a few hundred
/// MiB costs.
pub const DEFAULT_CONFIRM_ABOVE_WEI: u128 = 10_000_000_000_000_000;

/// The gate for an upload: the question on a terminal (stdin and stderr both), unless `--yes`
/// or `--json`; approval without asking otherwise.
pub fn gate(
    context: &Context,
    args: &UploadArgs,
    amounts: &AmountFormat,
    human: Option<Arc<HumanReporter>>,
    cancel: CancellationToken,
) -> Arc<dyn CostGate> {
    let terminal = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if args.yes || context.output.is_json() || !terminal {
        return Arc::new(ApproveAll);
    }
    let threshold = args
        .confirm_above
        .or(context.config.confirm_above)
        .unwrap_or(Amount::wei(DEFAULT_CONFIRM_ABOVE_WEI));
    Arc::new(CostPrompt {
        threshold,
        human,
        cancel,
        amounts: amounts.clone(),
    })
}

/// Asks on the terminal before paying more than a threshold.
pub struct CostPrompt {
    /// Above this total (wei) the question is asked; 0 asks always.
    pub threshold: Amount,
    /// The progress bars to hide while asking.
    pub human: Option<Arc<HumanReporter>>,
    /// Ctrl-C: stops waiting for an answer (as a "no").
    pub cancel: CancellationToken,
    /// How the question writes amounts.
    pub amounts: AmountFormat,
}

impl CostGate for CostPrompt {
    fn approve(&self, estimate: &CostEstimate) -> Approval {
        if !needs_asking(self.threshold, estimate) {
            // Not asked: the run may pay up to the threshold before it is.
            return Approval::UpTo(self.threshold);
        }
        let ask = || {
            let mut stderr = std::io::stderr().lock();
            let _ = write!(stderr, "{} ", question(estimate, &self.amounts));
            let _ = stderr.flush();
            drop(stderr);
            let answer = read_answer(&self.cancel);
            if answer.is_none() {
                eprintln!();
            }
            answer.as_deref().is_some_and(is_yes)
        };
        let yes = match &self.human {
            Some(human) => human.hidden_while(ask),
            None => ask(),
        };
        if yes {
            Approval::UpTo(with_margin(estimate.total()))
        } else {
            Approval::Declined
        }
    }
}

/// Whether an upload expected to cost `estimate` is asked about at `threshold`.
pub fn needs_asking(threshold: Amount, estimate: &CostEstimate) -> bool {
    threshold == Amount::ZERO || estimate.total() > threshold
}

/// The question, without the answer hint's trailing space.
pub fn question(estimate: &CostEstimate, units: &AmountFormat) -> String {
    let transactions = if estimate.waves == 1 {
        "1 transaction".to_owned()
    } else {
        format!("{} transactions", estimate.waves)
    };
    format!(
        "Pay about {} ({} storage + {} gas) for {} chunks in {transactions}? Your balance is {}. [y/N]",
        units.format(estimate.total()),
        units.format(estimate.storage_cost),
        units.format(estimate.gas_cost),
        estimate.chunks_to_pay,
        units.format(estimate.balance),
    )
}

/// `y` or `yes`, in any case; everything else, the empty answer included, is a no.
pub fn is_yes(answer: &str) -> bool {
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

/// One line from stdin, or `None` at end of input or when `cancel` fires first. The read runs
/// on its own thread because a blocking read cannot be interrupted; the process ends soon after
/// a cancellation anyway.
fn read_answer(cancel: &CancellationToken) -> Option<String> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let read = std::io::stdin().lock().read_line(&mut line);
        let _ = sender.send(matches!(read, Ok(n) if n > 0).then_some(line));
    });
    loop {
        match receiver.recv_timeout(Duration::from_millis(100)) {
            Ok(answer) => return answer,
            Err(mpsc::RecvTimeoutError::Timeout) if !cancel.is_cancelled() => {}
            Err(_) => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::units::Unit;

    fn estimate(storage: u128, gas: u128) -> CostEstimate {
        CostEstimate {
            chunks_to_pay: 3,
            waves: 2,
            storage_cost: Amount::wei(storage),
            gas_cost: Amount::wei(gas),
            balance: Amount::wei(1_000_000),
        }
    }

    #[test]
    fn asks_only_above_the_threshold_and_always_at_zero() {
        assert!(!needs_asking(Amount::wei(100), &estimate(40, 60)));
        assert!(needs_asking(Amount::wei(99), &estimate(40, 60)));
        assert!(needs_asking(Amount::ZERO, &estimate(0, 1)));
    }

    #[test]
    fn the_question_gives_the_total_its_parts_and_the_chunks() {
        assert_eq!(
            question(&estimate(40, 60), &AmountFormat::new(Unit::Wei, None)),
            "Pay about 100 wei (40 wei storage + 60 wei gas) for 3 chunks in 2 transactions? Your balance is 1000000 wei. [y/N]"
        );
        assert_eq!(
            question(
                &estimate(400_000_000_000, 2_100_000_000_000),
                &AmountFormat::new(Unit::Eth, None)
            ),
            "Pay about 0.0000025 ETH (0.0000004 ETH storage + 0.0000021 ETH gas) for 3 chunks in 2 transactions? Your balance is 0.000000000001 ETH. [y/N]"
        );
    }

    #[test]
    fn only_y_or_yes_approves() {
        for yes in ["y\n", "Y", " yes \n", "YES"] {
            assert!(is_yes(yes), "{yes:?}");
        }
        for no in ["", "\n", "n", "no", "yep", "y es", "ja"] {
            assert!(!is_yes(no), "{no:?}");
        }
    }
}
