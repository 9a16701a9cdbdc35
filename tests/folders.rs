//! Folders: `ferry upload DIR` stores every regular file and a manifest under one reference,
//! many small files share payment waves, `ferry download REF -o DIR` rebuilds the tree, and an
//! interrupted folder upload resumes paying nothing twice.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Lines};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout};

use alloy::signers::local::PrivateKeySigner;
use ferry::client::reporter::Silent;
use ferry::wire::types::ChunkAddress;
use serde_json::Value;

use crate::support::{Devnet, random_bytes, runs};

/// What a tree holds: for each relative path, a directory or a file's bytes and mode, and
/// its modification time.
type Tree = BTreeMap<PathBuf, (Option<Vec<u8>>, u32, i64)>;

fn read_tree(root: &Path) -> Tree {
    let mut tree = Tree::new();
    let mut pending = vec![root.to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let relative = path.strip_prefix(root).unwrap().to_owned();
            let mode = meta.permissions().mode() & 0o7777;
            if meta.is_dir() {
                pending.push(path.clone());
                tree.insert(relative, (None, mode, meta.mtime()));
            } else if meta.is_file() {
                let bytes = std::fs::read(&path).unwrap();
                tree.insert(relative, (Some(bytes), mode, meta.mtime()));
            }
        }
    }
    tree
}

/// The distinct chunks ferry plans for the folder.
fn folder_chunks(root: &Path) -> Vec<ChunkAddress> {
    let walk = ferry::client::folder::walk(root, Path::new("/nonexistent")).unwrap();
    let none = ferry::client::plan_cache::PlanCache::none();
    let spool = tempfile::tempdir().unwrap();
    let plan = ferry::client::folder::plan;
    let (planned, _) = plan(walk, spool.path(), 2, &Silent, &none).unwrap();
    let plan = planned.plan;
    plan.chunks.iter().map(|c| c.address).collect()
}

/// Transactions `account` has sent: its nonce (a fresh account per test).
fn transactions_sent(devnet: &Devnet, account: &PrivateKeySigner) -> u64 {
    let count = devnet.rpc(
        "eth_getTransactionCount",
        serde_json::json!([account.address(), "latest"]),
    );
    u64::from_str_radix(count.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

/// Fails unless each of the folder's chunks was paid exactly once on-chain.
fn assert_each_paid_once(devnet: &Devnet, root: &Path) {
    let events = devnet.chunk_paid_events();
    let mut times: BTreeMap<ChunkAddress, usize> = BTreeMap::new();
    for event in &events {
        *times.entry(event.chunk).or_default() += 1;
    }
    for chunk in folder_chunks(root) {
        assert_eq!(
            times.get(&chunk),
            Some(&1),
            "chunk {chunk} paid {:?} times",
            times.get(&chunk)
        );
    }
}

fn download_into(devnet: &Devnet, dir: &Path, key: &PrivateKeySigner, reference: &str, out: &Path) {
    let output = devnet
        .ferry(dir, key)
        .args(["download", reference, "-o"])
        .arg(out)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Starts uploading `root` one chunk at a time (waves of one, one transfer) and sends it
/// `signal` once it printed `count` `event` events; returns it and the rest of its stdout.
fn upload_signalled_after(
    devnet: &Devnet,
    dir: &Path,
    key: &PrivateKeySigner,
    root: &Path,
    count: usize,
    event: &str,
    signal: &str,
) -> (Child, Lines<BufReader<ChildStdout>>) {
    let mut child = runs::spawn_upload(
        devnet,
        dir,
        key,
        root,
        &["--wave-size", "1", "--transfers", "1"],
    );
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (marker, mut seen) = (format!("\"{event}\""), 0);
    for line in lines.by_ref() {
        if line.unwrap().contains(&marker) {
            seen += 1;
            if seen == count {
                crate::support::signal(child.id(), signal);
                break;
            }
        }
    }
    (child, lines)
}

/// Downloads the folder a finished upload (its `done` event) names into `DIR/restored`, and
/// returns that path.
fn download_restored(devnet: &Devnet, dir: &Path, key: &PrivateKeySigner, done: &Value) -> PathBuf {
    let out = dir.join("restored");
    download_into(devnet, dir, key, done["reference"].as_str().unwrap(), &out);
    out
}

fn finished(code: Option<i32>, events: &[Value]) -> &Value {
    let done = events.last().unwrap();
    assert_eq!(code, Some(0), "{done}");
    assert_eq!(done["event"], "done", "{done}");
    done
}

#[test]
fn a_folder_round_trips_with_empty_dirs_empty_files_odd_names_and_1000_files_in_shared_waves() {
    // Its own devnet: an empty file's chunk is the same for everyone, and the upload test of an
    // empty file on the shared devnet counts on paying for it.
    let devnet = &Devnet::start(5);
    let account = devnet.funded_account();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("tree");
    std::fs::create_dir_all(root.join("nested/deeper/empty")).unwrap();
    std::fs::create_dir_all(root.join("empty")).unwrap();
    std::fs::create_dir_all(root.join("small")).unwrap();
    std::fs::write(root.join("empty.txt"), b"").unwrap();
    std::fs::write(
        root.join("nested/deeper/Grüße, 世界 ✓.txt"),
        "non-ASCII".as_bytes(),
    )
    .unwrap();
    std::fs::write(root.join("nested/big.bin"), random_bytes(5 * 1024 * 1024)).unwrap();
    let script = root.join("nested/run.sh");
    std::fs::write(&script, b"#!/bin/sh\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o750)).unwrap();
    for index in 0..1000 {
        std::fs::write(
            root.join(format!("small/{index:04}.dat")),
            random_bytes(10 * 1024),
        )
        .unwrap();
    }
    std::os::unix::fs::symlink("/etc/passwd", root.join("nested/escape")).unwrap();

    let (code, events) = devnet.upload_json(dir.path(), &account, &root, &[]);
    let done = finished(code, &events);
    let chunks = done["chunks"].as_u64().unwrap();
    // The 1,000 small files share packs of chunks: a few chunks, not one or two per file.
    assert!(chunks < 64, "{done}");
    assert_eq!(done["files"], 1004, "{done}");
    // One transaction per wave of 64, not one per file.
    let sent = transactions_sent(devnet, &account);
    assert!(
        sent <= chunks.div_ceil(64) + 1,
        "{sent} transactions for {chunks} chunks"
    );
    println!(
        "1,004 files: {chunks} chunks in {sent} transactions, uploaded in {:.1} s",
        done["seconds"].as_f64().unwrap()
    );
    let skipped: Vec<&Value> = events.iter().filter(|e| e["event"] == "skipped").collect();
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert!(
        skipped[0]["file"]
            .as_str()
            .unwrap()
            .ends_with("nested/escape")
    );
    let encrypted = events
        .iter()
        .filter(|e| e["event"] == "file_encrypted")
        .count();
    assert_eq!(encrypted, 1004);
    // Each file is named once when its last chunk is stored, counted up to all of them.
    let stored: std::collections::BTreeSet<&str> = events
        .iter()
        .filter(|e| e["event"] == "file_stored")
        .map(|e| e["file"].as_str().unwrap())
        .collect();
    assert_eq!(stored.len(), 1004);
    let last = events
        .iter()
        .rfind(|e| e["event"] == "file_stored")
        .unwrap();
    assert_eq!(
        (&last["files_done"], &last["files"]),
        (&1004.into(), &1004.into())
    );
    assert_each_paid_once(devnet, &root);

    let out = download_restored(devnet, dir.path(), &account, done);
    let mut expected = read_tree(&root);
    expected.remove(Path::new("nested/escape"));
    assert!(expected.contains_key(Path::new("nested/deeper/empty")));
    assert_eq!(read_tree(&out), expected, "the tree comes back as it was");
    assert!(std::fs::symlink_metadata(out.join("nested/escape")).is_err());

    // A symbolic link planted in an existing output is refused, never followed.
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let planted = dir.path().join("planted");
    std::fs::create_dir(&planted).unwrap();
    std::os::unix::fs::symlink(&elsewhere, planted.join("nested")).unwrap();
    let output = devnet
        .ferry(dir.path(), &account)
        .args(["download", done["reference"].as_str().unwrap(), "-o"])
        .arg(&planted)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("symbolic link"), "{stderr}");
    assert_eq!(
        std::fs::read_dir(&elsewhere).unwrap().count(),
        0,
        "nothing is written through the link"
    );
}

#[test]
fn an_interrupted_folder_upload_resumes_with_a_changed_file_paying_nothing_twice() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("album");
    std::fs::create_dir_all(root.join("photos")).unwrap();
    for index in 0..6 {
        let file = root.join(format!("photos/{index}.jpg"));
        std::fs::write(file, random_bytes(3 * 1024 * 1024)).unwrap();
    }
    std::fs::write(root.join("notes.txt"), b"first draft").unwrap();
    // A folder is priced like a file, every chunk of its files and manifest counted.
    let output = devnet
        .ferry(dir.path(), &account)
        .args(["quote", "--json"])
        .arg(&root)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let quote = crate::support::json_lines(&output.stdout).pop().unwrap();
    assert_eq!(quote["chunks"], folder_chunks(&root).len(), "{quote}");
    // Waves of one chunk, killed once two chunks are stored: most of the folder is left.
    let (mut child, _) = upload_signalled_after(
        devnet,
        dir.path(),
        &account,
        &root,
        2,
        "chunk_stored",
        "KILL",
    );
    child.wait().unwrap();
    let status = runs::status(devnet, dir.path(), &account, &root);
    let stored_before = status["chunks_stored"].as_u64().unwrap();
    assert!(stored_before >= 2, "{status}");
    assert!(
        stored_before < status["chunks_total"].as_u64().unwrap(),
        "{status}"
    );
    // What the run learnt of each file is kept, so the rerun re-reads only changed files.
    let plans = dir.path().join("plans");
    assert_eq!(std::fs::read_dir(&plans).unwrap().count(), 1);

    // One file changes while the upload is stopped (not the first, whose chunk was paid).
    let changed = random_bytes(3 * 1024 * 1024);
    std::fs::write(root.join("photos/5.jpg"), &changed).unwrap();
    let (code, events) = devnet.upload_json(dir.path(), &account, &root, &[]);
    let done = finished(code, &events);
    // What the first run stored is not sent again: this run sends only the rest.
    let (chunks, already) = (
        done["chunks"].as_u64().unwrap(),
        done["already_stored"].as_u64().unwrap(),
    );
    assert!(already >= stored_before, "{done}");
    assert_eq!(
        done["stored_chunks"].as_u64().unwrap(),
        chunks - already,
        "{done}"
    );
    assert_each_paid_once(devnet, &root);
    assert_eq!(
        std::fs::read_dir(&plans).unwrap().count(),
        0,
        "removed once complete"
    );
    // Files stored by the first run count too.
    let stored = events
        .iter()
        .filter(|e| e["event"] == "file_stored")
        .count();
    assert_eq!(stored, 7);
    let out = download_restored(devnet, dir.path(), &account, done);
    assert_eq!(read_tree(&out), read_tree(&root));
    assert!(std::fs::read(out.join("photos/5.jpg")).unwrap() == changed);

    // A rerun of the finished folder pays nothing.
    let before = transactions_sent(devnet, &account);
    let (code, events) = devnet.upload_json(dir.path(), &account, &root, &[]);
    let again = finished(code, &events);
    assert_eq!(again["paid_chunks"], 0, "{again}");
    assert_eq!(again["reference"], done["reference"]);
    assert_eq!(transactions_sent(devnet, &account), before);
}

#[test]
fn a_manifest_whose_paths_leave_the_folder_is_refused_and_writes_nothing_outside() {
    use ferry::client::folder::{Entry, EntryKind, Manifest};
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let dir = tempfile::tempdir().unwrap();
    // A real file to point the crafted entry at.
    let payload = dir.path().join("payload.txt");
    std::fs::write(&payload, b"planted").unwrap();
    let reference: ferry::client::chunking::Reference = devnet
        .upload_reference(dir.path(), &account, &payload)
        .parse()
        .unwrap();
    for escape in ["../escaped.txt", "/tmp/escaped.txt", "a/../../escaped.txt"] {
        let crafted = dir.path().join("crafted");
        let manifest = Manifest::new(vec![Entry {
            path: escape.as_bytes().to_vec(),
            mode: 0o644,
            modified: (0, 0),
            kind: EntryKind::File {
                size: 7,
                address: reference.address,
                key: reference.key,
            },
        }]);
        std::fs::write(&crafted, manifest.to_bytes()).unwrap();
        let crafted_reference = devnet.upload_reference(dir.path(), &account, &crafted);
        let out = dir.path().join("out/inside");
        let output = devnet
            .ferry(dir.path(), &account)
            .args(["download", &crafted_reference, "-o"])
            .arg(&out)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{escape}: {stderr}");
        assert!(stderr.contains("leaves the folder"), "{stderr}");
        assert!(!dir.path().join("out/escaped.txt").exists());
        assert!(!Path::new("/tmp/escaped.txt").exists());
    }
}

#[test]
fn an_empty_folder_round_trips_and_a_folder_never_goes_to_stdout() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("nothing-here");
    std::fs::create_dir_all(root.join("still/empty")).unwrap();
    let reference = devnet.upload_reference(dir.path(), &account, &root);
    let out = dir.path().join("restored");
    download_into(devnet, dir.path(), &account, &reference, &out);
    assert_eq!(read_tree(&out), read_tree(&root));
    let output = devnet
        .ferry(dir.path(), &account)
        .args(["download", &reference, "-o", "-"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
}

#[test]
fn a_folder_holding_ferrys_data_dir_uploads_without_it() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let home = tempfile::tempdir().unwrap();
    let root = home.path();
    std::fs::write(root.join("letter.txt"), random_bytes(20_000)).unwrap();
    // The data dir (receipts, which change as the upload goes) is inside the folder.
    let data_dir = root.join(".local-ferry");
    std::fs::create_dir(&data_dir).unwrap();
    let (code, events) = devnet.upload_json(&data_dir, &account, root, &[]);
    let done = finished(code, &events);
    let skipped: Vec<&Value> = events.iter().filter(|e| e["event"] == "skipped").collect();
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert!(
        skipped[0]["file"]
            .as_str()
            .unwrap()
            .ends_with(".local-ferry")
    );
    let out = tempfile::tempdir().unwrap();
    let restored = out.path().join("home");
    download_into(
        devnet,
        &data_dir,
        &account,
        done["reference"].as_str().unwrap(),
        &restored,
    );
    assert_eq!(
        read_tree(&restored).keys().collect::<Vec<_>>(),
        [Path::new("letter.txt")]
    );
}

#[test]
fn ctrl_c_stops_a_folder_upload_with_130_and_the_same_command_finishes_it() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("docs");
    std::fs::create_dir_all(root.join("a/b")).unwrap();
    for (index, name) in ["one.pdf", "a/two.pdf", "a/b/three.pdf"].iter().enumerate() {
        std::fs::write(root.join(name), random_bytes((index + 1) * 3 * 1024 * 1024)).unwrap();
    }
    let (mut child, lines) =
        upload_signalled_after(devnet, dir.path(), &account, &root, 1, "wave_paid", "INT");
    let last = lines.map(Result::unwrap).last().unwrap_or_default();
    assert_eq!(child.wait().unwrap().code(), Some(130), "{last}");
    assert!(last.contains("\"interrupted\""), "{last}");

    let (code, events) = devnet.upload_json(dir.path(), &account, &root, &[]);
    let done = finished(code, &events);
    assert!(
        done["reused_proofs"].as_u64().unwrap() + done["already_stored"].as_u64().unwrap() >= 1,
        "{done}"
    );
    assert_each_paid_once(devnet, &root);
    let out = download_restored(devnet, dir.path(), &account, done);
    assert_eq!(read_tree(&out), read_tree(&root));
}
