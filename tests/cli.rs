//! Bad input through the real binary: clear errors, the right exit codes, no secret echoed,
//! nothing paid.

use assert_cmd::Command;
use predicates::prelude::*;

fn ferry(data_dir: &std::path::Path) -> Command {
    let mut command = Command::cargo_bin("ferry").unwrap();
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap())
        .env("FERRY_DATA_DIR", data_dir)
        .env("XDG_CONFIG_HOME", data_dir);
    command
}

#[test]
fn missing_file_exits_2_and_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    ferry(dir.path())
        .args(["upload", "/no/such/file.iso", "--network", "/dev/null"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("/no/such/file.iso")
                .and(predicate::str::contains("no such file")),
        );
}

#[test]
fn a_special_file_exits_2_and_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("socket");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    ferry(dir.path())
        .args(["upload"])
        .arg(&socket)
        .args(["--network", "/dev/null"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "is not a regular file or a folder",
        ));
}

#[test]
fn missing_file_in_json_mode_ends_with_an_error_event() {
    let dir = tempfile::tempdir().unwrap();
    let output = ferry(dir.path())
        .args([
            "upload",
            "/no/such/file",
            "--json",
            "--network",
            "/dev/null",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let last: serde_json::Value =
        serde_json::from_str(stdout.lines().last().expect("one line")).unwrap();
    assert_eq!(last["event"], "error");
    assert_eq!(last["kind"], "bad_input");
    assert_eq!(last["retryable"], false);
    assert_eq!(last["schema"], 1);
}

#[test]
fn bad_private_key_exits_2_without_echoing_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f");
    std::fs::write(&file, b"hi").unwrap();
    let network = dir.path().join("network.json");
    std::fs::write(
        &network,
        r#"{"chain_id":1,"rpc_url":"http://127.0.0.1:9","vault":"0x0000000000000000000000000000000000000001","bootstrap":[]}"#,
    )
    .unwrap();
    let secret = "zz11secretish99notakey";
    let output = ferry(dir.path())
        .env("FERRY_PRIVATE_KEY", secret)
        .arg("upload")
        .arg(&file)
        .arg("--network")
        .arg(&network)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        all.contains("FERRY_PRIVATE_KEY"),
        "the error names the variable: {all}"
    );
    assert!(!all.contains(secret), "the key was echoed: {all}");
}

#[test]
fn no_network_exits_2_and_says_how_to_choose_one() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f");
    std::fs::write(&file, b"hi").unwrap();
    ferry(dir.path())
        .arg("upload")
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--network").and(predicate::str::contains("--devnet")));
}

#[test]
fn malformed_reference_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    ferry(dir.path())
        .args(["download", "ferry:nothex", "-o"])
        .arg(dir.path().join("out"))
        .args(["--network", "/dev/null"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a ferry reference"));
}

#[test]
fn wave_size_out_of_range_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    ferry(dir.path())
        .args(["upload", "f", "--wave-size", "65"])
        .assert()
        .code(2);
}

#[test]
fn no_key_or_a_bad_key_exits_2_naming_the_variable_and_pays_nothing() {
    let devnet = crate::support::Devnet::shared();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("keyless.bin");
    std::fs::write(&file, crate::support::random_bytes(50_000)).unwrap();
    // A network file without a funded key to fall back on.
    let network_file = devnet.network_file_with(dir.path(), |network| network.funded_key = None);
    let secret = "0x12ab34cd56ef7890notquiteakey";
    for key in [None, Some(secret)] {
        let mut command = devnet.ferry(dir.path(), &devnet.funded_account());
        command
            .env_remove("FERRY_PRIVATE_KEY")
            .env("FERRY_NETWORK", &network_file)
            .arg("upload")
            .arg(&file);
        if let Some(key) = key {
            command.env("FERRY_PRIVATE_KEY", key);
        }
        let output = command.output().unwrap();
        assert_eq!(output.status.code(), Some(2), "key {key:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("FERRY_PRIVATE_KEY"), "{stderr}");
        assert!(!stderr.contains(&secret[2..]) && output.stdout.is_empty());
    }
    devnet.assert_nothing_paid_for(&file);
}

#[test]
fn a_devnet_of_no_nodes_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    ferry(dir.path())
        .args(["devnet", "up", "--nodes", "0"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("at least one node"));
}

#[test]
fn a_closed_stdout_ends_the_output_quietly() {
    // `ferry completions bash | head -1`: the reader leaves after one line.
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ferry"))
        .env("FERRY_DATA_DIR", dir.path())
        .args(["completions", "bash"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(
        output.stderr.is_empty(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}
