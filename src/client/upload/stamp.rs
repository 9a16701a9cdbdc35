//! The files' identity while they are uploaded, so a change is caught before money is spent.
//!
//! A [`FileStamp`] of each file ([`Stamps`] for all of an upload's) is taken before the file is
//! read for the plan and compared after planning and before every wave is paid: a file that changed since (size, modification or status
//! change time, inode) can no longer give the planned chunks, so paying for them would pay for
//! content that can never be sent. The send stage still checks every chunk it re-derives
//! against its address, which catches a change the stamp cannot see (a write within the same
//! timestamp tick).

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// What identifies a file's content cheaply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct FileStamp {
    len: u64,
    modified: (i64, i64),
    changed: (i64, i64),
    inode: (u64, u64),
}

/// The file changed since its stamp was taken (or can no longer be read).
#[derive(Debug, thiserror::Error)]
#[error(
    "{path} changed while it was being uploaded; nothing more was paid for it. Rerun once the file stops changing (what was paid is kept)"
)]
pub struct FileChanged {
    /// The file.
    pub path: PathBuf,
}

/// The stamps of every file an upload reads, by source number.
#[derive(Debug, Clone)]
pub(super) struct Stamps(std::sync::Arc<Vec<(PathBuf, FileStamp)>>);

impl Stamps {
    /// Stamps every file in `paths` as it is now, off the async threads; fails on the first
    /// that cannot be read.
    pub(super) async fn of(paths: Vec<PathBuf>) -> Result<Self, (PathBuf, std::io::Error)> {
        tokio::task::spawn_blocking(move || {
            paths
                .into_iter()
                .map(|path| match FileStamp::read(&path) {
                    Ok(stamp) => Ok((path, stamp)),
                    Err(error) => Err((path, error)),
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .await
        .expect("reading a file's metadata does not panic")
        .map(|stamps| Self(std::sync::Arc::new(stamps)))
    }

    /// Fails, off the async threads, when a file is no longer the one its stamp was taken of.
    pub(super) async fn check(&self) -> Result<(), FileChanged> {
        let stamps = self.0.clone();
        tokio::task::spawn_blocking(move || {
            stamps
                .iter()
                .try_for_each(|(path, stamp)| stamp.check_now(path))
        })
        .await
        .expect("reading a file's metadata does not panic")
    }
}

impl FileStamp {
    fn read(path: &Path) -> std::io::Result<Self> {
        let meta = std::fs::metadata(path)?;
        Ok(Self {
            len: meta.len(),
            modified: (meta.mtime(), meta.mtime_nsec()),
            changed: (meta.ctime(), meta.ctime_nsec()),
            inode: (meta.dev(), meta.ino()),
        })
    }

    fn check_now(&self, path: &Path) -> Result<(), FileChanged> {
        match Self::read(path) {
            Ok(now) if now == *self => Ok(()),
            _ => Err(FileChanged {
                path: path.to_owned(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_catches_a_rewrite_of_the_same_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"original").unwrap();
        let stamp = FileStamp::read(&path).unwrap();
        assert!(stamp.check_now(&path).is_ok());
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&path, b"changed!").unwrap();
        let error = stamp.check_now(&path).unwrap_err();
        assert_eq!(error.path, path);
        std::fs::remove_file(&path).unwrap();
        assert!(stamp.check_now(&path).is_err());
    }
}
