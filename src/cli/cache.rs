//! `ferry cache gc|clear`: cleaning the receipt cache. `gc` removes receipts whose proofs
//! have all expired; `clear` removes every receipt, but keeps (and fails, exit 2) those holding
//! chunks paid and not yet stored unless `--force`. Receipts a running upload holds and those a
//! newer ferry wrote are always kept.

use std::path::{Path, PathBuf};

use anyhow::anyhow;
use clap::Subcommand;

use super::output::{JsonEvent, OutputMode, print_json_line};
use super::{CliError, Context};
use crate::blocking::blocking;
use crate::client::receipt::cache::{CacheError, ReceiptCache, Sweep};
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

/// A receipt cache failure, with the exit code its kind earns.
pub(super) fn cache_failure(error: CacheError) -> CliError {
    CliError::new(error.kind(), error)
}

/// `ferry cache gc|clear`: sweeps the receipt cache on a blocking thread.
pub async fn cache(context: &Context, command: CacheCommand) -> Result<(), CliError> {
    let (data_dir, output) = (context.data_dir.clone(), context.output);
    blocking(move || clean(&data_dir, output, command)).await
}

/// Removes what `command` asks and says what it did. Blocking file work.
fn clean(data_dir: &Path, output: OutputMode, command: CacheCommand) -> Result<(), CliError> {
    let cache = ReceiptCache::new(data_dir);
    let now = unix_now();
    let sweep = match command {
        CacheCommand::Gc => cache.gc(now),
        CacheCommand::Clear { force } => cache.clear(now, force),
    }
    .map_err(cache_failure)?;
    report_sweep(output, &sweep);
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

/// A `cache` line with `--json`; else, unless `-q`, what was removed and kept on stderr.
fn report_sweep(output: OutputMode, sweep: &Sweep) {
    if output.is_json() {
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
    if !output.narrates() {
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
