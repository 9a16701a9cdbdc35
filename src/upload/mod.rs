//! The upload orchestrator: encrypt, then for each wave quote, pay, and store.
//!
//! Stages, in order, for a file:
//! 1. **encrypt**: chunk and encrypt the file into a plan (addresses and keys only; chunk bytes
//!    are re-derived from the file when they are sent);
//! 2. per wave of up to `wave_size` chunks: **quote** each chunk's close group; chunks a majority
//!    already holds are skipped; **pay** the rest in one transaction, after checking
//!    `--max-cost`; then the wave's proofs exist, and only then
//! 3. **store**: PUT the wave's chunks to `replicas` nodes each.
//!
//! Quoting and paying the next wave overlap with storing the previous one; a bounded channel
//! (one wave) and a bounded number of chunks in flight keep memory flat whatever the file size.
//! A chunk that cannot be quoted or stored is recorded as failed and the rest carry on; the
//! upload then ends partial. Cancellation stops new waves and new chunk sends; work in flight
//! finishes.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use bytes::Bytes;
use futures::{StreamExt, stream};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;

use crate::chunking::{ChunkError, PlannedChunk, UploadPlan, plan_file, read_planned_after};
use crate::network::CLOSE_GROUP_SIZE;
use crate::payment::Vault;
use crate::protocol::encode_put_header;
use crate::put::{PutFailure, RetryPolicy, store_chunk};
use crate::quote::PaymentProof;
use crate::quoting::{QuoteFailure, QuoteOutcome, quote_chunk};
use crate::reporter::{Event, Phase, Reporter};
use crate::transport::{NodeClient, Swarm};
use crate::types::{Amount, ChunkAddress};

mod cost;
mod outcome;

pub use cost::{ApproveAll, CostEstimate, CostGate};
use outcome::{PayStop, finish};
pub use outcome::{UploadError, UploadSummary};

/// The largest wave: chunks paid in one transaction.
pub const MAX_WAVE_SIZE: usize = 64;

/// How an upload runs.
#[derive(Debug, Clone)]
pub struct UploadOptions {
    /// The file to upload.
    pub file: PathBuf,
    /// Chunks per payment transaction (1 to 64).
    pub wave_size: usize,
    /// Never pay more than this in total (storage, wei).
    pub max_cost: Option<Amount>,
    /// Nodes that must hold a chunk before it counts as stored.
    pub replicas: usize,
    /// Nodes asked for quotes per chunk.
    pub close_group: usize,
    /// Chunks being sent at once.
    pub chunks_in_flight: usize,
    /// Chunks being quoted at once.
    pub quotes_in_flight: usize,
    /// Threads for chunking and encryption.
    pub encrypt_threads: usize,
    /// Retries per node.
    pub retry: RetryPolicy,
}

impl UploadOptions {
    /// Defaults for `file`.
    pub fn new(file: PathBuf) -> Self {
        Self {
            file,
            wave_size: MAX_WAVE_SIZE,
            max_cost: None,
            replicas: 4,
            close_group: CLOSE_GROUP_SIZE,
            chunks_in_flight: 8,
            quotes_in_flight: 16,
            encrypt_threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            retry: RetryPolicy::default(),
        }
    }
}

/// What the network and the wallet look like to an upload.
#[derive(Clone)]
pub struct UploadContext {
    /// HTTP client for nodes.
    pub client: NodeClient,
    /// Known nodes.
    pub swarm: Arc<Swarm>,
    /// The vault, with the paying wallet.
    pub vault: Vault,
    /// Where events go.
    pub reporter: Arc<dyn Reporter>,
    /// Approves the expected cost before the first payment.
    pub gate: Arc<dyn CostGate>,
    /// Cancelled on Ctrl-C.
    pub cancel: CancellationToken,
}

/// Checks that `path` is a readable regular file.
pub fn check_file(path: &Path) -> Result<u64, UploadError> {
    let bad = |reason: String| UploadError::BadFile {
        path: path.to_owned(),
        reason,
    };
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => bad("no such file; check the path".into()),
        std::io::ErrorKind::PermissionDenied => {
            bad("permission denied; check the file's permissions".into())
        }
        _ => bad(format!("cannot read it: {e}")),
    })?;
    if meta.is_dir() {
        return Err(bad("is a directory; ferry uploads one file at a time (archive the directory first, e.g. with tar)".into()));
    }
    if !meta.is_file() {
        return Err(bad("is not a regular file".into()));
    }
    File::open(path).map_err(|e| bad(format!("cannot open it: {e}")))?;
    Ok(meta.len())
}

/// Encrypt stage: chunks and encrypts the file off the async threads, reporting bytes done.
pub async fn encrypt(
    file: &Path,
    threads: usize,
    reporter: Arc<dyn Reporter>,
) -> Result<UploadPlan, UploadError> {
    let total = check_file(file)?;
    let path = file.to_owned();
    let done = AtomicU64::new(0);
    let plan = tokio::task::spawn_blocking(move || {
        plan_file(&path, threads, &|bytes| {
            let so_far = done.fetch_add(bytes, Ordering::Relaxed) + bytes;
            reporter.progress(Phase::Encrypt, so_far, total);
        })
    })
    .await
    .expect("the encrypt stage does not panic")?;
    Ok(plan)
}

/// A paid wave on its way to the store stage.
struct PaidChunks {
    chunks: Vec<(PlannedChunk, PaymentProof)>,
}

#[derive(Default)]
struct PayTotals {
    paid_chunks: usize,
    already_stored: usize,
    storage_cost: Amount,
    gas_cost: Amount,
    failures: Vec<String>,
}

#[derive(Default)]
struct StoreTotals {
    stored_chunks: usize,
    failures: Vec<String>,
}

/// Uploads a file: the whole pipeline, from encryption to the last stored chunk.
pub async fn upload(
    context: &UploadContext,
    options: &UploadOptions,
) -> Result<UploadSummary, UploadError> {
    let started = Instant::now();
    let plan = encrypt(
        &options.file,
        options.encrypt_threads,
        context.reporter.clone(),
    )
    .await?;
    let wave_size = options.wave_size.clamp(1, MAX_WAVE_SIZE);
    context.reporter.event(&Event::Started {
        file: options.file.display().to_string(),
        bytes: plan.file_size,
        chunks: plan.chunks.len(),
        waves: plan.chunks.len().div_ceil(wave_size),
        reused_proofs: 0,
        already_stored: 0,
    });
    let file = Arc::new(
        File::open(&options.file).map_err(|source| ChunkError::Read {
            path: options.file.display().to_string(),
            source,
        })?,
    );
    let (sender, receiver) = mpsc::channel::<PaidChunks>(1);
    let mut pay_totals = PayTotals::default();
    let mut store_totals = StoreTotals::default();
    let bytes_total: u64 = plan.chunks.iter().map(|c| c.size as u64).sum();
    let (pay_result, ()) = tokio::join!(
        quote_and_pay(context, options, &plan, sender, &mut pay_totals),
        store_waves(
            context,
            options,
            file,
            receiver,
            bytes_total,
            &mut store_totals
        ),
    );
    let summary = UploadSummary {
        reference: Some(plan.reference),
        chunks: plan.chunks.len(),
        paid_chunks: pay_totals.paid_chunks,
        reused_proofs: 0,
        already_stored: pay_totals.already_stored,
        stored_chunks: store_totals.stored_chunks,
        storage_cost: pay_totals.storage_cost,
        gas_cost: pay_totals.gas_cost,
        seconds: started.elapsed().as_secs_f64(),
    };
    finish(
        pay_result,
        summary,
        pay_totals.failures,
        store_totals.failures,
        &context.cancel,
    )
}

/// Quote and pay stages, wave by wave; each paid wave goes to the store stage.
async fn quote_and_pay(
    context: &UploadContext,
    options: &UploadOptions,
    plan: &UploadPlan,
    sender: mpsc::Sender<PaidChunks>,
    totals: &mut PayTotals,
) -> Result<(), PayStop> {
    let wave_size = options.wave_size.clamp(1, MAX_WAVE_SIZE);
    let total_chunks = plan.chunks.len() as u64;
    let mut wave_number = 0;
    let mut quoted_so_far = 0;
    for group in plan.chunks.chunks(wave_size) {
        quoted_so_far += group.len();
        if context.cancel.is_cancelled() {
            break;
        }
        let quoted = quote_group(context, options, group).await;
        let mut payments = Vec::new();
        let mut to_store = Vec::new();
        for (chunk, outcome) in quoted {
            match outcome {
                Ok(QuoteOutcome::AlreadyStored) => {
                    totals.already_stored += 1;
                    context.reporter.event(&Event::ChunkAlreadyStored {
                        chunk: chunk.address,
                        bytes: chunk.size,
                    });
                }
                Ok(QuoteOutcome::Payable { payment, proof }) => {
                    payments.push(payment);
                    to_store.push((chunk, proof));
                }
                Err(failure) => totals.failures.push(failure.to_string()),
            }
        }
        if payments.is_empty() {
            continue;
        }
        let wave_cost = Amount::sum(payments.iter().map(|p| p.amount));
        if let Some(max_cost) = options.max_cost {
            let would_be = Amount::sum([totals.storage_cost, wave_cost]);
            if would_be > max_cost {
                return Err(PayStop::CostLimit {
                    wave_cost,
                    would_be,
                    max_cost,
                });
            }
        }
        if wave_number == 0 {
            let first = cost::FirstWave {
                cost: wave_cost,
                chunks: payments.len(),
                later_chunks: plan.chunks.len() - quoted_so_far,
                wave_size,
            };
            cost::approve_first_payment(&context.vault, &context.gate, first).await?;
        }
        let paid = context
            .vault
            .pay_wave(&payments)
            .await
            .map_err(PayStop::Payment)?;
        wave_number += 1;
        for (_, proof) in &mut to_store {
            proof.tx_hash = paid.tx_hash;
        }
        // Seam for the cached receipt: the wave's proofs are final here, before any PUT.
        totals.paid_chunks += to_store.len();
        totals.storage_cost = Amount::sum([totals.storage_cost, paid.storage_cost]);
        totals.gas_cost = Amount::sum([totals.gas_cost, paid.gas_cost]);
        context.reporter.event(&Event::WavePaid {
            wave: wave_number,
            chunks: to_store.len(),
            tx_hash: paid.tx_hash.to_string(),
            storage_cost_wei: paid.storage_cost,
            gas_cost_wei: paid.gas_cost,
        });
        let settled = (totals.paid_chunks + totals.already_stored) as u64;
        context.reporter.progress(Phase::Pay, settled, total_chunks);
        if sender.send(PaidChunks { chunks: to_store }).await.is_err() {
            break;
        }
    }
    Ok(())
}

async fn quote_group(
    context: &UploadContext,
    options: &UploadOptions,
    group: &[PlannedChunk],
) -> Vec<(PlannedChunk, Result<QuoteOutcome, QuoteFailure>)> {
    let mut quoted: Vec<_> = stream::iter(group.iter().enumerate())
        .map(|(index, chunk)| async move {
            let outcome =
                quote_chunk(&context.client, &context.swarm, options.close_group, chunk).await;
            (index, chunk.clone(), outcome)
        })
        .buffer_unordered(options.quotes_in_flight.max(1))
        .collect()
        .await;
    quoted.sort_by_key(|(index, _, _)| *index);
    quoted
        .into_iter()
        .map(|(_, chunk, outcome)| (chunk, outcome))
        .collect()
}

/// Store stage: PUTs every chunk of every paid wave, a bounded number at a time.
async fn store_waves(
    context: &UploadContext,
    options: &UploadOptions,
    file: Arc<File>,
    receiver: mpsc::Receiver<PaidChunks>,
    bytes_total: u64,
    totals: &mut StoreTotals,
) {
    let mut bytes_done = 0u64;
    let jobs = ReceiverStream::new(receiver)
        .flat_map(|wave| stream::iter(wave.chunks))
        .take_while(|_| std::future::ready(!context.cancel.is_cancelled()));
    let mut results = jobs
        .map(|(chunk, proof)| store_one(context, options, file.clone(), chunk, proof))
        .buffer_unordered(options.chunks_in_flight.max(1));
    while let Some(result) = results.next().await {
        match result {
            Ok((chunk, size, nodes)) => {
                totals.stored_chunks += 1;
                bytes_done += size as u64;
                context.reporter.event(&Event::ChunkStored {
                    chunk,
                    bytes: size,
                    nodes,
                });
                context
                    .reporter
                    .progress(Phase::Store, bytes_done, bytes_total);
            }
            Err(failure) => totals.failures.push(failure),
        }
    }
}

async fn store_one(
    context: &UploadContext,
    options: &UploadOptions,
    file: Arc<File>,
    chunk: PlannedChunk,
    proof: PaymentProof,
) -> Result<(ChunkAddress, u32, usize), String> {
    let path = options.file.clone();
    let planned = chunk.clone();
    let body = tokio::task::spawn_blocking(move || {
        let header = encode_put_header(&proof, planned.size as usize);
        read_planned_after(&file, &path, &planned, header).map(Bytes::from)
    })
    .await
    .expect("re-deriving a chunk does not panic")
    .map_err(|e| e.to_string())?;
    let stored = store_chunk(
        &context.client,
        &context.swarm,
        chunk.address,
        body,
        options.replicas,
        options.retry,
        context.reporter.as_ref(),
    )
    .await
    .map_err(|failure: PutFailure| failure.to_string())?;
    Ok((chunk.address, chunk.size, stored.receipts.len()))
}
