//! Pipes: `ferry download REF -o -` writes the file to standard output, every chunk verified
//! before it is written; `ferry upload -` reads standard input in constant memory.

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use alloy::signers::local::PrivateKeySigner;

use crate::support::{Devnet, json_lines, random_file, spawn_upload_stdin};

/// Starts `ferry download REFERENCE -o -` with stdout piped and stderr to `stderr`.
fn spawn_download_to_stdout(
    devnet: &Devnet,
    dir: &Path,
    key: &PrivateKeySigner,
    reference: &str,
    stderr: Stdio,
) -> Child {
    devnet
        .ferry_process(dir, key)
        .args(["download", reference, "-o", "-"])
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap()
}

/// Fails unless the spool under data dir `dir` is empty: the standard input spooled there is
/// removed once the command is done with it.
fn assert_spool_removed(dir: &Path) {
    assert_eq!(
        std::fs::read_dir(dir.join("spool")).unwrap().count(),
        0,
        "the spool is removed"
    );
}

#[test]
fn a_download_to_stdout_pipes_into_cmp_byte_for_byte() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let (dir, file, _) = random_file("piped-out.bin", 9 * 1024 * 1024 + 17);
    let (code, events) = devnet.upload_json(dir.path(), &account, &file, &[]);
    let done = events.last().unwrap();
    assert_eq!(code, Some(0), "{done}");
    let reference = done["reference"].as_str().unwrap();

    let mut download =
        spawn_download_to_stdout(devnet, dir.path(), &account, reference, Stdio::piped());
    let cmp = Command::new("cmp")
        .arg("-")
        .arg(&file)
        .stdin(download.stdout.take().unwrap())
        .output()
        .unwrap();
    let downloaded = download.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&downloaded.stderr);
    assert_eq!(downloaded.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("to standard output"), "{stderr}");
    assert!(
        cmp.status.success(),
        "cmp: {}",
        String::from_utf8_lossy(&cmp.stdout)
    );
}

#[test]
fn a_download_to_stdout_that_fails_writes_nothing_unverified_and_exits_non_zero() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let (dir, file, _) = random_file("piped-bad.bin", 10_000);
    let (code, events) = devnet.upload_json(dir.path(), &account, &file, &[]);
    assert_eq!(code, Some(0), "{:?}", events.last());
    let reference = events.last().unwrap()["reference"].as_str().unwrap();
    // The right address with the wrong key: the root chunk fails its tag.
    let wrong_key = format!("{}{}", &reference[..6 + 64], "00".repeat(32));
    let output = devnet
        .ferry(dir.path(), &account)
        .args(["download", &wrong_key, "-o", "-"])
        .output()
        .unwrap();
    assert_ne!(output.status.code(), Some(0));
    assert!(
        output.stdout.is_empty(),
        "{} bytes written",
        output.stdout.len()
    );
    // --json and -o - would share stdout: refused.
    let output = devnet
        .ferry(dir.path(), &account)
        .args(["download", "--json", reference, "-o", "-"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

/// The BLAKE3 hash of what [`crate::support::write_stream`] writes.
fn stream_hash(seed: &[u8], len: u64) -> blake3::Hash {
    let mut hasher = blake3::Hasher::new();
    crate::support::write_stream(seed, len, &mut hasher);
    hasher.finalize()
}

/// The peak resident memory of process `pid` so far, in KiB (`VmHWM`), if it still runs.
fn peak_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs `ferry upload --json - EXTRA…` fed `len` bytes of `seed`'s stream; returns the exit
/// code, the events and the highest peak memory seen (KiB).
fn upload_stdin(
    devnet: &Devnet,
    dir: &Path,
    key: &PrivateKeySigner,
    seed: &'static [u8],
    len: u64,
    extra: &[&str],
) -> (Option<i32>, Vec<serde_json::Value>, u64) {
    let (child, feeder) = spawn_upload_stdin(devnet, dir, key, seed, len, extra);
    let pid = child.id();
    let watching = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let watcher = {
        let watching = watching.clone();
        std::thread::spawn(move || {
            let mut peak = 0;
            while watching.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(peak_kib(pid).unwrap_or(0));
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            peak
        })
    };
    let output = child.wait_with_output().unwrap();
    watching.store(false, std::sync::atomic::Ordering::Relaxed);
    feeder.join().unwrap();
    let peak = watcher.join().unwrap();
    (output.status.code(), json_lines(&output.stdout), peak)
}

#[test]
fn a_300_mib_stdin_upload_stays_under_128_mib_and_downloads_identical() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let dir = tempfile::tempdir().unwrap();
    let len = 300 * 1024 * 1024;
    let (code, events, peak_kib) =
        upload_stdin(devnet, dir.path(), &account, b"three hundred", len, &[]);
    let done = events.last().unwrap();
    assert_eq!(code, Some(0), "{done}");
    assert!(peak_kib > 0, "the peak memory was measured");
    assert!(
        peak_kib < 128 * 1024,
        "peak memory {} MiB for a 300 MiB stream",
        peak_kib / 1024
    );
    println!(
        "peak memory of a 300 MiB stdin upload: {} MiB",
        peak_kib / 1024
    );
    assert_spool_removed(dir.path());

    let reference = done["reference"].as_str().unwrap();
    let mut download =
        spawn_download_to_stdout(devnet, dir.path(), &account, reference, Stdio::null());
    let mut hasher = blake3::Hasher::new();
    std::io::copy(&mut download.stdout.take().unwrap(), &mut hasher).unwrap();
    assert_eq!(download.wait().unwrap().code(), Some(0));
    assert_eq!(hasher.finalize(), stream_hash(b"three hundred", len));
}

#[test]
fn a_killed_stdin_upload_fed_the_same_bytes_again_pays_nothing_twice() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let dir = tempfile::tempdir().unwrap();
    let len = 20 * 1024 * 1024;
    let seed: &[u8] = b"rerun me";
    let one_at_a_time = ["--wave-size", "1", "--transfers", "1"];
    let (mut child, feeder) =
        spawn_upload_stdin(devnet, dir.path(), &account, seed, len, &one_at_a_time);
    let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    for line in std::io::BufRead::lines(stdout) {
        if line.unwrap().contains("\"wave_paid\"") {
            crate::support::signal(child.id(), "KILL");
            break;
        }
    }
    child.wait().unwrap();
    feeder.join().unwrap();

    let (code, events, _) = upload_stdin(devnet, dir.path(), &account, seed, len, &[]);
    let done = events.last().unwrap();
    assert_eq!(code, Some(0), "{done}");
    assert!(done["reused_proofs"].as_u64().unwrap() >= 1, "{done}");
    // The same bytes as a file give the same chunks: each paid exactly once.
    let same = dir.path().join("same-bytes.bin");
    crate::support::write_stream(seed, len, std::fs::File::create(&same).unwrap());
    crate::support::runs::assert_each_chunk_paid_once(devnet, &same);
}

#[test]
fn an_interrupted_stdin_upload_says_to_feed_the_same_bytes_to_its_resume_command() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let dir = tempfile::tempdir().unwrap();
    let one_at_a_time = ["--wave-size", "1", "--transfers", "1"];
    let (mut child, feeder) = spawn_upload_stdin(
        devnet,
        dir.path(),
        &account,
        b"interrupt me",
        20 * 1024 * 1024,
        &one_at_a_time,
    );
    let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    for line in std::io::BufRead::lines(stdout) {
        let line = line.unwrap();
        if line.contains("\"wave_paid\"") && lines.iter().all(|l: &String| !l.contains("wave_paid"))
        {
            crate::support::signal(child.id(), "INT");
        }
        lines.push(line);
    }
    let status = child.wait().unwrap();
    feeder.join().unwrap();
    assert!(!status.success());
    let error = lines
        .iter()
        .find(|line| line.contains("\"event\":\"error\""))
        .unwrap_or_else(|| panic!("no error line in {lines:?}"));
    assert!(
        error.contains("to resume, run, fed the same bytes on standard input:")
            && error.contains("upload --json --wave-size 1 --transfers 1 -"),
        "{error}"
    );
}

#[test]
fn standard_input_is_quoted_like_the_same_bytes_in_a_file() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let (dir, file, data) = random_file("quoted.bin", 5 * 1024 * 1024);
    let mut child = devnet
        .ferry_process(dir.path(), &account)
        .args(["quote", "--json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&data).unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let quote = json_lines(&output.stdout).pop().unwrap();
    assert_eq!(
        quote["chunks"],
        crate::support::planned_chunks(&file).len(),
        "{quote}"
    );
    assert_eq!(quote["bytes"], data.len(), "{quote}");
    assert_spool_removed(dir.path());
}
