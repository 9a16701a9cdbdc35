//! The receipt file of schema 4: an append-only log, and the writer that appends to it.
//!
//! Layout: `FERRYRCT`, the schema (u32, big-endian), then records. A record is its body's
//! length (u32, big-endian), the BLAKE3 hash of its body, then the body (bincode 2 of a
//! [`Record`]). The first record is always a [`Record::Snapshot`] (the whole receipt); every
//! later one is a batch of [`Change`]s.
//!
//! Invariants:
//! - a file appears only whole, with its snapshot ([`crate::fsutil::write_atomic`]); after
//!   that it only grows, one record per write, and every write is made durable
//!   (`fdatasync`) before the next one starts. So a power cut can tear at most the last
//!   record, and nothing valid ever follows a torn one;
//! - on load, a bad last record (short, or failing its hash) is a torn tail: it is ignored and
//!   cut off before anything is appended. A bad record followed by a valid one, or a bad
//!   snapshot, is damage, not a crash: the receipt is corrupt (and set aside by the cache);
//! - a write that fails leaves the writer without a file: the next write is a compaction (a
//!   whole snapshot, atomically), so a half-written record is never followed by another;
//! - compaction rewrites the log as one snapshot only once it is [`COMPACT_RATIO`] times the
//!   last snapshot and at least [`COMPACT_MIN_BYTES`], so the bytes written stay linear in the
//!   changes recorded.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::change::Change;
use super::{DecodeError, MAGIC, Receipt, SCHEMA_VERSION};
use crate::fsutil::write_atomic;

/// The file's header: magic and schema.
pub const LOG_HEADER_LEN: usize = MAGIC.len() + 4;
const RECORD_HEAD_LEN: usize = 4 + 32;
/// A log is compacted only once it is this many times its last snapshot...
pub const COMPACT_RATIO: u64 = 4;
/// ...and at least this long.
pub const COMPACT_MIN_BYTES: u64 = 16 << 20;
/// The largest record a reader accepts (a snapshot of a very large upload).
const MAX_RECORD_BYTES: u32 = 1 << 30;

/// One record of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Record {
    /// The whole receipt: the first record of a file.
    Snapshot(Receipt),
    /// Changes written together.
    Changes(Vec<Change>),
}

/// A log read back.
#[derive(Debug)]
pub struct Replayed {
    /// The receipt its records give.
    pub receipt: Receipt,
    /// The bytes up to the end of the last valid record.
    pub good_len: u64,
    /// The length of its snapshot record (header included).
    pub snapshot_len: u64,
}

/// The header of a schema 4 file.
pub fn header() -> Vec<u8> {
    let mut bytes = MAGIC.to_vec();
    bytes.extend_from_slice(&SCHEMA_VERSION.to_be_bytes());
    bytes
}

/// One record, framed.
pub fn encode_record(record: &Record) -> Vec<u8> {
    let body = bincode::serde::encode_to_vec(record, bincode::config::standard())
        .expect("a receipt record always encodes");
    let mut bytes = Vec::with_capacity(RECORD_HEAD_LEN + body.len());
    bytes.extend_from_slice(&(body.len() as u32).to_be_bytes());
    bytes.extend_from_slice(blake3::hash(&body).as_bytes());
    bytes.extend_from_slice(&body);
    bytes
}

/// A whole file holding only `receipt`'s snapshot.
pub fn encode_snapshot(receipt: &Receipt) -> Vec<u8> {
    let mut bytes = header();
    bytes.extend(encode_record(&Record::Snapshot(receipt.clone())));
    bytes
}

/// The record starting at `at`, when it is whole and its hash holds: the record and where it
/// ends. `Err` carries the end its length field claims (which may lie past the end).
fn record_at(bytes: &[u8], at: usize) -> Result<(Record, usize), usize> {
    let Some(head) = bytes.get(at..at + RECORD_HEAD_LEN) else {
        return Err(usize::MAX);
    };
    let len = u32::from_be_bytes(head[..4].try_into().expect("4 bytes"));
    let end = (at + RECORD_HEAD_LEN).saturating_add(len as usize);
    if len > MAX_RECORD_BYTES || end > bytes.len() {
        return Err(usize::MAX);
    }
    let body = &bytes[at + RECORD_HEAD_LEN..end];
    if blake3::hash(body).as_bytes() != &head[4..] {
        return Err(end);
    }
    match bincode::serde::decode_from_slice(body, bincode::config::standard()) {
        Ok((record, used)) if used == body.len() => Ok((record, end)),
        _ => Err(end),
    }
}

/// Replays a schema 4 log (header already checked): its snapshot, then every change, up to
/// the end or a torn last record.
pub fn replay(bytes: &[u8]) -> Result<Replayed, DecodeError> {
    let corrupt = |why: &str| Err(DecodeError::Corrupt(why.to_owned()));
    let Ok((Record::Snapshot(mut receipt), mut at)) = record_at(bytes, LOG_HEADER_LEN) else {
        return corrupt("its snapshot is torn or damaged");
    };
    let snapshot_len = at as u64;
    while at < bytes.len() {
        match record_at(bytes, at) {
            Ok((Record::Changes(changes), end)) => {
                for change in &changes {
                    change.apply(&mut receipt);
                }
                at = end;
            }
            Ok((Record::Snapshot(_), _)) => return corrupt("a second snapshot inside the log"),
            // A record whose claimed end holds a valid record was damaged after it was
            // written: a crash only ever tears the last one.
            Err(end) if end < bytes.len() && record_at(bytes, end).is_ok() => {
                return corrupt("a damaged record in the middle of the log");
            }
            Err(_) => break,
        }
    }
    Ok(Replayed {
        receipt,
        good_len: at as u64,
        snapshot_len,
    })
}

/// Appends to one receipt's log. Blocking: use it from a blocking thread, under the receipt's
/// lock.
#[derive(Debug)]
pub struct LogWriter {
    path: PathBuf,
    /// The log open for appending, or none when the next write must be a compaction (no file
    /// yet, or a write failed).
    file: Option<File>,
    len: u64,
    snapshot_len: u64,
}

impl LogWriter {
    /// A writer for the log at `path`, `len` bytes long (all valid) with a snapshot of
    /// `snapshot_len`; `None` for `len` when there is no file yet.
    pub fn open(path: PathBuf, len: Option<u64>, snapshot_len: u64) -> io::Result<Self> {
        let file = match len {
            Some(len) => {
                let file = OpenOptions::new().append(true).open(&path)?;
                if file.metadata()?.len() != len {
                    // A torn tail: cut it off before anything follows it.
                    file.set_len(len)?;
                    file.sync_all()?;
                }
                Some(file)
            }
            None => None,
        };
        Ok(Self {
            path,
            file,
            len: len.unwrap_or(0),
            snapshot_len,
        })
    }

    /// The log's path.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// The log's length in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True when the log holds nothing yet.
    pub fn is_empty(&self) -> bool {
        self.file.is_none()
    }

    /// True when the next write should be a whole snapshot: there is no usable file, or the
    /// log has grown well past its last snapshot.
    pub fn wants_compaction(&self) -> bool {
        self.file.is_none() || self.len > COMPACT_MIN_BYTES.max(COMPACT_RATIO * self.snapshot_len)
    }

    /// Appends one record of `changes` and makes it durable.
    pub fn append(&mut self, changes: Vec<Change>) -> io::Result<()> {
        if changes.is_empty() {
            return Ok(());
        }
        let bytes = encode_record(&Record::Changes(changes));
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| io::Error::other("the receipt log is closed"))?;
        let written = file.write_all(&bytes).and_then(|()| file.sync_data());
        match written {
            Ok(()) => {
                self.len += bytes.len() as u64;
                Ok(())
            }
            Err(error) => {
                // Whatever part reached the file must never be followed by another record.
                self.file = None;
                Err(error)
            }
        }
    }

    /// Replaces the log with `snapshot` (a whole file from [`encode_snapshot`]), atomically.
    pub fn compact(&mut self, snapshot: &[u8], mode: u32) -> io::Result<()> {
        self.file = None;
        write_atomic(&self.path, snapshot, mode)?;
        self.file = Some(OpenOptions::new().append(true).open(&self.path)?);
        self.len = snapshot.len() as u64;
        self.snapshot_len = self.len;
        Ok(())
    }
}

/// Where each record of a schema 4 log ends, its snapshot first (for tests that cut logs at
/// record boundaries).
pub fn record_ends(bytes: &[u8]) -> Vec<u64> {
    let mut ends = Vec::new();
    let mut at = LOG_HEADER_LEN;
    while let Ok((_, end)) = record_at(bytes, at) {
        ends.push(end as u64);
        at = end;
    }
    ends
}

#[cfg(test)]
mod tests;
