//! Reading a stream (`ferry upload -`, `ferry quote -`) onto disk in bounded space.
//!
//! `ferry upload -` reads standard input in [`Segments`] of at most [`SEGMENT_BYTES`] (one wave
//! of chunks): each segment is written to one file under the data dir, uploaded, then replaced
//! by the next, so the disk holds one segment however long the stream is. The stream is named
//! by the BLAKE3 hash of its first segment (`<data dir>/spool/stdin-<hash>`, an empty file
//! whose path keys the receipt), so the same bytes piped in again find the same receipt.
//! `ferry quote -` still copies the whole stream into a spool file named by its content's hash.
//!
//! Why a segment on disk and not chunks sent as they are read: a pipe cannot be read twice,
//! while the upload pipeline re-derives a chunk from its source whenever it is sent (so nothing
//! but the chunks in flight is held in memory). A segment is the bound: one wave on disk.
//!
//! Invariants:
//! - memory stays at one copy buffer ([`COPY_BUFFER_BYTES`]) however long the stream is, and
//!   the disk at one segment for an upload;
//! - the spool is written under a temporary name and renamed to its content's hash only once
//!   the stream has ended, so a spool under a content name always holds that content;
//! - a spool is removed when its upload ends, however it ends (dropping [`Spooled`]). Its
//!   process holds a shared advisory lock on it while it lives, so a spool left behind by a
//!   killed process (unlocked, older than [`STALE_TEMP`]) is removed by the next run, and one in
//!   use never is; a temporary spool not written to for [`STALE_TEMP`] is removed too.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The copy buffer: the only memory the spooling takes.
pub const COPY_BUFFER_BYTES: usize = 1024 * 1024;
/// A temporary spool older than this belongs to a process that died.
pub const STALE_TEMP: Duration = Duration::from_secs(3600);
const TEMP_PREFIX: &str = ".stdin.tmp-";

/// Why a stream could not be spooled.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    /// Standard input could not be read.
    #[error("cannot read standard input")]
    Read(#[source] std::io::Error),
    /// The spool under the data dir could not be written.
    #[error("cannot write the spool {path} (it needs as much free space as the stream is long)")]
    Spool {
        /// The spool file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

impl StreamError {
    /// The class of failure (for the exit code).
    pub fn kind(&self) -> crate::exit::ErrorKind {
        match self {
            StreamError::Read(_) => crate::exit::ErrorKind::BadInput,
            StreamError::Spool { .. } => crate::exit::ErrorKind::Io,
        }
    }
}

/// A spooled stream: a file under the data dir holding exactly what was read, removed when
/// dropped.
#[derive(Debug)]
pub struct Spooled {
    path: PathBuf,
    /// Bytes read.
    pub bytes: u64,
    /// Held (shared lock) while the spool is in use.
    _lock: File,
}

impl Spooled {
    /// The spool file, named by the BLAKE3 hash of its content.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Spooled {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Copies `reader` to the end into a spool under `dir` (blocking), in constant memory, calling
/// `progress` with the bytes read so far.
pub fn spool(
    mut reader: impl Read,
    dir: &Path,
    progress: &dyn Fn(u64),
) -> Result<Spooled, StreamError> {
    let spool_error = |path: &Path| {
        let path = path.to_owned();
        move |source| StreamError::Spool { path, source }
    };
    std::fs::create_dir_all(dir).map_err(spool_error(dir))?;
    remove_stale_temps(dir);
    let temp = dir.join(format!("{TEMP_PREFIX}{}", std::process::id()));
    let mut file = File::create(&temp).map_err(spool_error(&temp))?;
    let removed_on_error = scopeguard(&temp);
    let mut hasher = blake3::Hasher::new();
    let mut buffer = vec![0u8; COPY_BUFFER_BYTES];
    let mut bytes = 0u64;
    loop {
        let read = match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => read,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(StreamError::Read(e)),
        };
        hasher.update(&buffer[..read]);
        file.write_all(&buffer[..read])
            .map_err(spool_error(&temp))?;
        bytes += read as u64;
        progress(bytes);
    }
    file.flush().map_err(spool_error(&temp))?;
    drop(file);
    let path = dir.join(format!("stdin-{}", hasher.finalize().to_hex()));
    std::fs::rename(&temp, &path).map_err(spool_error(&path))?;
    std::mem::forget(removed_on_error);
    let lock = File::open(&path).map_err(spool_error(&path))?;
    fs2::FileExt::lock_shared(&lock).map_err(spool_error(&path))?;
    Ok(Spooled {
        path,
        bytes,
        _lock: lock,
    })
}

/// A stream's bytes on disk one segment at a time: at most [`SEGMENT_BYTES`] under the data dir
/// however long the stream is (`ferry upload -`).
pub struct Segments {
    reader: Box<dyn Read + Send>,
    /// The stream's name: an empty file `stdin-<hash of the first segment>`, held (shared lock)
    /// while the upload runs and removed when it ends; the receipt is keyed by it.
    marker: Spooled,
    /// The file holding the current segment (removed when dropped).
    segment: RemoveOnDrop,
    /// Bytes of the stream before the current segment.
    pub offset: u64,
    /// Bytes in the current segment.
    pub len: u64,
    /// True once the stream has ended.
    pub ended: bool,
}

impl std::fmt::Debug for Segments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Segments")
            .field("marker", &self.marker)
            .field("offset", &self.offset)
            .field("len", &self.len)
            .field("ended", &self.ended)
            .finish_non_exhaustive()
    }
}

/// The largest segment of a stream held on disk: one full wave of chunks.
pub const SEGMENT_BYTES: u64 = 64 * crate::client::chunking::MAX_PLAINTEXT_BYTES as u64;

impl Segments {
    /// Reads the first segment of `reader` into a file under `dir` (blocking) and names the
    /// stream by it.
    pub fn start(reader: Box<dyn Read + Send>, dir: &Path) -> Result<Self, StreamError> {
        let spool_error = |path: &Path| {
            let path = path.to_owned();
            move |source| StreamError::Spool { path, source }
        };
        std::fs::create_dir_all(dir).map_err(spool_error(dir))?;
        remove_stale_temps(dir);
        let segment = scopeguard(&dir.join(format!("{TEMP_PREFIX}{}", std::process::id())));
        let mut hasher = blake3::Hasher::new();
        let (reader, len, ended) = fill(reader, &segment.0, &mut |bytes| {
            hasher.update(bytes);
        })?;
        let marker = dir.join(format!("stdin-{}", hasher.finalize().to_hex()));
        File::create(&marker).map_err(spool_error(&marker))?;
        let lock = File::open(&marker).map_err(spool_error(&marker))?;
        fs2::FileExt::lock_shared(&lock).map_err(spool_error(&marker))?;
        Ok(Self {
            reader,
            marker: Spooled {
                path: marker,
                bytes: 0,
                _lock: lock,
            },
            segment,
            offset: 0,
            len,
            ended,
        })
    }

    /// The file naming the stream (empty; its path keys the receipt).
    pub fn marker(&self) -> &Path {
        self.marker.path()
    }

    /// The file holding the current segment.
    pub fn segment(&self) -> &Path {
        &self.segment.0
    }

    /// Replaces the current segment with the next one (blocking); false when the stream had
    /// ended.
    pub fn advance(&mut self) -> Result<bool, StreamError> {
        if self.ended {
            return Ok(false);
        }
        let reader = std::mem::replace(&mut self.reader, Box::new(std::io::empty()));
        let (reader, len, ended) = fill(reader, &self.segment.0, &mut |_| {})?;
        self.reader = reader;
        self.offset += self.len;
        self.len = len;
        self.ended = ended;
        Ok(len > 0)
    }
}

/// Reads up to [`SEGMENT_BYTES`] of `reader` into `path` (replacing it), passing each block to
/// `seen`; returns the reader, the bytes read and whether the stream ended.
fn fill(
    mut reader: Box<dyn Read + Send>,
    path: &Path,
    seen: &mut dyn FnMut(&[u8]),
) -> Result<(Box<dyn Read + Send>, u64, bool), StreamError> {
    let spool_error = |source| StreamError::Spool {
        path: path.to_owned(),
        source,
    };
    let mut file = File::create(path).map_err(spool_error)?;
    let mut buffer = vec![0u8; COPY_BUFFER_BYTES];
    let mut len = 0u64;
    while len < SEGMENT_BYTES {
        let want = (SEGMENT_BYTES - len).min(COPY_BUFFER_BYTES as u64) as usize;
        let read = match reader.read(&mut buffer[..want]) {
            Ok(0) => return Ok((reader, len, true)),
            Ok(read) => read,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(StreamError::Read(e)),
        };
        seen(&buffer[..read]);
        file.write_all(&buffer[..read]).map_err(spool_error)?;
        len += read as u64;
    }
    file.flush().map_err(spool_error)?;
    Ok((reader, len, false))
}

/// Removes `path` when dropped, unless forgotten.
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn scopeguard(path: &Path) -> RemoveOnDrop {
    RemoveOnDrop(path.to_owned())
}

/// Removes temporary spools nobody has written to for [`STALE_TEMP`] and spools of that age
/// no process holds (their process died).
fn remove_stale_temps(dir: &Path) {
    for entry in crate::fsutil::stale_entries(dir, STALE_TEMP) {
        let name = entry.file_name().to_string_lossy().into_owned();
        let unused = || {
            File::open(entry.path())
                .is_ok_and(|file| fs2::FileExt::try_lock_exclusive(&file).is_ok())
        };
        if name.starts_with(TEMP_PREFIX) || (name.starts_with("stdin-") && unused()) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_bytes_spool_to_the_same_path_and_the_spool_goes_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let data: Vec<u8> = (0..3 * COPY_BUFFER_BYTES + 5).map(|i| i as u8).collect();
        let first = spool(&data[..], dir.path(), &|_| {}).unwrap();
        assert_eq!(first.bytes, data.len() as u64);
        assert_eq!(std::fs::read(first.path()).unwrap(), data);
        let path = first.path().to_owned();
        drop(first);
        assert!(!path.exists());
        let again = spool(&data[..], dir.path(), &|_| {}).unwrap();
        assert_eq!(again.path(), path);
        let other = spool(&b"other"[..], dir.path(), &|_| {}).unwrap();
        assert_ne!(other.path(), path);
        let empty = spool(&b""[..], dir.path(), &|_| {}).unwrap();
        assert_eq!(empty.bytes, 0);
    }

    #[test]
    fn old_spools_no_process_holds_are_swept_and_held_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let age = |path: &Path| {
            let old = std::time::SystemTime::now() - STALE_TEMP * 2;
            File::options()
                .write(true)
                .open(path)
                .unwrap()
                .set_modified(old)
                .unwrap();
        };
        let held = spool(&b"in use"[..], dir.path(), &|_| {}).unwrap();
        age(held.path());
        let orphan = dir.path().join("stdin-0123");
        let temp = dir.path().join(format!("{TEMP_PREFIX}99"));
        for path in [&orphan, &temp] {
            std::fs::write(path, b"left by a killed run").unwrap();
            age(path);
        }
        let _other = spool(&b"another run"[..], dir.path(), &|_| {}).unwrap();
        assert!(held.path().exists(), "a spool in use is kept");
        assert!(!orphan.exists() && !temp.exists(), "old unused spools go");
    }

    #[test]
    fn a_failed_read_leaves_no_spool() {
        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("pipe broke"))
            }
        }
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            spool(Failing, dir.path(), &|_| {}),
            Err(StreamError::Read(_))
        ));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
