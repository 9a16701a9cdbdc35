//! The files' identity while they are uploaded, so a change is caught before money is spent.
//!
//! A [`Stamp`] of each file ([`Stamps`] for all of an upload's) is taken before the file is
//! read for the plan (a folder's by its planner, file by file) and compared after planning and
//! before every wave is paid: a file that changed since (size, modification or status change
//! time, device or inode) can no longer give the planned chunks, so paying for them would pay
//! for content that can never be sent. The send stage still checks every chunk it re-derives
//! against its address, which catches a change the stamp cannot see (a write within the same
//! timestamp tick).
//!
//! A stamp is kept as its 16-byte digest ([`Stamp::digest`]), and the files' paths are the
//! upload's [`FileList`], shared: stamping a folder costs 16 bytes per file.

use std::path::PathBuf;
use std::sync::Arc;

use crate::blocking::blocking;
use crate::client::plan_cache::Stamp;
use crate::client::sources::FileList;

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
pub(super) struct Stamps(Arc<(Arc<FileList>, Vec<u128>)>);

impl Stamps {
    /// Stamps every file of `files` as it is now, off the async threads; fails on the first
    /// that cannot be read.
    pub(super) async fn of(files: Arc<FileList>) -> Result<Self, (PathBuf, std::io::Error)> {
        blocking(move || {
            let stamps = (0..files.len())
                .map(|index| {
                    let path = files.path(index);
                    std::fs::metadata(&path)
                        .map(|meta| Stamp::of(&meta).digest())
                        .map_err(|error| (path, error))
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Self::taken(files, stamps))
        })
        .await
    }

    /// The stamps `stamps` of `files` ([`Stamp::digest`]s), taken by whoever read them.
    pub(super) fn taken(files: Arc<FileList>, stamps: Vec<u128>) -> Self {
        assert_eq!(files.len(), stamps.len(), "one stamp per file");
        Self(Arc::new((files, stamps)))
    }

    /// Fails, off the async threads, when a file is no longer the one its stamp was taken of.
    pub(super) async fn check(&self) -> Result<(), FileChanged> {
        let stamps = self.0.clone();
        blocking(move || {
            let (files, stamps) = &*stamps;
            stamps.iter().enumerate().try_for_each(|(index, stamp)| {
                let path = files.path(index);
                match std::fs::metadata(&path) {
                    Ok(meta) if Stamp::of(&meta).digest() == *stamp => Ok(()),
                    _ => Err(FileChanged { path }),
                }
            })
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_stamp_catches_a_rewrite_of_the_same_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"original").unwrap();
        let files = Arc::new(FileList::of_paths([path.as_path()]));
        let stamps = Stamps::of(files).await.unwrap();
        assert!(stamps.check().await.is_ok());
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&path, b"changed!").unwrap();
        let error = stamps.check().await.unwrap_err();
        assert_eq!(error.path, path);
        std::fs::remove_file(&path).unwrap();
        assert!(stamps.check().await.is_err());
    }
}
