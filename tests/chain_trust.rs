//! Real chains through the real binary: an RPC endpoint that vanishes mid-wave, refuses log
//! queries or fails a check, a client killed right after sending a payment, and a paid wave
//! reorganised away. After each, the rerun completes, no chunk is paid twice on chain, and the
//! file downloads byte-identical. The misbehaving endpoint is [`RpcProxy`] in front of anvil.

use std::path::Path;
use std::process::Child;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use alloy::signers::local::PrivateKeySigner;
use ferry::client::receipt::Receipt;
use ferry::wire::types::ChunkAddress;
use serde_json::Value;

use crate::support::rpc_proxy::{RpcProxy, Verdict};
use crate::support::runs::{
    assert_downloads_identical, assert_each_chunk_paid_once, event, receipt_path, scratch_file,
    upload_command, upload_killed_after_first_payment,
};
use crate::support::{Devnet, assert_error_event, json_lines, planned_chunks};

/// `ferry upload --json EXTRA… FILE`, its chain endpoint `rpc_url` when given.
fn spawn_upload(
    devnet: &Devnet,
    dir: &Path,
    key: &PrivateKeySigner,
    file: &Path,
    rpc_url: Option<&str>,
    extra: &[&str],
) -> Child {
    let mut command = upload_command(devnet, dir, key, file, extra);
    if let Some(url) = rpc_url {
        command.env("FERRY_RPC_URL", url);
    }
    command.spawn().unwrap()
}

/// Runs an upload to its end; returns its exit code and events.
fn run_upload(
    devnet: &Devnet,
    dir: &Path,
    key: &PrivateKeySigner,
    file: &Path,
    rpc_url: Option<&str>,
    extra: &[&str],
) -> (Option<i32>, Vec<Value>) {
    let output = spawn_upload(devnet, dir, key, file, rpc_url, extra)
        .wait_with_output()
        .unwrap();
    (output.status.code(), json_lines(&output.stdout))
}

fn read_receipt(path: &Path) -> Receipt {
    Receipt::decode(&std::fs::read(path).unwrap()).unwrap()
}

/// Asserts a completed run, then downloads its reference and checks it is `file`'s bytes.
fn assert_done_and_downloads_identical(
    devnet: &Devnet,
    dir: &Path,
    key: &PrivateKeySigner,
    (code, events): &(Option<i32>, Vec<Value>),
    file: &Path,
) {
    assert_eq!(*code, Some(0), "the rerun failed: {events:?}");
    assert_downloads_identical(devnet, dir, key, events.last().unwrap(), file);
}

/// Asserts that a run stopped on the chain endpoint: exit 3, a retryable network error.
fn assert_stopped_retryable(code: Option<i32>, events: &[Value]) {
    assert_eq!(code, Some(3), "{events:?}");
    let error = events.last().unwrap();
    assert_error_event(error, "network", "chain");
    assert_eq!(error["retryable"], true, "{error}");
}

/// A rule passing everything on, except that the `nth` (from 1) `eth_sendRawTransaction`
/// gets `verdict`.
fn on_nth_send(nth: usize, verdict: Verdict) -> impl Fn(&Value) -> Verdict + Send + Sync {
    let sends = Arc::new(AtomicUsize::new(0));
    move |request: &Value| {
        if request["method"] == "eth_sendRawTransaction"
            && sends.fetch_add(1, Ordering::SeqCst) + 1 == nth
        {
            verdict.clone()
        } else {
            Verdict::Forward
        }
    }
}

#[test]
fn one_unpaid_proof_is_dropped_alone_and_the_others_are_reused() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let (dir, file) = scratch_file(28);
    upload_killed_after_first_payment(devnet, dir.path(), &account, &file);
    let path = receipt_path(devnet, dir.path(), &account, &file);
    let mut receipt = read_receipt(&path);
    let unstored = receipt.proofs.len();
    assert!(unstored > 0, "the kill left no paid chunk unstored");
    // One proof whose payment the chain does not know: a paid proof moved to another chunk,
    // so its paid quote's hash is one the vault never saw.
    let mut forged = receipt.proofs.values().next().unwrap().clone();
    let elsewhere = ChunkAddress(rand::random());
    for quote in &mut forged.quotes {
        quote.body.chunk = elsewhere;
    }
    receipt.proofs.insert(elsewhere, forged);
    // Written as ferry writes it; the lock is free since the killed run is gone.
    let cache = ferry::client::receipt::cache::ReceiptCache::new(dir.path());
    let key = path.file_stem().unwrap().to_str().unwrap().to_owned();
    let lock = cache.lock(&key, || {}).unwrap();
    cache.write(&lock, &receipt).unwrap();
    drop(lock);

    let run = run_upload(devnet, dir.path(), &account, &file, None, &[]);
    let (_, events) = &run;
    assert_eq!(event(events, "started")["unpaid_proofs"], 1, "{events:?}");
    let done = events.last().unwrap();
    assert_eq!(done["reused_proofs"], unstored, "{done}");
    assert_eq!(done["paid_chunks"], 0, "{done}");
    assert_done_and_downloads_identical(devnet, dir.path(), &account, &run, &file);
    assert_each_chunk_paid_once(devnet, &file);
}

#[test]
fn a_failed_check_of_the_proofs_keeps_them_and_stops_retryable() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let (dir, file) = scratch_file(12);
    upload_killed_after_first_payment(devnet, dir.path(), &account, &file);
    let path = receipt_path(devnet, dir.path(), &account, &file);
    let before = read_receipt(&path);
    assert!(
        !before.proofs.is_empty(),
        "the kill left no paid chunk unstored"
    );
    // Every contract read (the vault's records) loses its connection.
    let proxy = RpcProxy::start(&devnet.network.rpc_url, |request: &Value| {
        if request["method"] == "eth_call" {
            Verdict::Drop
        } else {
            Verdict::Forward
        }
    });
    let (code, events) = run_upload(devnet, dir.path(), &account, &file, Some(proxy.url()), &[]);
    assert_stopped_retryable(code, &events);
    assert!(!proxy.calls("eth_call").is_empty(), "the check was made");
    assert_eq!(
        read_receipt(&path).proofs,
        before.proofs,
        "no proof dropped"
    );

    let run = run_upload(devnet, dir.path(), &account, &file, None, &[]);
    let done = run.1.last().unwrap();
    assert_eq!(done["reused_proofs"], before.proofs.len(), "{done}");
    assert_eq!(done["paid_chunks"], 0, "{done}");
    assert_done_and_downloads_identical(devnet, dir.path(), &account, &run, &file);
    assert_each_chunk_paid_once(devnet, &file);
}

#[test]
fn the_chain_endpoint_vanishing_mid_wave_stops_retryable_and_the_rerun_pays_nothing_twice() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let (dir, file) = scratch_file(16);
    let chunks = planned_chunks(&file).len();
    // The second wave's transaction reaches the chain; its answer never reaches the client.
    let proxy = RpcProxy::start(
        &devnet.network.rpc_url,
        on_nth_send(2, Verdict::ForwardThenCut),
    );
    let args = ["--wave-size", "1"];
    let (code, events) = run_upload(
        devnet,
        dir.path(),
        &account,
        &file,
        Some(proxy.url()),
        &args,
    );
    assert_stopped_retryable(code, &events);
    assert!(proxy.is_cut());
    assert_eq!(proxy.calls("eth_sendRawTransaction").len(), 2);
    let paid_waves = events.iter().filter(|e| e["event"] == "wave_paid").count();
    assert_eq!(paid_waves, 1, "{events:?}");

    // The rerun's log lookups are refused outright: the vault's records still decide.
    let refusing = refusing_logs(devnet, "query returned more than 10000 results", |_| true);
    let run = run_upload(
        devnet,
        dir.path(),
        &account,
        &file,
        Some(refusing.url()),
        &args,
    );
    let (_, events) = &run;
    assert!(!refusing.calls("eth_getLogs").is_empty(), "logs were asked");
    assert_eq!(
        event(events, "started")["recovered_payments"],
        1,
        "{events:?}"
    );
    let done = events.last().unwrap();
    assert_eq!(done["paid_chunks"], chunks - 2, "{done}");
    assert_done_and_downloads_identical(devnet, dir.path(), &account, &run, &file);
    assert_each_chunk_paid_once(devnet, &file);
}

/// An RPC endpoint that refuses the `eth_getLogs` requests `refused` picks, saying `message`,
/// and forwards everything else to the devnet's chain.
fn refusing_logs(
    devnet: &Devnet,
    message: &'static str,
    refused: impl Fn(&Value) -> bool + Send + Sync + 'static,
) -> RpcProxy {
    RpcProxy::start(&devnet.network.rpc_url, move |request: &Value| {
        if request["method"] == "eth_getLogs" && refused(request) {
            Verdict::Refuse(message.into())
        } else {
            Verdict::Forward
        }
    })
}

/// The `fromBlock`..`toBlock` span of an `eth_getLogs` request, in blocks (`u64::MAX` when
/// either end is open or a tag such as `latest`).
fn log_range(request: &Value) -> u64 {
    let block = |name: &str| {
        let hex = request["params"][0][name].as_str()?;
        u64::from_str_radix(hex.strip_prefix("0x")?, 16).ok()
    };
    match (block("fromBlock"), block("toBlock")) {
        (Some(from), Some(to)) if to >= from => to - from + 1,
        _ => u64::MAX,
    }
}

#[test]
fn a_client_killed_right_after_sending_is_reconciled_from_the_vault_in_bounded_log_windows() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let (dir, file) = scratch_file(12);
    let chunks = planned_chunks(&file).len();
    let args = ["--wave-size", "1"];
    let proxy = RpcProxy::start(
        &devnet.network.rpc_url,
        on_nth_send(2, Verdict::ForwardThenHold),
    );
    let mut child = spawn_upload(
        devnet,
        dir.path(),
        &account,
        &file,
        Some(proxy.url()),
        &args,
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    while proxy
        .forwarded()
        .iter()
        .filter(|r| r["method"] == "eth_sendRawTransaction")
        .count()
        < 2
    {
        assert!(
            Instant::now() < deadline,
            "the second payment was never sent"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the upload ended early"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    crate::support::signal(child.id(), "KILL");
    child.wait().unwrap();
    drop(proxy);
    let journal = read_receipt(&receipt_path(devnet, dir.path(), &account, &file)).intents;
    assert_eq!(journal.len(), 1, "the sent wave is journalled");
    assert!(journal[0].nonce.is_some(), "with its nonce");

    // An endpoint that, like public ones, refuses log queries open to the latest block or
    // wider than 10,000 blocks still answers every query ferry makes. (Walking a longer range
    // window by window is `payment::tests::log_windows_*`: mining 10,000 blocks on anvil
    // takes minutes.)
    let bounded = refusing_logs(devnet, "query exceeds max block range 10000", |request| {
        log_range(request) > 10_000
    });
    let run = run_upload(
        devnet,
        dir.path(),
        &account,
        &file,
        Some(bounded.url()),
        &args,
    );
    let (_, events) = &run;
    let lookups = bounded.calls("eth_getLogs");
    assert!(
        !lookups.is_empty(),
        "the payment's transaction was looked up"
    );
    for lookup in &lookups {
        assert!(log_range(lookup) <= 10_000, "{lookup}");
    }
    assert_eq!(
        event(events, "started")["recovered_payments"],
        1,
        "{events:?}"
    );
    let done = events.last().unwrap();
    assert_eq!(done["paid_chunks"], chunks - 2, "{done}");
    assert_done_and_downloads_identical(devnet, dir.path(), &account, &run, &file);
    assert_each_chunk_paid_once(devnet, &file);
}

#[test]
fn a_paid_wave_reorganised_away_is_paid_again_once_and_the_upload_completes() {
    // evm_revert rewinds the whole chain: a devnet of its own.
    let devnet = Devnet::start(5);
    let account = devnet.funded_account();
    let (dir, file) = scratch_file(12);
    let snapshot = devnet.rpc("evm_snapshot", serde_json::json!([]));
    upload_killed_after_first_payment(&devnet, dir.path(), &account, &file);
    let unstored = read_receipt(&receipt_path(&devnet, dir.path(), &account, &file))
        .proofs
        .len();
    assert!(unstored > 0, "the kill left no paid chunk unstored");
    assert_eq!(
        devnet.rpc("evm_revert", serde_json::json!([snapshot])),
        true
    );
    for chunk in planned_chunks(&file) {
        assert_eq!(devnet.times_paid(chunk), 0, "the payment is gone");
    }

    let run = run_upload(&devnet, dir.path(), &account, &file, None, &[]);
    let (_, events) = &run;
    assert_eq!(
        event(events, "started")["unpaid_proofs"],
        unstored,
        "{events:?}"
    );
    let done = events.last().unwrap();
    assert_eq!(done["reused_proofs"], 0, "{done}");
    assert_done_and_downloads_identical(&devnet, dir.path(), &account, &run, &file);
    // Chunks stored before the kill are held by the nodes and not paid again; the rest are
    // paid exactly once on the chain as it now is.
    let paid: usize = planned_chunks(&file)
        .into_iter()
        .map(|chunk| {
            let times = devnet.times_paid(chunk);
            assert!(times <= 1, "chunk {chunk} paid {times} times");
            times
        })
        .sum();
    assert_eq!(paid as u64, done["paid_chunks"].as_u64().unwrap(), "{done}");
    assert!(paid >= unstored, "{done}");
}
