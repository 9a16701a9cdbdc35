//! Resume through the real binary: uploads killed at random moments, killed between sending a
//! payment and recording it, interrupted with Ctrl-C, resumed under a shifted clock, run twice
//! at once, and resumed from damaged, torn or newer receipts. After each, the file downloads
//! byte-identical and the chain's `ChunkPaid` events show what was paid, and how often.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use alloy::signers::local::PrivateKeySigner;
use rand::Rng;
use serde_json::Value;

use crate::support::runs::{
    assert_downloads_identical, assert_each_chunk_paid_once, event, receipt_path, scratch_file,
    spawn_upload, status, upload_killed_after_first_payment,
};
use crate::support::{Devnet, json_lines, planned_chunks};

/// Chunks `file`'s interrupted upload paid for and has not stored.
fn paid_not_stored(devnet: &Devnet, dir: &Path, key: &PrivateKeySigner, file: &Path) -> u64 {
    status(devnet, dir, key, file)["paid_not_stored"]
        .as_u64()
        .unwrap()
}

/// Runs the upload to completion and returns its events.
fn finish(
    devnet: &Devnet,
    dir: &Path,
    key: &PrivateKeySigner,
    file: &Path,
    extra: &[&str],
) -> Vec<Value> {
    let (code, events) = devnet.upload_json(dir, key, file, extra);
    assert_eq!(code, Some(0), "the resumed upload failed: {events:?}");
    events
}

#[test]
fn kill_nine_at_two_dozen_random_moments_never_pays_twice() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let args = ["--wave-size", "2", "--transfers", "2"];
    // How long a whole upload of this shape takes, so the kills spread over all of it.
    let (warm_dir, warm_file) = scratch_file(24);
    let started = Instant::now();
    finish(devnet, warm_dir.path(), &account, &warm_file, &args);
    let full_ms = started.elapsed().as_millis() as u64;
    let mut rng = rand::rng();
    let mut kills = 0;
    let mut files = 0;
    while kills < 24 {
        files += 1;
        let (dir, file) = scratch_file(24);
        // Kill runs at random moments until one gets to the end by itself.
        for _ in 0..15 {
            let mut child = spawn_upload(devnet, dir.path(), &account, &file, &args);
            std::thread::sleep(Duration::from_millis(rng.random_range(0..full_ms)));
            if child.try_wait().unwrap().is_some() {
                break;
            }
            crate::support::signal(child.id(), "KILL");
            child.wait().unwrap();
            kills += 1;
        }
        let events = finish(devnet, dir.path(), &account, &file, &args);
        let done = events.last().unwrap();
        assert_downloads_identical(devnet, dir.path(), &account, done, &file);
        assert_each_chunk_paid_once(devnet, &file);
    }
    eprintln!("{kills} kills over {files} files");
    assert!(kills >= 24, "only {kills} runs were killed mid-upload");
}

/// The window between sending a payment and recording it is hit honestly: with anvil's
/// automine off, the payment transaction waits in the mempool, so the client is provably
/// between `send` and its receipt; the test kills it there, then mines the transaction.
#[test]
fn a_kill_between_sending_a_payment_and_recording_it_pays_nothing_twice() {
    let devnet = Devnet::start(5);
    let account = devnet.funded_account();
    let (dir, file) = scratch_file(9);
    let chunks = planned_chunks(&file).len();
    devnet.rpc("evm_setAutomine", serde_json::json!([false]));
    let mut child = spawn_upload(&devnet, dir.path(), &account, &file, &[]);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let pool = devnet.rpc("txpool_status", serde_json::json!([]));
        let pending = pool["pending"].as_str().map_or(0, |hex| {
            u64::from_str_radix(hex.trim_start_matches("0x"), 16).unwrap()
        });
        if pending > 0 {
            break;
        }
        assert!(Instant::now() < deadline, "the payment was never sent");
        std::thread::sleep(Duration::from_millis(20));
    }
    crate::support::signal(child.id(), "KILL");
    child.wait().unwrap();
    let before = status(&devnet, dir.path(), &account, &file);
    assert_eq!(before["payments_to_reconcile"], chunks, "{before}");
    assert_eq!(before["chunks_paid"], 0);

    // The rerun finds the payment still pending and waits for it; mine it a moment later.
    let rerun = spawn_upload(&devnet, dir.path(), &account, &file, &[]);
    std::thread::sleep(Duration::from_millis(1500));
    devnet.rpc("evm_mine", serde_json::json!([]));
    devnet.rpc("evm_setAutomine", serde_json::json!([true]));
    let output = rerun.wait_with_output().unwrap();
    let events = json_lines(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{events:?}");
    assert_eq!(event(&events, "started")["recovered_payments"], chunks);
    let done = events.last().unwrap();
    assert_eq!(done["paid_chunks"], 0, "{done}");
    assert_eq!(done["reused_proofs"], chunks);
    assert_each_chunk_paid_once(&devnet, &file);
    assert_downloads_identical(&devnet, dir.path(), &account, done, &file);
}

/// Interrupts an upload after its payment, then reruns it with the client's clock shifted by
/// `shift` (faketime syntax); returns the paid-but-unstored count before, the rerun's exit
/// code and events.
fn resume_with_clock_shifted(shift: &str) -> (usize, Option<i32>, Vec<Value>, Run) {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let (dir, file) = scratch_file(28);
    upload_killed_after_first_payment(devnet, dir.path(), &account, &file);
    let unstored = paid_not_stored(devnet, dir.path(), &account, &file) as usize;
    assert!(unstored > 0, "the kill left no paid chunk unstored");
    // Quotes carry the node's time in seconds: let it move on, so that a proof pruned here is
    // replaced by a different quote (an identical one would be found already paid).
    std::thread::sleep(Duration::from_millis(1100));
    let command = devnet.ferry_process(dir.path(), &account);
    let program = command.get_program().to_owned();
    let envs: Vec<_> = command
        .get_envs()
        .map(|(k, v)| (k.to_owned(), v.map(|v| v.to_owned())))
        .collect();
    let mut faked = std::process::Command::new("faketime");
    faked.env_clear();
    for (key, value) in envs {
        if let Some(value) = value {
            faked.env(key, value);
        }
    }
    let output = faked
        .env("FAKETIME_DONT_FAKE_MONOTONIC", "1")
        .args(["-f", shift])
        .arg(program)
        .args(["upload", "--json"])
        .arg(&file)
        .output()
        .unwrap();
    let events = json_lines(&output.stdout);
    (unstored, output.status.code(), events, (dir, file, account))
}

/// A scratch dir, its file and the paying account.
type Run = (tempfile::TempDir, PathBuf, PrivateKeySigner);

fn assert_proofs_reused(shift: &str) {
    let (unstored, code, events, (dir, file, account)) = resume_with_clock_shifted(shift);
    assert_eq!(code, Some(0), "{events:?}");
    let devnet = Devnet::shared();
    assert_downloads_identical(devnet, dir.path(), &account, events.last().unwrap(), &file);
    let done = events.last().unwrap();
    assert_eq!(done["paid_chunks"], 0, "{shift}: {done}");
    assert_eq!(done["reused_proofs"], unstored, "{shift}: {done}");
    assert_eq!(event(&events, "started")["expired_proofs"], 0);
    assert_each_chunk_paid_once(Devnet::shared(), &file);
}

/// With the clock shifted, proofs are pruned, and the nodes' fresh quotes are just as stale by
/// that clock: they are asked for again, never paid, and the chunks fail (exit 5). A rerun
/// with the true clock pays again at most the pruned chunks.
fn assert_proofs_pruned(shift: &str) {
    let (unstored, code, events, (dir, file, account)) = resume_with_clock_shifted(shift);
    assert_eq!(code, Some(5), "{shift}: {events:?}");
    assert_eq!(event(&events, "started")["expired_proofs"], unstored);
    let error = events.last().unwrap();
    assert_eq!(error["kind"], "partial", "{shift}: {error}");
    assert!(
        error["message"].as_str().unwrap().contains("stale quote"),
        "{shift}: {error}"
    );
    let devnet = Devnet::shared();
    let paid_twice = || {
        planned_chunks(&file)
            .into_iter()
            .filter(|chunk| devnet.times_paid(*chunk) == 2)
            .count()
    };
    assert_eq!(paid_twice(), 0, "{shift}: a stale quote was paid");
    let events = finish(devnet, dir.path(), &account, &file, &[]);
    let done = events.last().unwrap();
    assert_downloads_identical(devnet, dir.path(), &account, done, &file);
    let paid_again = done["paid_chunks"].as_u64().unwrap() as usize;
    let reused = done["reused_proofs"].as_u64().unwrap() as usize;
    // A fresh quote can be the one already paid (the vault records that wave): not paid again.
    let found_paid = done["found_paid"].as_u64().unwrap() as usize;
    assert_eq!(
        paid_again + reused + found_paid,
        unstored,
        "{shift}: {done}"
    );
    assert_eq!(
        paid_twice(),
        paid_again,
        "only pruned chunks are paid again"
    );
}

#[test]
fn a_clock_23_hours_ahead_reuses_proofs() {
    assert_proofs_reused("+23h");
}

#[test]
fn a_clock_4_minutes_behind_reuses_proofs() {
    assert_proofs_reused("-4m");
}

#[test]
fn a_clock_25_hours_ahead_prunes_proofs_and_pays_again() {
    assert_proofs_pruned("+25h");
}

#[test]
fn a_clock_10_minutes_behind_prunes_proofs_and_pays_again() {
    assert_proofs_pruned("-10m");
}

#[test]
fn two_uploads_of_the_same_file_at_once_both_succeed_and_pay_once() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let (dir, file) = scratch_file(24);
    let relative = dir.path().join(".").join("payload.bin");
    let first = spawn_upload(devnet, dir.path(), &account, &file, &[]);
    let second = spawn_upload(devnet, dir.path(), &account, &relative, &[]);
    let outputs = [first, second].map(|child| child.wait_with_output().unwrap());
    let runs: Vec<Vec<Value>> = outputs.iter().map(|o| json_lines(&o.stdout)).collect();
    for (output, events) in outputs.iter().zip(&runs) {
        assert_eq!(output.status.code(), Some(0), "{events:?}");
    }
    let waited = runs
        .iter()
        .filter(|events| events.iter().any(|e| e["event"] == "waiting_for_lock"))
        .count();
    assert_eq!(waited, 1, "exactly one run waits for the other");
    let paid: u64 = runs
        .iter()
        .map(|events| events.last().unwrap()["paid_chunks"].as_u64().unwrap())
        .sum();
    assert_eq!(paid as usize, planned_chunks(&file).len());
    assert_each_chunk_paid_once(devnet, &file);
}

#[test]
fn ctrl_c_stops_prints_how_to_resume_and_the_rerun_pays_nothing_twice() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let (dir, file) = scratch_file(28);
    let mut child = devnet
        .ferry_process(dir.path(), &account)
        .args(["upload", "--wave-size", "2", "--transfers", "1"])
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut text = String::new();
    let mut line = String::new();
    while stderr.read_line(&mut line).unwrap() > 0 {
        if line.contains("wave 2:") {
            crate::support::signal(child.id(), "INT");
        }
        text.push_str(&line);
        line.clear();
    }
    assert_eq!(child.wait().unwrap().code(), Some(130), "{text}");
    assert!(text.contains("to resume, run:"), "{text}");
    assert!(text.contains("paid"), "{text}");
    // What was paid, in the chain's coin, and in how many transactions.
    assert!(text.contains(" ETH storage + "), "{text}");
    assert!(text.contains(" transactions)"), "{text}");
    let paid_before = status(devnet, dir.path(), &account, &file)["chunks_paid"]
        .as_u64()
        .unwrap();
    assert!(paid_before >= 4, "two waves of two were paid before Ctrl-C");
    let events = finish(devnet, dir.path(), &account, &file, &["--wave-size", "2"]);
    let done = events.last().unwrap();
    let chunks = planned_chunks(&file).len() as u64;
    assert_eq!(done["paid_chunks"].as_u64().unwrap() + paid_before, chunks);
    assert_each_chunk_paid_once(devnet, &file);
    assert!(
        !receipt_exists(devnet, dir.path(), &account),
        "the receipt is removed once the upload completes"
    );
    let left: Vec<_> = std::fs::read_dir(dir.path().join("receipts"))
        .unwrap()
        .collect();
    assert!(left.is_empty(), "receipts dir still holds {left:?}");
}

fn receipt_exists(devnet: &Devnet, dir: &Path, key: &PrivateKeySigner) -> bool {
    let output = devnet
        .ferry(dir, key)
        .args(["status", "--json"])
        .output()
        .unwrap();
    !json_lines(&output.stdout).is_empty()
}

#[test]
fn a_corrupt_receipt_is_set_aside_and_the_upload_goes_on() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let (dir, file) = scratch_file(12);
    upload_killed_after_first_payment(devnet, dir.path(), &account, &file);
    let receipt = receipt_path(devnet, dir.path(), &account, &file);
    std::fs::write(&receipt, b"this is not a receipt").unwrap();
    let events = finish(devnet, dir.path(), &account, &file, &[]);
    let aside = PathBuf::from(
        event(&events, "receipt_set_aside")["path"]
            .as_str()
            .unwrap(),
    );
    assert_eq!(std::fs::read(aside).unwrap(), b"this is not a receipt");
    assert_downloads_identical(devnet, dir.path(), &account, events.last().unwrap(), &file);
}

#[test]
fn a_torn_temp_file_is_ignored_and_a_whole_one_recovered() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let (dir, file) = scratch_file(12);
    upload_killed_after_first_payment(devnet, dir.path(), &account, &file);
    let receipt = receipt_path(devnet, dir.path(), &account, &file);
    let name = receipt.file_name().unwrap().to_str().unwrap().to_owned();
    let temp = |n: u32| receipt.with_file_name(format!(".{name}.tmp-{n}"));
    let bytes = std::fs::read(&receipt).unwrap();
    // The crash came after the temp was written and before the rename: only the temp exists,
    // next to a torn one.
    std::fs::rename(&receipt, temp(1)).unwrap();
    std::fs::write(temp(2), &bytes[..bytes.len() / 2]).unwrap();
    let unstored = status_of_temp_only(&bytes);
    let events = finish(devnet, dir.path(), &account, &file, &[]);
    let done = events.last().unwrap();
    assert_eq!(done["paid_chunks"], 0, "{done}");
    assert_eq!(done["reused_proofs"], unstored);
    assert!(!temp(1).exists() && !temp(2).exists());
    assert_each_chunk_paid_once(devnet, &file);
}

/// Paid-but-unstored proofs in receipt bytes.
fn status_of_temp_only(bytes: &[u8]) -> usize {
    ferry::client::receipt::Receipt::decode(bytes)
        .unwrap()
        .proofs
        .len()
}

#[test]
fn a_receipt_from_a_newer_ferry_stops_the_upload_and_is_never_touched() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let (dir, file) = scratch_file(12);
    upload_killed_after_first_payment(devnet, dir.path(), &account, &file);
    let receipt = receipt_path(devnet, dir.path(), &account, &file);
    let mut bytes = std::fs::read(&receipt).unwrap();
    bytes[8..12].copy_from_slice(&99u32.to_be_bytes());
    std::fs::write(&receipt, &bytes).unwrap();
    let (code, events) = devnet.upload_json(dir.path(), &account, &file, &[]);
    assert_eq!(code, Some(2));
    let error = events.last().unwrap();
    assert_eq!(error["event"], "error");
    assert!(
        error["message"].as_str().unwrap().contains("newer ferry"),
        "{error}"
    );
    devnet
        .ferry(dir.path(), &account)
        .args(["cache", "clear", "--force"])
        .assert()
        .code(0);
    assert_eq!(std::fs::read(&receipt).unwrap(), bytes);
}

#[test]
fn status_lists_the_interrupted_upload_and_clear_keeps_paid_proofs_unless_forced() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let (dir, file) = scratch_file(12);
    upload_killed_after_first_payment(devnet, dir.path(), &account, &file);
    let line = status(devnet, dir.path(), &account, &file);
    assert_eq!(line["chunks_total"], planned_chunks(&file).len());
    assert_eq!(
        line["file"].as_str().unwrap(),
        std::fs::canonicalize(&file).unwrap().to_str().unwrap()
    );
    assert!(
        line["proofs_expire_at"].as_u64().unwrap() > ferry::wire::signed::unix_now() + 23 * 3600
    );
    let human = devnet
        .ferry(dir.path(), &account)
        .arg("status")
        .output()
        .unwrap();
    let text = String::from_utf8(human.stdout).unwrap();
    assert!(
        text.contains("paid") && text.contains("resume with: ferry upload"),
        "{text}"
    );

    for command in [&["cache", "gc"][..], &["cache", "clear"]] {
        let code = if command[1] == "gc" { 0 } else { 2 };
        devnet
            .ferry(dir.path(), &account)
            .args(command)
            .assert()
            .code(code);
        assert!(
            receipt_exists(devnet, dir.path(), &account),
            "{command:?} kept it"
        );
    }
    devnet
        .ferry(dir.path(), &account)
        .args(["cache", "clear", "--force"])
        .assert()
        .code(0);
    assert!(!receipt_exists(devnet, dir.path(), &account));
}

#[test]
fn an_upload_removes_other_receipts_past_their_time_to_live() {
    use ferry::client::receipt::cache::ReceiptCache;
    use ferry::client::receipt::{Receipt, WaveRecord};
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let (dir, file) = scratch_file(1);
    let cache = ReceiptCache::new(dir.path());
    let two_days_ago = ferry::wire::signed::unix_now() - 2 * 24 * 3600;
    let write = |key: &str, paid_at: u64| {
        let mut receipt = Receipt::new(format!("/elsewhere/{key}"), paid_at);
        let wave = WaveRecord {
            paid_at,
            chunks: 1,
            storage_cost: ferry::wire::types::Amount::wei(1),
            gas_cost: ferry::wire::types::Amount::wei(1),
        };
        receipt
            .waves
            .insert(alloy::primitives::B256::repeat_byte(1), wave);
        let lock = cache.lock(key, || {}).unwrap();
        cache.write(&lock, &receipt).unwrap();
        cache.receipt_path(key)
    };
    let expired = write(&"0a".repeat(32), two_days_ago);
    let live = write(&"0b".repeat(32), ferry::wire::signed::unix_now() - 3600);
    finish(devnet, dir.path(), &account, &file, &[]);
    assert!(!expired.exists(), "the expired receipt is collected");
    assert!(live.exists(), "a receipt within its time to live is kept");
}

#[test]
fn a_changed_file_resumes_with_the_chunks_that_still_match() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let (dir, file) = scratch_file(28);
    upload_killed_after_first_payment(devnet, dir.path(), &account, &file);
    let old_chunks = planned_chunks(&file);
    let mut bytes = std::fs::read(&file).unwrap();
    *bytes.last_mut().unwrap() ^= 0xff;
    std::fs::write(&file, &bytes).unwrap();
    let new_chunks = planned_chunks(&file);
    let kept = new_chunks.iter().filter(|c| old_chunks.contains(c)).count();
    assert!(kept > 0 && kept < new_chunks.len());
    let events = finish(devnet, dir.path(), &account, &file, &[]);
    let done = events.last().unwrap();
    assert_eq!(
        done["paid_chunks"].as_u64().unwrap() as usize,
        new_chunks.len() - kept,
        "only the chunks that changed are paid: {done}"
    );
    assert_each_chunk_paid_once(devnet, &file);
    assert_downloads_identical(devnet, dir.path(), &account, done, &file);
}

#[test]
fn no_resume_checks_every_chunk_again_and_pays_nothing_twice() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let (dir, file) = scratch_file(12);
    upload_killed_after_first_payment(devnet, dir.path(), &account, &file);
    let unstored = paid_not_stored(devnet, dir.path(), &account, &file);
    let events = finish(devnet, dir.path(), &account, &file, &["--no-resume"]);
    // What was stored is checked again, but what the chain shows paid is never paid again.
    assert_eq!(event(&events, "started")["reused_proofs"], unstored);
    let done = events.last().unwrap();
    assert_eq!(done["reused_proofs"], unstored, "{done}");
    assert_each_chunk_paid_once(devnet, &file);
    assert!(!receipt_exists(devnet, dir.path(), &account));
    assert_downloads_identical(devnet, dir.path(), &account, done, &file);
}

#[test]
fn a_receipt_whose_payments_this_chain_does_not_know_is_not_trusted() {
    // A devnet restarted from scratch keeps its chain id and vault address but forgets every
    // payment: the receipt of an upload to the old chain is found under the same key.
    let old = Devnet::shared();
    let account = old.funded_account();
    let (dir, file) = scratch_file(12);
    upload_killed_after_first_payment(old, dir.path(), &account, &file);
    let receipt = receipt_path(old, dir.path(), &account, &file);
    let unstored = paid_not_stored(old, dir.path(), &account, &file);
    let fresh = Devnet::start(5);
    let network = format!("{}:{}", fresh.network.chain_id, fresh.network.vault);
    let key = ferry::client::receipt::cache::ReceiptCache::key_for(&file, &network).unwrap();
    std::fs::rename(&receipt, receipt.with_file_name(format!("{key}.receipt"))).unwrap();

    let account = fresh.funded_account();
    let events = finish(&fresh, dir.path(), &account, &file, &[]);
    assert_eq!(event(&events, "started")["unpaid_proofs"], unstored);
    let done = events.last().unwrap();
    assert_eq!(done["reused_proofs"], 0, "{done}");
    assert_each_chunk_paid_once(&fresh, &file);
    assert_downloads_identical(&fresh, dir.path(), &account, done, &file);
}

#[test]
fn ctrl_c_while_waiting_for_another_upload_of_the_file_exits_130_having_paid_nothing() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let (dir, file) = scratch_file(1);
    let network = format!("{}:{}", devnet.network.chain_id, devnet.network.vault);
    let cache = ferry::client::receipt::cache::ReceiptCache::new(dir.path());
    let key = ferry::client::receipt::cache::ReceiptCache::key_for(&file, &network).unwrap();
    let held = cache.lock(&key, || {}).unwrap();
    let mut child = spawn_upload(devnet, dir.path(), &account, &file, &[]);
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert!(line.contains("\"waiting_for_lock\""), "{line}");
    crate::support::signal(child.id(), "INT");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    drop(held);
    devnet.assert_nothing_paid_for(&file);
}
