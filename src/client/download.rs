//! Download: fetch the data map, then every chunk from any node that has it, verify, decrypt,
//! and write the file atomically.
//!
//! Invariants:
//! - every chunk is checked against its address and its AEAD tag before a byte of it is
//!   written; a node serving bad bytes is reported (a `retry` event naming it) and passed over
//!   for the next closest; a slow node gets the next closest asked in parallel;
//! - a reference is untrusted input: every data map is validated (level, lengths, size) before
//!   anything proportional to what it claims is allocated or fetched, and a map that fails is
//!   bad input (exit 2), never an abort;
//! - the output appears complete or not at all: chunks are written into an
//!   [`AtomicFile`] beside it, committed over the output only when every chunk is in (and
//!   removed when the download fails);
//! - a bounded number of chunks are fetched at once, so memory stays flat;
//! - a download to a stream ([`download_to_stream`], `-o -`) writes each chunk in order once it
//!   is verified; it cannot be taken back, so a failure midway leaves the bytes before the
//!   failed chunk written and the failure is the error (and the exit code) alone.

use std::fs::File;
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::stream::FuturesUnordered;
use futures::{StreamExt, TryStreamExt, stream};

use crate::blocking::blocking;
use crate::client::chunking::{ChunkError, ChunkRef, DataMap, Reference, decrypt, piece_offset};
use crate::client::folder::{FolderError, Manifest};
use crate::client::lookup::Swarm;
use crate::client::nodes::NodeClient;
use crate::client::race::{Next, next_or_hedge};
use crate::client::reporter::{Event, Phase, Reporter};
use crate::exit::ErrorKind;
use crate::fsutil::AtomicFile;
use crate::wire::network::{CLOSE_GROUP_SIZE, NodeInfo, ring_order};
use crate::wire::types::ChunkAddress;

/// Why a download failed.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    /// No node returned valid bytes for a chunk.
    #[error(
        "no node returned chunk {chunk} intact ({tried} tried; last: {last}); check the network and rerun"
    )]
    NotFound {
        /// The chunk.
        chunk: ChunkAddress,
        /// Nodes tried.
        tried: usize,
        /// The last problem seen.
        last: String,
    },
    /// A node served the very bytes stored under the chunk's address (they hash to it), yet
    /// the key does not open them: the key the reference (or its data map) gives is wrong.
    #[error(
        "the key in the reference does not open chunk {chunk}: the network holds that chunk, so the reference's key part is wrong (mistyped or cut short?); copy the whole reference again"
    )]
    WrongKey {
        /// The chunk the key failed on.
        chunk: ChunkAddress,
    },
    /// The reference opens nothing sensible.
    #[error(transparent)]
    Chunk(#[from] ChunkError),
    /// The reference is a folder whose manifest cannot be used.
    #[error(transparent)]
    Folder(#[from] crate::client::folder::FolderError),
    /// The output cannot be written.
    #[error("cannot write {path}")]
    Output {
        /// The output path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

impl DownloadError {
    /// Turns a failure to write `path` into [`DownloadError::Output`].
    fn output(path: &Path) -> impl Fn(std::io::Error) -> DownloadError + Copy + '_ {
        move |source| DownloadError::Output {
            path: path.to_owned(),
            source,
        }
    }

    /// The class of failure (for the exit code).
    pub fn kind(&self) -> ErrorKind {
        match self {
            DownloadError::NotFound { .. } => ErrorKind::Network,
            DownloadError::WrongKey { .. } => ErrorKind::BadInput,
            DownloadError::Chunk(
                ChunkError::BadReference(_)
                | ChunkError::BadDataMap(_)
                | ChunkError::ImplausibleDataMap { .. },
            ) => ErrorKind::BadInput,
            DownloadError::Chunk(_) => ErrorKind::Network,
            DownloadError::Folder(_) => ErrorKind::BadInput,
            DownloadError::Output { source, .. } => match source.kind() {
                std::io::ErrorKind::NotFound
                | std::io::ErrorKind::AlreadyExists
                | std::io::ErrorKind::PermissionDenied
                | std::io::ErrorKind::IsADirectory
                | std::io::ErrorKind::NotADirectory => ErrorKind::BadInput,
                _ => ErrorKind::Io,
            },
        }
    }
}

/// What a download did.
#[derive(Debug, Clone, PartialEq)]
pub struct DownloadSummary {
    /// Bytes written.
    pub bytes: u64,
    /// Files written, for a folder.
    pub files: Option<usize>,
    /// File chunks fetched.
    pub chunks: usize,
    /// Wall time.
    pub seconds: f64,
}

impl DownloadSummary {
    /// The summary of downloading the one file `map` describes, begun at `started`.
    fn of_file(map: &DataMap, started: Instant) -> Self {
        DownloadSummary {
            bytes: map.size,
            files: None,
            chunks: map.chunks.len(),
            seconds: started.elapsed().as_secs_f64(),
        }
    }
}

/// How long the GETs of a chunk in flight may go without an answer before the next closest
/// node is asked too.
pub const GET_HEDGE_DELAY: Duration = Duration::from_millis(1500);
/// GETs of one chunk in flight at most.
const GETS_PER_CHUNK: usize = 3;

/// Why one node did not give a chunk.
enum Miss {
    /// It does not have it.
    Absent,
    /// It failed or served bad bytes (reported).
    Failed(String),
    /// It served the chunk's true bytes, which the key does not open.
    WrongKey,
}

/// Fetches one chunk from the closest node that returns it intact and decrypts it; the
/// plaintext must be `chunk.len` bytes unless `any_len` (the root, whose length is unknown).
/// When the closest node is slow, the next is asked too (at most [`GETS_PER_CHUNK`] at once);
/// a node that fails or serves bad bytes is reported and passed over.
async fn fetch(
    client: &NodeClient,
    swarm: &Swarm,
    chunk: &ChunkRef,
    any_len: bool,
    reporter: &dyn Reporter,
) -> Result<Vec<u8>, DownloadError> {
    let mut last = String::from("no node has it");
    // The chunk's closest nodes, found by a lookup when discovery did not list them.
    let extended = swarm
        .for_chunk(client, &chunk.address, CLOSE_GROUP_SIZE)
        .await;
    let candidates = ring_order(&chunk.address, &extended.as_ref().unwrap_or(swarm).nodes);
    let ask = |node: &NodeInfo| {
        let node = node.clone();
        async move {
            let result = fetch_from(client, &node, chunk, any_len).await;
            (node, result)
        }
    };
    let mut running = FuturesUnordered::new();
    let mut next = 0;
    let mut failures = 0;
    loop {
        if running.is_empty() && next < candidates.len() {
            running.push(ask(candidates[next]));
            next += 1;
        }
        let may_hedge = next < candidates.len() && running.len() < GETS_PER_CHUNK;
        let answer = match next_or_hedge(&mut running, may_hedge.then_some(GET_HEDGE_DELAY)).await {
            Next::Hedge => {
                running.push(ask(candidates[next]));
                next += 1;
                continue;
            }
            Next::Answer(answer) => answer,
        };
        let Some((node, result)) = answer else {
            break;
        };
        match result {
            Ok(plain) => return Ok(plain),
            // The bytes were the stored ones: no other node can serve anything the key opens.
            Err(Miss::WrongKey) => {
                return Err(DownloadError::WrongKey {
                    chunk: chunk.address,
                });
            }
            Err(Miss::Absent) => last = format!("{} does not have it", node.url),
            Err(Miss::Failed(problem)) => {
                failures += 1;
                reporter.event(&Event::Retry {
                    chunk: chunk.address,
                    node: node.url.clone(),
                    attempt: failures,
                    reason: problem.clone(),
                });
                last = problem;
            }
        }
    }
    Err(DownloadError::NotFound {
        chunk: chunk.address,
        tried: next,
        last,
    })
}

/// Fetches one chunk named by `chunk` (its address, key and plaintext length) and decrypts it,
/// checked as every chunk of a download is.
pub(crate) async fn fetch_chunk(
    client: &NodeClient,
    swarm: &Swarm,
    chunk: &ChunkRef,
    reporter: &dyn Reporter,
) -> Result<Vec<u8>, DownloadError> {
    fetch(client, swarm, chunk, false, reporter).await
}

/// Asks one node for a chunk and checks what it sends: its address, its tag and its length.
async fn fetch_from(
    client: &NodeClient,
    node: &NodeInfo,
    chunk: &ChunkRef,
    any_len: bool,
) -> Result<Vec<u8>, Miss> {
    let bytes = match client.get(node, chunk.address).await {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Err(Miss::Absent),
        Err(error) => return Err(Miss::Failed(error.to_string())),
    };
    let chunk = *chunk;
    let opened = blocking(move || decrypt(chunk.address, &chunk.key, &bytes)).await;
    match opened {
        Ok(plain) if any_len || plain.len() == chunk.len as usize => Ok(plain),
        Ok(_) => Err(Miss::Failed(format!(
            "{} served chunk {} with the wrong length",
            node.url, chunk.address
        ))),
        Err(ChunkError::Tampered(_)) => Err(Miss::WrongKey),
        Err(error) => Err(Miss::Failed(format!(
            "{} served bad bytes: {error}",
            node.url
        ))),
    }
}

/// Resolves a reference to the file's level-0 data map, and the addresses of the chunks that
/// hold the maps (the root first). Every map is validated before anything proportional to it
/// is fetched, and levels must descend one at a time.
pub(crate) async fn file_map(
    client: &NodeClient,
    swarm: &Swarm,
    reference: Reference,
    reporter: &dyn Reporter,
) -> Result<(DataMap, Vec<ChunkAddress>), DownloadError> {
    let root = ChunkRef {
        address: reference.address,
        key: reference.key,
        len: 0,
    };
    let plain = fetch(client, swarm, &root, true, reporter).await?;
    let mut map = DataMap::from_bytes(&plain, reference.address)?;
    map.validate(reference.address)?;
    let mut map_chunks = vec![reference.address];
    while map.level > 0 {
        map_chunks.extend(map.chunks.iter().map(|chunk| chunk.address));
        let mut bytes = Vec::new();
        for chunk in &map.chunks {
            bytes.extend(fetch(client, swarm, chunk, false, reporter).await?);
        }
        let lower = DataMap::from_bytes(&bytes, reference.address)?;
        lower.validate(reference.address)?;
        if lower.level + 1 != map.level {
            return Err(ChunkError::ImplausibleDataMap {
                chunk: reference.address,
                problem: "its levels do not descend one at a time",
            }
            .into());
        }
        map = lower;
    }
    Ok((map, map_chunks))
}

/// The manifest behind `reference` when it is a folder's, `None` when it is a file's. Only the
/// first chunk of a file is fetched to tell; a manifest is held in memory whole, up to
/// [`MAX_MANIFEST_BYTES`](crate::client::folder::MAX_MANIFEST_BYTES).
pub async fn folder_manifest(
    client: &NodeClient,
    swarm: &Swarm,
    reference: Reference,
    reporter: &dyn Reporter,
) -> Result<Option<Manifest>, DownloadError> {
    let (map, _) = file_map(client, swarm, reference, reporter).await?;
    let Some(first) = map.chunks.first() else {
        return Ok(None);
    };
    let head = fetch(client, swarm, first, false, reporter).await?;
    if !Manifest::is_manifest(&head) {
        return Ok(None);
    }
    if map.size > crate::client::folder::MAX_MANIFEST_BYTES {
        return Err(FolderError::BadManifest("it is larger than any folder needs".into()).into());
    }
    let mut bytes = head;
    for chunk in &map.chunks[1..] {
        bytes.extend(fetch(client, swarm, chunk, false, reporter).await?);
    }
    Ok(Some(Manifest::from_bytes(&bytes)?))
}

/// Downloads the file behind `reference` to `output`, `in_flight` chunks at a time.
pub async fn download(
    client: &NodeClient,
    swarm: &Swarm,
    reference: Reference,
    output: &Path,
    in_flight: usize,
    reporter: &dyn Reporter,
) -> Result<DownloadSummary, DownloadError> {
    let started = Instant::now();
    let (map, _) = file_map(client, swarm, reference, reporter).await?;
    let output_error = DownloadError::output(output);
    let temp = AtomicFile::create(output, 0o666).map_err(output_error)?;
    let writer = Arc::new(temp.file().try_clone().map_err(output_error)?);
    write_chunks(client, swarm, &map, writer, output, in_flight, reporter).await?;
    let size = map.size;
    blocking(move || {
        temp.file().set_len(size)?;
        temp.commit()
    })
    .await
    .map_err(output_error)?;
    Ok(DownloadSummary::of_file(&map, started))
}

/// Downloads the file behind `reference` into `stream` (standard output for `-o -`), in order,
/// `in_flight` chunks fetched at once; every chunk is verified before a byte of it is written.
/// `name` names the stream in errors.
pub async fn download_to_stream(
    client: &NodeClient,
    swarm: &Swarm,
    reference: Reference,
    stream: Box<dyn Write + Send>,
    name: &Path,
    in_flight: usize,
    reporter: &dyn Reporter,
) -> Result<DownloadSummary, DownloadError> {
    let started = Instant::now();
    let (map, _) = file_map(client, swarm, reference, reporter).await?;
    let output_error = DownloadError::output(name);
    let mut chunks = stream::iter(map.chunks.iter())
        .map(|chunk| fetch(client, swarm, chunk, false, reporter))
        .buffered(in_flight.max(1));
    let (mut writer, mut done) = (stream, 0u64);
    while let Some(plain) = chunks.try_next().await? {
        done += plain.len() as u64;
        writer = blocking(move || {
            writer.write_all(&plain)?;
            writer.flush()?;
            Ok(writer)
        })
        .await
        .map_err(output_error)?;
        reporter.progress(Phase::Fetch, done, map.size);
    }
    Ok(DownloadSummary::of_file(&map, started))
}

async fn write_chunks(
    client: &NodeClient,
    swarm: &Swarm,
    map: &DataMap,
    file: Arc<File>,
    output: &Path,
    in_flight: usize,
    reporter: &dyn Reporter,
) -> Result<(), DownloadError> {
    let total = map.size;
    let mut done = 0u64;
    let mut writes = stream::iter(map.chunks.iter().enumerate())
        .map(|(index, chunk)| {
            let file = file.clone();
            async move {
                let plain = fetch(client, swarm, chunk, false, reporter).await?;
                let len = plain.len() as u64;
                blocking(move || file.write_all_at(&plain, piece_offset(index)))
                    .await
                    .map_err(DownloadError::output(output))?;
                Ok::<u64, DownloadError>(len)
            }
        })
        .buffer_unordered(in_flight.max(1));
    while let Some(len) = writes.try_next().await? {
        done += len;
        reporter.progress(Phase::Fetch, done, total);
    }
    Ok(())
}
