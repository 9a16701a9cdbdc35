//! Rebuilding a folder from its manifest: its directories, then its files (each downloaded
//! like a file, a few at a time), then each file's and directory's mode and modification time.
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

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use futures::{StreamExt, TryStreamExt, stream};

use crate::client::download::{DownloadError, DownloadSummary, download};
use crate::client::folder::{Entry, EntryKind, FolderError, Manifest};
use crate::client::nodes::NodeClient;
use crate::client::reporter::{Event, Phase, Reporter};
use crate::wire::network::NodeInfo;

/// Files downloaded at once.
const FILES_IN_FLIGHT: usize = 4;

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
    nodes: &[NodeInfo],
    manifest: &Manifest,
    output: &Path,
    in_flight: usize,
    reporter: &dyn Reporter,
) -> Result<DownloadSummary, DownloadError> {
    let started = Instant::now();
    let (root, entries) = (output.to_owned(), manifest.entries.clone());
    let targets = blocking(move || make_dirs(&root, entries)).await?;
    let total: u64 = manifest.entries.iter().map(file_size).sum();
    let done = AtomicU64::new(0);
    let events = EventsOnly(reporter);
    let chunks = stream::iter(targets.iter().filter(|(e, _)| e.reference().is_some()))
        .map(|(entry, target)| {
            let (events, done) = (&events, &done);
            async move {
                let (root, path) = (output.to_owned(), target.clone());
                blocking(move || real_dirs_up_to(&root, &path)).await?;
                let reference = entry.reference().expect("a file has a reference");
                let summary = download(client, nodes, reference, target, in_flight, events).await?;
                if summary.bytes != file_size(entry) {
                    return Err(FolderError::BadManifest(format!(
                        "{} has {} bytes, not the {} its manifest says",
                        target.display(),
                        summary.bytes,
                        file_size(entry)
                    ))
                    .into());
                }
                let (path, meta) = (target.clone(), entry.clone());
                blocking(move || set_meta(&path, &meta).map_err(output_error(&path))).await?;
                let so_far = done.fetch_add(summary.bytes, Ordering::Relaxed) + summary.bytes;
                reporter.progress(Phase::Fetch, so_far, total);
                Ok::<_, DownloadError>(summary.chunks)
            }
        })
        .buffer_unordered(FILES_IN_FLIGHT)
        .try_fold(0, |sum, chunks| async move { Ok(sum + chunks) })
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
        files: Some(
            manifest
                .entries
                .iter()
                .filter(|e| e.reference().is_some())
                .count(),
        ),
        chunks,
        seconds: started.elapsed().as_secs_f64(),
    })
}

async fn blocking<T: Send + 'static>(job: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(job)
        .await
        .expect("file work does not panic")
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

fn file_size(entry: &Entry) -> u64 {
    match entry.kind {
        EntryKind::File { size, .. } => size,
        EntryKind::Dir => 0,
    }
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
