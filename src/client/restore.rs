//! Rebuilding a folder from its manifest: its directories, then its files (each big one
//! downloaded like a file, a few at a time; the small ones pack by pack, each pack fetched
//! once), then each file's and directory's mode and modification time. Also one file of a
//! folder on its own ([`download_path`]), fetching only the chunks that hold it.
//!
//! Invariants:
//! - nothing is written outside the output directory: every manifest path was checked to be
//!   relative with plain components only ([`Entry::relative_path`]), and every directory on the
//!   way to a file must be a real directory, never a symbolic link (one planted in an existing
//!   output directory is refused, not followed);
//! - each file appears whole or not at all (the one-file download's atomic write), with the
//!   size the manifest gives;
//! - directories get their modification times last, after the files inside them are written;
//! - permission bits are restored without set-user-id, set-group-id and sticky bits.

use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use futures::{StreamExt, TryStreamExt, stream};

use crate::blocking::blocking;
use crate::client::download::{
    DownloadError, DownloadSummary, download, download_to_stream, fetch_chunk,
};
use crate::client::folder::{Entry, EntryKind, FolderError, Manifest};
use crate::client::lookup::Swarm;
use crate::client::nodes::NodeClient;
use crate::client::reporter::{Event, Phase, Reporter};
use crate::fsutil::AtomicFile;

/// Files downloaded at once.
const FILES_IN_FLIGHT: usize = 4;
/// Packs (of small files) fetched at once.
const PACKS_IN_FLIGHT: usize = 2;

/// Forwards events (retries) but not the per-file progress, which the folder reports whole.
struct EventsOnly<'a>(&'a dyn Reporter);

impl Reporter for EventsOnly<'_> {
    fn event(&self, event: &Event) {
        self.0.event(event);
    }
}

/// Rebuilds the folder `manifest` describes under `output` (created when missing).
pub async fn restore(
    client: &NodeClient,
    swarm: &Swarm,
    manifest: &Manifest,
    output: &Path,
    in_flight: usize,
    reporter: &dyn Reporter,
) -> Result<DownloadSummary, DownloadError> {
    let started = Instant::now();
    let (root, entries) = (output.to_owned(), manifest.entries.clone());
    let targets = blocking(move || make_dirs(&root, entries)).await?;
    let total: u64 = manifest.entries.iter().map(Entry::size).sum();
    let done = AtomicU64::new(0);
    let events = EventsOnly(reporter);
    let count = |bytes: u64| {
        let so_far = done.fetch_add(bytes, Ordering::Relaxed) + bytes;
        reporter.progress(Phase::Fetch, so_far, total);
    };
    let big = stream::iter(targets.iter().filter(|(e, _)| e.reference().is_some()))
        .map(|(entry, target)| {
            let events = &events;
            async move {
                let (root, path) = (output.to_owned(), target.clone());
                blocking(move || real_dirs_up_to(&root, &path)).await?;
                let reference = entry.reference().expect("a file has a reference");
                let summary = download(client, swarm, reference, target, in_flight, events).await?;
                check_size(entry, target, summary.bytes)?;
                let (path, meta) = (target.clone(), entry.clone());
                blocking(move || set_meta(&path, &meta).map_err(output_error(&path))).await?;
                count(summary.bytes);
                Ok::<_, DownloadError>(summary.chunks)
            }
        })
        .buffer_unordered(FILES_IN_FLIGHT)
        .try_fold(0, |sum, chunks| async move { Ok(sum + chunks) })
        .await?;
    let mut by_pack: BTreeMap<u32, Vec<(Entry, PathBuf)>> = BTreeMap::new();
    for (entry, target) in &targets {
        if let EntryKind::Packed { pack, .. } = entry.kind {
            by_pack
                .entry(pack)
                .or_default()
                .push((entry.clone(), target.clone()));
        }
    }
    let packs = by_pack.len();
    stream::iter(by_pack)
        .map(|(pack, members)| {
            let events = &events;
            async move {
                let chunk = manifest.packs[pack as usize];
                let plain = fetch_chunk(client, swarm, &chunk, events).await?;
                let root = output.to_owned();
                let bytes = blocking(move || write_members(&root, &plain, &members)).await?;
                count(bytes);
                Ok::<_, DownloadError>(())
            }
        })
        .buffer_unordered(PACKS_IN_FLIGHT)
        .try_collect::<()>()
        .await?;
    blocking(move || {
        // Children before parents: writing inside a directory changes its time.
        for (entry, target) in targets.iter().rev() {
            if matches!(entry.kind, EntryKind::Dir) {
                set_meta(target, entry).map_err(output_error(target))?;
            }
        }
        Ok::<_, DownloadError>(())
    })
    .await?;
    Ok(DownloadSummary {
        bytes: total,
        files: Some(manifest.entries.iter().filter(|e| e.is_file()).count()),
        chunks: big + packs,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Writes the files of one pack from its plaintext (blocking), each atomically with its mode
/// and time; returns the bytes written.
fn write_members(
    root: &Path,
    plain: &[u8],
    members: &[(Entry, PathBuf)],
) -> Result<u64, DownloadError> {
    let mut bytes = 0;
    for (entry, target) in members {
        real_dirs_up_to(root, target)?;
        let content = packed_bytes(entry, plain)?;
        let file = AtomicFile::create(target, 0o666).map_err(output_error(target))?;
        file.file()
            .write_all(content)
            .and_then(|()| file.commit())
            .map_err(output_error(target))?;
        set_meta(target, entry).map_err(output_error(target))?;
        bytes += content.len() as u64;
    }
    Ok(bytes)
}

/// A packed file's bytes in its pack's plaintext.
fn packed_bytes<'a>(entry: &Entry, plain: &'a [u8]) -> Result<&'a [u8], DownloadError> {
    let EntryKind::Packed { size, offset, .. } = entry.kind else {
        unreachable!("only packed files are read from packs");
    };
    let start = offset as usize;
    plain
        .get(start..start.saturating_add(size as usize))
        .ok_or_else(|| {
            FolderError::BadManifest(format!(
                "{} lies outside its pack",
                String::from_utf8_lossy(&entry.path)
            ))
            .into()
        })
}

fn check_size(entry: &Entry, target: &Path, bytes: u64) -> Result<(), DownloadError> {
    if bytes != entry.size() {
        return Err(FolderError::BadManifest(format!(
            "{} has {bytes} bytes, not the {} its manifest says",
            target.display(),
            entry.size()
        ))
        .into());
    }
    Ok(())
}

/// Downloads the one file at `path` (relative, `/`-separated) of the folder `manifest`
/// describes to `output` (`-` for standard output), fetching only its chunks: a big file's
/// own, or the one pack holding a small one.
pub async fn download_path(
    client: &NodeClient,
    swarm: &Swarm,
    manifest: &Manifest,
    path: &str,
    output: &Path,
    reporter: &dyn Reporter,
) -> Result<DownloadSummary, DownloadError> {
    let started = Instant::now();
    let path = path.trim_start_matches("./").trim_end_matches('/');
    let entry = manifest
        .file(path.as_bytes())
        .ok_or_else(|| FolderError::NoSuchFile(path.to_owned()))?;
    let to_stdout = output.as_os_str() == "-";
    let stdout = Path::new("standard output");
    if let Some(reference) = entry.reference() {
        let summary = if to_stdout {
            let stream = Box::new(std::io::stdout());
            download_to_stream(client, swarm, reference, stream, stdout, 8, reporter).await?
        } else {
            download(client, swarm, reference, output, 8, reporter).await?
        };
        check_size(entry, output, summary.bytes)?;
        return Ok(summary);
    }
    let EntryKind::Packed { pack, .. } = entry.kind else {
        unreachable!("a file has a reference or a pack");
    };
    let plain = fetch_chunk(client, swarm, &manifest.packs[pack as usize], reporter).await?;
    let content = packed_bytes(entry, &plain)?.to_vec();
    let size = content.len() as u64;
    let target = output.to_owned();
    blocking(move || {
        if to_stdout {
            let mut out = std::io::stdout().lock();
            return out
                .write_all(&content)
                .and_then(|()| out.flush())
                .map_err(output_error(stdout));
        }
        let file = AtomicFile::create(&target, 0o666).map_err(output_error(&target))?;
        file.file()
            .write_all(&content)
            .and_then(|()| file.commit())
            .map_err(output_error(&target))
    })
    .await?;
    reporter.progress(Phase::Fetch, size, size);
    Ok(DownloadSummary {
        bytes: size,
        files: None,
        chunks: 1,
        seconds: started.elapsed().as_secs_f64(),
    })
}

fn output_error(path: &Path) -> impl FnOnce(std::io::Error) -> DownloadError + use<> {
    let path = path.to_owned();
    move |source| DownloadError::Output { path, source }
}

/// Creates `root` and every directory of `entries` under it (blocking); returns each entry
/// with its place.
fn make_dirs(root: &Path, entries: Vec<Entry>) -> Result<Vec<(Entry, PathBuf)>, DownloadError> {
    std::fs::create_dir_all(root).map_err(output_error(root))?;
    let mut targets = Vec::with_capacity(entries.len());
    for entry in entries {
        let target = inside(root, &entry)?;
        if matches!(entry.kind, EntryKind::Dir) {
            real_dirs_up_to(root, &target)?;
            match std::fs::create_dir(&target) {
                Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
                    return Err(output_error(&target)(e));
                }
                _ => {}
            }
        }
        targets.push((entry, target));
    }
    Ok(targets)
}

/// The entry's place under `output`.
fn inside(output: &Path, entry: &Entry) -> Result<PathBuf, DownloadError> {
    Ok(output.join(entry.relative_path()?))
}

/// Fails unless every directory from `output` down to `target`'s parent is a real directory.
fn real_dirs_up_to(output: &Path, target: &Path) -> Result<(), DownloadError> {
    let relative = target
        .strip_prefix(output)
        .expect("targets are under the output");
    let mut dir = output.to_owned();
    for part in relative.parent().into_iter().flat_map(Path::components) {
        dir.push(part);
        let meta = std::fs::symlink_metadata(&dir).map_err(|source| DownloadError::Output {
            path: dir.clone(),
            source,
        })?;
        if !meta.is_dir() {
            return Err(FolderError::BadManifest(format!(
                "{} is not a directory (a symbolic link is never followed)",
                dir.display()
            ))
            .into());
        }
    }
    Ok(())
}

/// Gives `target` the entry's permission bits (never set-user-id, set-group-id or sticky: a
/// manifest is untrusted) and modification time.
fn set_meta(target: &Path, entry: &Entry) -> std::io::Result<()> {
    std::fs::set_permissions(target, std::fs::Permissions::from_mode(entry.mode & 0o777))?;
    let (seconds, nanos) = entry.modified;
    let modified = if seconds >= 0 {
        SystemTime::UNIX_EPOCH + Duration::new(seconds as u64, nanos)
    } else {
        SystemTime::UNIX_EPOCH - Duration::from_secs(seconds.unsigned_abs())
    };
    let file = std::fs::File::open(target)?;
    file.set_modified(modified)
}
