//! `ferry status` and `ferry cache gc|clear`: what interrupted uploads left in the receipt
//! cache, and cleaning it.

use std::path::{Path, PathBuf};

use anyhow::anyhow;
use clap::Subcommand;
use serde::Serialize;

use super::CliError;
use super::output::{JsonEvent, print_json_line, stdout_line};
use crate::client::receipt::Receipt;
use crate::client::receipt::cache::{CacheError, Listed, ReceiptCache, Sweep};
use crate::exit::ErrorKind;
use crate::wire::signed::unix_now;

/// `ferry cache`.
#[derive(Debug, Clone, Subcommand)]
pub enum CacheCommand {
    /// Remove receipts whose proofs have all expired (a day after their newest payment).
    Gc,
    /// Remove every receipt; receipts holding paid chunks not yet stored need --force.
    Clear {
        /// Also remove receipts holding unexpired paid-but-unstored proofs (those chunks would
        /// be paid again).
        #[arg(long)]
        force: bool,
    },
}

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
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<String>,
}

impl StatusLine {
    fn new(listed: &Listed, now: u64) -> Self {
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
            }
            Err(problem) => line.problem = Some(problem.to_string()),
        }
        line
    }
}

fn cache_failure(error: CacheError) -> CliError {
    CliError::new(error.kind(), error)
}

/// `ferry status [FILE]`. Blocking file work: run it off the async threads.
pub fn status(data_dir: &Path, json: bool, file: Option<&Path>) -> Result<(), CliError> {
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
            print_json_line(&JsonEvent::UploadStatus(&StatusLine::new(entry, now)));
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
        stdout_line(&describe(entry, now));
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

fn describe(entry: &Listed, now: u64) -> String {
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
    if let (Some(oldest), Some(expires)) = (receipt.oldest_proof_at(), receipt.proofs_expire_at()) {
        text += &format!(
            "\n  {} paid and not yet stored; oldest proof {} old; proofs start to expire {}",
            receipt.proofs.len(),
            duration(now.saturating_sub(oldest)),
            if expires > now {
                format!("in {}", duration(expires - now))
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
    if is_spool(&receipt.file) {
        return text + "\n  resume by piping the same bytes into: ferry upload -";
    }
    text + &format!("\n  resume with: ferry upload {}", receipt.file)
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

fn duration(seconds: u64) -> String {
    match seconds {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min", s / 60),
        s => format!("{} h {} min", s / 3600, s % 3600 / 60),
    }
}

/// `ferry cache gc|clear`. Blocking file work: run it off the async threads.
pub fn cache(data_dir: &Path, json: bool, command: CacheCommand) -> Result<(), CliError> {
    let cache = ReceiptCache::new(data_dir);
    let now = unix_now();
    let sweep = match command {
        CacheCommand::Gc => cache.gc(now),
        CacheCommand::Clear { force } => cache.clear(now, force),
    }
    .map_err(cache_failure)?;
    report_sweep(json, &sweep);
    if sweep.kept_paid.is_empty() || matches!(command, CacheCommand::Gc) {
        return Ok(());
    }
    Err(CliError::new(
        ErrorKind::BadInput,
        anyhow!(
            "kept {} receipt(s) holding chunks paid and not yet stored ({}); finish them with ferry upload FILE (see ferry status), or pass --force to drop them and pay again later",
            sweep.kept_paid.len(),
            paths(&sweep.kept_paid)
        ),
    ))
}

fn report_sweep(json: bool, sweep: &Sweep) {
    if json {
        let list = |paths: &[PathBuf]| -> Vec<String> {
            paths.iter().map(|p| p.display().to_string()).collect()
        };
        print_json_line(&JsonEvent::Cache {
            removed: list(&sweep.removed),
            kept_paid: list(&sweep.kept_paid),
            in_use: list(&sweep.in_use),
            newer_schema: list(&sweep.newer),
        });
        return;
    }
    eprintln!("removed {} receipt(s)", sweep.removed.len());
    if !sweep.in_use.is_empty() {
        eprintln!(
            "kept {} receipt(s) in use by a running upload: {}",
            sweep.in_use.len(),
            paths(&sweep.in_use)
        );
    }
    if !sweep.newer.is_empty() {
        eprintln!(
            "kept {} receipt(s) written by a newer ferry (upgrade ferry to use them): {}",
            sweep.newer.len(),
            paths(&sweep.newer)
        );
    }
}

fn paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
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
