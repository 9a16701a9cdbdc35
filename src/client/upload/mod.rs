//! The upload orchestrator: resume from the receipt, encrypt, then for each wave quote, pay,
//! record and send.
//!
//! The input is one file, or a folder: every regular file under it and its manifest
//! ([`crate::client::folder`]), whose chunks are planned together and share the waves. Stages,
//! in order:
//! 1. **resume**: take the input's receipt lock, load its receipt, settle journalled payments
//!    with the chain, and prune expired proofs (`resume.rs`);
//! 2. **encrypt**: chunk and encrypt the file(s) into a plan (addresses and keys only; chunk
//!    bytes are re-derived from their file, [`crate::client::sources`], when they are sent; a
//!    folder's files unchanged since an earlier run are taken from its plan cache). Chunks
//!    recorded stored are skipped; chunks with a usable proof go straight to the send stage;
//! 3. per wave of up to `wave_size` chunks: **quote** each chunk's close group; chunks that
//!    `replicas` nodes prove they hold (a fresh challenge each) are skipped; before the first payment the whole cost is estimated, checked
//!    against the wallet and approved (`cost.rs`); `--max-cost` is checked before every wave;
//!    the wave's quotes are journalled, it is **paid** in one transaction, its proofs are
//!    written to the receipt, and only then
//! 4. **send**: PUT the wave's chunks to their close groups until `replicas` nodes hold each
//!    ([`crate::client::replication`]), recording each chunk once they do.
//!
//! Quoting and paying the next wave overlap with sending the previous one; a bounded channel
//! (one wave) and a bounded number of chunks in flight keep memory flat whatever the file size.
//! A chunk that cannot be quoted or stored is recorded as failed and the rest carry on; the
//! upload then ends partial. Cancellation stops new waves and new chunk sends; work in flight,
//! receipt writes included, finishes.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::client::chunking::{UploadPlan, plan_file};
use crate::client::folder::{FileChunks, PlannedInput, Walk};
use crate::client::nodes::{NodeClient, Swarm};
use crate::client::plan_cache::PlanCache;
use crate::client::replication::RetryPolicy;
use crate::client::reporter::{Event, Phase, Reporter};
use crate::client::sources::Sources;
use crate::vault::Vault;
use crate::wire::network::CLOSE_GROUP_SIZE;
use crate::wire::types::Amount;

mod chunks;
mod cost;
mod files;
mod outcome;
mod pay;
mod resume;
mod send;
mod stamp;

use chunks::PaidChunk;
pub use chunks::{ChunkFailure, FailureCause};
pub use cost::{
    APPROVAL_MARGIN_PERCENT, Approval, ApproveAll, CostEstimate, CostGate, with_margin,
};
use outcome::{PayStop, finish};
pub use outcome::{UploadError, UploadSummary};
use resume::Session;
pub use stamp::FileChanged;
use stamp::Stamps;

/// The largest wave: chunks paid in one transaction.
pub const MAX_WAVE_SIZE: usize = 64;

/// How an upload runs.
#[derive(Debug, Clone)]
pub struct UploadOptions {
    /// The file to upload.
    pub file: PathBuf,
    /// Chunks per payment transaction (1 to 64).
    pub wave_size: usize,
    /// Never let this run pay more than this, storage and gas (wei).
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
    /// The chain's id (with the vault, it names the network a receipt belongs to).
    pub chain_id: u64,
    /// Where events go.
    pub reporter: Arc<dyn Reporter>,
    /// Approves the expected cost before the first payment.
    pub gate: Arc<dyn CostGate>,
    /// Cancelled on Ctrl-C.
    pub cancel: CancellationToken,
}

/// What an upload reads.
pub enum Input {
    /// One regular file.
    File(PathBuf),
    /// A folder: its path, and its walked files, directories and skipped entries.
    Folder(PathBuf, Walk),
}

impl Input {
    /// Looks at `path` (blocking): a readable regular file, or a folder walked (leaving out
    /// the data dir `data_dir` should it be inside).
    pub fn inspect(path: &Path, data_dir: &Path) -> Result<Self, UploadError> {
        if std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
            let walk = crate::client::folder::walk(path, data_dir)?;
            return Ok(Input::Folder(path.to_owned(), walk));
        }
        check_file(path)?;
        Ok(Input::File(path.to_owned()))
    }

    /// The files the upload reads, by source number.
    pub fn paths(&self) -> Vec<PathBuf> {
        match self {
            Input::File(path) => vec![path.clone()],
            Input::Folder(_, walk) => walk.files.iter().map(|f| f.path.clone()).collect(),
        }
    }

    /// Chunks and encrypts the input off the async threads, reporting bytes (and, for a
    /// folder, files) done. With `plan_cache` (the data dir), a folder's files unchanged since
    /// an earlier run planned them are not read again, and the cache is updated.
    pub async fn encrypt(
        self,
        threads: usize,
        reporter: Arc<dyn Reporter>,
        plan_cache: Option<&Path>,
    ) -> Result<PlannedInput, UploadError> {
        match self {
            Input::File(path) => Ok(PlannedInput {
                plan: encrypt(&path, threads, reporter).await?,
                sources: Sources::one(&path)?,
                files: None,
            }),
            Input::Folder(root, walk) => {
                let data_dir = plan_cache.map(Path::to_owned);
                tokio::task::spawn_blocking(move || {
                    let cache = match &data_dir {
                        Some(data_dir) => PlanCache::open(data_dir, &root),
                        None => PlanCache::none(),
                    };
                    let (planned, files) =
                        crate::client::folder::plan(&walk, threads, reporter.as_ref(), &cache)?;
                    cache.save(files);
                    Ok(planned)
                })
                .await
                .expect("the encrypt stage does not panic")
            }
        }
    }
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
    if !meta.is_file() && !meta.is_dir() {
        return Err(bad(
            "is not a regular file or a folder (to upload what a program writes, pipe it into `ferry upload -`)".into(),
        ));
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

/// A paid wave on its way to the send stage.
struct PaidWave {
    chunks: Vec<PaidChunk>,
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
    failures: Vec<ChunkFailure>,
}

#[derive(Default)]
struct SendTotals {
    stored_chunks: usize,
    bytes_sent: u64,
    failures: Vec<ChunkFailure>,
    /// The first receipt write that failed, if any.
    receipt_error: Option<crate::client::receipt::cache::CacheError>,
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
    let network = format!("{}:{}", context.chain_id, context.vault.address());
    let session =
        Session::open(options, network, context.reporter.clone(), &context.cancel).await?;
    let Prepared {
        plan,
        sources,
        files,
        work,
        stamps,
    } = prepare(context, options, &session).await?;
    let folder_files = files.as_ref().map(Vec::len);
    let context = &with_file_progress(context, files, &plan, &work);
    let (reused_proofs, stored_before) = (work.reused.len(), work.stored_before);
    let stages = Stages {
        context,
        options,
        session: &session,
        stamps,
    };
    let (pay_result, pay, send) = stages.run(Arc::new(sources), &plan, work).await;
    let summary = UploadSummary {
        reference: Some(plan.reference),
        chunks: plan.chunks.len(),
        files: folder_files,
        paid_chunks: pay.paid_chunks,
        reused_proofs,
        found_paid: pay.paid_earlier,
        already_stored: stored_before + pay.already_stored,
        stored_chunks: send.stored_chunks,
        bytes_sent: send.bytes_sent,
        storage_cost: pay.storage_cost,
        gas_cost: pay.gas_cost,
        seconds: started.elapsed().as_secs_f64(),
    };
    let pay_result = match (pay_result, send.receipt_error) {
        (Ok(()), Some(error)) => Err(PayStop::Receipt(error)),
        (result, _) => result,
    };
    // A chunk whose file no longer gives it, though its stamp held: the plan cache is not
    // trusted again.
    let file_changed = send
        .failures
        .iter()
        .any(|failure| matches!(failure.cause, FailureCause::Rederive(_)));
    let outcome = finish(
        pay_result,
        summary,
        pay.failures,
        send.failures,
        &context.cancel,
    );
    if outcome.is_ok() {
        session.remove().await?;
    }
    if outcome.is_ok() || file_changed {
        let (data_dir, folder) = (options.data_dir.clone(), options.file.clone());
        tokio::task::spawn_blocking(move || PlanCache::remove(&data_dir, &folder))
            .await
            .expect("removing a file does not panic");
    }
    outcome
}

/// What the stages start from.
struct Prepared {
    /// The chunks of the file (or of the folder's files and manifest).
    plan: UploadPlan,
    /// The files they are read from.
    sources: Sources,
    /// Which chunks each file of a folder needs (`None` for a file).
    files: Option<Vec<FileChunks>>,
    /// What is left to do of it.
    work: resume::Work,
    /// The files as they were planned.
    stamps: Stamps,
}

/// Settles what earlier runs left with the chain, plans the file and says what is left to do.
async fn prepare(
    context: &UploadContext,
    options: &UploadOptions,
    session: &Session,
) -> Result<Prepared, UploadError> {
    let recovered_payments = session.reconcile(&context.vault).await?;
    let unpaid_proofs = session.drop_unpaid(&context.vault).await?;
    let (path, data_dir) = (options.file.clone(), options.data_dir.clone());
    let input = tokio::task::spawn_blocking(move || Input::inspect(&path, &data_dir))
        .await
        .expect("walking a folder does not panic")?;
    if let Input::Folder(_, walk) = &input {
        for (path, what) in &walk.skipped {
            context.reporter.event(&Event::Skipped {
                file: path.display().to_string(),
                reason: (*what).to_owned(),
            });
        }
    }
    let stamps = Stamps::of(input.paths())
        .await
        .map_err(|(path, e)| UploadError::BadFile {
            path,
            reason: format!("cannot read it: {e}"),
        })?;
    let PlannedInput {
        plan,
        sources,
        files,
    } = input
        .encrypt(
            options.encrypt_threads,
            context.reporter.clone(),
            options.resume.then_some(options.data_dir.as_path()),
        )
        .await?;
    let unchanged = |changed| UploadError::FileChanged {
        changed,
        summary: Box::default(),
    };
    stamps.check().await.map_err(unchanged)?;
    let work = session.plan_work(&plan, options.resume, crate::wire::signed::unix_now());
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
        unpaid_proofs,
    });
    Ok(Prepared {
        plan,
        sources,
        files,
        work,
        stamps,
    })
}

/// For a folder, the context with a reporter that adds `file_stored` events, with the files
/// already stored by an earlier run counted.
fn with_file_progress(
    context: &UploadContext,
    files: Option<Vec<FileChunks>>,
    plan: &UploadPlan,
    work: &resume::Work,
) -> UploadContext {
    let mut context = context.clone();
    let Some(files) = files else {
        return context;
    };
    let progress = files::FileProgress::new(files, context.reporter.clone());
    let pending: std::collections::HashSet<_> = work
        .to_quote
        .iter()
        .chain(work.reused.iter().map(|paid| &paid.chunk))
        .map(|chunk| chunk.address)
        .collect();
    for chunk in plan.chunks.iter().filter(|c| !pending.contains(&c.address)) {
        progress.settle(&chunk.address);
    }
    context.reporter = Arc::new(progress);
    context
}

/// The pipeline's stages and what they share.
struct Stages<'a> {
    context: &'a UploadContext,
    options: &'a UploadOptions,
    session: &'a Session,
    /// The files as they were planned; checked before every payment.
    stamps: Stamps,
}

impl Stages<'_> {
    /// Runs the quote and pay stages and the send stage side by side, one wave apart.
    async fn run(
        &self,
        sources: Arc<Sources>,
        plan: &UploadPlan,
        work: resume::Work,
    ) -> (Result<(), PayStop>, PayTotals, SendTotals) {
        let (sender, receiver) = mpsc::channel::<PaidWave>(1);
        let mut pay_totals = PayTotals::default();
        let mut send_totals = SendTotals::default();
        let bytes_total: u64 = plan.chunks.iter().map(|c| c.size as u64).sum();
        let bytes = (work.stored_before_bytes, bytes_total);
        let (pay_result, ()) = tokio::join!(
            self.quote_and_pay(work, &sources, sender, &mut pay_totals),
            self.send_waves(sources.clone(), receiver, bytes, &mut send_totals),
        );
        (pay_result, pay_totals, send_totals)
    }
}
