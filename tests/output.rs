//! What the real binary writes where: the complete `--json` event stream on stdout, logs on
//! stderr at the level `-v` asks for, nothing but the reference with `-q` (and on every other
//! command nothing but its result and its errors), and never the key.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::Stdio;

use crate::support::{Devnet, planned_chunks, random_bytes, runtime};

#[test]
fn json_stream_has_every_event_when_a_node_dies_during_the_upload() {
    let devnet = Devnet::start(5);
    let account = devnet.funded_account();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("events.bin");
    // Six chunks; the node that dies is the closest to the first one, the node the client
    // sends it to (to store and forward), so the client itself meets the dead node.
    std::fs::write(&file, random_bytes(20 * 1024 * 1024)).unwrap();
    let dead = closest_node_pid(&devnet, planned_chunks(&file)[0]);
    let mut child = devnet
        .ferry_process(dir.path(), &account)
        .args(["upload", "--json", "--wave-size", "3"])
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut events = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let event: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
        if event["event"] == "started" {
            // The upload knows every node by now; PUTs to this one fail and go elsewhere.
            crate::support::signal(dead, "KILL");
        }
        events.push(event);
    }
    assert_eq!(child.wait().unwrap().code(), Some(0), "{:?}", events.last());
    assert!(
        events.iter().all(|e| e["schema"] == 1),
        "a line lacks schema"
    );
    let names: BTreeSet<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    for name in ["started", "wave_paid", "chunk_stored", "retry", "done"] {
        assert!(names.contains(name), "no {name} event in {names:?}");
    }
    assert_eq!(events.first().unwrap()["event"], "started");
    assert_eq!(events.last().unwrap()["event"], "done");
    let retry = events.iter().find(|e| e["event"] == "retry").unwrap();
    for field in ["chunk", "node", "attempt", "reason"] {
        assert!(!retry[field].is_null(), "retry lacks {field}: {retry}");
    }
}

/// The pid of the devnet node closest to `chunk`.
fn closest_node_pid(devnet: &Devnet, chunk: ferry::wire::types::ChunkAddress) -> u32 {
    let client = ferry::client::nodes::NodeClient::new(Default::default());
    let nodes: Vec<_> = devnet
        .network
        .bootstrap
        .iter()
        .map(|url| runtime().block_on(client.info(url)).unwrap())
        .collect();
    let closest = ferry::wire::network::ring_order(&chunk, &nodes)[0].id;
    let index = nodes.iter().position(|n| n.id == closest).unwrap();
    devnet.node_pids()[index]
}

#[test]
fn quiet_prints_the_reference_and_nothing_else() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let (dir, file, _) = crate::support::random_file("quiet.bin", 6 * 1024 * 1024);
    let output = devnet
        .ferry(dir.path(), &account)
        .args(["-q", "upload"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.starts_with("ferry:") && stdout.lines().count() == 1);
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}

#[test]
fn verbose_logs_go_to_stderr_and_never_hold_the_private_key() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let key = hex::encode(account.to_bytes());
    let dir = tempfile::tempdir().unwrap();
    for verbosity in ["-v", "-vvv"] {
        let file = dir.path().join(format!("logged{verbosity}.bin"));
        std::fs::write(&file, random_bytes(10_000)).unwrap();
        let output = devnet
            .ferry(dir.path(), &account)
            .args([verbosity, "upload", "--json"])
            .arg(&file)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0));
        let stdout = String::from_utf8(output.stdout).unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        crate::support::json_lines(stdout.as_bytes());
        let level = if verbosity == "-v" { "INFO" } else { "DEBUG" };
        assert!(stderr.contains(level), "{verbosity}: no {level} lines");
        assert!(stderr.contains("network file"), "{verbosity}: {stderr}");
        for text in [&stdout, &stderr] {
            assert!(!text.contains(&key), "{verbosity} printed the private key");
            assert!(
                !text.contains(&key[..16]),
                "{verbosity} printed part of the key"
            );
        }
    }
}

/// The `ferry` binary with only `PATH` (anvil) and the data dir set.
fn bare_ferry(data_dir: &std::path::Path) -> assert_cmd::Command {
    let mut command = assert_cmd::Command::cargo_bin("ferry").unwrap();
    command
        .env_clear()
        .env("PATH", crate::support::path_with_anvil())
        .env("FERRY_DATA_DIR", data_dir)
        .env("XDG_CONFIG_HOME", data_dir);
    command
}

/// Runs `command`, asserts it exits `code`, and returns its stdout and stderr.
fn outputs(command: &mut assert_cmd::Command, code: i32) -> (String, String) {
    let output = command.output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    );
    assert_eq!(output.status.code(), Some(code), "{stdout}{stderr}");
    (stdout, stderr)
}

#[test]
fn quiet_devnet_up_and_down_print_nothing_and_errors_still_show() {
    let dir = tempfile::tempdir().unwrap();
    let up = ["-q", "devnet", "up", "--detach", "--nodes", "1"];
    assert_eq!(
        outputs(bare_ferry(dir.path()).args(up), 0),
        ("".into(), "".into())
    );
    // Without -q the same command says what runs where.
    let (again, _) = outputs(bare_ferry(dir.path()).args(&up[1..]), 0);
    assert!(again.contains("a devnet is already running"), "{again}");
    let down = ["-q", "devnet", "down"];
    assert_eq!(
        outputs(bare_ferry(dir.path()).args(down), 0),
        ("".into(), "".into())
    );
    assert_eq!(
        outputs(bare_ferry(dir.path()).args(down), 0),
        ("".into(), "".into())
    );
    let reference = format!("ferry:{}", "0".repeat(128));
    let (stdout, stderr) = outputs(
        bare_ferry(dir.path()).args(["-q", "verify", "--devnet", &reference]),
        2,
    );
    assert_eq!(stdout, "");
    assert!(
        stderr.starts_with("error: no devnet is running"),
        "{stderr}"
    );
}

#[test]
fn quiet_cache_prints_nothing_and_its_refusal_still_shows() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let (dir, file) = crate::support::runs::scratch_file(12);
    let (_, said) = outputs(devnet.ferry(dir.path(), &account).args(["cache", "gc"]), 0);
    assert!(said.contains("removed 0 receipt(s)"), "{said}");
    let gc = ["-q", "cache", "gc"];
    assert_eq!(
        outputs(devnet.ferry(dir.path(), &account).args(gc), 0),
        ("".into(), "".into())
    );
    crate::support::runs::upload_killed_after_first_payment(devnet, dir.path(), &account, &file);
    let (stdout, stderr) = outputs(
        devnet
            .ferry(dir.path(), &account)
            .args(["-q", "cache", "clear"]),
        2,
    );
    assert_eq!(stdout, "");
    assert!(
        stderr.starts_with("error: kept 1 receipt(s) holding chunks paid"),
        "{stderr}"
    );
    assert_eq!(
        outputs(
            devnet
                .ferry(dir.path(), &account)
                .args(["-q", "cache", "clear", "--force"]),
            0
        ),
        ("".into(), "".into())
    );
}

#[test]
fn quiet_vault_deploy_prints_only_the_address_and_errors_still_show() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let dir = tempfile::tempdir().unwrap();
    let (stdout, stderr) = outputs(
        devnet.ferry(dir.path(), &account).args([
            "-q",
            "vault",
            "deploy",
            "--rpc-url",
            &devnet.network.rpc_url,
        ]),
        0,
    );
    assert_eq!(stderr, "");
    let address: alloy::primitives::Address = stdout.trim().parse().unwrap();
    assert_eq!(stdout, format!("{address}\n"));
    let (stdout, stderr) = outputs(
        devnet
            .ferry(dir.path(), &account)
            .args(["-q", "vault", "deploy"]),
        2,
    );
    assert_eq!(stdout, "");
    assert!(stderr.starts_with("error: no chain given"), "{stderr}");
}
