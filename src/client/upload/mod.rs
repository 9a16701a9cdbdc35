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

use crate::blocking::blocking;
use crate::client::bodies::{BODIES_IN_MEMORY, BodyPool};
use crate::client::chunking::{UploadPlan, plan_file};
use crate::client::folder::{FileChunks, PlannedInput, Walk};
use crate::client::nodes::{NodeClient, Swarm};
use crate::client::plan_cache::PlanCache;
use crate::client::replication::RetryPolicy;
use crate::client::reporter::{Event, Phase, Reporter};
use crate::client::sources::FileList;
use crate::client::sources::Sources;
use crate::vault::Vault;
use crate::wire::network::{CLOSE_GROUP_SIZE, REPLICAS};
use crate::wire::types::Amount;

mod chunks;
mod cost;
mod files;
mod outcome;
mod pay;
mod resume;
mod send;
mod stamp;
mod streamed;

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
pub use streamed::upload_stream;

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
    /// Chunk bodies held in memory at once (being read or written to a node), however many
    /// chunks are in flight: see [`crate::client::bodies`].
    pub bodies_in_memory: usize,
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
            replicas: REPLICAS,
            close_group: CLOSE_GROUP_SIZE,
            chunks_in_flight: 8,
            bodies_in_memory: BODIES_IN_MEMORY,
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
    /// A folder: its walked files, directories and skipped entries, and where its manifest
    /// is spooled while it uploads (`<data dir>/spool`).
    Folder {
        /// What the walk found.
        walk: Walk,
        /// The spool directory.
        spool: PathBuf,
    },
}

impl Input {
    /// Looks at `path` (blocking): a readable regular file, or a folder walked (leaving out
    /// the data dir `data_dir` should it be inside).
    pub fn inspect(path: &Path, data_dir: &Path) -> Result<Self, UploadError> {
        if std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
            let walk = crate::client::folder::walk(path, data_dir)?;
            let spool = data_dir.join("spool");
            return Ok(Input::Folder { walk, spool });
        }
        check_file(path)?;
        Ok(Input::File(path.to_owned()))
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
                plan: encrypt_with_progress(&path, threads, reporter).await?,
                sources: Sources::one(&path)?,
                files: None,
            }),
            Input::Folder { walk, spool } => {
                let data_dir = plan_cache.map(Path::to_owned);
                blocking(move || {
                    let cache = match &data_dir {
                        Some(data_dir) => PlanCache::open(data_dir, walk.files.root()),
                        None => PlanCache::none(),
                    };
                    let plan = crate::client::folder::plan;
                    let (planned, files) = plan(walk, &spool, threads, reporter.as_ref(), &cache)?;
                    cache.save(files);
                    Ok(planned)
                })
                .await
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

/// Encrypt stage of one file: chunks and encrypts it off the async threads, reporting bytes done.
async fn encrypt_with_progress(
    file: &Path,
    threads: usize,
    reporter: Arc<dyn Reporter>,
) -> Result<UploadPlan, UploadError> {
    let total = check_file(file)?;
    let path = file.to_owned();
    let done = AtomicU64::new(0);
    let plan = blocking(move || {
        plan_file(&path, threads, &|bytes| {
            let so_far = done.fetch_add(bytes, Ordering::Relaxed) + bytes;
            reporter.progress(Phase::Encrypt, so_far, total);
        })
    })
    .await?;
    Ok(plan)
}

/// A paid wave's chunks on their way to the send stage (the chain's record of a wave is
/// [`crate::vault::PaidWave`]).
struct WaveToSend {
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
    /// Payment transactions confirmed in this run.
    transactions: usize,
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
    let session = open_session(context, options).await?;
    let settled = settle(context, &session).await?;
    let (planned, stamps) = plan_input(context, options).await?;
    let (outcome, file_changed) = run_planned(
        context, options, &session, planned, stamps, settled, started,
    )
    .await;
    if outcome.is_ok() {
        session.remove().await?;
    }
    if outcome.is_ok() || file_changed {
        let (data_dir, folder) = (options.data_dir.clone(), options.file.clone());
        blocking(move || PlanCache::remove(&data_dir, &folder)).await;
    }
    outcome
}

/// Takes the input's receipt lock and loads its receipt.
async fn open_session(
    context: &UploadContext,
    options: &UploadOptions,
) -> Result<Session, UploadError> {
    let network = format!("{}:{}", context.chain_id, context.vault.address());
    Session::open(options, network, context.reporter.clone(), &context.cancel).await
}

/// Settles what earlier runs left with the chain: journalled payments, and proofs the vault
/// does not record as paid. Returns (payments recovered, proofs dropped).
async fn settle(context: &UploadContext, session: &Session) -> Result<(usize, usize), UploadError> {
    let recovered_payments = session.reconcile(&context.vault).await?;
    let unpaid_proofs = session.drop_unpaid(&context.vault).await?;
    Ok((recovered_payments, unpaid_proofs))
}

/// Walks and plans the input, its files stamped before they are read and checked after.
async fn plan_input(
    context: &UploadContext,
    options: &UploadOptions,
) -> Result<(PlannedInput, Stamps), UploadError> {
    let (path, data_dir) = (options.file.clone(), options.data_dir.clone());
    let input = blocking(move || Input::inspect(&path, &data_dir)).await?;
    // A file is stamped now, before it is read; a folder's files by its planner, each before
    // it is read.
    let stamped = match &input {
        Input::Folder { walk, .. } => {
            for (path, what) in &walk.skipped {
                context.reporter.event(&Event::Skipped {
                    file: path.display().to_string(),
                    reason: (*what).to_owned(),
                });
            }
            None
        }
        Input::File(path) => Some(stamps_of(path).await?),
    };
    let mut planned = input
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
    let stamps = match (stamped, &mut planned.files) {
        (Some(stamps), _) => stamps,
        (None, Some(files)) => Stamps::taken(files.list.clone(), std::mem::take(&mut files.stamps)),
        (None, None) => unreachable!("a folder is planned with its files"),
    };
    stamps.check().await.map_err(unchanged)?;
    Ok((planned, stamps))
}

/// The stamp of the one file at `path`, taken now.
async fn stamps_of(path: &Path) -> Result<Stamps, UploadError> {
    Stamps::of(Arc::new(FileList::of_paths([path])))
        .await
        .map_err(|(path, e)| UploadError::BadFile {
            path,
            reason: format!("cannot read it: {e}"),
        })
}

/// Runs the stages over a planned input: what is left of it is quoted, paid and sent. Returns
/// the outcome, and whether a file gave other chunks than planned (its plan cache is not to be
/// trusted again). The receipt is kept, whatever the outcome.
async fn run_planned(
    context: &UploadContext,
    options: &UploadOptions,
    session: &Session,
    planned: PlannedInput,
    stamps: Stamps,
    (recovered_payments, unpaid_proofs): (usize, usize),
    started: Instant,
) -> (Result<UploadSummary, UploadError>, bool) {
    let PlannedInput {
        plan,
        sources,
        files,
    } = planned;
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
    let folder_files = files.as_ref().map(|files| files.list.len());
    let files = files.map(|files| (files.list, files.chunks));
    let context = &with_file_progress(context, files, &plan, &work);
    let (reused_proofs, stored_before) = (work.reused.len(), work.stored_before);
    let stages = Stages {
        context,
        options,
        session,
        stamps,
        bodies: BodyPool::new(options.bodies_in_memory),
    };
    let (pay_result, pay, mut send) = stages.run(Arc::new(sources), &plan, work).await;
    // Stored chunks' records still in memory are written before anything else happens.
    if let Err(error) = session.flush().await {
        send.receipt_error.get_or_insert(error);
    }
    let summary = UploadSummary {
        reference: Some(plan.reference),
        chunks: plan.chunks.len(),
        files: folder_files,
        bytes: plan.file_size,
        paid_chunks: pay.paid_chunks,
        reused_proofs,
        found_paid: pay.paid_earlier,
        already_stored: stored_before + pay.already_stored,
        stored_chunks: send.stored_chunks,
        bytes_sent: send.bytes_sent,
        storage_cost: pay.storage_cost,
        gas_cost: pay.gas_cost,
        transactions: pay.transactions,
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
    (outcome, file_changed)
}

/// For a folder, the context with a reporter that adds `file_stored` events, with the files
/// already stored by an earlier run counted.
fn with_file_progress(
    context: &UploadContext,
    files: Option<(Arc<FileList>, FileChunks)>,
    plan: &UploadPlan,
    work: &resume::Work,
) -> UploadContext {
    let mut context = context.clone();
    let Some((files, chunks)) = files else {
        return context;
    };
    let progress = files::FileProgress::new(files, chunks, context.reporter.clone());
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
    /// Room for the chunk bodies the quote and send stages read.
    bodies: Arc<BodyPool>,
}

impl Stages<'_> {
    /// Runs the quote and pay stages and the send stage side by side, one wave apart.
    async fn run(
        &self,
        sources: Arc<Sources>,
        plan: &UploadPlan,
        work: resume::Work,
    ) -> (Result<(), PayStop>, PayTotals, SendTotals) {
        let (sender, receiver) = mpsc::channel::<WaveToSend>(1);
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
