//! The config file through the real binary: its settings apply, environment variables and flags
//! override them in that order, and a bad file stops ferry with exit 2 before anything is paid.

use std::path::Path;

use predicates::prelude::*;

use crate::support::{Devnet, planned_chunks, random_bytes};

/// Waves paid by `ferry upload --json` of a new file, run with `customise`.
fn waves_paid(
    devnet: &Devnet,
    dir: &Path,
    customise: impl FnOnce(&mut assert_cmd::Command),
) -> (usize, usize) {
    let account = devnet.funded_account();
    let file = dir.join(format!("{}.bin", rand::random::<u64>()));
    std::fs::write(&file, random_bytes(5 * 1024 * 1024)).unwrap();
    let mut command = devnet.ferry(dir, &account);
    command.args(["upload", "--json"]).arg(&file);
    customise(&mut command);
    let output = command.output().unwrap();
    let events = crate::support::json_lines(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{:?}\n{}",
        events.last(),
        String::from_utf8_lossy(&output.stderr)
    );
    let waves = events.iter().filter(|e| e["event"] == "wave_paid").count();
    (waves, planned_chunks(&file).len())
}

#[test]
fn config_file_settings_apply_and_env_then_flags_override_them() {
    let devnet = Devnet::shared();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("ferry.toml");
    std::fs::write(
        &config,
        format!(
            "network = {:?}\nwave_size = 1\n",
            devnet.network_file.display().to_string()
        ),
    )
    .unwrap();
    // The network and the wave size from the file alone.
    let (waves, chunks) = waves_paid(devnet, dir.path(), |command| {
        command
            .env_remove("FERRY_NETWORK")
            .env("FERRY_CONFIG", &config);
    });
    assert!(chunks >= 3, "too few chunks to tell wave sizes apart");
    assert_eq!(waves, chunks, "wave_size = 1 from the config file");
    // The environment variable over the file.
    let (waves, chunks) = waves_paid(devnet, dir.path(), |command| {
        command
            .env("FERRY_CONFIG", &config)
            .env("FERRY_WAVE_SIZE", "2");
    });
    assert_eq!(waves, chunks.div_ceil(2), "FERRY_WAVE_SIZE=2 over the file");
    // The flag over both.
    let (waves, _) = waves_paid(devnet, dir.path(), |command| {
        command
            .env("FERRY_CONFIG", &config)
            .env("FERRY_WAVE_SIZE", "2")
            .args(["--wave-size", "64"]);
    });
    assert_eq!(waves, 1, "--wave-size 64 over the variable");
}

#[test]
fn the_default_config_file_is_read_from_the_config_dir() {
    let dir = tempfile::tempdir().unwrap();
    // Tests point XDG_CONFIG_HOME at their own directory, so this is the default place.
    std::fs::create_dir_all(dir.path().join("ferry")).unwrap();
    std::fs::write(dir.path().join("ferry/config.toml"), "transfers = 0\n").unwrap();
    let file = dir.path().join("f");
    std::fs::write(&file, b"hi").unwrap();
    assert_cmd::Command::cargo_bin("ferry")
        .unwrap()
        .env_clear()
        .env("XDG_CONFIG_HOME", dir.path())
        .env("FERRY_DATA_DIR", dir.path())
        .arg("upload")
        .arg(&file)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("ferry/config.toml")
                .and(predicate::str::contains("`transfers`"))
                .and(predicate::str::contains("1 to 32")),
        );
}

#[test]
fn a_bad_config_file_exits_2_naming_the_file_and_the_key_and_never_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f");
    std::fs::write(&file, b"hi").unwrap();
    let secret = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
    let cases = [
        ("wave_size = 100\n", "`wave_size`"),
        ("max_cost = \"lots\"\n", "`max_cost`"),
        (
            &format!("private_key = \"{secret}\"\n"),
            "FERRY_PRIVATE_KEY",
        ),
        (&format!("private_key = {secret}\n"), "line 1"),
    ];
    for (text, named) in cases {
        let config = dir.path().join("config.toml");
        std::fs::write(&config, text).unwrap();
        let output = assert_cmd::Command::cargo_bin("ferry")
            .unwrap()
            .env_clear()
            .env("FERRY_CONFIG", &config)
            .env("FERRY_DATA_DIR", dir.path())
            .args(["upload", "--json"])
            .arg(&file)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{text}");
        let error = crate::support::json_lines(&output.stdout).pop().unwrap();
        let message = error["message"].as_str().unwrap();
        assert_eq!(error["kind"], "bad_input");
        assert!(message.contains(&config.display().to_string()), "{message}");
        assert!(message.contains(named), "{text}: {message}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!message.contains(secret) && !stderr.contains(secret));
    }
}
