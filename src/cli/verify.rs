//! `ferry verify REF` and `ferry repair REF`: is the file still fully stored, and bringing it
//! back to full strength. Both pay nothing and need no wallet.
//!
//! The exit code says how the file is held at the end: 0 every chunk has its 4 proven
//! replicas, 7 degraded (some chunk has fewer, none has none), 8 lost (some chunk is proven
//! by no node). With `--json` the last line is `verified`, or `error` when the file's chunks
//! cannot even be listed (a bad reference; a data map chunk no node serves is lost, exit 8).

use std::time::Instant;

use super::output::{ChunkCount, JsonEvent, NodeCount, print_json_line, stdout_line};
use super::setup::{discover, reporter};
use super::{CliError, Context, VerifyArgs};
use crate::client::chunking::Reference;
use crate::client::lookup::Swarm;
use crate::client::nodes::{NodeClient, Timeouts};
use crate::client::repair::RepairReport;
use crate::client::reporter::Reporter;
use crate::client::verify::{Health, VerifyError, VerifyOptions, VerifyReport};
use crate::exit::ErrorKind;
use crate::wire::network::REPLICAS;

/// Everything both commands need: the reference, a client, the nodes, the options.
struct Checked {
    reference: Reference,
    client: NodeClient,
    swarm: std::sync::Arc<Swarm>,
    options: VerifyOptions,
    network: crate::wire::network::NetworkConfig,
}

/// Parses the reference, resolves the network and finds its nodes.
async fn prepare(context: &Context, args: &VerifyArgs) -> Result<Checked, CliError> {
    let reference: Reference = args
        .reference
        .parse()
        .map_err(|e| CliError::new(ErrorKind::BadInput, e))?;
    let network = context.network(&args.network).await?;
    let client = NodeClient::new(Timeouts::default());
    let swarm = discover(&client, &network).await?;
    let options = VerifyOptions {
        replicas: swarm.replicas(REPLICAS),
        diversity: network.diversity,
        ..VerifyOptions::default()
    };
    Ok(Checked {
        reference,
        client,
        swarm,
        options,
        network,
    })
}

/// Runs `work` (verify or repair) on the file behind `args` with progress shown, and closes
/// the progress display before the result is printed.
async fn with_progress<T>(
    context: &Context,
    args: &VerifyArgs,
    work: impl AsyncFnOnce(
        &NodeClient,
        &Swarm,
        Reference,
        VerifyOptions,
        &dyn Reporter,
    ) -> Result<T, VerifyError>,
) -> Result<T, CliError> {
    let checked = prepare(context, args).await?;
    let (reporter, human) = reporter(context, &checked.network);
    let result = work(
        &checked.client,
        &checked.swarm,
        checked.reference,
        checked.options,
        reporter.as_ref(),
    )
    .await;
    checked.swarm.located.log_cost();
    if let Some(human) = &human {
        human.finish();
    }
    result.map_err(|e| CliError::new(e.kind(), e))
}

/// `ferry verify REF`.
pub async fn verify(context: &Context, args: VerifyArgs) -> Result<(), CliError> {
    let report = with_progress(context, &args, crate::client::verify::verify).await?;
    report_health(context, &report)
}

/// `ferry repair REF`.
pub async fn repair(context: &Context, args: VerifyArgs) -> Result<(), CliError> {
    let started = Instant::now();
    let report = with_progress(context, &args, crate::client::repair::repair).await?;
    report_repair(context, &report, started.elapsed().as_secs_f64());
    report_health(context, &report.after)
}

fn report_repair(context: &Context, report: &RepairReport, seconds: f64) {
    if context.output.is_json() {
        print_json_line(&JsonEvent::Repaired {
            chunks: report.repairs.len(),
            replicas_stored: report.replicas_stored(),
            seconds,
        });
    } else if context.output.narrates() {
        eprintln!(
            "repair: {} chunks were below {} proven replicas; stored {} replicas in {seconds:.1} s (nothing paid)",
            report.repairs.len(),
            report.before.replicas,
            report.replicas_stored()
        );
        for repair in &report.repairs {
            for failure in &repair.failed {
                eprintln!(
                    "  chunk {}: {} {}",
                    repair.chunk, failure.node, failure.reason
                );
            }
        }
    }
}

/// Prints the verdict and turns it into the exit code.
fn report_health(context: &Context, report: &VerifyReport) -> Result<(), CliError> {
    let health = report.health();
    let below: Vec<ChunkCount> = report
        .below()
        .map(|chunk| ChunkCount {
            chunk: chunk.chunk.to_hex(),
            proven: chunk.proven(),
        })
        .collect();
    let lost = below.iter().filter(|chunk| chunk.proven == 0).count();
    let failed_nodes: Vec<NodeCount> = report
        .failed_nodes()
        .into_iter()
        .map(|(node, chunks)| NodeCount { node, chunks })
        .collect();
    let status = match health {
        Health::Healthy => "healthy",
        Health::Degraded => "degraded",
        Health::Lost => "lost",
    };
    if context.output.is_json() {
        print_json_line(&JsonEvent::Verified {
            status,
            chunks: report.chunks.len(),
            replicas: report.replicas,
            lowest: report.lowest(),
            median: report.median(),
            below: below.clone(),
            lost,
            failed_nodes: failed_nodes.clone(),
            seconds: report.seconds,
        });
    } else if context.output.narrates() {
        print_summary(report, status, &below, &failed_nodes);
    }
    let replicas = report.replicas;
    match health {
        Health::Healthy => Ok(()),
        Health::Degraded => Err(CliError::outcome(
            ErrorKind::Degraded,
            format!(
                "the file is degraded: {} of {} chunks have fewer than {replicas} proven replicas; run `ferry repair` with the same reference",
                below.len(),
                report.chunks.len()
            ),
        )),
        Health::Lost => Err(CliError::outcome(
            ErrorKind::Lost,
            format!(
                "the file is lost: {lost} of {} chunks are proven by no node; it cannot be downloaded or repaired unless a node holding them comes back",
                report.chunks.len()
            ),
        )),
    }
}

fn print_summary(report: &VerifyReport, status: &str, below: &[ChunkCount], failed: &[NodeCount]) {
    stdout_line(&format!("chunks:           {}", report.chunks.len()));
    stdout_line(&format!(
        "replicas proven:  lowest {}, median {} (each chunk needs {})",
        report.lowest(),
        report.median(),
        report.replicas
    ));
    stdout_line(&format!(
        "below {}:          {} chunks",
        report.replicas,
        below.len()
    ));
    for chunk in below {
        stdout_line(&format!("  {}  {} proven", chunk.chunk, chunk.proven));
    }
    stdout_line(&format!("failed nodes:     {}", failed.len()));
    for node in failed {
        stdout_line(&format!("  {}  {} chunks", node.node, node.chunks));
    }
    stdout_line(&format!(
        "status:           {status} ({:.1} s)",
        report.seconds
    ));
}
