//! Paid uploads end to end: the real binary, a real devnet, real files.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;

use crate::support::{Devnet, planned_chunks, random_bytes};

/// Uploads `data` with `--json`, downloads it again, and checks the bytes and the chain.
fn round_trip(data: &[u8]) {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("input.bin");
    std::fs::write(&file, data).unwrap();
    let (code, events) = devnet.upload_json(dir.path(), &account, &file, &[]);
    let done = events.last().unwrap();
    assert_eq!(code, Some(0), "upload failed: {done}");
    assert_eq!(done["event"], "done");
    let reference = done["reference"].as_str().unwrap();
    let chunks = planned_chunks(&file);
    assert_eq!(done["chunks"], chunks.len());
    assert_eq!(
        done["paid_chunks"],
        chunks.len(),
        "a new file pays for every chunk"
    );
    for chunk in &chunks {
        assert_eq!(
            devnet.times_paid(*chunk),
            1,
            "chunk {chunk} must be paid exactly once"
        );
    }
    let out = dir.path().join("output.bin");
    devnet
        .ferry(dir.path(), &account)
        .args(["download", reference, "-o"])
        .arg(&out)
        .assert()
        .code(0);
    assert!(
        std::fs::read(&out).unwrap() == data,
        "downloaded bytes differ"
    );
}

#[test]
fn empty_file_uploads_and_downloads() {
    round_trip(b"");
}

#[test]
fn two_byte_file_uploads_and_downloads() {
    round_trip(&random_bytes(2));
}

#[test]
fn ten_kib_file_uploads_and_downloads() {
    round_trip(&random_bytes(10 * 1024));
}

#[test]
fn forty_mib_file_uploads_and_downloads() {
    round_trip(&random_bytes(40 * 1024 * 1024));
}

#[test]
fn uploading_the_same_file_again_pays_nothing() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let (dir, file, _) = crate::support::random_file("again.bin", 5 * 1024 * 1024);
    for run in 0..2 {
        let (code, mut events) = devnet.upload_json(dir.path(), &account, &file, &[]);
        assert_eq!(code, Some(0));
        let done = events.pop().unwrap();
        let expected_paid = if run == 0 { 3 } else { 0 };
        assert_eq!(done["paid_chunks"], expected_paid, "run {run}: {done}");
        if run == 1 {
            assert_eq!(done["already_stored"], 3);
            assert_eq!(done["storage_cost_wei"], "0");
        }
    }
    for chunk in planned_chunks(&file) {
        assert_eq!(devnet.times_paid(chunk), 1);
    }
}

#[test]
fn each_wave_is_one_transaction_and_the_json_stream_is_complete() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("waves.bin");
    // Three 4 MiB pieces and the data map: four chunks, two waves of two.
    std::fs::write(&file, random_bytes(9 * 1024 * 1024)).unwrap();
    let (code, events) = devnet.upload_json(dir.path(), &account, &file, &["--wave-size", "2"]);
    assert_eq!(code, Some(0));
    assert!(
        events
            .iter()
            .all(|e| e["schema"] == 1 && e["event"].is_string())
    );
    let names: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(names.first(), Some(&"started"));
    assert_eq!(names.last(), Some(&"done"));
    assert_eq!(names.iter().filter(|n| **n == "chunk_stored").count(), 4);
    let waves: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["event"] == "wave_paid")
        .collect();
    assert_eq!(waves.len(), 2);
    let chain = devnet.chunk_paid_events();
    for wave in waves {
        assert_eq!(wave["chunks"], 2);
        let tx = wave["tx_hash"].as_str().unwrap();
        let in_tx = chain
            .iter()
            .filter(|e| e.tx_hash.map(|h| h.to_string()) == Some(tx.to_owned()))
            .count();
        assert_eq!(in_tx, 2, "wave {tx} pays its two chunks in one transaction");
    }
    let done = events.last().unwrap();
    for field in [
        "reference",
        "chunks",
        "paid_chunks",
        "reused_proofs",
        "already_stored",
        "storage_cost_wei",
        "gas_cost_wei",
        "seconds",
    ] {
        assert!(!done[field].is_null(), "done lacks {field}");
    }
    assert!(
        done["storage_cost_wei"]
            .as_str()
            .unwrap()
            .chars()
            .all(|c| c.is_ascii_digit())
    );
}

#[test]
fn upload_completes_when_two_of_ten_nodes_are_killed_midway() {
    let devnet = Devnet::start(10);
    let account = devnet.funded_account();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("survivor.bin");
    let data = random_bytes(40 * 1024 * 1024);
    std::fs::write(&file, &data).unwrap();
    let mut child = devnet
        .ferry_process(dir.path(), &account)
        .args(["upload", "--json", "--wave-size", "2"])
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut killed = false;
    let mut last = String::new();
    for line in stdout.lines() {
        let line = line.unwrap();
        if !killed && line.contains("\"chunk_stored\"") {
            for pid in devnet.node_pids().into_iter().take(2) {
                crate::support::signal(pid, "KILL");
            }
            killed = true;
        }
        last = line;
    }
    let status = child.wait().unwrap();
    assert!(killed, "the upload stored no chunk before it ended");
    assert_eq!(
        status.code(),
        Some(0),
        "upload with 2 nodes down failed: {last}"
    );
    let done: serde_json::Value = serde_json::from_str(&last).unwrap();
    let out = dir.path().join("back.bin");
    devnet
        .ferry(dir.path(), &account)
        .args(["download", done["reference"].as_str().unwrap(), "-o"])
        .arg(&out)
        .assert()
        .code(0);
    assert!(std::fs::read(&out).unwrap() == data);
    for chunk in planned_chunks(Path::new(&file)) {
        assert_eq!(devnet.times_paid(chunk), 1);
    }
}

#[test]
fn off_a_terminal_stdout_is_the_reference_and_stderr_has_no_control_codes() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let (dir, file, _) = crate::support::random_file("plain.bin", 6 * 1024 * 1024);
    let output = devnet
        .ferry(dir.path(), &account)
        .arg("upload")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.starts_with("ferry:") && stdout.lines().count() == 1,
        "{stdout:?}"
    );
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        !stderr.contains('\r') && !stderr.contains('\x1b'),
        "{stderr:?}"
    );
    assert!(stderr.contains("uploaded"), "a summary line: {stderr:?}");
}
