//! Walking a folder: every directory and regular file under it, in the order the manifest
//! lists them.
//!
//! Invariants:
//! - the walk never follows a symbolic link and never reads a special file (FIFO, socket,
//!   device): each one is skipped and reported, so the upload never blocks or leaves the tree;
//! - the walk is deterministic (names sorted bytewise, depth first), so the same tree gives the
//!   same manifest and the same chunks, which is what lets a rerun recognise what it paid for;
//! - a file costs the walk its relative path's bytes and one offset ([`FileList`]), whatever
//!   the folder's size: nothing else is kept per file.

use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::FolderError;
use crate::client::sources::FileList;

/// What the manifest keeps of an entry's metadata.
#[derive(Debug, Clone, Copy)]
pub struct EntryMeta {
    /// Permission bits.
    pub mode: u32,
    /// Modification time.
    pub modified: (i64, u32),
    /// Size in bytes.
    pub size: u64,
}

impl EntryMeta {
    /// What the manifest keeps of `meta`.
    pub fn of(meta: &std::fs::Metadata) -> Self {
        EntryMeta {
            mode: meta.permissions().mode() & 0o7777,
            modified: (meta.mtime(), meta.mtime_nsec().clamp(0, 999_999_999) as u32),
            size: meta.len(),
        }
    }
}

/// What a walk found.
#[derive(Debug, Default)]
pub struct Walk {
    /// The regular files, in manifest order, under the walked folder.
    pub files: FileList,
    /// The files' sizes added up, when walked.
    pub total_bytes: u64,
    /// The directories below the root, parents first.
    pub dirs: Vec<(Vec<u8>, EntryMeta)>,
    /// Entries skipped (symbolic links, special files), with what they are.
    pub skipped: Vec<(PathBuf, &'static str)>,
}

/// Walks `root` (blocking): every directory and regular file under it, sorted by name; symbolic
/// links and special files are skipped and listed, never followed or read, and so is the
/// directory `own` (ferry's data dir, whose receipts change while the folder uploads).
pub fn walk(root: &Path, own: &Path) -> Result<Walk, FolderError> {
    let own = std::fs::canonicalize(own).ok();
    let mut walk = Walk {
        files: FileList::under(root.to_owned()),
        ..Walk::default()
    };
    let mut pending = vec![(root.to_owned(), Vec::new())];
    while let Some((dir, relative)) = pending.pop() {
        let read = |source| FolderError::Read {
            path: dir.clone(),
            source,
        };
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .map_err(read)?
            .map(|entry| entry.map(|e| e.file_name()))
            .collect::<Result<_, _>>()
            .map_err(read)?;
        names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        let mut subdirs = Vec::new();
        let mut child = relative.clone();
        for name in names {
            let path = dir.join(&name);
            child.truncate(relative.len());
            if !child.is_empty() {
                child.push(b'/');
            }
            child.extend_from_slice(name.as_bytes());
            let meta = std::fs::symlink_metadata(&path).map_err(|source| FolderError::Read {
                path: path.clone(),
                source,
            })?;
            let kind = meta.file_type();
            if kind.is_dir() && own.is_some() && std::fs::canonicalize(&path).ok() == own {
                walk.skipped.push((path, "ferry's own data dir"));
            } else if kind.is_dir() {
                walk.dirs.push((child.clone(), EntryMeta::of(&meta)));
                subdirs.push((path, child.clone()));
            } else if kind.is_file() {
                walk.files.push(&child);
                walk.total_bytes += meta.len();
            } else if kind.is_symlink() {
                walk.skipped.push((path, "a symbolic link"));
            } else {
                walk.skipped
                    .push((path, "a special file (FIFO, socket or device)"));
            }
        }
        // Depth first, in name order: the last pushed is walked first.
        pending.extend(subdirs.into_iter().rev());
    }
    walk.files.shrink_to_fit();
    Ok(walk)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_walk_lists_dirs_and_files_in_order_and_skips_links_and_fifos() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("b/empty")).unwrap();
        std::fs::write(root.join("b/z.txt"), b"z").unwrap();
        std::fs::write(root.join("a.txt"), b"").unwrap();
        std::fs::write(root.join("ünï.txt"), b"x").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", root.join("link")).unwrap();
        let _socket = std::os::unix::net::UnixListener::bind(root.join("socket")).unwrap();
        let walk = walk(root, &root.join("nowhere")).unwrap();
        let files: Vec<_> = (0..walk.files.len())
            .map(|n| String::from_utf8_lossy(walk.files.relative(n)).into_owned())
            .collect();
        assert_eq!(files, ["a.txt", "ünï.txt", "b/z.txt"]);
        assert_eq!(walk.files.path(2), root.join("b/z.txt"));
        assert_eq!(walk.total_bytes, 2);
        let dirs: Vec<_> = walk
            .dirs
            .iter()
            .map(|(p, _)| String::from_utf8_lossy(p).into_owned())
            .collect();
        assert_eq!(dirs, ["b", "b/empty"]);
        let skipped: Vec<_> = walk
            .skipped
            .iter()
            .map(|(p, _)| p.file_name().unwrap().to_owned())
            .collect();
        assert_eq!(skipped, ["link", "socket"]);
    }
}
