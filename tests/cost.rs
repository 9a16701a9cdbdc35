//! Cost control through the real binary: a quote needs no wallet, a balance below the whole
//! upload's estimate is refused before the first wave is paid, and nothing is ever asked off a
//! terminal.

use predicates::prelude::*;

use crate::support::{Devnet, json_lines, planned_chunks, random_bytes};

/// The devnet's network file without its funded key, so no command can fall back on it.
fn network_without_key(devnet: &Devnet, dir: &std::path::Path) -> std::path::PathBuf {
    devnet.network_file_with(dir, |network| network.funded_key = None)
}

#[test]
fn quote_needs_no_wallet_and_gives_chunks_storage_and_gas() {
    let devnet = Devnet::shared();
    let (dir, file, _) = crate::support::random_file("priced.bin", 100_000);
    let network = network_without_key(devnet, dir.path());
    let output = devnet
        .ferry(dir.path(), &devnet.funded_account())
        .env_remove("FERRY_PRIVATE_KEY")
        .env("FERRY_NETWORK", &network)
        .args(["quote", "--json"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let quote = json_lines(&output.stdout).pop().unwrap();
    assert_eq!(quote["event"], "quote");
    assert_eq!(quote["chunks"], planned_chunks(&file).len());
    for amount in ["storage_cost_wei", "estimated_gas_wei"] {
        let wei: u128 = quote[amount].as_str().unwrap().parse().unwrap();
        assert!(wei > 0, "{amount} is zero: {quote}");
    }
    for chunk in planned_chunks(&file) {
        assert_eq!(devnet.times_paid(chunk), 0, "a quote paid");
    }
}

#[test]
fn a_balance_below_the_estimate_is_refused_before_the_first_wave_is_paid() {
    // Its own devnet: no other test moves its gas price or pays on it.
    let devnet = Devnet::start(5);
    let account = devnet.funded_account();
    let (dir, file, _) = crate::support::random_file("dear.bin", 30 * 1024 * 1024);
    let chunks = planned_chunks(&file).len();
    assert!(chunks >= 8, "{chunks} chunks");
    let output = devnet
        .ferry(dir.path(), &account)
        .args(["quote", "--json"])
        .arg(&file)
        .output()
        .unwrap();
    let quote = json_lines(&output.stdout).pop().unwrap();
    let gas_in_one_wave: u128 = quote["estimated_gas_wei"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    // Three quarters of the gas of one wave holding every chunk: about twice what a wave of
    // one chunk needs, and about half what a wave per chunk needs.
    let balance = gas_in_one_wave / 4 * 3;
    devnet.set_balance(account.address(), alloy::primitives::U256::from(balance));
    let (code, events) = devnet.upload_json(dir.path(), &account, &file, &["--wave-size", "1"]);
    assert_eq!(code, Some(4), "{:?}", events.last());
    crate::support::assert_error_event(events.last().unwrap(), "payment", "insufficient funds");
    assert!(events.iter().all(|e| e["event"] != "wave_paid"));
    assert!(devnet.chunk_paid_events().is_empty(), "something was paid");
}

#[test]
fn off_a_terminal_nothing_is_asked_even_with_a_zero_threshold() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let (dir, file, _) = crate::support::random_file("unasked.bin", 100_000);
    devnet
        .ferry(dir.path(), &account)
        .env("FERRY_CONFIRM_ABOVE", "0")
        .arg("upload")
        .arg(&file)
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("ferry:"))
        .stderr(predicate::str::contains("[y/N]").not());
    for chunk in planned_chunks(&file) {
        assert_eq!(devnet.times_paid(chunk), 1);
    }
}

/// Sums a decimal-wei field over the `wave_paid` events.
fn paid_in_waves(events: &[serde_json::Value], field: &str) -> u128 {
    events
        .iter()
        .filter(|e| e["event"] == "wave_paid")
        .map(|e| e[field].as_str().unwrap().parse::<u128>().unwrap())
        .sum()
}

#[test]
fn max_cost_counts_storage_and_gas_of_this_run_and_stops_before_the_wave_that_would_pass_it() {
    // Its own chain: the gas price moves only with this test's own blocks.
    let devnet = &Devnet::start(3);
    let account = devnet.funded_account();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("capped-later.bin");
    let data = random_bytes(5 * ferry::client::chunking::MAX_PLAINTEXT_BYTES);
    std::fs::write(&file, &data).unwrap();
    // A cap of the whole storage cost and two fifths of the gas the quote expects for waves
    // of one chunk: room for the first waves of one chunk, not for all of them; a cap that
    // counted storage alone would let every wave pass.
    let output = devnet
        .ferry(dir.path(), &account)
        .args(["quote", "--json", "--wave-size", "1"])
        .arg(&file)
        .output()
        .unwrap();
    let quote = json_lines(&output.stdout).pop().unwrap();
    let wei = |field: &str| quote[field].as_str().unwrap().parse::<u128>().unwrap();
    let cap = wei("storage_cost_wei") + wei("estimated_gas_wei") * 2 / 5;
    let (code, events) = devnet.upload_json(
        dir.path(),
        &account,
        &file,
        &["--wave-size", "1", "--max-cost", &cap.to_string()],
    );
    assert_eq!(code, Some(4), "{:?}", events.last());
    crate::support::assert_error_event(events.last().unwrap(), "payment", "--max-cost");
    let paid = paid_in_waves(&events, "storage_cost_wei") + paid_in_waves(&events, "gas_cost_wei");
    assert!(
        paid <= cap,
        "this run paid {paid} wei, above --max-cost {cap}"
    );
    let waves = events.iter().filter(|e| e["event"] == "wave_paid").count();
    assert!(waves >= 1, "the cap leaves room for the first wave");

    let (code, events) = devnet.upload_json(dir.path(), &account, &file, &[]);
    let done = events.last().unwrap();
    assert_eq!(code, Some(0), "{done}");
    let reference = done["reference"].as_str().unwrap();
    crate::support::assert_paid_once_and_downloads(
        devnet,
        dir.path(),
        &account,
        &file,
        reference,
        &data,
    );
}
