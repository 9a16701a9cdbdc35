//! Uploads as the resume and chain tests drive them: a scratch file, an upload spawned or killed
//! at a chosen moment, its receipt as `ferry status` names it, and the checks every run ends
//! with (each chunk paid once on-chain, the file downloads byte-identical).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use alloy::signers::local::PrivateKeySigner;
use serde_json::Value;

use super::{Devnet, json_lines, planned_chunks};

/// A scratch dir holding `payload.bin`, `mib` random MiB.
pub fn scratch_file(mib: usize) -> (tempfile::TempDir, PathBuf) {
    let (dir, file, _) = super::random_file("payload.bin", mib * 1024 * 1024);
    (dir, file)
}

/// `ferry upload --json EXTRA… FILE`, ready to spawn: stdout piped, stderr dropped.
pub fn upload_command(
    devnet: &Devnet,
    dir: &Path,
    key: &PrivateKeySigner,
    file: &Path,
    extra: &[&str],
) -> Command {
    let mut command = devnet.ferry_process(dir, key);
    command
        .args(["upload", "--json"])
        .args(extra)
        .arg(file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    command
}

/// [`upload_command`], started.
pub fn spawn_upload(
    devnet: &Devnet,
    dir: &Path,
    key: &PrivateKeySigner,
    file: &Path,
    extra: &[&str],
) -> Child {
    upload_command(devnet, dir, key, file, extra)
        .spawn()
        .unwrap()
}

/// Starts an upload and kills it (-9) as soon as its first wave is paid, with one chunk sent at
/// a time, so the receipt holds paid chunks not yet stored.
pub fn upload_killed_after_first_payment(
    devnet: &Devnet,
    dir: &Path,
    key: &PrivateKeySigner,
    file: &Path,
) {
    let mut child = spawn_upload(devnet, dir, key, file, &["--transfers", "1"]);
    let stdout = BufReader::new(child.stdout.take().unwrap());
    for line in stdout.lines() {
        if line.unwrap().contains("\"wave_paid\"") {
            super::signal(child.id(), "KILL");
            break;
        }
    }
    child.wait().unwrap();
}

/// `ferry status FILE --json` for `file`'s interrupted upload.
pub fn status(devnet: &Devnet, dir: &Path, key: &PrivateKeySigner, file: &Path) -> Value {
    let output = devnet
        .ferry(dir, key)
        .args(["status", "--json"])
        .arg(file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let mut lines = json_lines(&output.stdout);
    assert_eq!(
        lines.len(),
        1,
        "one interrupted upload of {}",
        file.display()
    );
    lines.pop().unwrap()
}

/// The path of `file`'s receipt, as `ferry status` names it.
pub fn receipt_path(devnet: &Devnet, dir: &Path, key: &PrivateKeySigner, file: &Path) -> PathBuf {
    PathBuf::from(status(devnet, dir, key, file)["receipt"].as_str().unwrap())
}

/// The first event named `name`.
pub fn event<'a>(events: &'a [Value], name: &str) -> &'a Value {
    events
        .iter()
        .find(|e| e["event"] == name)
        .unwrap_or_else(|| panic!("no {name} event in {events:?}"))
}

/// On chain, each of the file's chunks is paid exactly once (by anyone).
pub fn assert_each_chunk_paid_once(devnet: &Devnet, file: &Path) {
    let events = devnet.chunk_paid_events();
    for chunk in planned_chunks(file) {
        let paid = events.iter().filter(|e| e.chunk == chunk).count();
        assert_eq!(paid, 1, "chunk {chunk} paid {paid} times");
    }
}

/// Downloads `reference` and checks it gives exactly `expected`.
pub fn assert_reference_downloads(
    devnet: &Devnet,
    dir: &Path,
    key: &PrivateKeySigner,
    reference: &str,
    expected: &[u8],
) {
    let out = dir.join("downloaded.bin");
    devnet
        .ferry(dir, key)
        .args(["download", reference, "-o"])
        .arg(&out)
        .assert()
        .code(0);
    assert!(
        std::fs::read(&out).unwrap() == expected,
        "downloaded bytes differ"
    );
}

/// Downloads the reference of an upload's `done` event and checks it is `file`'s bytes.
pub fn assert_downloads_identical(
    devnet: &Devnet,
    dir: &Path,
    key: &PrivateKeySigner,
    done: &Value,
    file: &Path,
) {
    assert_eq!(done["event"], "done", "{done}");
    let reference = done["reference"].as_str().unwrap();
    assert_reference_downloads(devnet, dir, key, reference, &std::fs::read(file).unwrap());
}
