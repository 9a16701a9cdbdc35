//! Keys at rest: `ferry wallet import|new|list`, paying with `--account` and a password file,
//! a wrong password, a keystore others can read, `ferry-node` keeping its key in a keystore,
//! and no key or password ever printed, logged or written in the clear.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;

use alloy::primitives::U256;
use alloy::signers::local::PrivateKeySigner;

use crate::support::node_process::{registering, start_refused};
use crate::support::{Devnet, json_lines, random_file};

const PASSWORD: &str = "tr0ub4dor&3-correct-horse";

/// `ferry ARGS…` with its own data dir, no FERRY_PRIVATE_KEY, `stdin` fed to it.
fn ferry(data_dir: &Path, args: &[&str], stdin: &str) -> Output {
    assert_cmd::Command::new(env!("CARGO_BIN_EXE_ferry"))
        .env("FERRY_DATA_DIR", data_dir)
        .env("XDG_CONFIG_HOME", data_dir)
        .env("PATH", crate::support::path_with_anvil())
        .env_remove("FERRY_PRIVATE_KEY")
        .env_remove("FERRY_PASSWORD_FILE")
        .args(args)
        .write_stdin(stdin)
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Every byte under `dir`, as text (lossy), with each file's path.
fn everything_under(dir: &Path) -> Vec<(std::path::PathBuf, String)> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                pending.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                found.push((path, String::from_utf8_lossy(&bytes).into_owned()));
            }
        }
    }
    found
}

#[test]
fn a_keystore_account_pays_an_upload_and_no_secret_is_ever_shown_or_stored_in_the_clear() {
    let devnet = Devnet::shared();
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data");
    let password_file = home.path().join("password");
    std::fs::write(&password_file, format!("{PASSWORD}\n")).unwrap();
    let password = password_file.to_str().unwrap();
    let key = PrivateKeySigner::random();
    let key_hex = hex::encode(key.to_bytes());
    let mut outputs = Vec::new();

    // Import from standard input (never an argument), the password from a file.
    let imported = ferry(
        &data,
        &["wallet", "import", "main", "--password-file", password],
        &format!("0x{key_hex}\n"),
    );
    assert!(imported.status.success(), "{}", text(&imported));
    assert!(text(&imported).contains(&key.address().to_string()));
    let keystore = data.join("keystores/main.json");
    let mode = std::fs::metadata(&keystore).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    outputs.push(imported);

    let fresh = ferry(
        &data,
        &["wallet", "new", "spare", "--password-file", password],
        "",
    );
    assert!(fresh.status.success(), "{}", text(&fresh));
    outputs.push(fresh);
    let listed = ferry(&data, &["wallet", "list", "--json"], "");
    let accounts = json_lines(&listed.stdout);
    let names: Vec<&str> = accounts
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["main", "spare"]);
    assert_eq!(accounts[0]["address"], key.address().to_string());
    outputs.push(listed);

    // Pay with the account: the upload works, at every verbosity.
    devnet.set_balance(key.address(), U256::from(10u64).pow(U256::from(21u64)));
    let network = devnet.network_file.to_str().unwrap();
    let (_dir, file, _) = random_file("paid.bin", 100_000);
    let upload = ferry(
        &data,
        &[
            "upload",
            file.to_str().unwrap(),
            "--network",
            network,
            "--account",
            "main",
            "--password-file",
            password,
            "-vvv",
        ],
        "",
    );
    assert!(upload.status.success(), "{}", text(&upload));
    outputs.push(upload);
    let balance = ferry(
        &data,
        &[
            "wallet",
            "balance",
            "--json",
            "--network",
            network,
            "--account",
            "main",
            "--password-file",
            password,
        ],
        "",
    );
    assert!(balance.status.success(), "{}", text(&balance));
    outputs.push(balance);

    for output in &outputs {
        let shown = text(output);
        assert!(!shown.contains(&key_hex), "the key was shown: {shown}");
        assert!(!shown.contains(PASSWORD), "the password was shown: {shown}");
    }
    for (path, content) in everything_under(&data) {
        assert!(
            !content.contains(&key_hex),
            "{} holds the key",
            path.display()
        );
        assert!(
            !content.contains(PASSWORD),
            "{} holds the password",
            path.display()
        );
    }
}

#[test]
fn a_wrong_password_and_a_keystore_others_can_read_are_refused_with_exit_2_naming_it() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data");
    let right = home.path().join("right");
    let wrong = home.path().join("wrong");
    std::fs::write(&right, PASSWORD).unwrap();
    std::fs::write(&wrong, "not it").unwrap();
    let made = ferry(
        &data,
        &[
            "wallet",
            "new",
            "main",
            "--password-file",
            right.to_str().unwrap(),
        ],
        "",
    );
    assert!(made.status.success(), "{}", text(&made));
    let keystore = data.join("keystores/main.json");

    let refused = ferry(
        &data,
        &[
            "wallet",
            "address",
            "--account",
            "main",
            "--password-file",
            wrong.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    let said = text(&refused);
    assert!(said.contains("does not unlock the keystore"), "{said}");
    assert!(said.contains(keystore.to_str().unwrap()), "{said}");

    std::fs::set_permissions(&keystore, std::fs::Permissions::from_mode(0o644)).unwrap();
    let loose = ferry(
        &data,
        &[
            "wallet",
            "address",
            "--keystore",
            keystore.to_str().unwrap(),
            "--password-file",
            right.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(loose.status.code(), Some(2), "{}", text(&loose));
    let said = text(&loose);
    assert!(said.contains("readable by other users"), "{said}");
    assert!(
        said.contains(&format!("chmod 600 {}", keystore.display())),
        "{said}"
    );

    // Off a terminal, a keystore without a password file is refused, not waited on.
    std::fs::set_permissions(&keystore, std::fs::Permissions::from_mode(0o600)).unwrap();
    let no_password = ferry(&data, &["wallet", "address", "--account", "main"], "");
    assert_eq!(no_password.status.code(), Some(2), "{}", text(&no_password));
    assert!(text(&no_password).contains("--password-file"));
}

#[test]
fn a_raw_key_in_the_environment_still_pays_and_is_told_a_keystore_is_safer() {
    let home = tempfile::tempdir().unwrap();
    let key = PrivateKeySigner::random();
    let output = assert_cmd::Command::new(env!("CARGO_BIN_EXE_ferry"))
        .env("FERRY_DATA_DIR", home.path())
        .env("XDG_CONFIG_HOME", home.path())
        .env("FERRY_PRIVATE_KEY", hex::encode(key.to_bytes()))
        .args(["wallet", "address"])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        key.address().to_string()
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("a keystore is safer"));
}

#[test]
fn a_node_keeps_its_new_key_in_an_encrypted_keystore_and_refuses_a_wrong_password() {
    let devnet = Devnet::shared();
    let dir = tempfile::tempdir().unwrap();
    let keystore = dir.path().join("node.json");
    let password = dir.path().join("password");
    std::fs::write(&password, PASSWORD).unwrap();
    let register = |password: &Path| {
        assert_cmd::Command::new(env!("CARGO_BIN_EXE_ferry-node"))
            .args(["register", "--keystore"])
            .arg(&keystore)
            .arg("--password-file")
            .arg(password)
            .arg("--network")
            .arg(&devnet.network_file)
            .env_remove("FERRY_PRIVATE_KEY")
            .output()
            .unwrap()
    };
    let first = register(&password);
    assert!(first.status.success(), "{}", text(&first));
    let stored = std::fs::read_to_string(&keystore).unwrap();
    assert!(stored.contains("crypto"), "a v3 keystore: {stored}");
    let mode = std::fs::metadata(&keystore).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    // Registered: a second run finds it active, with the same password.
    let again = register(&password);
    assert!(again.status.success(), "{}", text(&again));
    assert_eq!(first.stdout, again.stdout);
    let wrong = dir.path().join("wrong");
    std::fs::write(&wrong, "nope").unwrap();
    let refused = register(&wrong);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(text(&refused).contains("does not unlock the keystore"));
}

#[test]
fn an_unregistered_node_prints_a_register_command_that_runs_as_printed() {
    let devnet = Devnet::shared();
    let dir = tempfile::tempdir().unwrap();
    // A space in a path: the printed command must quote it.
    let password = dir.path().join("pass word");
    std::fs::write(&password, PASSWORD).unwrap();
    let password_flag = password.to_str().unwrap();
    let refused = start_refused(
        dir.path(),
        &devnet.network_file,
        &[
            "--password-file",
            password_flag,
            "--listen",
            "127.0.251.1:0",
        ],
    );
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    let command = stderr
        .split("register it first: ")
        .nth(1)
        .and_then(|rest| rest.split(" (stakes").next())
        .unwrap_or_else(|| panic!("no register command in: {stderr}"));
    assert!(
        command.contains("--password-file"),
        "a keystore needs its password file: {command}"
    );
    let binaries = Path::new(env!("CARGO_BIN_EXE_ferry-node"))
        .parent()
        .unwrap();
    let path = format!("{}:{}", binaries.display(), std::env::var("PATH").unwrap());
    let _turn = registering();
    let ran = std::process::Command::new("sh")
        .args(["-c", command])
        .env("PATH", path)
        .env_remove("FERRY_PRIVATE_KEY")
        .output()
        .unwrap();
    assert!(
        ran.status.success(),
        "`{command}` as printed: {}",
        text(&ran)
    );
    assert!(
        String::from_utf8_lossy(&ran.stdout).contains("0x"),
        "it prints the node's address: {}",
        text(&ran)
    );
}
