//! The upload orchestrator: resume from the receipt, encrypt, then for each wave quote, pay,
//! record and store.
//!
//! Stages, in order, for a file:
//! 1. **resume**: take the file's receipt lock, load its receipt, settle journalled payments
//!    with the chain, and prune expired proofs ([`resume`]);
//! 2. **encrypt**: chunk and encrypt the file into a plan (addresses and keys only; chunk bytes
//!    are re-derived from the file when they are sent). Chunks recorded stored are skipped;
//!    chunks with a usable proof go straight to the store stage;
//! 3. per wave of up to `wave_size` chunks: **quote** each chunk's close group; chunks a majority
//!    already holds are skipped; before the first payment the whole cost is estimated, checked
//!    against the wallet and approved ([`cost`]); `--max-cost` is checked before every wave;
//!    the wave's quotes are journalled, it is **paid** in one transaction, its proofs are
//!    written to the receipt, and only then
//! 4. **store**: PUT the wave's chunks to `replicas` nodes each, recording each stored chunk.
//!
//! Quoting and paying the next wave overlap with storing the previous one; a bounded channel
//! (one wave) and a bounded number of chunks in flight keep memory flat whatever the file size.
//! A chunk that cannot be quoted or stored is recorded as failed and the rest carry on; the
//! upload then ends partial. Cancellation stops new waves and new chunk sends; work in flight,
//! receipt writes included, finishes.

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
use crate::payment::{Vault, WavePayment};
use crate::protocol::encode_put_header;
use crate::put::{PutFailure, RetryPolicy, store_chunk};
use crate::quote::PaymentProof;
use crate::quoting::{QuoteFailure, QuoteOutcome, quote_chunk};
use crate::receipt::WaveRecord;
use crate::reporter::{Event, Phase, Reporter};
use crate::transport::{NodeClient, Swarm};
use crate::types::{Amount, ChunkAddress};

mod cost;
mod outcome;
mod resume;

pub use cost::{ApproveAll, CostEstimate, CostGate};
use outcome::{PayStop, finish};
pub use outcome::{UploadError, UploadSummary};
use resume::{Session, Work};

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
    /// Where the cached receipt lives (`<data dir>/receipts`).
    pub data_dir: PathBuf,
    /// Reuse what an earlier run paid for and stored (`false` for `--no-resume`: everything is
    /// quoted again, and the earlier receipt is kept and merged into, never dropped).
    pub resume: bool,
}

impl UploadOptions {
    /// Defaults for `file`, with receipts under `data_dir`.
    pub fn new(file: PathBuf, data_dir: PathBuf) -> Self {
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
            data_dir,
            resume: true,
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
    paid_earlier: usize,
    /// Chunks of the waves quoted so far that are paid, or need no payment.
    settled: usize,
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

/// Uploads a file: the whole pipeline, from the receipt and encryption to the last stored
/// chunk. On success the file's receipt is removed; otherwise it holds everything paid and
/// stored, and a rerun resumes from it.
pub async fn upload(
    context: &UploadContext,
    options: &UploadOptions,
) -> Result<UploadSummary, UploadError> {
    let started = Instant::now();
    check_file(&options.file)?;
    let session = Session::open(options, context.reporter.clone()).await?;
    let recovered_payments = session.reconcile(&context.vault).await?;
    let plan = encrypt(
        &options.file,
        options.encrypt_threads,
        context.reporter.clone(),
    )
    .await?;
    let work = session.plan_work(&plan, options.resume, crate::quote::unix_now());
    let wave_size = options.wave_size.clamp(1, MAX_WAVE_SIZE);
    context.reporter.event(&Event::Started {
        file: options.file.display().to_string(),
        bytes: plan.file_size,
        chunks: plan.chunks.len(),
        waves: work.to_quote.len().div_ceil(wave_size),
        reused_proofs: work.reused.len(),
        already_stored: work.stored_before,
        expired_proofs: work.expired,
        recovered_payments,
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
    let reused_proofs = work.reused.len();
    let stored_before = work.stored_before;
    let stored_before_bytes = work.stored_before_bytes;
    let stages = Stages {
        context,
        options,
        session: &session,
    };
    let (pay_result, ()) = tokio::join!(
        stages.quote_and_pay(work, sender, &mut pay_totals),
        stages.store_waves(
            file,
            receiver,
            (stored_before_bytes, bytes_total),
            &mut store_totals
        ),
    );
    let summary = UploadSummary {
        reference: Some(plan.reference),
        chunks: plan.chunks.len(),
        paid_chunks: pay_totals.paid_chunks,
        reused_proofs,
        found_paid: pay_totals.paid_earlier,
        already_stored: stored_before + pay_totals.already_stored,
        stored_chunks: store_totals.stored_chunks,
        storage_cost: pay_totals.storage_cost,
        gas_cost: pay_totals.gas_cost,
        seconds: started.elapsed().as_secs_f64(),
    };
    let outcome = finish(
        pay_result,
        summary,
        pay_totals.failures,
        store_totals.failures,
        &context.cancel,
    );
    if outcome.is_ok() {
        session.remove().await?;
    }
    outcome
}

/// Payments to make, and the chunks to store (those paid first, in the same order).
type PayAndStore = (Vec<WavePayment>, Vec<(PlannedChunk, PaymentProof)>);

/// The pipeline's stages and what they share.
struct Stages<'a> {
    context: &'a UploadContext,
    options: &'a UploadOptions,
    session: &'a Session,
}

impl Stages<'_> {
    /// Quote and pay stages: first the chunks an earlier run paid for, then wave by wave;
    /// each paid wave goes to the store stage once its proofs are on disk.
    async fn quote_and_pay(
        &self,
        work: Work,
        sender: mpsc::Sender<PaidChunks>,
        totals: &mut PayTotals,
    ) -> Result<(), PayStop> {
        let (context, options) = (self.context, self.options);
        let reused = self.skip_held(work.reused, totals).await?;
        if !reused.is_empty() && sender.send(PaidChunks { chunks: reused }).await.is_err() {
            return Ok(());
        }
        let wave_size = options.wave_size.clamp(1, MAX_WAVE_SIZE);
        let total_chunks = work.to_quote.len() as u64;
        let mut wave_number = 0;
        let mut quoted_so_far = 0;
        for group in work.to_quote.chunks(wave_size) {
            if context.cancel.is_cancelled() {
                break;
            }
            quoted_so_far += group.len();
            let quoted = quote_group(context, options, group).await;
            let mut payments = Vec::new();
            let mut to_store = Vec::new();
            let mut held = Vec::new();
            for (chunk, outcome) in quoted {
                match outcome {
                    Ok(QuoteOutcome::AlreadyStored) => {
                        context.reporter.event(&Event::ChunkAlreadyStored {
                            chunk: chunk.address,
                            bytes: chunk.size,
                        });
                        held.push(chunk.address);
                    }
                    Ok(QuoteOutcome::Payable { payment, proof }) => {
                        payments.push(payment);
                        to_store.push((chunk, proof));
                    }
                    Err(failure) => totals.failures.push(failure.to_string()),
                }
            }
            totals.settled += held.len();
            self.record_held(held, totals).await?;
            let (payments, to_store) = self.split_paid_earlier(payments, to_store, totals).await?;
            totals.settled += to_store.len() - payments.len();
            if payments.is_empty() {
                context
                    .reporter
                    .progress(Phase::Pay, totals.settled as u64, total_chunks);
                if !to_store.is_empty()
                    && sender.send(PaidChunks { chunks: to_store }).await.is_err()
                {
                    break;
                }
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
                    later_chunks: work.to_quote.len() - quoted_so_far,
                    wave_size,
                };
                cost::approve_first_payment(&context.vault, &context.gate, first).await?;
            }
            wave_number += 1;
            let to_store = self
                .pay_and_record(wave_number, &payments, to_store, totals)
                .await?;
            totals.settled += payments.len();
            context
                .reporter
                .progress(Phase::Pay, totals.settled as u64, total_chunks);
            if sender.send(PaidChunks { chunks: to_store }).await.is_err() {
                break;
            }
        }
        Ok(())
    }

    /// Journals a wave, pays it in one transaction and records its proofs; returns the chunks
    /// to store, proofs complete.
    async fn pay_and_record(
        &self,
        wave_number: usize,
        payments: &[WavePayment],
        mut to_store: Vec<(PlannedChunk, PaymentProof)>,
        totals: &mut PayTotals,
    ) -> Result<Vec<(PlannedChunk, PaymentProof)>, PayStop> {
        let context = self.context;
        let from_block = context
            .vault
            .block_number()
            .await
            .map_err(PayStop::Payment)?;
        self.session
            .record_intent(&to_store[..payments.len()], from_block)
            .await
            .map_err(PayStop::Receipt)?;
        let paid = context
            .vault
            .pay_wave(payments)
            .await
            .map_err(PayStop::Payment)?;
        let paid_now = payments.len();
        for (_, proof) in &mut to_store[..paid_now] {
            proof.tx_hash = paid.tx_hash;
        }
        let record = WaveRecord {
            paid_at: crate::quote::unix_now(),
            chunks: paid_now as u32,
            storage_cost: paid.storage_cost,
            gas_cost: paid.gas_cost,
        };
        self.session
            .record_wave(paid.tx_hash, record, &to_store[..paid_now])
            .await
            .map_err(PayStop::Receipt)?;
        totals.paid_chunks += paid_now;
        totals.storage_cost = Amount::sum([totals.storage_cost, paid.storage_cost]);
        totals.gas_cost = Amount::sum([totals.gas_cost, paid.gas_cost]);
        context.reporter.event(&Event::WavePaid {
            wave: wave_number,
            chunks: paid_now,
            tx_hash: paid.tx_hash.to_string(),
            storage_cost_wei: paid.storage_cost,
            gas_cost_wei: paid.gas_cost,
        });
        Ok(to_store)
    }

    /// Quotes are deterministic within a second, so a chunk quoted again soon after an earlier
    /// payment (its receipt lost, or `--no-resume`) can carry a quote the vault already
    /// records as paid. Such proofs are valid as they are: they are recorded and stored, not
    /// paid again. Returns what is left to pay and every chunk to store, the payable ones
    /// first (parallel to the payments).
    async fn split_paid_earlier(
        &self,
        payments: Vec<WavePayment>,
        to_store: Vec<(PlannedChunk, PaymentProof)>,
        totals: &mut PayTotals,
    ) -> Result<PayAndStore, PayStop> {
        if payments.is_empty() {
            return Ok((payments, to_store));
        }
        let hashes: Vec<_> = payments.iter().map(|p| p.quote_hash).collect();
        let records = self
            .context
            .vault
            .paid_for_many(&hashes)
            .await
            .map_err(PayStop::Payment)?;
        let mut to_pay = Vec::with_capacity(payments.len());
        let mut payable = Vec::with_capacity(payments.len());
        let mut paid = Vec::new();
        for ((payment, job), (rewards, amount)) in payments.into_iter().zip(to_store).zip(records) {
            if rewards == payment.rewards && amount >= payment.amount {
                paid.push(job);
            } else {
                to_pay.push(payment);
                payable.push(job);
            }
        }
        if !paid.is_empty() {
            totals.paid_earlier += paid.len();
            self.session
                .commit(|receipt| {
                    for (chunk, proof) in &paid {
                        receipt.proofs.insert(chunk.address, proof.clone());
                    }
                })
                .await
                .map_err(PayStop::Receipt)?;
        }
        payable.extend(paid);
        Ok((to_pay, payable))
    }

    /// Chunks an earlier run paid for may have reached the nodes just before it stopped
    /// (stored, but not yet recorded). Asks their close groups first (a few small requests
    /// instead of sending megabytes again) and returns the chunks still to send, proofs kept.
    async fn skip_held(
        &self,
        reused: Vec<(PlannedChunk, PaymentProof)>,
        totals: &mut PayTotals,
    ) -> Result<Vec<(PlannedChunk, PaymentProof)>, PayStop> {
        if reused.is_empty() {
            return Ok(reused);
        }
        let chunks: Vec<PlannedChunk> = reused.iter().map(|(chunk, _)| chunk.clone()).collect();
        let answers = quote_group(self.context, self.options, &chunks).await;
        let mut held = Vec::new();
        let mut to_send = Vec::new();
        for ((chunk, proof), (_, answer)) in reused.into_iter().zip(answers) {
            if matches!(answer, Ok(QuoteOutcome::AlreadyStored)) {
                self.context.reporter.event(&Event::ChunkAlreadyStored {
                    chunk: chunk.address,
                    bytes: chunk.size,
                });
                held.push(chunk.address);
            } else {
                to_send.push((chunk, proof));
            }
        }
        self.record_held(held, totals).await?;
        Ok(to_send)
    }

    /// Records chunks the network already holds as stored.
    async fn record_held(
        &self,
        held: Vec<ChunkAddress>,
        totals: &mut PayTotals,
    ) -> Result<(), PayStop> {
        totals.already_stored += held.len();
        if held.is_empty() {
            return Ok(());
        }
        self.session
            .commit(|receipt| {
                receipt
                    .stored
                    .extend(held.into_iter().map(|c| (c, Vec::new())));
                receipt.normalise();
            })
            .await
            .map_err(PayStop::Receipt)
    }

    /// Store stage: PUTs every chunk of every paid wave, a bounded number at a time, and
    /// records each in the receipt once the nodes hold it.
    async fn store_waves(
        &self,
        file: Arc<File>,
        receiver: mpsc::Receiver<PaidChunks>,
        (stored_before_bytes, bytes_total): (u64, u64),
        totals: &mut StoreTotals,
    ) {
        let context = self.context;
        let mut bytes_done = stored_before_bytes;
        let jobs = ReceiverStream::new(receiver)
            .flat_map(|wave| stream::iter(wave.chunks))
            .take_while(|_| std::future::ready(!context.cancel.is_cancelled()));
        let mut results = jobs
            .map(|(chunk, proof)| self.store_one(file.clone(), chunk, proof))
            .buffer_unordered(self.options.chunks_in_flight.max(1));
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
        &self,
        file: Arc<File>,
        chunk: PlannedChunk,
        proof: PaymentProof,
    ) -> Result<(ChunkAddress, u32, usize), String> {
        let (context, options) = (self.context, self.options);
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
        let nodes = stored.receipts.len();
        self.session
            .commit(|receipt| {
                receipt.proofs.remove(&chunk.address);
                receipt.stored.insert(chunk.address, stored.receipts);
            })
            .await
            .map_err(|e| format!("chunk {} is stored but {e}", chunk.address))?;
        Ok((chunk.address, chunk.size, nodes))
    }
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
