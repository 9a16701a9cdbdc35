//! What an upload ends with: its summary, or the error that stopped it and the class of
//! failure (exit code) that error earns. Every error after the plan carries the summary of what
//! was already paid and stored, so the CLI can say it.

use std::path::PathBuf;

use tokio_util::sync::CancellationToken;

use crate::client::chunking::{ChunkError, Reference};
use crate::exit::ErrorKind;
use crate::vault::PaymentError;
use crate::wire::types::Amount;

/// What an upload did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UploadSummary {
    /// The reference to download the file with.
    pub reference: Option<Reference>,
    /// Chunks in the plan, data map included.
    pub chunks: usize,
    /// Files of a folder (`None` for a file).
    pub files: Option<usize>,
    /// The input's size: a file's bytes, a folder's files' together, a stream's whole length
    /// (for a stream stopped before its end, the segment it stopped in).
    pub bytes: u64,
    /// Chunks paid in this run.
    pub paid_chunks: usize,
    /// Proofs reused from an earlier run.
    pub reused_proofs: usize,
    /// Chunks whose fresh quote the vault already recorded as paid (quoted again within the
    /// same second as an earlier payment), so not paid again.
    pub found_paid: usize,
    /// Chunks the network already held.
    pub already_stored: usize,
    /// Chunks stored in this run.
    pub stored_chunks: usize,
    /// Bytes of PUT bodies this run sent to nodes (every attempt counted).
    pub bytes_sent: u64,
    /// Paid to nodes, wei.
    pub storage_cost: Amount,
    /// Spent on gas, wei.
    pub gas_cost: Amount,
    /// Payment transactions this run confirmed.
    pub transactions: usize,
    /// Wall time.
    pub seconds: f64,
}

/// Why an upload did not complete.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// The file is missing, unreadable or not a regular file.
    #[error("{path}: {reason}")]
    BadFile {
        /// The file.
        path: PathBuf,
        /// What is wrong and what to do.
        reason: String,
    },
    /// The cached receipt could not be read or written, or is from a newer ferry.
    #[error(transparent)]
    Receipt(#[from] crate::client::receipt::cache::CacheError),
    /// Reading or encrypting the file failed.
    #[error(transparent)]
    Chunking(#[from] ChunkError),
    /// Walking the folder failed.
    #[error(transparent)]
    Folder(#[from] crate::client::folder::FolderError),
    /// Reading standard input, or writing its segment under the data dir, failed.
    #[error(transparent)]
    Stream(#[from] crate::client::stream::StreamError),
    /// Paying failed; waves already paid were still stored.
    #[error("paying for a wave failed")]
    Payment {
        /// The cause.
        source: PaymentError,
        /// What happened before.
        summary: Box<UploadSummary>,
    },
    /// The next wave would exceed `--max-cost`; nothing was paid for it.
    #[error(
        "paying the next wave (about {wave_cost} wei, storage and gas) would bring what this run paid to {would_be} wei, above --max-cost {max_cost} wei; nothing was paid for it. Raise --max-cost or rerun to resume"
    )]
    CostLimit {
        /// The wave's cost.
        wave_cost: Amount,
        /// Total after it.
        would_be: Amount,
        /// The limit.
        max_cost: Amount,
        /// What happened before.
        summary: Box<UploadSummary>,
    },
    /// The expected cost was not approved (the confirmation was declined); nothing was paid.
    #[error("upload declined: it would pay about {} wei ({} wei storage + {} wei gas) for {} chunks; nothing was paid. Rerun with --yes to pay without asking, or check the price first with ferry quote", .estimate.total(), .estimate.storage_cost, .estimate.gas_cost, .estimate.chunks_to_pay)]
    Declined {
        /// What it would have paid.
        estimate: super::CostEstimate,
        /// What happened before.
        summary: Box<UploadSummary>,
    },
    /// Some chunks could not be quoted or stored after retries.
    #[error("{} of {} chunks could not be stored after retries (first: {})", .failures.len(), .summary.chunks, .failures.first().map_or_else(|| "?".to_owned(), ToString::to_string))]
    Partial {
        /// Each failed chunk, with its cause.
        failures: Vec<super::ChunkFailure>,
        /// What happened.
        summary: Box<UploadSummary>,
    },
    /// The receipt could not be written during the upload (disk full, I/O error): it stopped
    /// there, and what was paid before is on disk or found again on the chain by a rerun.
    #[error(
        "the upload stopped because its receipt could not be written, after paying {} chunks in this run ({} wei); rerun once the data dir has space: nothing is paid twice", .summary.paid_chunks, .summary.storage_cost
    )]
    ReceiptWrite {
        /// The failed write.
        #[source]
        source: crate::client::receipt::cache::CacheError,
        /// What happened before.
        summary: Box<UploadSummary>,
    },
    /// The file changed after it was planned: no further wave was paid.
    #[error("{changed}")]
    FileChanged {
        /// Which file.
        changed: super::stamp::FileChanged,
        /// What happened before.
        summary: Box<UploadSummary>,
    },
    /// Cancelled (Ctrl-C) before the end.
    #[error("interrupted: of {} chunks, {} were paid ({} wei storage + {} wei gas in {} transactions) and {} stored in this run ({} with proofs from an earlier run), and {} were already stored; the receipt keeps what is paid", .summary.chunks, .summary.paid_chunks, .summary.storage_cost, .summary.gas_cost, .summary.transactions, .summary.stored_chunks, .summary.reused_proofs, .summary.already_stored)]
    Interrupted {
        /// What happened before.
        summary: Box<UploadSummary>,
    },
}

impl UploadError {
    /// The class of failure (for the exit code).
    pub fn kind(&self) -> ErrorKind {
        match self {
            UploadError::BadFile { .. } => ErrorKind::BadInput,
            UploadError::Chunking(ChunkError::Read { .. }) => ErrorKind::BadInput,
            UploadError::Receipt(error) => error.kind(),
            UploadError::ReceiptWrite { source, .. } => source.kind(),
            UploadError::Chunking(ChunkError::FileChanged { .. }) => ErrorKind::Partial,
            UploadError::Chunking(_) => ErrorKind::Internal,
            // A file or directory of the folder that cannot be read.
            UploadError::Folder(error) => error.kind(),
            UploadError::Stream(error) => error.kind(),
            UploadError::Payment { source, .. } => source.kind(),
            UploadError::CostLimit { .. } | UploadError::Declined { .. } => ErrorKind::Payment,
            UploadError::Partial { .. } => ErrorKind::Partial,
            UploadError::FileChanged { .. } => ErrorKind::BadInput,
            UploadError::Interrupted { .. } => ErrorKind::Interrupted,
        }
    }

    /// What was done before the failure, when anything was.
    pub fn summary(&self) -> Option<&UploadSummary> {
        match self {
            UploadError::Payment { summary, .. }
            | UploadError::CostLimit { summary, .. }
            | UploadError::Declined { summary, .. }
            | UploadError::Partial { summary, .. }
            | UploadError::FileChanged { summary, .. }
            | UploadError::ReceiptWrite { summary, .. }
            | UploadError::Interrupted { summary } => Some(summary),
            _ => None,
        }
    }

    /// [`UploadError::summary`], to change.
    pub fn summary_mut(&mut self) -> Option<&mut Box<UploadSummary>> {
        match self {
            UploadError::Payment { summary, .. }
            | UploadError::CostLimit { summary, .. }
            | UploadError::Declined { summary, .. }
            | UploadError::Partial { summary, .. }
            | UploadError::FileChanged { summary, .. }
            | UploadError::ReceiptWrite { summary, .. }
            | UploadError::Interrupted { summary } => Some(summary),
            _ => None,
        }
    }
}

/// Why the pay stage stopped early.
pub(super) enum PayStop {
    Payment(PaymentError),
    CostLimit {
        wave_cost: Amount,
        would_be: Amount,
        max_cost: Amount,
    },
    Declined(super::CostEstimate),
    Receipt(crate::client::receipt::cache::CacheError),
    FileChanged(super::stamp::FileChanged),
}

impl PayStop {
    /// The upload error this stop ends in, with what was done before it.
    fn into_error(self, summary: Box<UploadSummary>) -> UploadError {
        match self {
            PayStop::Payment(source) => UploadError::Payment { source, summary },
            PayStop::CostLimit {
                wave_cost,
                would_be,
                max_cost,
            } => UploadError::CostLimit {
                wave_cost,
                would_be,
                max_cost,
                summary,
            },
            PayStop::Receipt(source) => UploadError::ReceiptWrite { source, summary },
            PayStop::FileChanged(changed) => UploadError::FileChanged { changed, summary },
            PayStop::Declined(estimate) => UploadError::Declined { estimate, summary },
        }
    }
}

/// How an upload ends: the pay stage's stop first, then an interruption, then chunk failures.
pub(super) fn finish(
    pay_result: Result<(), PayStop>,
    summary: UploadSummary,
    quote_failures: Vec<super::ChunkFailure>,
    store_failures: Vec<super::ChunkFailure>,
    cancel: &CancellationToken,
) -> Result<UploadSummary, UploadError> {
    if let Err(stop) = pay_result {
        return Err(stop.into_error(Box::new(summary)));
    }
    if cancel.is_cancelled() && summary.stored_chunks + summary.already_stored < summary.chunks {
        return Err(UploadError::Interrupted {
            summary: Box::new(summary),
        });
    }
    let failures: Vec<_> = quote_failures.into_iter().chain(store_failures).collect();
    if !failures.is_empty() {
        return Err(UploadError::Partial {
            failures,
            summary: Box::new(summary),
        });
    }
    Ok(summary)
}
