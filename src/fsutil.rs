//! Crash-safe file writes: the one helper every file that must survive a crash goes through.
//!
//! Order: write a temp file in the same directory, flush, fsync it, rename it over the target,
//! fsync the directory. A crash at any instant leaves the old file or the new one, never a torn
//! one; a leftover temp file (named `.NAME.tmp-*`) is the only trace of an interrupted write.
//! [`AtomicFile`] is that helper; the receipt cache, the node's chunk store and download's output
//! all go through it. [`stale_entries`] finds what a sweep of leftovers may remove.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The prefix of every temp file written through [`AtomicFile`] for a target named `name`:
/// `.NAME.tmp-`. The one temp prefix of the crate; recovery code matches on it.
pub fn temp_prefix(name: &str) -> String {
    format!(".{name}.tmp-")
}

/// A file that appears at its target path whole or not at all.
///
/// It is created as a temp file (named with [`temp_prefix`]) in the target's directory, may be
/// written in any order and in pieces (through [`AtomicFile::file`], e.g. at offsets), and only
/// [`AtomicFile::commit`] makes it visible: fsync, rename over the target, fsync the directory.
/// Dropped without a commit, the temp file is removed. Blocking: use it from a blocking thread.
#[derive(Debug)]
pub struct AtomicFile {
    file: File,
    temp: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl AtomicFile {
    /// Creates the temp file for `target` with the Unix permission `mode` (less the umask).
    /// The target's directory must exist.
    pub fn create(target: &Path, mode: u32) -> io::Result<AtomicFile> {
        let name = target
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path has no file name"))?
            .to_string_lossy()
            .into_owned();
        let temp =
            parent_dir(target).join(format!("{}{}", temp_prefix(&name), rand::random::<u64>()));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&temp)?;
        Ok(AtomicFile {
            file,
            temp,
            target: target.to_owned(),
            committed: false,
        })
    }

    /// The temp file, to write into (`write_all`, `write_all_at`, `set_len`, `try_clone`).
    pub fn file(&self) -> &File {
        &self.file
    }

    /// The path the file will have once committed.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Makes the written bytes the target's content, durably: fsync the file, rename it over
    /// the target, fsync the directory. On failure the temp file is removed.
    pub fn commit(mut self) -> io::Result<()> {
        self.file.flush()?;
        self.file.sync_all()?;
        fs::rename(&self.temp, &self.target)?;
        self.committed = true;
        sync_dir(&parent_dir(&self.target))
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_file(&self.temp);
        }
    }
}

/// Writes `bytes` to `path` atomically and durably through an [`AtomicFile`], with the given
/// Unix permission `mode`, creating missing directories durably. Blocking: call it from a
/// blocking thread.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    create_dir_all_durable(&parent_dir(path))?;
    let mut file = AtomicFile::create(path, mode)?;
    file.file.write_all(bytes)?;
    file.commit()
}

/// Creates `dir` and any missing parents, durably: each directory created is fsynced into its
/// parent, so a crash cannot lose a directory a durable file was then written into.
pub fn create_dir_all_durable(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let parent = parent_dir(dir);
    if parent != dir {
        create_dir_all_durable(&parent)?;
    }
    match fs::create_dir(dir) {
        Ok(()) => sync_dir(&parent),
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        Err(error) => Err(error),
    }
}

/// fsyncs a directory so a rename or create inside it is durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// The entries of `dir` nobody has modified for longer than `age` (none when `dir` cannot be
/// read): what a sweep of stale caches and spools may remove.
pub fn stale_entries(dir: &Path, age: Duration) -> impl Iterator<Item = fs::DirEntry> {
    fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(move |entry| {
            entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|modified| modified.elapsed().is_ok_and(|elapsed| elapsed > age))
        })
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn writes_replace_whole_files_and_leave_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/receipt");
        write_atomic(&path, b"first", 0o600).unwrap();
        write_atomic(&path, b"second", 0o600).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"second");
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let names: Vec<_> = fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn durable_directories_are_created_with_their_parents() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("a/b/c");
        create_dir_all_durable(&deep).unwrap();
        assert!(deep.is_dir());
        create_dir_all_durable(&deep).unwrap();
        std::fs::write(dir.path().join("file"), b"x").unwrap();
        assert!(create_dir_all_durable(&dir.path().join("file/sub")).is_err());
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn commit_replaces_the_target_with_pieces_written_at_offsets() {
        use std::os::unix::fs::FileExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        fs::write(&path, b"old content").unwrap();
        let file = AtomicFile::create(&path, 0o644).unwrap();
        file.file().write_all_at(b"world", 6).unwrap();
        file.file().write_all_at(b"hello ", 0).unwrap();
        let temps = names(dir.path());
        assert_eq!(temps.len(), 2);
        assert!(temps[0].starts_with(&temp_prefix("out")), "{temps:?}");
        file.commit().unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"hello world");
        assert_eq!(names(dir.path()), ["out"]);
    }

    #[test]
    fn dropping_an_uncommitted_file_removes_its_temp_and_keeps_the_target() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        fs::write(&path, b"old").unwrap();
        {
            let mut file = AtomicFile::create(&path, 0o644).unwrap();
            file.file.write_all(b"half of the new").unwrap();
            assert_eq!(names(dir.path()).len(), 2);
        }
        assert_eq!(names(dir.path()), ["out"]);
        assert_eq!(fs::read(&path).unwrap(), b"old");
    }

    #[test]
    fn a_reader_never_sees_a_torn_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let old = vec![b'a'; 1 << 20];
        let new = vec![b'b'; 1 << 20];
        write_atomic(&path, &old, 0o600).unwrap();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let reader = {
            let (path, stop) = (path.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut reads = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) || reads == 0 {
                    let bytes = fs::read(&path).unwrap();
                    assert_eq!(bytes.len(), 1 << 20, "a read saw a torn file");
                    assert!(
                        bytes.iter().all(|&b| b == bytes[0]),
                        "a read saw mixed bytes"
                    );
                    reads += 1;
                }
            })
        };
        for round in 0..20 {
            let mut file = AtomicFile::create(&path, 0o600).unwrap();
            let bytes = if round % 2 == 0 { &new } else { &old };
            for piece in bytes.chunks(4096) {
                file.file.write_all(piece).unwrap();
            }
            file.commit().unwrap();
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        reader.join().unwrap();
        assert_eq!(fs::read(&path).unwrap(), old);
    }

    #[test]
    fn only_entries_older_than_the_age_are_stale_and_a_missing_dir_has_none() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a"), b"a").unwrap();
        assert_eq!(
            stale_entries(dir.path(), Duration::from_secs(3600)).count(),
            0
        );
        std::thread::sleep(Duration::from_millis(20));
        let stale: Vec<_> = stale_entries(dir.path(), Duration::from_millis(10)).collect();
        assert_eq!(stale.len(), 1);
        assert_eq!(stale[0].file_name(), "a");
        assert_eq!(
            stale_entries(&dir.path().join("none"), Duration::ZERO).count(),
            0
        );
    }
}
