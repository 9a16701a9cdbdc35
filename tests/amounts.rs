//! Amounts people can read: human output in ETH, gwei or wei (`--units`), JSON in wei strings,
//! and `--max-cost` / `confirm_above` written with a unit; bad amounts exit 2.

use predicates::prelude::*;

use crate::support::{Devnet, random_file};

#[test]
fn the_balance_reads_in_each_unit_and_json_keeps_wei() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let dir = tempfile::tempdir().unwrap();
    for (units, shown) in [
        (None, "1000 ETH\n"),
        (Some("eth"), "1000 ETH\n"),
        (Some("gwei"), "1000000000000 gwei\n"),
        (Some("wei"), "1000000000000000000000 wei\n"),
    ] {
        let mut command = devnet.ferry(dir.path(), &account);
        command.args(["wallet", "balance"]);
        if let Some(units) = units {
            command.args(["--units", units]);
        }
        command.assert().code(0).stdout(shown);
    }
    devnet
        .ferry(dir.path(), &account)
        .env("FERRY_UNITS", "gwei")
        .args(["wallet", "balance"])
        .assert()
        .code(0)
        .stdout("1000000000000 gwei\n");
    devnet
        .ferry(dir.path(), &account)
        .args(["--json", "--units", "gwei", "wallet", "balance"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "\"balance_wei\":\"1000000000000000000000\"",
        ));
}

#[test]
fn bad_amounts_exit_2_and_pay_nothing() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let (dir, file, _) = random_file("bad-amounts.bin", 10_000);
    for amount in ["1.5wei", "-1eth", "12x", "1e18", "0.5 finney"] {
        devnet
            .ferry(dir.path(), &account)
            .args(["upload", "--yes"])
            .arg(format!("--max-cost={amount}"))
            .arg(&file)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("--max-cost"));
        devnet
            .ferry(dir.path(), &account)
            .env("FERRY_CONFIRM_ABOVE", amount)
            .arg("upload")
            .arg(&file)
            .assert()
            .code(2);
    }
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "confirm_above = \"1.5wei\"\n").unwrap();
    devnet
        .ferry(dir.path(), &account)
        .env("FERRY_CONFIG", &config)
        .arg("upload")
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("confirm_above"));
    devnet.assert_nothing_paid_for(&file);
}

#[test]
fn max_cost_in_eth_and_gwei_is_the_same_cap_as_in_wei() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let (dir, file, _) = random_file("capped-eth.bin", 10_000);
    // One wei, written in ETH: below any wave, so nothing is paid (exit 4).
    let (code, events) = devnet.upload_json(
        dir.path(),
        &account,
        &file,
        &["--max-cost", "0.000000000000000001eth"],
    );
    assert_eq!(code, Some(4), "{:?}", events.last());
    crate::support::assert_error_event(events.last().unwrap(), "payment", "--max-cost");
    devnet.assert_nothing_paid_for(&file);
    // Its human message gives the cap in ETH, or in the unit asked for.
    for (units, cap) in [
        ("eth", "--max-cost 0.000000000000000001 ETH"),
        ("wei", "--max-cost 1 wei"),
    ] {
        devnet
            .ferry(dir.path(), &account)
            .args(["upload", "--yes", "--max-cost", "1", "--units", units])
            .arg(&file)
            .assert()
            .code(4)
            .stderr(predicate::str::contains(cap));
    }
    devnet.assert_nothing_paid_for(&file);
    // A cap of 1 ETH (written in gwei) is plenty; the human summary reads in ETH.
    let output = devnet
        .ferry(dir.path(), &account)
        .args(["upload", "--yes", "--max-cost", "1000000000gwei"])
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(" ETH storage + ") && stderr.contains(" ETH gas in "),
        "{stderr}"
    );
}

#[test]
fn amounts_show_in_the_native_coin_the_network_file_names() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let dir = tempfile::tempdir().unwrap();
    let mut network: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&devnet.network_file).unwrap()).unwrap();
    network["native_unit"] = "POL".into();
    let network_file = dir.path().join("polygon-like.json");
    std::fs::write(&network_file, network.to_string()).unwrap();
    devnet
        .ferry(dir.path(), &account)
        .env("FERRY_NETWORK", &network_file)
        .args(["wallet", "balance"])
        .assert()
        .code(0)
        .stdout("1000 POL\n");
    // Gwei and wei are the same on every EVM chain.
    devnet
        .ferry(dir.path(), &account)
        .env("FERRY_NETWORK", &network_file)
        .args(["--units", "gwei", "wallet", "balance"])
        .assert()
        .code(0)
        .stdout("1000000000000 gwei\n");
}
