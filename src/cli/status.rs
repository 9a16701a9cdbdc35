//! `ferry status [FILE]`: what interrupted uploads left in the receipt cache: chunks paid and
//! stored, what they paid, when their proofs expire, and the command that resumes each.
//!
//! Invariant: the resume command printed runs as printed (this run's global flags, the network
//! the upload started with, from the history); a spooled pipe says to pipe the same bytes in.

use std::path::{Path, PathBuf};

use anyhow::anyhow;
use serde::Serialize;

use super::cache::cache_failure;
use super::history::History;
use super::invocation::Invocation;
use super::output::{JsonEvent, OutputMode, print_json_line, stdout_line};
use super::units::AmountFormat;
use super::{CliError, Context};
use crate::blocking::blocking;
use crate::client::receipt::Receipt;
use crate::client::receipt::cache::{Listed, ReceiptCache};
use crate::exit::ErrorKind;
use crate::wire::signed::unix_now;
use crate::wire::types::Amount;

/// One interrupted upload, as `ferry status --json` prints it (an `upload_status` line).
#[derive(Serialize)]
pub struct StatusLine {
    receipt: String,
    /// True while a running upload holds the receipt.
    uploading_now: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    chunks_total: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    chunks_paid: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    chunks_stored: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    paid_not_stored: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payments_to_reconcile: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    oldest_proof_age_seconds: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    proofs_expire_at: Option<u64>,
    /// Paid to nodes by the runs so far, wei.
    #[serde(skip_serializing_if = "Option::is_none")]
    storage_cost_wei: Option<Amount>,
    /// Gas paid by the runs so far, wei.
    #[serde(skip_serializing_if = "Option::is_none")]
    gas_cost_wei: Option<Amount>,
    /// Payment transactions so far.
    #[serde(skip_serializing_if = "Option::is_none")]
    transactions: Option<usize>,
    /// The command that resumes the upload, as it runs (for a pipe: what to pipe into).
    #[serde(skip_serializing_if = "Option::is_none")]
    resume_command: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<String>,
}

impl StatusLine {
    fn new(listed: &Listed, now: u64, resume: &Resume<'_>) -> Self {
        let mut line = StatusLine {
            receipt: listed.path.display().to_string(),
            uploading_now: listed.in_use,
            file: None,
            chunks_total: None,
            chunks_paid: None,
            chunks_stored: None,
            paid_not_stored: None,
            payments_to_reconcile: None,
            oldest_proof_age_seconds: None,
            proofs_expire_at: None,
            storage_cost_wei: None,
            gas_cost_wei: None,
            transactions: None,
            resume_command: None,
            problem: None,
        };
        match &listed.receipt {
            Ok(receipt) => {
                line.file = Some(receipt.file.clone());
                line.chunks_total = Some(receipt.chunks_total);
                line.chunks_paid = Some(receipt.paid_chunks());
                line.chunks_stored = Some(receipt.stored.len() as u64);
                line.paid_not_stored = Some(receipt.proofs.len() as u64);
                line.payments_to_reconcile =
                    Some(receipt.intents.iter().map(|i| i.proofs.len() as u64).sum());
                line.oldest_proof_age_seconds =
                    receipt.oldest_proof_at().map(|at| now.saturating_sub(at));
                line.proofs_expire_at = receipt.proofs_expire_at();
                let (storage, gas) = paid(receipt);
                line.storage_cost_wei = Some(storage);
                line.gas_cost_wei = Some(gas);
                line.transactions = Some(receipt.waves.len());
                line.resume_command = Some(resume.command(receipt));
            }
            Err(problem) => line.problem = Some(problem.to_string()),
        }
        line
    }
}

/// What `ferry status` prints resume commands with: this run's global flags and the network
/// each upload started with (from the history).
pub struct Resume<'a> {
    invocation: &'a Invocation,
    history: History,
}

impl Resume<'_> {
    /// The command that resumes `receipt`'s upload, as it runs: `ferry [globals] upload FILE
    /// NETWORK FLAGS` (for a spooled pipe, `ferry … upload -`, fed the same bytes).
    fn command(&self, receipt: &Receipt) -> String {
        let file = if is_spool(&receipt.file) {
            "-".to_owned()
        } else {
            receipt.file.clone()
        };
        let mut words = vec!["upload".to_owned(), file];
        if let Some(network) = self.history.network_of(&receipt.file) {
            words.extend(network.flags());
        }
        self.invocation.command_line(words)
    }
}

/// What a receipt's waves paid: storage and gas, wei, summed over 256 bits.
fn paid(receipt: &Receipt) -> (Amount, Amount) {
    let storage = Amount::sum(receipt.waves.values().map(|wave| wave.storage_cost));
    let gas = Amount::sum(receipt.waves.values().map(|wave| wave.gas_cost));
    (storage, gas)
}

/// `ferry status [FILE]`: reads the receipt cache and the history on a blocking thread.
pub async fn status(context: &Context, file: Option<PathBuf>) -> Result<(), CliError> {
    let data_dir = context.data_dir.clone();
    let (output, invocation) = (context.output, context.invocation.clone());
    let amounts = context.amounts(None);
    blocking(move || print_status(&data_dir, output, &amounts, &invocation, file.as_deref())).await
}

/// Prints the interrupted uploads (of `file`, when given). Blocking file work.
fn print_status(
    data_dir: &Path,
    output: OutputMode,
    amounts: &AmountFormat,
    invocation: &Invocation,
    file: Option<&Path>,
) -> Result<(), CliError> {
    let json = output.is_json();
    let resume = Resume {
        invocation,
        history: super::list::read_reporting(data_dir, output),
    };
    let cache = ReceiptCache::new(data_dir);
    let wanted = match file {
        Some(file) => Some(wanted_file(file)?),
        None => None,
    };
    let now = unix_now();
    let listed: Vec<Listed> = cache
        .list()
        .map_err(cache_failure)?
        .into_iter()
        .filter(|l| {
            wanted.as_ref().is_none_or(|wanted| {
                l.receipt
                    .as_ref()
                    .is_ok_and(|r| Path::new(&r.file) == wanted)
            })
        })
        .collect();
    if json {
        for entry in &listed {
            print_json_line(&JsonEvent::UploadStatus(&StatusLine::new(
                entry, now, &resume,
            )));
        }
        return Ok(());
    }
    if listed.is_empty() {
        match file {
            Some(file) => stdout_line(&format!("no interrupted upload of {}", file.display())),
            None => stdout_line("no interrupted uploads"),
        }
        return Ok(());
    }
    for entry in &listed {
        stdout_line(&describe(entry, now, amounts, &resume));
    }
    Ok(())
}

/// The path receipts record for `file`: its canonical path when it exists, else the path as
/// given made absolute (a receipt outlives a moved or deleted file).
fn wanted_file(file: &Path) -> Result<PathBuf, CliError> {
    if let Ok(canonical) = std::fs::canonicalize(file) {
        return Ok(canonical);
    }
    std::path::absolute(file).map_err(|e| {
        CliError::new(
            ErrorKind::BadInput,
            anyhow!("{}: cannot resolve the path: {e}", file.display()),
        )
    })
}

fn describe(entry: &Listed, now: u64, units: &AmountFormat, resume: &Resume<'_>) -> String {
    let receipt: &Receipt = match &entry.receipt {
        Ok(receipt) => receipt,
        Err(problem) => return format!("{}: {problem}", entry.path.display()),
    };
    let now_marker = if entry.in_use { " (uploading now)" } else { "" };
    let mut text = format!(
        "{}{now_marker}\n  chunks: {} paid, {} stored, of {}",
        receipt.file,
        receipt.paid_chunks(),
        receipt.stored.len(),
        receipt.chunks_total
    );
    if !receipt.waves.is_empty() {
        let (storage, gas) = paid(receipt);
        text += &format!(
            "\n  paid so far: {} ({} storage + {} gas) in {} transaction(s)",
            units.format(Amount::sum([storage, gas])),
            units.format(storage),
            units.format(gas),
            receipt.waves.len()
        );
    }
    if let (Some(oldest), Some(expires)) = (receipt.oldest_proof_at(), receipt.proofs_expire_at()) {
        text += &format!(
            "\n  {} paid and not yet stored; oldest proof {} old; proofs start to expire {}",
            receipt.proofs.len(),
            crate::sizes::format_seconds(now.saturating_sub(oldest)),
            if expires > now {
                format!("in {}", crate::sizes::format_seconds(expires - now))
            } else {
                "now (those chunks will be paid again)".to_owned()
            }
        );
    }
    let pending: usize = receipt.intents.iter().map(|i| i.proofs.len()).sum();
    if pending > 0 {
        text += &format!(
            "\n  {pending} chunks in a payment that was sent but not recorded; the next run checks the chain for them"
        );
    }
    let command = resume.command(receipt);
    if resume.history.network_of(&receipt.file).is_none() {
        text += "\n  (the network it used is not in the history: name it with --network FILE or --devnet)";
    }
    if is_spool(&receipt.file) {
        return text + &format!("\n  resume by piping the same bytes into: {command}");
    }
    text + &format!("\n  resume with: {command}")
}

/// Whether a receipt's file is a spooled standard input (`ferry upload -`).
fn is_spool(file: &str) -> bool {
    Path::new(file)
        .parent()
        .is_some_and(|dir| dir.ends_with("spool"))
        && Path::new(file)
            .file_name()
            .is_some_and(|name| name.to_string_lossy().starts_with("stdin-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spooled_stdin_is_told_apart_from_a_file() {
        assert!(is_spool("/home/u/.local/share/ferry/spool/stdin-ab12"));
        assert!(!is_spool("/home/u/spool/notes.txt"));
        assert!(!is_spool("/home/u/stdin-ab12"));
    }
}
