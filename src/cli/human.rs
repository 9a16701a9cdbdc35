//! Human output on stderr: progress bars on a terminal, short status lines off one, nothing
//! but errors with `-q`; and, at `-v`/`-vv`, ferry's own decisions as log lines.
//!
//! Invariants: every figure counts what happened in *this* run. Rates and ETAs come from the
//! bytes this run moved since its first report of a phase (bytes stored by an earlier run or
//! already held by the network never make a rate), and are shown only once
//! [`RATE_AFTER`] has passed since then; a bar is created with its length, so it never draws
//! full before anything is done, and it is told its length and position together.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{
    HumanBytes, HumanDuration, MultiProgress, ProgressBar, ProgressDrawTarget, ProgressState,
    ProgressStyle,
};

use super::output::OutputMode;
use super::units::AmountFormat;
use crate::client::reporter::{Event, Phase, Reporter};
use crate::wire::types::Amount;

/// How long a phase must have run in this process before its rate and ETA are shown.
pub const RATE_AFTER: Duration = Duration::from_secs(2);

/// Human output on stderr: bars on a terminal, status lines every few seconds off one.
///
/// Each phase gets its own bar when it starts (encrypt, pay, store; fetch for downloads). Bars
/// count only what has happened: the pay bar confirmed payments (and chunks found already
/// stored), the store bar bytes that nodes have acknowledged.
pub struct HumanReporter {
    bars: Option<Bars>,
    plain: Option<Mutex<PlainStatus>>,
    /// Bytes of chunks the network already held: stored without being sent.
    already_stored_bytes: AtomicU64,
}

struct Bars {
    multi: MultiProgress,
    by_phase: Mutex<Vec<(Phase, ProgressBar, SharedRate)>>,
    paid_wei: Mutex<Amount>,
    amounts: AmountFormat,
}

/// A bar's rate, shared with the template key that shows it.
type SharedRate = Arc<Mutex<Rate>>;

/// A phase's rate in this run: from its first report to its latest, in the units the
/// library counts (bytes actually moved; the CLI's additions are not in it).
#[derive(Debug, Default, Clone, Copy)]
pub struct Rate {
    first: Option<(Instant, u64)>,
    latest: Option<(Instant, u64)>,
    total: u64,
}

impl Rate {
    /// Notes the library's count `done` of `total` at `now`. A count that goes back (a new
    /// round of the phase, as repair's second verify) starts the rate afresh.
    pub fn note(&mut self, now: Instant, done: u64, total: u64) {
        if self.latest.is_some_and(|(_, latest)| done < latest) || self.total != total {
            self.first = None;
        }
        self.first.get_or_insert((now, done));
        self.latest = Some((now, done));
        self.total = total;
    }

    /// Units a second and the time left, once the phase has run [`RATE_AFTER`] and moved
    /// something in this run.
    pub fn estimate(&self, now: Instant) -> Option<(f64, Duration)> {
        let ((started, from), (_, done)) = (self.first?, self.latest?);
        let elapsed = now.duration_since(started);
        if elapsed < RATE_AFTER || done <= from {
            return None;
        }
        let per_second = (done - from) as f64 / elapsed.as_secs_f64();
        let left = self.total.saturating_sub(done) as f64 / per_second;
        Some((per_second, Duration::from_secs_f64(left.min(1e9))))
    }
}

struct PlainStatus {
    last: Instant,
    interval: Duration,
    rates: Vec<(Phase, Rate)>,
}

impl PlainStatus {
    fn rate(&mut self, phase: Phase) -> &mut Rate {
        let at = match self.rates.iter().position(|(p, _)| *p == phase) {
            Some(at) => at,
            None => {
                self.rates.push((phase, Rate::default()));
                self.rates.len() - 1
            }
        };
        &mut self.rates[at].1
    }
}

impl HumanReporter {
    /// A reporter for stderr as it is (terminal or not) in this output mode: silent unless
    /// the mode narrates; paid amounts shown as `amounts` writes them.
    pub fn new(output: OutputMode, amounts: AmountFormat) -> Self {
        let terminal = std::io::stderr().is_terminal();
        let (bars, plain) = match (output.narrates(), terminal) {
            (false, _) => (None, None),
            (true, true) => (Some(Bars::new(amounts)), None),
            (true, false) => (
                None,
                Some(Mutex::new(PlainStatus {
                    last: Instant::now(),
                    interval: Duration::from_secs(5),
                    rates: Vec::new(),
                })),
            ),
        };
        Self {
            bars,
            plain,
            already_stored_bytes: AtomicU64::new(0),
        }
    }

    /// Prints a line on stderr without tearing the bars.
    pub fn line(&self, text: &str) {
        match &self.bars {
            Some(bars) => {
                let _ = bars.multi.println(text);
            }
            None if self.plain.is_some() => eprintln!("{text}"),
            None => {}
        }
    }

    /// Runs `f` (a question on the terminal) with the bars taken off the screen, so nothing
    /// redraws over it; they come back afterwards.
    pub fn hidden_while<R>(&self, f: impl FnOnce() -> R) -> R {
        let Some(bars) = &self.bars else {
            return f();
        };
        let _ = bars.multi.clear();
        bars.multi.set_draw_target(ProgressDrawTarget::hidden());
        let result = f();
        bars.multi.set_draw_target(ProgressDrawTarget::stderr());
        result
    }

    /// Removes the bars.
    pub fn finish(&self) {
        if let Some(bars) = &self.bars {
            for (_, bar, _) in bars.by_phase.lock().expect("bars lock").iter() {
                bar.finish_and_clear();
            }
        }
    }

    /// Store progress counts chunks the network already held as stored.
    fn with_already_stored(&self, phase: Phase, done: u64, total: u64) -> u64 {
        if phase == Phase::Store {
            (done + self.already_stored_bytes.load(Ordering::Relaxed)).min(total)
        } else {
            done
        }
    }
}

impl Bars {
    fn new(amounts: AmountFormat) -> Self {
        Self {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
            by_phase: Mutex::new(Vec::new()),
            paid_wei: Mutex::new(Amount::ZERO),
            amounts,
        }
    }

    /// Sets the message of the phase's bar, when it has one yet.
    fn message(&self, phase: Phase, message: String) {
        let by_phase = self.by_phase.lock().expect("bars lock");
        if let Some((_, bar, _)) = by_phase.iter().find(|(p, ..)| *p == phase) {
            bar.set_message(message);
        }
    }

    /// The phase's bar and its rate, added below the others (with its length, so it never
    /// draws full before anything is done) the first time it is asked for.
    fn bar(&self, phase: Phase, total: u64) -> (ProgressBar, SharedRate) {
        let mut by_phase = self.by_phase.lock().expect("bars lock");
        if let Some((_, bar, rate)) = by_phase.iter().find(|(p, ..)| *p == phase) {
            return (bar.clone(), rate.clone());
        }
        let rate = Arc::new(Mutex::new(Rate::default()));
        let template = match phase {
            Phase::Pay | Phase::Verify | Phase::Repair => {
                "{prefix:>8} [{bar:30}] {pos}/{len} chunks {msg}"
            }
            _ => "{prefix:>8} [{bar:30}] {bytes}/{total_bytes} {rate} {msg}",
        };
        let shown = rate.clone();
        let style = ProgressStyle::with_template(template)
            .expect("template")
            .with_key(
                "rate",
                move |_: &ProgressState, out: &mut dyn std::fmt::Write| {
                    let estimate = shown.lock().expect("rate lock").estimate(Instant::now());
                    if let Some((per_second, left)) = estimate {
                        let _ = write!(
                            out,
                            "{}/s ETA {}",
                            HumanBytes(per_second as u64),
                            HumanDuration(left)
                        );
                    }
                },
            )
            .progress_chars("=> ");
        let bar = self.multi.add(
            ProgressBar::new(total)
                .with_style(style)
                .with_prefix(phase_name(phase)),
        );
        by_phase.push((phase, bar.clone(), rate.clone()));
        (bar, rate)
    }
}

impl Reporter for HumanReporter {
    fn event(&self, event: &Event) {
        log_decision(event);
        if let Event::ChunkAlreadyStored { bytes, .. } = event {
            self.already_stored_bytes
                .fetch_add(u64::from(*bytes), Ordering::Relaxed);
        }
        match (event, &self.bars) {
            (Event::Started { .. }, Some(_)) => {
                if let Some(resuming) = resuming(event) {
                    self.line(&resuming);
                }
            }
            (Event::Started { chunks, bytes, .. }, None) => {
                self.line(&format!(
                    "uploading {} in {chunks} chunks",
                    crate::sizes::format_size(*bytes)
                ));
                if let Some(resuming) = resuming(event) {
                    self.line(&resuming);
                }
            }
            (
                Event::WavePaid {
                    storage_cost_wei,
                    gas_cost_wei,
                    ..
                },
                Some(bars),
            ) => {
                let mut paid = bars.paid_wei.lock().expect("paid lock");
                *paid = Amount::sum([*paid, *storage_cost_wei, *gas_cost_wei]);
                // The pay bar moves (and shows this) once the wave's chunks are counted.
            }
            (
                Event::WavePaid {
                    wave,
                    chunks,
                    tx_hash,
                    ..
                },
                None,
            ) => self.line(&format!("wave {wave}: paid {chunks} chunks in {tx_hash}")),
            (
                Event::FileEncrypted {
                    files_done, files, ..
                },
                Some(bars),
            ) => bars.message(Phase::Encrypt, format!("{files_done}/{files} files")),
            (
                Event::FileStored {
                    files_done, files, ..
                },
                Some(bars),
            ) => bars.message(Phase::Store, format!("{files_done}/{files} files")),
            (Event::Skipped { file, reason }, _) => {
                self.line(&format!("skipped {file}: {reason}"))
            }
            (Event::WaitingForLock { file }, _) => self.line(&format!(
                "waiting: another ferry process is uploading {file}; this one carries on from its receipt when it finishes"
            )),
            (Event::ReceiptSetAside { path, reason }, _) => self.line(&format!(
                "warning: the cached receipt was unreadable ({reason}); it was moved to {path} and the upload goes on without it"
            )),
            _ => {}
        }
    }

    fn progress(&self, phase: Phase, done: u64, total: u64) {
        let now = Instant::now();
        let shown = self.with_already_stored(phase, done, total);
        if let Some(bars) = &self.bars {
            let (bar, rate) = bars.bar(phase, total);
            rate.lock().expect("rate lock").note(now, done, total);
            if phase == Phase::Pay {
                let paid = *bars.paid_wei.lock().expect("paid lock");
                if paid != Amount::ZERO {
                    bar.set_message(format!("{} paid", bars.amounts.format(paid)));
                }
            }
            // Length and position together: never a moment with more done than the length.
            bar.update(|state| {
                state.set_len(total);
                state.set_pos(shown);
            });
            return;
        }
        if let Some(plain) = &self.plain {
            let mut plain = plain.lock().expect("status lock");
            let rate = plain.rate(phase);
            rate.note(now, done, total);
            let estimate = rate.estimate(now);
            if plain.last.elapsed() >= plain.interval || (shown == total && phase != Phase::Pay) {
                plain.last = now;
                let percent = (shown * 100).checked_div(total).unwrap_or(100);
                let mut line = match phase {
                    Phase::Pay | Phase::Verify | Phase::Repair => {
                        format!("{shown}/{total} chunks ({percent}%)")
                    }
                    _ => format!("{}/{} ({percent}%)", HumanBytes(shown), HumanBytes(total)),
                };
                if let (Some((per_second, left)), Phase::Encrypt | Phase::Store | Phase::Fetch) =
                    (estimate, phase)
                {
                    line += &format!(
                        ", {}/s, ETA {}",
                        HumanBytes(per_second as u64),
                        HumanDuration(left)
                    );
                }
                eprintln!("{}: {line}", phase_name(phase));
            }
        }
    }
}

/// Logs what ferry decided or saw, for `-v` (info: waves, retries and why, failed nodes) and
/// `-vv` (debug: each chunk, which nodes).
fn log_decision(event: &Event) {
    match event {
        Event::Started {
            file,
            chunks,
            waves,
            reused_proofs,
            already_stored,
            ..
        } => tracing::info!(
            %file, chunks, waves, reused_proofs, already_stored,
            "planned: {chunks} chunks in at most {waves} payment waves"
        ),
        Event::WavePaid {
            wave,
            chunks,
            tx_hash,
            storage_cost_wei,
            gas_cost_wei,
        } => tracing::info!(
            wave, chunks, %tx_hash, storage_cost_wei = %storage_cost_wei, gas_cost_wei = %gas_cost_wei,
            "wave {wave} paid: {chunks} chunks in one transaction"
        ),
        Event::Retry {
            chunk,
            node,
            attempt,
            reason,
        } => tracing::info!(
            %chunk, %node, attempt, %reason,
            "chunk {chunk}: {node} failed ({reason}); trying again (attempt {attempt})"
        ),
        Event::ChunkStored {
            chunk,
            bytes,
            nodes,
            ..
        } => tracing::debug!(%chunk, bytes, nodes, "stored on {nodes} nodes"),
        Event::ChunkAlreadyStored { chunk, .. } => tracing::debug!(
            %chunk,
            "the network already holds it: not paid, not sent"
        ),
        Event::ChunkVerified {
            chunk,
            proven,
            holders,
            failed,
        } => {
            tracing::debug!(%chunk, proven, holders = ?holders, "proven by {proven} nodes");
            for failure in failed {
                tracing::info!(%chunk, node = %failure.node, reason = %failure.reason, "did not prove it holds the chunk");
            }
        }
        Event::ChunkRepaired {
            chunk,
            stored_on,
            failed,
        } => {
            tracing::info!(%chunk, stored_on = ?stored_on, failed = failed.len(), "missing replicas stored")
        }
        _ => {}
    }
}

/// What a resumed upload starts from, when it resumes anything.
fn resuming(started: &Event) -> Option<String> {
    let Event::Started {
        reused_proofs,
        already_stored,
        expired_proofs,
        recovered_payments,
        unpaid_proofs,
        ..
    } = started
    else {
        return None;
    };
    if reused_proofs + already_stored + expired_proofs + recovered_payments + unpaid_proofs == 0 {
        return None;
    }
    let mut text =
        format!("resuming: {already_stored} chunks already stored, {reused_proofs} paid earlier");
    if *recovered_payments > 0 {
        text += &format!(" ({recovered_payments} of them recovered from the chain)");
    }
    if *expired_proofs > 0 {
        text += &format!(", {expired_proofs} proofs expired (those chunks are paid again)");
    }
    if *unpaid_proofs > 0 {
        text += &format!(
            ", {unpaid_proofs} proofs not found on this chain (those chunks are paid again)"
        );
    }
    Some(text)
}

fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Encrypt => "encrypt",
        Phase::Pay => "pay",
        Phase::Store => "store",
        Phase::Fetch => "fetch",
        Phase::Verify => "verify",
        Phase::Repair => "repair",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_counts_only_what_this_run_moved_and_waits_to_be_meaningful() {
        let start = Instant::now();
        let mut rate = Rate::default();
        // A resumed store: 900 of 1000 bytes were stored by an earlier run.
        rate.note(start, 900, 1000);
        assert!(rate.estimate(start + Duration::from_millis(500)).is_none());
        rate.note(start + Duration::from_secs(1), 910, 1000);
        assert!(
            rate.estimate(start + Duration::from_secs(1)).is_none(),
            "too early"
        );
        rate.note(start + Duration::from_secs(4), 940, 1000);
        let (per_second, left) = rate.estimate(start + Duration::from_secs(4)).unwrap();
        assert!((per_second - 10.0).abs() < 1e-9, "{per_second}");
        assert_eq!(left, Duration::from_secs(6));
    }

    #[test]
    fn a_new_round_of_a_phase_starts_its_rate_afresh() {
        let start = Instant::now();
        let mut rate = Rate::default();
        rate.note(start, 0, 5);
        rate.note(start + Duration::from_secs(3), 5, 5);
        rate.note(start + Duration::from_secs(4), 1, 1);
        assert!(rate.estimate(start + Duration::from_secs(5)).is_none());
    }
}
