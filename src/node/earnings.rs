//! What this node earned: the wave leaves paying its rewards address, learned from the proofs
//! it admitted, kept so that `ferry-node rewards` can show and claim them.
//!
//! Layout: `ROOT/earnings/<payer>-<root>.json`, one file per wave, holding the wave's payer,
//! root and this node's leaves in it (each with its path); `ROOT/earnings/scan.json`, how far
//! `ferry-node rewards` has read the chain for leaves the node missed, and on which vault;
//! `ROOT/earnings/claimed.json`, the total wei `ferry-node rewards` claimed (a decimal string).
//!
//! Invariants: every file is written through [`fsutil::write_atomic`], so a crash leaves the
//! old file or the new one; writers are serialised by one lock (a mutex within a process and
//! an exclusive lock on `ROOT/earnings/.lock` across processes: the serving node and
//! `ferry-node rewards`), so two leaves of one wave recorded at once are both kept; a leaf is recorded once however often it is admitted; a
//! wave's file is removed only once the vault records every leaf in it as claimed. Every
//! method here blocks: call them through `crate::blocking::blocking`.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use fs2::FileExt;

use alloy::primitives::Address;
use serde::{Deserialize, Serialize};

use crate::fsutil;
use crate::wire::types::{Amount, WaveRoot};
use crate::wire::wave::WaveMembership;

const EARNINGS_FILE_MODE: u32 = 0o600;
const SCAN_FILE: &str = "scan.json";
const LOCK_FILE: &str = ".lock";
const CLAIMED_FILE: &str = "claimed.json";

/// The earnings record could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot {action} the earnings record {path}; check the node root's free space and permissions"
)]
pub struct EarningsError {
    /// What was being done.
    action: &'static str,
    /// On which file or directory.
    path: PathBuf,
    /// The cause.
    source: io::Error,
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> EarningsError {
    let path = path.to_owned();
    move |source| EarningsError {
        action,
        path,
        source,
    }
}

/// This node's leaves in one paid wave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarnedWave {
    /// Who paid the wave.
    pub payer: Address,
    /// Its root.
    pub root: WaveRoot,
    /// This node's leaves in it, with their paths.
    pub leaves: Vec<WaveMembership>,
}

/// How far the chain was read for this node's leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanPosition {
    /// The vault whose logs were read (another vault starts the scan over).
    pub vault: Address,
    /// The first block not read yet.
    pub next_block: u64,
}

/// The node's durable record of what it earned.
#[derive(Debug)]
pub struct Earnings {
    dir: PathBuf,
    writing: Mutex<()>,
}

impl Earnings {
    /// The record under the node's root directory `root`.
    pub fn open(root: &Path) -> Self {
        Self {
            dir: root.join("earnings"),
            writing: Mutex::new(()),
        }
    }

    /// Takes the writers' lock, in this process and across processes (released on drop).
    fn lock(&self) -> Result<(MutexGuard<'_, ()>, std::fs::File), EarningsError> {
        let guard = self.writing.lock().unwrap_or_else(PoisonError::into_inner);
        fsutil::create_dir_all_durable(&self.dir).map_err(io_error("create", &self.dir))?;
        let path = self.dir.join(LOCK_FILE);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io_error("lock", &path))?;
        file.lock_exclusive().map_err(io_error("lock", &path))?;
        Ok((guard, file))
    }

    fn path_of(&self, payer: Address, root: WaveRoot) -> PathBuf {
        self.dir.join(format!("{payer:x}-{root}.json"))
    }

    fn read(path: &Path) -> Result<Option<EarnedWave>, EarningsError> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| io_error("read", path)(io::Error::other(e))),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(io_error("read", path)(error)),
        }
    }

    /// Records `leaf` of `payer`'s wave, durably; nothing changes when it is recorded already.
    pub fn record(&self, payer: Address, leaf: &WaveMembership) -> Result<(), EarningsError> {
        self.record_all(payer, std::slice::from_ref(leaf)).map(drop)
    }

    /// Records `leaves` of `payer`'s wave (all of one wave) in one durable write, each once
    /// however often it comes; returns how many were new.
    pub fn record_all(
        &self,
        payer: Address,
        leaves: &[WaveMembership],
    ) -> Result<usize, EarningsError> {
        let Some(root) = leaves.first().map(|leaf| leaf.root) else {
            return Ok(0);
        };
        debug_assert!(leaves.iter().all(|leaf| leaf.root == root), "one wave");
        let _writing = self.lock()?;
        let path = self.path_of(payer, root);
        let mut wave = Self::read(&path)?.unwrap_or(EarnedWave {
            payer,
            root,
            leaves: Vec::new(),
        });
        let known = wave.leaves.len();
        for leaf in leaves {
            if !wave.leaves.iter().any(|known| known.index == leaf.index) {
                wave.leaves.push(leaf.clone());
            }
        }
        let added = wave.leaves.len() - known;
        if added == 0 {
            return Ok(0);
        }
        let bytes = serde_json::to_vec_pretty(&wave).expect("an earned wave always encodes");
        fsutil::write_atomic(&path, &bytes, EARNINGS_FILE_MODE)
            .map_err(io_error("write", &path))?;
        Ok(added)
    }

    /// How far the chain was read for `vault`; `None` before the first scan of that vault.
    pub fn scan_position(&self, vault: Address) -> Result<Option<u64>, EarningsError> {
        let path = self.dir.join(SCAN_FILE);
        let position: Option<ScanPosition> = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| io_error("read", &path)(io::Error::other(e)))?,
            Err(error) if error.kind() == io::ErrorKind::NotFound => None,
            Err(error) => return Err(io_error("read", &path)(error)),
        };
        Ok(position
            .filter(|position| position.vault == vault)
            .map(|position| position.next_block))
    }

    /// Records, durably, that `vault`'s logs were read up to (not including) `next_block`.
    pub fn set_scan_position(&self, vault: Address, next_block: u64) -> Result<(), EarningsError> {
        let _writing = self.lock()?;
        let path = self.dir.join(SCAN_FILE);
        let position = ScanPosition { vault, next_block };
        let bytes = serde_json::to_vec_pretty(&position).expect("a position always encodes");
        fsutil::write_atomic(&path, &bytes, EARNINGS_FILE_MODE).map_err(io_error("write", &path))
    }

    /// Adds `amount` to the total `ferry-node rewards` claimed for this node, durably.
    pub fn add_claimed(&self, amount: Amount) -> Result<(), EarningsError> {
        let _writing = self.lock()?;
        let path = self.dir.join(CLAIMED_FILE);
        let total = Amount::sum([self.claimed()?, amount]);
        let bytes = serde_json::to_vec(&total).expect("an amount always encodes");
        fsutil::write_atomic(&path, &bytes, EARNINGS_FILE_MODE).map_err(io_error("write", &path))
    }

    /// The total `ferry-node rewards` claimed for this node (zero before its first claim).
    pub fn claimed(&self) -> Result<Amount, EarningsError> {
        let path = self.dir.join(CLAIMED_FILE);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| io_error("read", &path)(io::Error::other(e))),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(Amount::ZERO),
            Err(error) => Err(io_error("read", &path)(error)),
        }
    }

    /// Every wave recorded, in file-name order.
    pub fn waves(&self) -> Result<Vec<EarnedWave>, EarningsError> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(error) => return Err(io_error("list", &self.dir)(error)),
        };
        let mut paths = Vec::new();
        for entry in entries {
            let path = entry.map_err(io_error("list", &self.dir))?.path();
            let wave_file = path.extension().is_some_and(|ext| ext == "json")
                && path
                    .file_name()
                    .is_some_and(|name| name != SCAN_FILE && name != CLAIMED_FILE);
            if wave_file {
                paths.push(path);
            }
        }
        paths.sort();
        let mut waves = Vec::with_capacity(paths.len());
        for path in paths {
            waves.extend(Self::read(&path)?);
        }
        Ok(waves)
    }

    /// Forgets a wave whose every leaf the vault records as claimed.
    pub fn forget(&self, payer: Address, root: WaveRoot) -> Result<(), EarningsError> {
        let _writing = self.lock()?;
        let path = self.path_of(payer, root);
        match std::fs::remove_file(&path) {
            Ok(()) => fsutil::sync_dir(&self.dir).map_err(io_error("remove", &path)),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(error) => Err(io_error("remove", &path)(error)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::types::{Amount, ChunkAddress};
    use crate::wire::wave::{WaveLeaf, WaveTree};

    /// Leaf `n` of a test wave: 30 wei to one rewards address.
    fn leaf(n: u8) -> WaveLeaf {
        WaveLeaf {
            chunk: ChunkAddress([n; 32]),
            rewards: Address::repeat_byte(7),
            amount: Amount::wei(30),
        }
    }

    #[test]
    fn leaves_are_kept_once_per_wave_across_reopening_and_forgotten_on_request() {
        let dir = tempfile::tempdir().unwrap();
        let payer = Address::repeat_byte(2);
        let tree = WaveTree::new((0..3).map(leaf).collect()).unwrap();
        let earnings = Earnings::open(dir.path());
        earnings.record(payer, &tree.membership(0)).unwrap();
        earnings.record(payer, &tree.membership(2)).unwrap();
        earnings.record(payer, &tree.membership(0)).unwrap();
        let waves = Earnings::open(dir.path()).waves().unwrap();
        assert_eq!(waves.len(), 1);
        assert_eq!(waves[0].root, tree.root());
        assert_eq!(waves[0].leaves, [tree.membership(0), tree.membership(2)]);
        earnings.forget(payer, tree.root()).unwrap();
        assert!(earnings.waves().unwrap().is_empty());
    }

    #[test]
    fn many_leaves_are_recorded_at_once_and_counted_once() {
        let dir = tempfile::tempdir().unwrap();
        let payer = Address::repeat_byte(2);
        let tree = WaveTree::new((0..4).map(leaf).collect()).unwrap();
        let earnings = Earnings::open(dir.path());
        earnings.record(payer, &tree.membership(1)).unwrap();
        let all: Vec<_> = (0..4).map(|i| tree.membership(i)).collect();
        assert_eq!(earnings.record_all(payer, &all).unwrap(), 3);
        assert_eq!(earnings.record_all(payer, &all).unwrap(), 0);
        assert_eq!(earnings.waves().unwrap()[0].leaves.len(), 4);
    }

    #[test]
    fn two_writers_that_share_no_mutex_keep_every_leaf_of_a_wave() {
        // Two records of one directory stand for two processes: the serving node and
        // `ferry-node rewards`; only the lock file serialises them.
        let dir = tempfile::tempdir().unwrap();
        let payer = Address::repeat_byte(2);
        let tree = WaveTree::new((0..64).map(leaf).collect()).unwrap();
        std::thread::scope(|scope| {
            for writer in 0..2 {
                let (tree, path) = (&tree, dir.path());
                scope.spawn(move || {
                    let earnings = Earnings::open(path);
                    for index in (writer..64).step_by(2) {
                        earnings.record(payer, &tree.membership(index)).unwrap();
                    }
                });
            }
        });
        let waves = Earnings::open(dir.path()).waves().unwrap();
        assert_eq!(waves[0].leaves.len(), 64);
    }

    #[test]
    fn the_scan_position_is_kept_per_vault_and_is_not_a_wave() {
        let dir = tempfile::tempdir().unwrap();
        let (vault, other) = (Address::repeat_byte(1), Address::repeat_byte(9));
        let earnings = Earnings::open(dir.path());
        assert_eq!(earnings.scan_position(vault).unwrap(), None);
        earnings.set_scan_position(vault, 1234).unwrap();
        let reopened = Earnings::open(dir.path());
        assert_eq!(reopened.scan_position(vault).unwrap(), Some(1234));
        assert_eq!(reopened.scan_position(other).unwrap(), None);
        assert!(reopened.waves().unwrap().is_empty());
    }
}
