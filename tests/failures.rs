//! Failures a script must be able to tell apart: no money, no chain, too few nodes. Each ends
//! with its own exit code, a JSON error event, and nothing paid that should not be.

use std::time::Duration;

use crate::support::{Devnet, json_lines};

fn last_event(stdout: &[u8]) -> serde_json::Value {
    json_lines(stdout).pop().expect("at least the error event")
}

#[test]
fn an_empty_wallet_exits_4_and_pays_nothing() {
    let devnet = Devnet::shared();
    let empty = alloy::signers::local::PrivateKeySigner::random();
    let (dir, file, _) = crate::support::random_file("unpaid.bin", 50_000);
    let (code, events) = devnet.upload_json(dir.path(), &empty, &file, &[]);
    assert_eq!(code, Some(4));
    crate::support::assert_error_event(events.last().unwrap(), "payment", "insufficient funds");
    devnet.assert_nothing_paid_for(&file);
}

#[test]
fn max_cost_below_the_first_wave_exits_4_and_pays_nothing() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let (dir, file, _) = crate::support::random_file("capped.bin", 50_000);
    let (code, events) = devnet.upload_json(dir.path(), &account, &file, &["--max-cost", "1"]);
    assert_eq!(code, Some(4));
    crate::support::assert_error_event(events.last().unwrap(), "payment", "--max-cost");
    devnet.assert_nothing_paid_for(&file);
}

#[test]
fn an_unreachable_chain_exits_3_and_is_retryable() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let (dir, file, _) = crate::support::random_file("nochain.bin", 1000);
    let output = devnet
        .ferry(dir.path(), &account)
        .env("FERRY_RPC_URL", "http://127.0.0.1:9")
        .args(["upload", "--json"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let error = last_event(&output.stdout);
    assert_eq!(error["kind"], "network");
    assert_eq!(error["retryable"], true);
    assert!(error["message"].as_str().unwrap().contains("127.0.0.1:9"));
}

#[test]
fn too_few_live_nodes_ends_partial_with_exit_5_not_a_hang() {
    let devnet = Devnet::start(5);
    let account = devnet.funded_account();
    for pid in devnet.node_pids().into_iter().take(3) {
        crate::support::signal(pid, "KILL");
    }
    let (dir, file, _) = crate::support::random_file("stranded.bin", 100_000);
    // A hang is killed at the timeout, and a killed run has no exit code: the check fails.
    let output = devnet
        .ferry(dir.path(), &account)
        .args(["upload", "--json"])
        .arg(&file)
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let error = last_event(&output.stdout);
    assert_eq!(error["kind"], "partial");
    assert_eq!(error["retryable"], true);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("to resume, run:")
    );
}
