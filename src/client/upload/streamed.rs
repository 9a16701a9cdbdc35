//! Uploading a stream (`ferry upload -`) in bounded space: segment by segment.
//!
//! The stream is read one segment ([`SEGMENT_BYTES`], a wave of chunks) at a time into one file
//! under the data dir ([`Segments`]); each segment's pieces are planned, quoted, paid and sent
//! through the same stages as a file's, then the segment is replaced by the next. Once the
//! stream ends, its data map (over every piece, in order) is sealed and stored last. Segments
//! start at multiples of the piece size, so the pieces, the data map and the reference are the
//! ones uploading the same bytes as a file gives.
//!
//! Invariants:
//! - the disk holds one segment (plus the receipt) and memory one copy buffer, the chunks in
//!   flight and ~70 bytes per piece for the data map, whatever the stream's length;
//! - the whole stream has one receipt, keyed by the stream's name (the hash of its first
//!   segment), held locked from the first segment to the last; it is removed only once the
//!   data map is stored. A rerun fed the same bytes finds it, so every chunk paid or stored
//!   before is neither paid nor sent again;
//! - `--max-cost` bounds the whole stream: each segment may spend only what earlier segments
//!   left of it.

use std::io::Read;
use std::path::Path;
use std::time::Instant;

use super::{
    PlannedInput, UploadContext, UploadError, UploadOptions, UploadSummary, open_session,
    run_planned, settle, stamps_of,
};
use crate::blocking::blocking;
use crate::client::chunking::{UploadPlan, encrypt_file, piece_chunks, seal_pieces};
use crate::client::reporter::Phase;
use crate::client::sources::Sources;
use crate::client::stream::{SEGMENT_BYTES, Segments};
use crate::wire::types::Amount;

/// Uploads what `reader` gives, segment by segment, with the segment file under `spool_dir`.
pub async fn upload_stream(
    context: &UploadContext,
    options: &UploadOptions,
    reader: Box<dyn Read + Send>,
    spool_dir: &Path,
) -> Result<UploadSummary, UploadError> {
    let started = Instant::now();
    let dir = spool_dir.to_owned();
    let segments = blocking(move || Segments::start(reader, &dir))
        .await
        .map_err(UploadError::Stream)?;
    let mut options = options.clone();
    options.file = segments.marker().to_owned();
    let session = open_session(context, &options).await?;
    let mut settled = settle(context, &session).await?;
    let mut total = UploadSummary::default();
    let (mut refs, mut size) = (Vec::new(), 0u64);
    let mut segments = Some(segments);
    loop {
        let current = segments.take().expect("a segment is read");
        let (segment, offset) = (current.segment().to_owned(), current.offset);
        let (threads, reporter) = (options.encrypt_threads, context.reporter.clone());
        let (segment_size, segment_refs) = blocking(move || {
            encrypt_file(&segment, threads, &|bytes| {
                reporter.progress(Phase::Encrypt, offset + bytes, offset + SEGMENT_BYTES)
            })
        })
        .await
        .map_err(UploadError::Chunking)?;
        let chunks = piece_chunks(&segment_refs, 0);
        if !chunks.is_empty() {
            let sources = Sources::one(current.segment()).map_err(UploadError::Chunking)?;
            let planned = PlannedInput {
                // The stream's reference is known only at its end; a segment has none.
                plan: UploadPlan::new(placeholder(), segment_size, chunks),
                sources,
                files: None,
            };
            let stamps = stamps_of(current.segment()).await?;
            let segment_options = within_budget(&options, &total);
            let (outcome, _) = run_planned(
                context,
                &segment_options,
                &session,
                planned,
                stamps,
                std::mem::take(&mut settled),
                started,
            )
            .await;
            total = added(total, outcome)?;
        }
        refs.extend(segment_refs);
        size += segment_size;
        let mut next = current;
        let advanced = blocking(move || next.advance().map(|more| (next, more)))
            .await
            .map_err(UploadError::Stream)?;
        if !advanced.1 {
            segments = Some(advanced.0);
            break;
        }
        segments = Some(advanced.0);
    }
    let mut chunks = Vec::new();
    let reference = seal_pieces(size, refs, &mut chunks);
    let planned = PlannedInput {
        plan: UploadPlan::new(reference, size, chunks),
        sources: Sources::many(Vec::new()),
        files: None,
    };
    let segment = segments
        .as_ref()
        .expect("a segment is read")
        .segment()
        .to_owned();
    let stamps = stamps_of(&segment).await?;
    let last_options = within_budget(&options, &total);
    let (outcome, _) = run_planned(
        context,
        &last_options,
        &session,
        planned,
        stamps,
        settled,
        started,
    )
    .await;
    let mut total = added(total, outcome)?;
    session.remove().await?;
    total.reference = Some(reference);
    total.seconds = started.elapsed().as_secs_f64();
    Ok(total)
}

/// A segment's plan has no reference of its own (the stream's is known at its end).
fn placeholder() -> crate::client::chunking::Reference {
    crate::client::chunking::Reference {
        address: crate::wire::types::ChunkAddress([0; 32]),
        key: crate::client::chunking::ChunkKey([0; 32]),
    }
}

/// The options for the next segment: `--max-cost` less what earlier segments spent.
fn within_budget(options: &UploadOptions, spent: &UploadSummary) -> UploadOptions {
    let mut options = options.clone();
    if let Some(max) = options.max_cost {
        let paid = Amount::sum([spent.storage_cost, spent.gas_cost]);
        options.max_cost = Some(Amount(max.0.saturating_sub(paid.0)));
    }
    options
}

/// `total` with a segment's outcome added; a failed segment ends the upload, its error
/// carrying the whole stream's summary.
fn added(
    mut total: UploadSummary,
    outcome: Result<UploadSummary, UploadError>,
) -> Result<UploadSummary, UploadError> {
    let add = |total: &mut UploadSummary, part: &UploadSummary| {
        total.chunks += part.chunks;
        // Each run's plan has its segment's size, the last one the whole stream's.
        total.bytes = part.bytes;
        total.paid_chunks += part.paid_chunks;
        total.reused_proofs += part.reused_proofs;
        total.found_paid += part.found_paid;
        total.already_stored += part.already_stored;
        total.stored_chunks += part.stored_chunks;
        total.bytes_sent += part.bytes_sent;
        total.storage_cost = Amount::sum([total.storage_cost, part.storage_cost]);
        total.gas_cost = Amount::sum([total.gas_cost, part.gas_cost]);
        total.transactions += part.transactions;
        total.seconds = part.seconds;
    };
    match outcome {
        Ok(part) => {
            add(&mut total, &part);
            Ok(total)
        }
        Err(mut error) => {
            if let Some(summary) = error.summary_mut() {
                add(&mut total, summary);
                **summary = total;
            }
            Err(error)
        }
    }
}
