//! The receipt files under `<data dir>/receipts`: naming, locking, reading with recovery,
//! writing, and garbage collection. Every function here blocks; callers on async threads run
//! them through `crate::blocking::blocking`.
//!
//! Invariants:
//! - one receipt per file and network, named by a BLAKE3 digest of the file's canonical path
//!   and the network (chain id and vault), so `./f` and `/abs/f` share it: `<key>.receipt`,
//!   readable by its owner only (0600);
//! - a receipt file appears through [`write_atomic`] (temp, flush, fsync, rename, fsync
//!   directory) and then only grows by durable appends ([`LogWriter`]), all only while holding
//!   the key's advisory lock (fs2, `<key>.lock`), so two processes never write the same
//!   receipt at once; a torn last record left by a crash is cut off before the next append;
//! - temp files left by a crash (`.<key>.receipt.tmp-*`) are recovered on the next load: every
//!   readable one is merged with the canonical receipt (the union loses nothing), the result is
//!   written, and only then are the temps removed; torn ones are removed;
//! - a corrupt receipt is renamed aside (`<key>.receipt.corrupt-<time>-<random>`, a name no
//!   file has), and deleted only by `ferry cache clear --force`;
//! - a receipt from a newer ferry is never deleted, overwritten or renamed: loading it is an
//!   error, and `gc` and `clear` pass it by;
//! - a lock file is only unlinked while it is held; a locker checks after locking that the path
//!   still names the file it locked, and tries again if not.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use fs2::FileExt;

use super::log::LogWriter;
use super::{DecodeError, Receipt};
use crate::fsutil::{temp_prefix, write_atomic};

/// Unix permissions of receipt files: the owner only.
pub const RECEIPT_MODE: u32 = 0o600;

const RECEIPT_EXT: &str = "receipt";
const CORRUPT_MARK: &str = ".corrupt-";
const KEY_CONTEXT: &str = "ferry 2026-11 receipt key v1";

/// Why the receipt cache failed.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// A file operation failed.
    #[error(
        "receipt cache: cannot {action} {path}; check the data dir's free space and permissions, then rerun"
    )]
    Io {
        /// What was being done.
        action: &'static str,
        /// On which path.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// The receipt was written by a newer ferry; it is left untouched.
    #[error(
        "the receipt {path} was written by a newer ferry (schema {found}; this ferry reads up to {}). It is left untouched: upgrade ferry to resume this upload",
        super::SCHEMA_VERSION
    )]
    NewerSchema {
        /// The receipt.
        path: PathBuf,
        /// Its schema.
        found: u32,
    },
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> CacheError {
    let path = path.to_owned();
    move |source| CacheError::Io {
        action,
        path,
        source,
    }
}

impl CacheError {
    /// The class of failure: a newer receipt is the user's to resolve (upgrade ferry); a
    /// failed file operation is local I/O, retryable once space or permissions are fixed.
    pub fn kind(&self) -> crate::exit::ErrorKind {
        match self {
            CacheError::Io { .. } => crate::exit::ErrorKind::Io,
            CacheError::NewerSchema { .. } => crate::exit::ErrorKind::BadInput,
        }
    }
}

/// The receipts directory.
#[derive(Debug, Clone)]
pub struct ReceiptCache {
    dir: PathBuf,
}

/// Proof that this process holds a receipt's lock; released on drop.
#[derive(Debug)]
pub struct ReceiptLock {
    key: String,
    _file: File,
}

impl ReceiptLock {
    /// The receipt's key.
    pub fn key(&self) -> &str {
        &self.key
    }
}

/// A corrupt receipt that was renamed aside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetAside {
    /// Where it is now.
    pub path: PathBuf,
    /// What was wrong.
    pub reason: String,
}

/// What loading found.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The receipt, when there was one.
    pub receipt: Option<Receipt>,
    /// A corrupt receipt renamed aside.
    pub set_aside: Option<SetAside>,
    /// Temp files merged back in.
    pub recovered_temps: usize,
    /// The receipt file's valid length and its snapshot's, when there is a file.
    log: Option<(u64, u64)>,
}

/// One receipt file as `ferry status` sees it.
#[derive(Debug)]
pub struct Listed {
    /// The receipt file.
    pub path: PathBuf,
    /// True when a running upload holds its lock.
    pub in_use: bool,
    /// Its contents, or why they cannot be read.
    pub receipt: Result<Receipt, DecodeError>,
}

/// What `gc` or `clear` did.
#[derive(Debug, Default)]
pub struct Sweep {
    /// Receipts removed.
    pub removed: Vec<PathBuf>,
    /// Receipts kept because they still hold usable paid proofs (`clear` without force).
    pub kept_paid: Vec<PathBuf>,
    /// Receipts kept because an upload holds their lock.
    pub in_use: Vec<PathBuf>,
    /// Receipts kept because a newer ferry wrote them.
    pub newer: Vec<PathBuf>,
}

impl ReceiptCache {
    /// The cache under a data dir.
    pub fn new(data_dir: &Path) -> Self {
        Self {
            dir: data_dir.join("receipts"),
        }
    }

    /// The directory holding the receipts.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The key of a file's upload to a network: a digest of the file's canonical path (the
    /// file must exist) and the network's name (chain and vault), so `./f` and `/abs/f` share
    /// a receipt, and an upload of the same file to another network has its own.
    pub fn key_for(file: &Path, network: &str) -> io::Result<String> {
        let canonical = fs::canonicalize(file)?;
        let mut hasher = blake3::Hasher::new_derive_key(KEY_CONTEXT);
        hasher.update(network.as_bytes());
        hasher.update(&[0]);
        hasher.update(canonical.as_os_str().as_encoded_bytes());
        Ok(hasher.finalize().to_hex().to_string())
    }

    /// The receipt file of a key.
    pub fn receipt_path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.{RECEIPT_EXT}"))
    }

    fn lock_path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.lock"))
    }

    fn create_dir(&self) -> Result<(), CacheError> {
        crate::fsutil::create_dir_all_durable(&self.dir).map_err(io_error("create", &self.dir))
    }

    /// Takes a key's lock, waiting for it; `on_wait` is called once if another process holds
    /// it.
    pub fn lock(&self, key: &str, on_wait: impl FnOnce()) -> Result<ReceiptLock, CacheError> {
        let mut on_wait = Some(on_wait);
        loop {
            if let Some(lock) = self.try_lock(key)? {
                return Ok(lock);
            }
            if let Some(tell) = on_wait.take() {
                tell();
            }
            let file = self.open_lock_file(key)?;
            file.lock_exclusive()
                .map_err(io_error("lock", &self.lock_path(key)))?;
            if self.still_named(key, &file)? {
                return Ok(ReceiptLock {
                    key: key.to_owned(),
                    _file: file,
                });
            }
        }
    }

    /// Takes a key's lock if no other process holds it.
    pub fn try_lock(&self, key: &str) -> Result<Option<ReceiptLock>, CacheError> {
        loop {
            let file = self.open_lock_file(key)?;
            match file.try_lock_exclusive() {
                Ok(()) => {}
                Err(e) if e.kind() == fs2::lock_contended_error().kind() => return Ok(None),
                Err(e) => return Err(io_error("lock", &self.lock_path(key))(e)),
            }
            if self.still_named(key, &file)? {
                return Ok(Some(ReceiptLock {
                    key: key.to_owned(),
                    _file: file,
                }));
            }
        }
    }

    fn open_lock_file(&self, key: &str) -> Result<File, CacheError> {
        self.create_dir()?;
        let path = self.lock_path(key);
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io_error("open", &path))
    }

    /// True when the lock path still names `file` (it was not unlinked while we waited).
    fn still_named(&self, key: &str, file: &File) -> Result<bool, CacheError> {
        let path = self.lock_path(key);
        let held = file.metadata().map_err(io_error("stat", &path))?;
        Ok(match fs::metadata(&path) {
            Ok(named) => named.dev() == held.dev() && named.ino() == held.ino(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => false,
            Err(e) => return Err(io_error("stat", &path)(e)),
        })
    }

    /// Loads a key's receipt under its lock: recovers temp files, sets a corrupt receipt aside,
    /// and refuses one from a newer ferry.
    pub fn load(&self, lock: &ReceiptLock, now: u64) -> Result<Loaded, CacheError> {
        let key = lock.key();
        let path = self.receipt_path(key);
        let mut loaded = Loaded::default();
        match fs::read(&path) {
            Ok(bytes) => match Receipt::decode_file(&bytes) {
                Ok(decoded) => {
                    loaded.log = match decoded.valid_len {
                        Some(len) => Some((len, decoded.snapshot_len)),
                        // An older schema is written back as a log.
                        None => {
                            let len = self.write_unlocked(key, &decoded.receipt)?;
                            Some((len, len))
                        }
                    };
                    loaded.receipt = Some(decoded.receipt);
                }
                Err(DecodeError::NewerSchema { found }) => {
                    return Err(CacheError::NewerSchema { path, found });
                }
                Err(DecodeError::Corrupt(reason)) => {
                    let aside = self.unused_aside_path(key, now);
                    fs::rename(&path, &aside).map_err(io_error("set aside", &path))?;
                    crate::fsutil::sync_dir(&self.dir).map_err(io_error("sync", &self.dir))?;
                    loaded.set_aside = Some(SetAside {
                        path: aside,
                        reason,
                    });
                }
            },
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_error("read", &path)(e)),
        }
        self.recover_temps(key, &mut loaded)?;
        Ok(loaded)
    }

    /// Merges every readable temp file of `key` into the loaded receipt, writes the result,
    /// then removes the temps (torn ones included).
    fn recover_temps(&self, key: &str, loaded: &mut Loaded) -> Result<(), CacheError> {
        let temps = self.temp_files(key)?;
        if temps.is_empty() {
            return Ok(());
        }
        let mut readable: Vec<(std::time::SystemTime, Receipt)> = Vec::new();
        for temp in &temps {
            let Ok(bytes) = fs::read(temp) else { continue };
            match Receipt::decode(&bytes) {
                Ok(receipt) => {
                    let modified = fs::metadata(temp)
                        .and_then(|m| m.modified())
                        .unwrap_or(std::time::UNIX_EPOCH);
                    readable.push((modified, receipt));
                }
                Err(DecodeError::NewerSchema { found }) => {
                    return Err(CacheError::NewerSchema {
                        path: temp.clone(),
                        found,
                    });
                }
                Err(DecodeError::Corrupt(_)) => {}
            }
        }
        // The newest readable temp leads; older temps and the canonical receipt merge into it.
        readable.sort_by_key(|(modified, _)| std::cmp::Reverse(*modified));
        let mut receipts: Vec<Receipt> = readable.into_iter().map(|(_, r)| r).collect();
        receipts.extend(loaded.receipt.take());
        let merged = receipts.into_iter().reduce(|mut lead, receipt| {
            lead.merge(receipt);
            lead
        });
        if let Some(receipt) = &merged {
            let len = self.write_unlocked(key, receipt)?;
            loaded.log = Some((len, len));
        }
        for temp in &temps {
            fs::remove_file(temp).map_err(io_error("remove", temp))?;
        }
        loaded.recovered_temps = temps.len();
        loaded.receipt = merged;
        Ok(())
    }

    fn temp_files(&self, key: &str) -> Result<Vec<PathBuf>, CacheError> {
        let prefix = temp_prefix(&format!("{key}.{RECEIPT_EXT}"));
        Ok(self
            .entries()?
            .into_iter()
            .filter(|path| file_name(path).starts_with(&prefix))
            .collect())
    }

    fn entries(&self) -> Result<Vec<PathBuf>, CacheError> {
        match fs::read_dir(&self.dir) {
            Ok(entries) => Ok(entries.filter_map(|e| e.ok().map(|e| e.path())).collect()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(io_error("list", &self.dir)(e)),
        }
    }

    /// Writes a key's receipt atomically and durably, as a log holding its snapshot.
    pub fn write(&self, lock: &ReceiptLock, receipt: &Receipt) -> Result<(), CacheError> {
        self.write_unlocked(lock.key(), receipt).map(drop)
    }

    /// The writer that appends to the receipt `loaded` came from (a torn last record is cut
    /// off first). With no file yet, its first write creates one.
    pub fn writer(&self, lock: &ReceiptLock, loaded: &Loaded) -> Result<LogWriter, CacheError> {
        let path = self.receipt_path(lock.key());
        let (len, snapshot_len) = match loaded.log {
            Some((len, snapshot_len)) => (Some(len), snapshot_len),
            None => (None, 0),
        };
        LogWriter::open(path.clone(), len, snapshot_len).map_err(io_error("open", &path))
    }

    /// Writes a key's receipt; returns the file's length.
    fn write_unlocked(&self, key: &str, receipt: &Receipt) -> Result<u64, CacheError> {
        let path = self.receipt_path(key);
        let bytes = receipt.encode();
        write_atomic(&path, &bytes, RECEIPT_MODE).map_err(io_error("write", &path))?;
        Ok(bytes.len() as u64)
    }

    /// Removes a key's receipt and then its lock file (the upload completed). A process
    /// waiting on the lock notices the unlinked lock file and locks afresh.
    pub fn remove(&self, lock: &ReceiptLock) -> Result<(), CacheError> {
        let path = self.receipt_path(lock.key());
        match fs::remove_file(&path) {
            Ok(()) => crate::fsutil::sync_dir(&self.dir).map_err(io_error("sync", &self.dir))?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_error("remove", &path)(e)),
        }
        self.remove_lock_file(lock)
    }

    /// Every receipt file, read without locking (writes are atomic, so a read sees a whole
    /// receipt).
    pub fn list(&self) -> Result<Vec<Listed>, CacheError> {
        let mut listed = Vec::new();
        for path in self.entries()? {
            if path.extension().and_then(|e| e.to_str()) != Some(RECEIPT_EXT) {
                continue;
            }
            let receipt = match fs::read(&path) {
                Ok(bytes) => Receipt::decode(&bytes),
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(io_error("read", &path)(e)),
            };
            let key = path
                .file_stem()
                .map(|k| k.to_string_lossy().into_owned())
                .unwrap_or_default();
            let in_use = self.try_lock(&key)?.is_none();
            listed.push(Listed {
                path,
                in_use,
                receipt,
            });
        }
        listed.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(listed)
    }

    /// A name no file has yet for setting `key`'s receipt aside at `now`: the time and a
    /// random suffix, so two set-asides in the same second never overwrite each other.
    fn unused_aside_path(&self, key: &str, now: u64) -> PathBuf {
        loop {
            let suffix: u32 = rand::random();
            let aside = self.dir.join(format!(
                "{key}.{RECEIPT_EXT}{CORRUPT_MARK}{now}-{suffix:08x}"
            ));
            if !aside.exists() {
                return aside;
            }
        }
    }

    /// Removes receipts past their time to live. Receipts in use or from a newer ferry, and
    /// corrupt receipts set aside (they may hold proofs worth recovering by hand), are kept.
    pub fn gc(&self, now: u64) -> Result<Sweep, CacheError> {
        self.sweep(|receipt| now >= receipt.expires_at())
    }

    /// Removes every receipt, except those still holding usable paid proofs unless `force`;
    /// corrupt receipts set aside go only with `force`. Receipts in use or from a newer ferry
    /// are kept whatever `force` says.
    pub fn clear(&self, now: u64, force: bool) -> Result<Sweep, CacheError> {
        if force {
            for path in self.entries()? {
                if file_name(&path).contains(CORRUPT_MARK) {
                    fs::remove_file(&path).map_err(io_error("remove", &path))?;
                }
            }
        }
        self.sweep(|receipt| force || !receipt.has_usable_proofs(now))
    }

    fn sweep(&self, removable: impl Fn(&Receipt) -> bool) -> Result<Sweep, CacheError> {
        let mut sweep = Sweep::default();
        for key in self.keys()? {
            let path = self.receipt_path(&key);
            let Some(lock) = self.try_lock(&key)? else {
                sweep.in_use.push(path);
                continue;
            };
            let loaded = match self.load(&lock, crate::wire::signed::unix_now()) {
                Ok(loaded) => loaded,
                Err(CacheError::NewerSchema { .. }) => {
                    sweep.newer.push(path);
                    continue;
                }
                Err(e) => return Err(e),
            };
            match loaded.receipt {
                Some(receipt) if !removable(&receipt) => sweep.kept_paid.push(path),
                Some(_) => {
                    self.remove(&lock)?;
                    sweep.removed.push(path);
                }
                None => self.remove_lock_file(&lock)?,
            }
        }
        Ok(sweep)
    }

    fn remove_lock_file(&self, lock: &ReceiptLock) -> Result<(), CacheError> {
        let path = self.lock_path(lock.key());
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_error("remove", &path)(e)),
        }
    }

    /// Every key with a receipt, a temp file or a lock file.
    fn keys(&self) -> Result<Vec<String>, CacheError> {
        let mut keys: Vec<String> = self
            .entries()?
            .iter()
            .filter_map(|path| {
                let name = file_name(path);
                let name = name.strip_prefix('.').unwrap_or(&name);
                let key: String = name.chars().take_while(|c| c.is_ascii_hexdigit()).collect();
                let rest = &name[key.len()..];
                let known = rest == ".lock"
                    || rest == format!(".{RECEIPT_EXT}")
                    || rest.starts_with(&format!(".{RECEIPT_EXT}.tmp-"));
                (key.len() == 64 && known).then_some(key)
            })
            .collect();
        keys.sort();
        keys.dedup();
        Ok(keys)
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
