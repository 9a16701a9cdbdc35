//! The client trusts no node: lying, stalling and forging nodes (a proxy in front of one real
//! node, see `support::adversary`) never make it pay twice, drop a proof, count a chunk as
//! stored that is not, or hang; a crafted reference is bad input, never an abort. Every upload
//! here ends checked on-chain (each chunk paid once) and downloaded byte-identical.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use alloy::signers::local::PrivateKeySigner;
use ferry::client::chunking::{ChunkKey, ChunkRef, DataMap, Reference, encrypt_in_place};
use ferry::wire::types::ChunkAddress;
use serde_json::Value;

use crate::support::adversary::{Adversary, Mode, real_holders};
use crate::support::runs::assert_each_chunk_paid_once;
use crate::support::{Devnet, assert_error_event, json_lines, planned_chunks, random_bytes};

/// A scratch dir holding a random file of `mib` MiB.
fn scratch_file(mib: usize) -> (tempfile::TempDir, PathBuf) {
    let (dir, file, _) = crate::support::random_file("file.bin", mib * 1024 * 1024 + 123);
    (dir, file)
}

/// Uploads `file` with `--json` through `network`; returns the exit code, events and stderr.
fn upload_via(
    devnet: &Devnet,
    network: &Path,
    dir: &Path,
    key: &PrivateKeySigner,
    file: &Path,
) -> (Option<i32>, Vec<Value>, String) {
    let output = devnet.ferry_via(
        network,
        dir,
        key,
        &["upload", "--json", file.to_str().unwrap()],
    );
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code(), json_lines(&output.stdout), stderr)
}

/// Downloads the `done` event's reference through `network` and checks it is `file`'s bytes;
/// returns the download's events.
fn assert_downloads_identical(
    devnet: &Devnet,
    network: &Path,
    dir: &Path,
    key: &PrivateKeySigner,
    done: &Value,
    file: &Path,
) -> Vec<Value> {
    assert_eq!(done["event"], "done", "{done}");
    let out = dir.join("downloaded.bin");
    let _ = std::fs::remove_file(&out);
    let reference = done["reference"].as_str().unwrap();
    let output = devnet.ferry_via(
        network,
        dir,
        key,
        &["--json", "download", reference, "-o", out.to_str().unwrap()],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(std::fs::read(&out).unwrap() == std::fs::read(file).unwrap());
    json_lines(&output.stdout)
}

/// Every chunk of `file` is held by at least 4 of the devnet's real nodes, asked directly.
fn assert_four_real_holders(devnet: &Devnet, file: &Path) {
    for chunk in planned_chunks(file) {
        let holders = real_holders(devnet, chunk);
        assert!(
            holders >= 4,
            "chunk {chunk} is held by {holders} real nodes"
        );
    }
}

/// Uploads a fresh file through a proxy in `mode` in front of the node closest to its first
/// chunk; checks the upload completes, each chunk is paid once and the file downloads
/// identical through the proxy. Returns what a test checks further.
fn upload_past(mode: Mode, mib: usize) -> Run {
    let devnet = Devnet::shared();
    let key = devnet.funded_account();
    let (dir, file) = scratch_file(mib);
    let adversary = Adversary::closest_to(devnet, planned_chunks(&file)[0], mode);
    let network = adversary.network_file();
    let started = Instant::now();
    let (code, events, stderr) = upload_via(devnet, &network, dir.path(), &key, &file);
    let upload_time = started.elapsed();
    assert_eq!(code, Some(0), "{events:?}\n{stderr}");
    assert_each_chunk_paid_once(devnet, &file);
    let done = events.last().unwrap().clone();
    let started = Instant::now();
    let download_events =
        assert_downloads_identical(devnet, &network, dir.path(), &key, &done, &file);
    assert!(adversary.intercepted() > 0, "the proxy never lied");
    Run {
        key,
        dir,
        file,
        adversary,
        done,
        stderr,
        upload_time,
        download_time: started.elapsed(),
        download_events,
    }
}

struct Run {
    key: PrivateKeySigner,
    dir: tempfile::TempDir,
    file: PathBuf,
    adversary: Adversary,
    done: Value,
    stderr: String,
    upload_time: Duration,
    download_time: Duration,
    download_events: Vec<Value>,
}

#[test]
fn a_node_answering_every_put_with_pay_again_is_never_paid_twice() {
    let run = upload_past(Mode::PayAgain, 12);
    let devnet = Devnet::shared();
    assert_four_real_holders(devnet, &run.file);
    let network = run.adversary.network_file();
    let (code, events, stderr) = upload_via(devnet, &network, run.dir.path(), &run.key, &run.file);
    assert_eq!(code, Some(0), "{events:?}\n{stderr}");
    let rerun = events.last().unwrap();
    assert_eq!(rerun["paid_chunks"], 0, "{rerun}");
    assert_eq!(rerun["already_stored"], run.done["chunks"], "{rerun}");
    assert_each_chunk_paid_once(devnet, &run.file);
}

#[test]
fn a_node_serving_corrupted_chunks_is_reported_and_the_download_succeeds_elsewhere() {
    let run = upload_past(Mode::CorruptChunks, 12);
    let reported = run.download_events.iter().any(|event| {
        event["event"] == "retry"
            && event["node"] == run.adversary.url.as_str()
            && event["reason"]
                .as_str()
                .is_some_and(|r| r.contains("served bad bytes"))
    });
    assert!(reported, "{:?}", run.download_events);
}

#[test]
fn a_node_claiming_to_hold_everything_without_valid_receipts_never_counts() {
    let run = upload_past(Mode::ClaimsAll, 12);
    assert_eq!(run.done["already_stored"], 0, "{}", run.done);
    assert_four_real_holders(Devnet::shared(), &run.file);
}

#[test]
fn a_node_forging_its_peers_storage_receipts_never_makes_a_chunk_count_stored() {
    let run = upload_past(Mode::ForgesPeerReceipts, 12);
    assert_four_real_holders(Devnet::shared(), &run.file);
}

#[test]
fn forged_peer_entries_are_dropped_and_a_node_counts_once_however_many_urls() {
    let run = upload_past(Mode::ForgedPeers, 12);
    assert!(
        run.stderr
            .contains("that the vault's registry does not list at their id"),
        "{}",
        run.stderr
    );
    assert_four_real_holders(Devnet::shared(), &run.file);
}

#[test]
fn a_node_that_accepts_connections_and_never_answers_costs_seconds() {
    let run = upload_past(Mode::Frozen, 20);
    assert!(
        run.upload_time < Duration::from_secs(60),
        "{:?}",
        run.upload_time
    );
    assert!(
        run.download_time < Duration::from_secs(60),
        "{:?}",
        run.download_time
    );
}

#[test]
fn a_node_sending_endless_answers_is_cut_off_at_the_cap() {
    let run = upload_past(Mode::Endless, 12);
    assert!(
        run.upload_time < Duration::from_secs(60),
        "{:?}",
        run.upload_time
    );
}

/// Resumes stopped nodes even when the test fails.
struct Stopped(Vec<u32>);

impl Drop for Stopped {
    fn drop(&mut self) {
        for pid in &self.0 {
            crate::support::signal(*pid, "CONT");
        }
    }
}

/// Uploads `file`, stopping the nodes `stopped` (`kill -STOP`: their sockets keep accepting,
/// they never answer) once the client has discovered the network and planned the file.
fn upload_stopping(
    devnet: &Devnet,
    dir: &Path,
    key: &PrivateKeySigner,
    file: &Path,
    stopped: &Stopped,
) -> (Option<i32>, Vec<Value>) {
    let mut child = devnet
        .ferry_process(dir, key)
        .args(["upload", "--json"])
        .arg(file)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut events = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let event: Value = serde_json::from_str(&line.unwrap()).unwrap();
        if event["event"] == "started" {
            for pid in &stopped.0 {
                crate::support::signal(*pid, "STOP");
            }
        }
        events.push(event);
    }
    (child.wait().unwrap().code(), events)
}

#[test]
fn two_stopped_nodes_of_ten_cost_a_60_mib_upload_seconds_not_minutes() {
    let devnet = Devnet::start(10);
    let stopped = Stopped(devnet.node_pids()[3..5].to_vec());
    let key = devnet.funded_account();
    let (dir, file) = scratch_file(60);
    let started = Instant::now();
    let (code, events) = upload_stopping(&devnet, dir.path(), &key, &file, &stopped);
    let elapsed = started.elapsed();
    assert_eq!(code, Some(0), "{events:?}");
    assert!(elapsed < Duration::from_secs(90), "took {elapsed:?}");
    assert_each_chunk_paid_once(&devnet, &file);
    let started = Instant::now();
    let network = devnet.network_file.clone();
    let done = events.last().unwrap();
    assert_downloads_identical(&devnet, &network, dir.path(), &key, done, &file);
    assert!(started.elapsed() < Duration::from_secs(90));
    drop(stopped);
}

/// Uploads a file whose only piece is `content` and returns the reference that names that
/// piece as if it were a root data map.
fn reference_to_piece(devnet: &Devnet, content: &[u8]) -> (tempfile::TempDir, Reference) {
    let key = devnet.funded_account();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("crafted.bin");
    std::fs::write(&file, content).unwrap();
    let (code, events) = devnet.upload_json(dir.path(), &key, &file, &[]);
    assert_eq!(code, Some(0), "{events:?}");
    let mut sealed = content.to_vec();
    let (key, address) = encrypt_in_place(&mut sealed);
    (dir, Reference { address, key })
}

#[test]
fn crafted_references_exit_2_with_a_clear_message_never_abort() {
    let devnet = Devnet::shared();
    let piece = |len| ChunkRef {
        address: ChunkAddress::of(&random_bytes(8)),
        key: ChunkKey([7; 32]),
        len,
    };
    let crafted = [
        // A size no chunk list adds up to: the output would be sized from it.
        (
            DataMap::new(0, u64::MAX / 2, vec![piece(5)]).to_bytes(),
            "do not add up to its size",
        ),
        // An absurd level and a huge lower map: allocating it would abort.
        (
            DataMap::new(200, 1 << 62, vec![piece(5)]).to_bytes(),
            "nested deeper than any file needs",
        ),
        (
            DataMap::new(1, 1 << 62, vec![piece(5)]).to_bytes(),
            "lower-level map larger than any file needs",
        ),
        // Garbage that is no data map at all.
        (random_bytes(3000), "is malformed"),
    ];
    for (content, says) in crafted {
        let (dir, reference) = reference_to_piece(devnet, &content);
        let account = devnet.funded_account();
        let out = dir.path().join("out.bin");
        let output = devnet
            .ferry(dir.path(), &account)
            .args(["--json", "download", &reference.to_string(), "-o"])
            .arg(&out)
            .output()
            .unwrap();
        let events = json_lines(&output.stdout);
        assert_eq!(output.status.code(), Some(2), "{says}: {events:?}");
        assert_error_event(events.last().unwrap(), "bad_input", says);
        assert!(!out.exists());
    }
}

#[test]
fn stale_quotes_are_asked_again_and_never_paid() {
    let devnet = Devnet::shared();
    let key = devnet.funded_account();
    let (dir, file) = scratch_file(1);
    // With the client's clock 10 minutes behind, every quote is 600 s in its future.
    let command = devnet.ferry_process(dir.path(), &key);
    let mut faked = std::process::Command::new("faketime");
    faked.env_clear();
    for (name, value) in command.get_envs() {
        if let Some(value) = value {
            faked.env(name, value);
        }
    }
    let output = faked
        .env("FAKETIME_DONT_FAKE_MONOTONIC", "1")
        .args(["-f", "-10m"])
        .arg(command.get_program())
        .args(["upload", "--json"])
        .arg(&file)
        .output()
        .unwrap();
    let events = json_lines(&output.stdout);
    assert_ne!(output.status.code(), Some(0), "{events:?}");
    let error = events.last().unwrap();
    assert_eq!(error["event"], "error", "{error}");
    assert!(
        error["message"].as_str().unwrap().contains("stale quote"),
        "{error}"
    );
    for chunk in planned_chunks(&file) {
        assert_eq!(devnet.times_paid(chunk), 0, "a stale quote was paid");
    }
    let (code, events) = devnet.upload_json(dir.path(), &key, &file, &[]);
    assert_eq!(code, Some(0), "{events:?}");
    assert_each_chunk_paid_once(devnet, &file);
    let network = devnet.network_file.clone();
    assert_downloads_identical(
        devnet,
        &network,
        dir.path(),
        &key,
        events.last().unwrap(),
        &file,
    );
}
