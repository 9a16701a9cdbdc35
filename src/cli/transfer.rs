//! `ferry upload` and `ferry download`: wiring the library to the terminal.

use std::sync::Arc;

use anyhow::anyhow;
use tokio_util::sync::CancellationToken;

use super::output::{HumanReporter, JsonEvent, JsonReporter, print_json_line, stdout_line};
use super::units::Unit;
use super::{CliError, Context, DownloadArgs, UploadArgs};
use crate::client::chunking::Reference;
use crate::client::nodes::{NodeClient, Swarm, Timeouts};
use crate::client::reporter::Reporter;
use crate::client::upload::{
    UploadContext, UploadError, UploadOptions, UploadSummary, upload as run_upload,
};
use crate::exit::ErrorKind;
use crate::vault::{PaymentError, Vault, parse_private_key};
use crate::wire::network::NetworkConfig;

/// The private key variable; its value is never printed or logged.
pub const PRIVATE_KEY_ENV: &str = "FERRY_PRIVATE_KEY";

/// The network's nodes: the vault's registry (who counts), then the bootstrap nodes' peers
/// (where each is reached), checked against it.
pub(super) async fn discover(
    client: &NodeClient,
    network: &NetworkConfig,
) -> Result<Arc<Swarm>, CliError> {
    let vault = connect_vault(network, None).await?;
    let registry = vault.registry(None).await.map_err(payment_failure)?;
    tracing::debug!(nodes = registry.len(), "read the vault's registry");
    client
        .discover(&network.bootstrap, &registry, network.diversity)
        .await
        .map(Arc::new)
        .map_err(|e| CliError::new(ErrorKind::Network, e))
}

/// The paying key: `FERRY_PRIVATE_KEY`, else `fallback` (a devnet's funded key). Errors name
/// the variable, never the key.
pub(super) fn signer(
    fallback: Option<&str>,
) -> Result<alloy::signers::local::PrivateKeySigner, CliError> {
    let key = std::env::var(PRIVATE_KEY_ENV)
        .ok()
        .filter(|k| !k.trim().is_empty())
        .or_else(|| fallback.map(str::to_owned))
        .ok_or_else(|| {
            CliError::new(
                ErrorKind::BadInput,
                anyhow!(
                    "no wallet: set {PRIVATE_KEY_ENV} to the hex private key of a funded account"
                ),
            )
        })?;
    parse_private_key(&key)
        .map_err(|e| CliError::new(ErrorKind::BadInput, anyhow!("{PRIVATE_KEY_ENV}: {e}")))
}

pub(super) fn payment_failure(error: PaymentError) -> CliError {
    CliError::new(error.kind(), error)
}

/// Connects the vault and checks that its RPC endpoint serves the network file's chain.
pub(super) async fn connect_vault(
    network: &NetworkConfig,
    signer: Option<&alloy::signers::local::PrivateKeySigner>,
) -> Result<Vault, CliError> {
    let vault = Vault::connect(&network.rpc_url, network.vault, signer).map_err(payment_failure)?;
    let rpc_chain_id = vault.chain_id().await.map_err(payment_failure)?;
    if rpc_chain_id != network.chain_id {
        return Err(CliError::new(
            ErrorKind::BadInput,
            anyhow!(
                "the chain at {} has chain id {rpc_chain_id}, but the network file says chain_id {}; fix the network file or the RPC URL (FERRY_RPC_URL)",
                network.rpc_url,
                network.chain_id
            ),
        ));
    }
    Ok(vault)
}

pub(super) fn reporter(context: &Context) -> (Arc<dyn Reporter>, Option<Arc<HumanReporter>>) {
    if context.json {
        (Arc::new(JsonReporter), None)
    } else {
        let human = Arc::new(HumanReporter::new(context.verbosity, context.units));
        (human.clone(), Some(human))
    }
}

/// The first Ctrl-C cancels (work in flight finishes); a second one exits at once. The notice
/// goes above the progress bars when there are any, so it does not tear them.
fn cancel_on_ctrl_c(human: Option<Arc<HumanReporter>>) -> CancellationToken {
    let cancel = CancellationToken::new();
    let token = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let notice = "stopping: finishing what is in flight (Ctrl-C again to quit at once)";
            match &human {
                Some(human) => human.line(notice),
                None => eprintln!("{notice}"),
            }
            token.cancel();
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        }
    });
    cancel
}

/// Whether `path` names standard input (`-`).
pub(super) fn is_stdin(path: &std::path::Path) -> bool {
    path.as_os_str() == "-"
}

/// Copies standard input into a spool under the data dir (see [`crate::client::stream`]).
pub(super) async fn spool_stdin(
    context: &Context,
) -> Result<crate::client::stream::Spooled, CliError> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        return Err(CliError::new(
            ErrorKind::BadInput,
            anyhow!(
                "`-` reads what is piped into ferry, and standard input is a terminal; pipe the data in (e.g. `tar c DIR | ferry upload -`) or name a file"
            ),
        ));
    }
    let dir = context.data_dir.join("spool");
    // A spinner of bytes read on a terminal: a long pipe is read before anything is paid.
    let shown = !context.json
        && context.verbosity == super::Verbosity::Normal
        && std::io::stderr().is_terminal();
    let bar = shown.then(|| {
        let style = indicatif::ProgressStyle::with_template(
            "{prefix:>8} {spinner} {bytes} from standard input {binary_bytes_per_sec}",
        )
        .expect("template");
        indicatif::ProgressBar::new_spinner()
            .with_style(style)
            .with_prefix("read")
    });
    let progress = bar.clone();
    let spooled = tokio::task::spawn_blocking(move || {
        crate::client::stream::spool(std::io::stdin().lock(), &dir, &|bytes| {
            if let Some(bar) = &progress {
                bar.set_position(bytes);
            }
        })
    })
    .await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    spooled
        .map_err(|e| CliError::new(ErrorKind::Internal, e))?
        .map_err(|e| CliError::new(e.kind(), e))
}

/// `ferry upload FILE`, `ferry upload DIR` or `ferry upload -` (standard input).
pub async fn upload(context: &Context, mut args: UploadArgs) -> Result<(), CliError> {
    let stdin = is_stdin(&args.file);
    if !stdin {
        crate::client::upload::check_file(&args.file).map_err(|e| CliError::new(e.kind(), e))?;
    }
    let network = context.network(&args.network).await?;
    let signer = signer(network.funded_key.as_deref())?;
    let vault = connect_vault(&network, Some(&signer)).await?;
    // Dropped (removed) when the upload ends, however it ends.
    let spooled = if stdin {
        Some(spool_stdin(context).await?)
    } else {
        None
    };
    if let Some(spooled) = &spooled {
        args.file = spooled.path().to_owned();
    }
    let client = NodeClient::new(Timeouts::default());
    let nodes = discover(&client, &network).await?;
    let (reporter, human) = reporter(context);
    let cancel = cancel_on_ctrl_c(human.clone());
    let upload_context = UploadContext {
        client,
        swarm: nodes,
        vault,
        chain_id: network.chain_id,
        reporter,
        gate: super::prompt::gate(context, &args, human.clone(), cancel.clone()),
        cancel: cancel.clone(),
    };
    let options = upload_options(context, &args);
    let result = run_upload(&upload_context, &options).await;
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
            report_done(context, &file, &summary);
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
            let units = if context.json {
                Unit::Wei
            } else {
                context.units
            };
            Err(upload_failure(error, &cancel, units))
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

/// Adds the exact command to resume (the command line this run was started with). A question
/// cut short by Ctrl-C is an interruption, not a refusal.
fn upload_failure(error: UploadError, cancel: &CancellationToken, units: Unit) -> CliError {
    if matches!(error, UploadError::Declined { .. }) && cancel.is_cancelled() {
        return CliError::new(
            ErrorKind::Interrupted,
            anyhow!("interrupted while asking about the cost; nothing was paid"),
        );
    }
    let kind = error.kind();
    let failure = CliError::new(kind, in_units(error, units));
    if !kind.is_retryable() {
        return failure;
    }
    let command: Vec<String> = std::env::args().map(|arg| shell_quote(&arg)).collect();
    failure.with_hint(format!("to resume, run: {}", command.join(" ")))
}

/// The error, with the amounts of the cost refusals shown in `units` (the library's own text
/// gives wei). They have no cause to keep.
fn in_units(error: UploadError, units: Unit) -> anyhow::Error {
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
        _ => error.into(),
    }
}

fn shell_quote(text: &str) -> String {
    if text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+=:,".contains(c))
    {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

fn report_done(context: &Context, file: &str, summary: &UploadSummary) {
    let reference = summary.reference.map(|r| r.to_string()).unwrap_or_default();
    if context.json {
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
    if context.verbosity == super::Verbosity::Normal {
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
            context.units.format(summary.storage_cost),
            context.units.format(summary.gas_cost),
            summary.seconds,
            indicatif::HumanBytes(summary.bytes_sent)
        );
    }
    stdout_line(&reference.to_string());
}

/// `ferry download REFERENCE -o FILE`.
pub async fn download(context: &Context, args: DownloadArgs) -> Result<(), CliError> {
    let reference: Reference = args
        .reference
        .parse()
        .map_err(|e| CliError::new(ErrorKind::BadInput, e))?;
    let to_stdout = args.output.as_os_str() == "-";
    if to_stdout && context.json {
        return Err(CliError::new(
            ErrorKind::BadInput,
            anyhow!(
                "-o - writes the file to stdout, where --json would write its events; drop --json or write to a file"
            ),
        ));
    }
    let network = context.network(&args.network).await?;
    let client = NodeClient::new(Timeouts::default());
    let nodes = discover(&client, &network).await?;
    let (reporter, human) = reporter(context);
    let result = fetch_to(
        &client,
        &nodes.nodes,
        reference,
        &args.output,
        reporter.as_ref(),
    )
    .await;
    if let Some(human) = &human {
        human.finish();
    }
    let summary = result?;
    if context.json {
        print_json_line(&JsonEvent::DownloadDone {
            output: args.output.display().to_string(),
            bytes: summary.bytes,
            files: summary.files,
            chunks: summary.chunks,
            seconds: summary.seconds,
        });
    } else if context.verbosity == super::Verbosity::Normal {
        let output = if to_stdout {
            "standard output".to_owned()
        } else {
            args.output.display().to_string()
        };
        let files = summary
            .files
            .map(|files| format!("{files} files, "))
            .unwrap_or_default();
        eprintln!(
            "downloaded {files}{} bytes to {output} in {:.1} s",
            summary.bytes, summary.seconds
        );
    }
    Ok(())
}

/// Downloads `reference` to `output`: a file to a file (or to stdout for `-`), a folder into
/// the directory `output`.
async fn fetch_to(
    client: &NodeClient,
    nodes: &[crate::wire::network::NodeInfo],
    reference: Reference,
    output: &std::path::Path,
    reporter: &dyn Reporter,
) -> Result<crate::client::download::DownloadSummary, CliError> {
    use crate::client::download;
    let failed = |e: download::DownloadError| CliError::new(e.kind(), e);
    let manifest = download::folder_manifest(client, nodes, reference, reporter)
        .await
        .map_err(failed)?;
    let stdout = std::path::Path::new("standard output");
    match manifest {
        Some(_) if output.as_os_str() == "-" => Err(CliError::new(
            ErrorKind::BadInput,
            anyhow!("the reference is a folder: download it into a directory with -o DIR"),
        )),
        Some(manifest) => {
            crate::client::restore::restore(client, nodes, &manifest, output, 4, reporter)
                .await
                .map_err(failed)
        }
        None if output.as_os_str() == "-" => {
            let stream = Box::new(std::io::stdout());
            download::download_to_stream(client, nodes, reference, stream, stdout, 8, reporter)
                .await
                .map_err(failed)
        }
        None => download::download(client, nodes, reference, output, 8, reporter)
            .await
            .map_err(failed),
    }
}
