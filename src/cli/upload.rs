//! `ferry upload FILE|DIR|-`: wiring the library's upload to the terminal: the cost
//! question, Ctrl-C, progress, and what is printed when it ends (the reference, or what was
//! paid and the command that resumes).

use std::sync::Arc;

use anyhow::anyhow;
use tokio_util::sync::CancellationToken;

use super::human::HumanReporter;
use super::output::{JsonEvent, print_json_line, stdout_line};
use super::setup::{connect_vault, discover, is_stdin, refuse_terminal_stdin, reporter};
use super::units::{AmountFormat, Unit};
use super::{CliError, Context, UploadArgs};
use crate::client::nodes::{NodeClient, Timeouts};
use crate::client::upload::{
    UploadContext, UploadError, UploadOptions, UploadSummary, upload as run_upload,
};
use crate::exit::ErrorKind;
use crate::shell::shell_quote;

/// The first Ctrl-C cancels (work in flight finishes); a second one exits at once. The notice
/// goes above the progress bars when there are any, so it does not tear them.
fn cancel_on_ctrl_c(human: Option<Arc<HumanReporter>>) -> CancellationToken {
    let cancel = CancellationToken::new();
    let token = cancel.clone();
    // Registered here, before the upload prints anything a user or a script could answer
    // with Ctrl-C; `ctrl_c()` would register only once the task first ran.
    let interrupts = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt());
    tokio::spawn(async move {
        let Ok(mut interrupts) = interrupts else {
            return;
        };
        if interrupts.recv().await.is_some() {
            let notice = "stopping: finishing what is in flight (Ctrl-C again to quit at once)";
            match &human {
                Some(human) => human.line(notice),
                None => eprintln!("{notice}"),
            }
            token.cancel();
            if interrupts.recv().await.is_some() {
                std::process::exit(130);
            }
        }
    });
    cancel
}

/// `ferry upload FILE`, `ferry upload DIR` or `ferry upload -` (standard input).
pub async fn upload(context: &Context, args: UploadArgs) -> Result<(), CliError> {
    let stdin = is_stdin(&args.file);
    if !stdin {
        crate::client::upload::check_file(&args.file).map_err(|e| CliError::new(e.kind(), e))?;
    }
    let network = context.network(&args.network).await?;
    let signer = context.signer(network.funded_key.as_deref()).await?;
    let vault = connect_vault(&network, Some(&signer)).await?;
    if stdin {
        refuse_terminal_stdin()?;
    }
    super::history::note_started(context, &args.file, &args.network).await;
    let client = NodeClient::new(Timeouts::default());
    let nodes = discover(&client, &network).await?;
    let amounts = context.amounts(Some(&network));
    let (reporter, human) = reporter(context, &network);
    let cancel = cancel_on_ctrl_c(human.clone());
    let upload_context = UploadContext {
        client,
        swarm: nodes,
        vault,
        chain_id: network.chain_id,
        reporter,
        gate: super::prompt::gate(context, &args, &amounts, human.clone(), cancel.clone()),
        cancel: cancel.clone(),
    };
    let options = upload_options(context, &args);
    let result = if stdin {
        let reader = Box::new(std::io::stdin());
        let spool = context.data_dir.join("spool");
        crate::client::upload::upload_stream(&upload_context, &options, reader, &spool).await
    } else {
        run_upload(&upload_context, &options).await
    };
    upload_context.swarm.located.log_cost();
    if let Some(human) = &human {
        human.finish();
    }
    let file = if stdin {
        "standard input".to_owned()
    } else {
        args.file.display().to_string()
    };
    match result {
        Ok(summary) => {
            report_done(context, &amounts, &file, &summary);
            super::history::note_finished(context, &args.file, stdin, &network, &summary).await;
            Ok(())
        }
        Err(error) => {
            // An interruption's own message says what was done; other failures say it here,
            // when anything was.
            if let (Some(summary), Some(human)) = (error.summary(), &human)
                && !matches!(error, UploadError::Interrupted { .. })
                && summary.paid_chunks + summary.stored_chunks > 0
            {
                human.line(&progress_line(summary));
            }
            // JSON keeps wei, in its messages too.
            let json = context.output.is_json();
            let amounts = if json {
                AmountFormat::new(Unit::Wei, None)
            } else {
                amounts
            };
            Err(upload_failure(error, &cancel, &amounts, json, stdin))
        }
    }
}

/// The upload's options: each from its flag or environment variable, else the config file,
/// else the library's default.
fn upload_options(context: &Context, args: &UploadArgs) -> UploadOptions {
    let config = &context.config;
    let mut options = UploadOptions::new(args.file.clone(), context.data_dir.clone());
    options.resume = !args.no_resume;
    if let Some(wave_size) = args.wave_size.or(config.wave_size) {
        options.wave_size = wave_size.into();
    }
    if let Some(transfers) = args.transfers.or(config.transfers) {
        options.chunks_in_flight = transfers.into();
    }
    options.max_cost = args.max_cost.or(config.max_cost);
    options
}

fn progress_line(summary: &UploadSummary) -> String {
    format!(
        "so far: {} chunks paid, {} stored, {} already on the network, of {}",
        summary.paid_chunks, summary.stored_chunks, summary.already_stored, summary.chunks
    )
}

/// Adds the exact command to resume (the command line this run was started with; for standard
/// input, fed the same bytes again). A question cut short by Ctrl-C is an interruption, not a
/// refusal.
fn upload_failure(
    error: UploadError,
    cancel: &CancellationToken,
    amounts: &AmountFormat,
    json: bool,
    stdin: bool,
) -> CliError {
    if matches!(error, UploadError::Declined { .. }) && cancel.is_cancelled() {
        return CliError::new(
            ErrorKind::Interrupted,
            anyhow!("interrupted while asking about the cost; nothing was paid"),
        );
    }
    let kind = error.kind();
    // JSON keeps the error itself: its `error` line carries the counts as fields.
    let failure = if json && matches!(error, UploadError::Interrupted { .. }) {
        CliError::new(kind, error)
    } else {
        CliError::new(kind, in_units(error, amounts))
    };
    if !kind.is_retryable() {
        return failure;
    }
    let command: Vec<String> = std::env::args().map(|arg| shell_quote(&arg)).collect();
    let feed = if stdin {
        ", fed the same bytes on standard input"
    } else {
        ""
    };
    failure.with_hint(format!("to resume, run{feed}: {}", command.join(" ")))
}

/// The error, with the amounts of the cost refusals shown as `units` writes them (the
/// library's own text gives wei). They have no cause to keep.
fn in_units(error: UploadError, units: &AmountFormat) -> anyhow::Error {
    match &error {
        UploadError::CostLimit {
            wave_cost,
            would_be,
            max_cost,
            ..
        } => anyhow!(
            "paying the next wave (about {}, storage and gas) would bring what this run paid to {}, above --max-cost {}; nothing was paid for it. Raise --max-cost or rerun to resume",
            units.format(*wave_cost),
            units.format(*would_be),
            units.format(*max_cost)
        ),
        UploadError::Declined { estimate, .. } => anyhow!(
            "upload declined: it would pay about {} ({} storage + {} gas) for {} chunks; nothing was paid. Rerun with --yes to pay without asking, or check the price first with ferry quote",
            units.format(estimate.total()),
            units.format(estimate.storage_cost),
            units.format(estimate.gas_cost),
            estimate.chunks_to_pay
        ),
        UploadError::Interrupted { summary } => anyhow!(
            "interrupted: of {} chunks, {} were paid ({} storage + {} gas, in {} transaction{}) and {} stored in this run ({} with proofs from an earlier run), and {} were already stored; the receipt keeps what is paid",
            summary.chunks,
            summary.paid_chunks,
            units.format(summary.storage_cost),
            units.format(summary.gas_cost),
            summary.transactions,
            if summary.transactions == 1 { "" } else { "s" },
            summary.stored_chunks,
            summary.reused_proofs,
            summary.already_stored
        ),
        _ => error.into(),
    }
}

/// Says the upload is done: its `done` line with `--json`, else the reference on stdout
/// (`-q` too: it is what the upload was run to get) after a summary on stderr.
fn report_done(context: &Context, amounts: &AmountFormat, file: &str, summary: &UploadSummary) {
    let reference = summary.reference.map(|r| r.to_string()).unwrap_or_default();
    if context.output.is_json() {
        print_json_line(&JsonEvent::UploadDone {
            reference,
            file,
            chunks: summary.chunks,
            files: summary.files,
            paid_chunks: summary.paid_chunks,
            reused_proofs: summary.reused_proofs,
            found_paid: summary.found_paid,
            already_stored: summary.already_stored,
            stored_chunks: summary.stored_chunks,
            bytes_sent: summary.bytes_sent,
            storage_cost_wei: summary.storage_cost,
            gas_cost_wei: summary.gas_cost,
            seconds: summary.seconds,
        });
        return;
    }
    if context.output.narrates() {
        let earlier = summary.reused_proofs + summary.found_paid;
        let earlier = if earlier > 0 {
            format!(", {earlier} paid earlier")
        } else {
            String::new()
        };
        let files = summary
            .files
            .map(|files| format!("{files} files, "))
            .unwrap_or_default();
        eprintln!(
            "uploaded {file}: {files}{} chunks ({} paid now{earlier}, {} already stored) for {} storage + {} gas in {:.1} s; sent {} to nodes",
            summary.chunks,
            summary.paid_chunks,
            summary.already_stored,
            amounts.format(summary.storage_cost),
            amounts.format(summary.gas_cost),
            summary.seconds,
            indicatif::HumanBytes(summary.bytes_sent)
        );
    }
    stdout_line(&reference.to_string());
}
