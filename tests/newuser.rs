//! What a new user trips on (issue 19), through the real binaries: `--devnet` on commands that
//! read stored data, `ferry status`'s resume command run as printed, `ferry list`, sizes and
//! balances people read, error text for a dead RPC URL and a vault that is not one, and the
//! shipped docs.

use std::path::Path;
use std::process::Command;

use predicates::prelude::*;

use crate::support::runs::upload_killed_after_first_payment;
use crate::support::{Devnet, json_lines, path_with_anvil, random_file};

/// The `ferry` binary with nothing from the environment but PATH and a data dir.
fn ferry(data_dir: &Path) -> assert_cmd::Command {
    let mut command = assert_cmd::Command::new(env!("CARGO_BIN_EXE_ferry"));
    command
        .env_clear()
        .env("PATH", path_with_anvil())
        .env("XDG_CONFIG_HOME", data_dir)
        .env("FERRY_DATA_DIR", data_dir);
    command
}

/// A reference of the right form that nothing uploaded.
fn made_up_reference() -> String {
    format!("ferry:{}", "ab".repeat(64))
}

#[test]
fn devnet_flag_never_starts_a_devnet_for_commands_that_read_stored_data() {
    let dir = tempfile::tempdir().unwrap();
    let reference = made_up_reference();
    let out = dir.path().join("out.bin");
    let commands: [Vec<&str>; 4] = [
        vec![
            "download",
            &reference,
            "-o",
            out.to_str().unwrap(),
            "--devnet",
        ],
        vec!["verify", &reference, "--devnet"],
        vec!["repair", &reference, "--devnet"],
        vec!["list", &reference, "--devnet"],
    ];
    for args in commands {
        ferry(dir.path())
            .args(&args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(
                "no devnet is running; start one with `ferry devnet up`",
            ));
    }
    let json = ferry(dir.path())
        .args(["verify", "--json", &reference, "--devnet"])
        .output()
        .unwrap();
    assert_eq!(json.status.code(), Some(2));
    crate::support::assert_error_event(
        json_lines(&json.stdout).last().unwrap(),
        "bad_input",
        "no devnet is running",
    );
    assert!(
        !dir.path().join("devnet").join("state.json").exists(),
        "a devnet was started"
    );
}

#[test]
fn status_shows_what_was_paid_and_a_resume_command_that_runs_as_printed() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let (dir, file) = crate::support::runs::scratch_file(12);
    let data_dir = dir.path().join("data dir");
    upload_killed_after_first_payment(devnet, &data_dir, &account, &file);

    // Status from elsewhere, with the data dir as a flag and no network in the environment.
    let status = |json: bool| {
        let mut command = ferry(&data_dir);
        command
            .env_remove("FERRY_DATA_DIR")
            .arg("--data-dir")
            .arg(&data_dir);
        if json {
            command.arg("--json");
        }
        let output = command.arg("status").output().unwrap();
        assert_eq!(output.status.code(), Some(0));
        String::from_utf8(output.stdout).unwrap()
    };
    let line = json_lines(status(true).as_bytes()).pop().unwrap();
    let storage: u128 = line["storage_cost_wei"].as_str().unwrap().parse().unwrap();
    let gas: u128 = line["gas_cost_wei"].as_str().unwrap().parse().unwrap();
    assert!(storage > 0 && gas > 0, "{line}");
    assert_eq!(line["transactions"], 1, "{line}");
    let human = status(false);
    assert!(human.contains("paid so far: "), "{human}");
    let command = human
        .lines()
        .find_map(|line| line.trim().strip_prefix("resume with: "))
        .unwrap_or_else(|| panic!("no resume command: {human}"))
        .to_owned();
    assert_eq!(line["resume_command"], command.as_str());
    assert!(command.contains("--network") && command.contains("--data-dir"));

    // Run it as printed: a shell, another directory, nothing but the key in the environment.
    let elsewhere = tempfile::tempdir().unwrap();
    let ferry_dir = Path::new(env!("CARGO_BIN_EXE_ferry")).parent().unwrap();
    let output = Command::new("sh")
        .arg("-c")
        .arg(&command)
        .current_dir(elsewhere.path())
        .env_clear()
        .env(
            "PATH",
            format!("{}:{}", ferry_dir.display(), path_with_anvil()),
        )
        .env("HOME", elsewhere.path())
        .env("FERRY_PRIVATE_KEY", hex::encode(account.to_bytes()))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{command}: {stderr}");
    assert!(stderr.contains("resuming:"), "it did not resume: {stderr}");
    crate::support::runs::assert_each_chunk_paid_once(devnet, &file);
}

/// What `ferry ls --json` lists, a line each.
fn listed(
    devnet: &Devnet,
    dir: &Path,
    account: &alloy::signers::local::PrivateKeySigner,
) -> Vec<serde_json::Value> {
    let json = devnet
        .ferry(dir, account)
        .args(["ls", "--json"])
        .output()
        .unwrap();
    json_lines(&json.stdout)
}

#[test]
fn list_shows_finished_uploads_and_a_folders_contents_and_survives_a_damaged_history() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let (dir, file, _) = random_file("notes.bin", 300_000);
    let folder = dir.path().join("album");
    std::fs::create_dir_all(folder.join("2024")).unwrap();
    std::fs::write(folder.join("2024/a.txt"), b"first").unwrap();
    std::fs::write(folder.join("b.txt"), vec![7u8; 2048]).unwrap();
    let file_reference = devnet.upload_reference(dir.path(), &account, &file);
    let folder_reference = devnet.upload_reference(dir.path(), &account, &folder);

    let human = devnet
        .ferry(dir.path(), &account)
        .arg("list")
        .output()
        .unwrap();
    let human = String::from_utf8(human.stdout).unwrap();
    for says in [
        "notes.bin",
        "album",
        "292.97 KiB",
        &file_reference,
        &folder_reference,
    ] {
        assert!(human.contains(says), "{says:?} not in:\n{human}");
    }
    let uploads = listed(devnet, dir.path(), &account);
    assert_eq!(uploads.len(), 2, "{uploads:?}");
    assert_eq!(uploads[0]["event"], "upload");
    assert_eq!(uploads[0]["name"], "notes.bin");
    assert_eq!(uploads[0]["bytes"], 300_000);
    assert_eq!(uploads[0]["reference"], file_reference.as_str());
    assert!(uploads[0]["storage_cost_wei"].as_str().unwrap() != "0");
    assert_eq!(uploads[1]["files"], 2);
    assert_eq!(uploads[1]["bytes"], 2048 + 5);

    // A folder's contents, from its manifest.
    let entries = devnet
        .ferry(dir.path(), &account)
        .args(["list", "--json", &folder_reference])
        .output()
        .unwrap();
    assert_eq!(entries.status.code(), Some(0));
    let entries = json_lines(&entries.stdout);
    let file_entry = entries.iter().find(|e| e["path"] == "2024/a.txt").unwrap();
    assert_eq!(
        (file_entry["kind"].as_str(), file_entry["bytes"].as_u64()),
        (Some("file"), Some(5))
    );
    assert!(
        entries
            .iter()
            .any(|e| e["path"] == "2024" && e["kind"] == "dir")
    );
    devnet
        .ferry(dir.path(), &account)
        .args(["list", &file_reference])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is a file, not a folder"));

    // A stream is listed with its length (there is no file to measure).
    devnet
        .ferry(dir.path(), &account)
        .args(["upload", "-"])
        .write_stdin(vec![5u8; 100_000])
        .assert()
        .code(0);
    let uploads = listed(devnet, dir.path(), &account);
    let streamed = uploads.last().unwrap();
    assert_eq!(streamed["name"], "standard input", "{uploads:?}");
    assert_eq!(streamed["bytes"], 100_000, "{uploads:?}");

    // A damaged history is set aside and reported, never fatal.
    let history = dir.path().join("history.jsonl");
    std::fs::write(&history, b"\xff\xfe not json\n").unwrap();
    devnet
        .ferry(dir.path(), &account)
        .arg("list")
        .assert()
        .code(0)
        .stderr(predicate::str::contains("could not be read"));
    assert!(!history.exists());
    let aside = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("history.jsonl.unreadable-")
        });
    assert!(aside, "the damaged history was not kept aside");
}

#[test]
fn sizes_are_read_and_written_for_people_and_balances_are_exact() {
    // ferry-node reads --capacity 10G (then stops on the missing network file, exit 2).
    let dir = tempfile::tempdir().unwrap();
    let node = |capacity: &str| {
        Command::new(env!("CARGO_BIN_EXE_ferry-node"))
            .args(["--listen", "127.0.0.1:0", "--capacity", capacity])
            .arg("--root")
            .arg(dir.path().join("root"))
            .arg("--network")
            .arg(dir.path().join("missing.json"))
            .arg("--key-file")
            .arg(dir.path().join("node.key"))
            .output()
            .unwrap()
    };
    for capacity in ["10G", "500GiB", "2TB"] {
        let output = node(capacity);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{capacity}: {stderr}");
        assert!(stderr.contains("missing.json"), "{capacity}: {stderr}");
    }
    let refused = node("10 gigs");
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("is not a size"));

    // A balance is shown exactly, never rounded up to money that is not there.
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let balance = alloy::primitives::U256::from(9_999_999_999_190_000_000_000u128);
    devnet.set_balance(account.address(), balance);
    devnet
        .ferry(dir.path(), &account)
        .args(["wallet", "balance"])
        .assert()
        .code(0)
        .stdout("9999.99999919 ETH\n");

    // Sizes in messages: a quote of 200 KiB names it so.
    let (file_dir, file, _) = random_file("sized.bin", 200 * 1024);
    devnet
        .ferry(file_dir.path(), &account)
        .arg("quote")
        .arg(&file)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("(200.00 KiB)"));

    // ...and so does a download of it.
    let uploaded = devnet
        .ferry(file_dir.path(), &account)
        .arg("upload")
        .arg(&file)
        .output()
        .unwrap();
    assert!(uploaded.status.success());
    let reference = String::from_utf8_lossy(&uploaded.stdout).trim().to_owned();
    devnet
        .ferry(file_dir.path(), &account)
        .args(["download", &reference, "-o"])
        .arg(file_dir.path().join("back.bin"))
        .assert()
        .code(0)
        .stderr(predicate::str::contains("downloaded 200.00 KiB to"));
}

#[test]
fn a_dead_rpc_url_names_its_cause_once_and_a_vault_that_is_not_one_is_bad_input() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let dir = tempfile::tempdir().unwrap();
    let reference = made_up_reference();

    // Not a devnet's chain id, and nothing listening: no devnet hint, each cause once.
    let dead = format!(
        "http://127.0.0.1:{}",
        crate::support::node_process::free_port()
    );
    let network = devnet.network_file_with(dir.path(), |network| {
        network.rpc_url = dead.clone();
        network.chain_id = 8453;
    });
    let output = devnet
        .ferry(dir.path(), &account)
        .env("FERRY_NETWORK", &network)
        .args(["verify", &reference])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("cannot reach the chain at"), "{stderr}");
    assert!(!stderr.contains("devnet"), "a devnet hint: {stderr}");
    let sending = stderr.matches("error sending request").count();
    assert!(sending <= 1, "the cause repeats: {stderr}");

    // A vault address with no ferry vault behind it: exit 2, as `network init` says it.
    let other = dir.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    let network = devnet.network_file_with(&other, |network| {
        network.vault = alloy::primitives::Address::repeat_byte(0x42);
    });
    devnet
        .ferry(dir.path(), &account)
        .env("FERRY_NETWORK", &network)
        .args(["verify", &reference])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no ferry vault at"));
}

#[test]
fn completions_leave_out_the_hidden_man_command_and_the_pages_have_examples() {
    let dir = tempfile::tempdir().unwrap();
    let bash = ferry(dir.path())
        .args(["completions", "bash"])
        .output()
        .unwrap();
    let bash = String::from_utf8(bash.stdout).unwrap();
    assert!(
        bash.contains(" upload ") && !bash.contains(" man "),
        "man in completions"
    );
    let page = ferry(dir.path()).arg("man").output().unwrap();
    let page = String::from_utf8(page.stdout).unwrap();
    assert!(page.contains(".SH EXAMPLES"), "no EXAMPLES in ferry.1");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert!(
        root.join("man/ferry-node.1").exists(),
        "ferry-node has no man page"
    );
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(readme.contains("bash-completion/completions/ferry") && readme.contains("man/"));
}

#[test]
fn an_interrupted_json_upload_gives_its_counts_and_costs_as_fields_of_its_error_line() {
    use std::io::BufRead;
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let (dir, file) = crate::support::runs::scratch_file(20);
    let mut child = crate::support::runs::spawn_upload(
        devnet,
        dir.path(),
        &account,
        &file,
        &["--wave-size", "2", "--transfers", "1"],
    );
    let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    for line in stdout.lines() {
        let line = line.unwrap();
        if line.contains("\"wave_paid\"") && !lines.iter().any(|l: &String| l.contains("wave_paid"))
        {
            crate::support::signal(child.id(), "INT");
        }
        lines.push(line);
    }
    assert_eq!(child.wait().unwrap().code(), Some(130));
    let last: serde_json::Value = serde_json::from_str(lines.last().unwrap()).unwrap();
    assert_eq!(last["event"], "error", "{last}");
    assert_eq!(last["kind"], "interrupted", "{last}");
    assert!(last["paid_chunks"].as_u64().unwrap() >= 2, "{last}");
    assert!(last["chunks"].as_u64().unwrap() >= 6, "{last}");
    let gas: u128 = last["gas_cost_wei"].as_str().unwrap().parse().unwrap();
    assert!(gas > 0, "{last}");
    assert!(last["transactions"].as_u64().unwrap() >= 1, "{last}");
}

#[test]
fn verbose_shows_ferrys_own_decisions_and_keeps_library_debug_for_vvv() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let (dir, file, _) = random_file("told.bin", 5 * 1024 * 1024);
    let run = |flag: &str, data_dir: &Path| {
        let output = devnet
            .ferry(data_dir, &account)
            .args([flag, "upload"])
            .arg(&file)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0));
        String::from_utf8(output.stderr).unwrap()
    };
    let once = run("-v", dir.path());
    assert!(
        once.contains("planned:") && once.contains("wave 1 paid"),
        "{once}"
    );
    assert!(!once.contains("stored on"), "-v shows each chunk: {once}");
    // A second upload of the same bytes: every chunk is already held.
    let other = tempfile::tempdir().unwrap();
    let twice = run("-vv", other.path());
    assert!(twice.contains("the network already holds it"), "{twice}");
    let library_debug = twice
        .lines()
        .filter(|line| line.contains("DEBUG") && !line.contains(" ferry"))
        .count();
    assert_eq!(
        library_debug, 0,
        "-vv shows the libraries' debug logs: {twice}"
    );
}

/// `reference` with one hex digit of its key part (the last 64 characters) changed.
fn with_key_mistyped(reference: &str) -> String {
    let mut text = reference.to_owned();
    let last = text.pop().unwrap();
    text.push(if last == '0' { '1' } else { '0' });
    text
}

#[test]
fn a_mistyped_key_exits_2_saying_the_references_key_does_not_open_it() {
    let devnet = Devnet::shared();
    let key = devnet.funded_account();
    let (dir, file, _) = random_file("typo.bin", 200_000);
    let reference = devnet.upload_reference(dir.path(), &key, &file);
    let wrong = with_key_mistyped(&reference);
    let out = dir.path().join("back.bin");
    for command in [
        vec!["download", wrong.as_str(), "-o", out.to_str().unwrap()],
        vec!["verify", wrong.as_str()],
    ] {
        devnet
            .ferry(dir.path(), &key)
            .args(&command)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("does not open"))
            .stderr(predicate::str::contains("key"));
    }
    assert!(!out.exists(), "nothing is written for a wrong key");
}

#[test]
fn download_paths_create_parents_refuse_a_nameless_directory_and_honour_no_clobber() {
    let devnet = Devnet::shared();
    let key = devnet.funded_account();
    let (dir, file, bytes) = random_file("paths.bin", 150_000);
    let reference = devnet.upload_reference(dir.path(), &key, &file);
    let download = |out: &Path, extra: &[&str]| {
        let mut command = devnet.ferry(dir.path(), &key);
        command
            .args(["download", &reference, "-o"])
            .arg(out)
            .args(extra);
        command.assert()
    };

    // An existing directory: a file's reference has no name to put in it.
    let existing = dir.path().join("existing");
    std::fs::create_dir(&existing).unwrap();
    download(&existing, &[])
        .code(2)
        .stderr(predicate::str::contains("is a directory"))
        .stderr(predicate::str::contains("-o "));
    assert_eq!(std::fs::read_dir(&existing).unwrap().count(), 0);

    // Missing parents are created.
    let nested = dir.path().join("a/b/c/out.bin");
    download(&nested, &[]).success();
    assert_eq!(std::fs::read(&nested).unwrap(), bytes);

    // An existing file: --no-clobber keeps it, without it the file is replaced.
    let kept = dir.path().join("kept.bin");
    std::fs::write(&kept, b"mine").unwrap();
    download(&kept, &["--no-clobber"])
        .code(2)
        .stderr(predicate::str::contains("--no-clobber"));
    assert_eq!(std::fs::read(&kept).unwrap(), b"mine");
    download(&kept, &[]).success();
    assert_eq!(std::fs::read(&kept).unwrap(), bytes);

    // One file of a folder into an existing directory takes its own name there.
    let tree = dir.path().join("tree");
    std::fs::create_dir_all(tree.join("docs")).unwrap();
    std::fs::write(tree.join("docs/readme.txt"), b"hello folder").unwrap();
    let folder = devnet.upload_reference(dir.path(), &key, &tree);
    devnet
        .ferry(dir.path(), &key)
        .args(["download", &folder, "--path", "docs/readme.txt", "-o"])
        .arg(&existing)
        .assert()
        .success();
    assert_eq!(
        std::fs::read(existing.join("readme.txt")).unwrap(),
        b"hello folder"
    );
}
