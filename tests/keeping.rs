//! Keeping files alive: `ferry verify` proves who holds each chunk, `ferry repair` restores
//! missing replicas, and nodes restore them on their own; none of it pays anything.

use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use alloy::signers::local::PrivateKeySigner;
use ferry::client::nodes::{NodeClient, Timeouts};
use ferry::wire::network::{NodeInfo, ring_order};
use ferry::wire::types::ChunkAddress;
use serde_json::Value;

use crate::support::adversary::{Adversary, Mode};
use crate::support::runs::{assert_each_chunk_paid_once, event, scratch_file};
use crate::support::{Devnet, json_lines, planned_chunks, runtime};

/// A devnet whose nodes never restore replicas on their own during a test (an hour between
/// checks), so what verify and repair see is what the test did.
fn quiet_devnet() -> &'static Devnet {
    static QUIET: OnceLock<Devnet> = OnceLock::new();
    QUIET.get_or_init(|| Devnet::start_with(8, &["--repair-interval", "3600"]))
}

/// Uploads a fresh file of `mib` MiB; returns its dir (keep it), path, reference and payer.
fn uploaded(
    devnet: &Devnet,
    mib: usize,
) -> (
    tempfile::TempDir,
    std::path::PathBuf,
    String,
    PrivateKeySigner,
) {
    let key = devnet.funded_account();
    let (dir, file) = scratch_file(mib);
    let reference = devnet.upload_reference(dir.path(), &key, &file);
    (dir, file, reference, key)
}

/// Runs `ferry COMMAND --json REFERENCE` (verify or repair), optionally through another
/// network file; returns the exit code and the events.
fn run(
    devnet: &Devnet,
    dir: &Path,
    key: &PrivateKeySigner,
    command: &str,
    reference: &str,
    network: Option<&Path>,
) -> (Option<i32>, Vec<Value>) {
    let mut ferry = devnet.ferry(dir, key);
    if let Some(network) = network {
        ferry.env("FERRY_NETWORK", network);
    }
    let output = ferry.args([command, "--json", reference]).output().unwrap();
    let events = json_lines(&output.stdout);
    assert_eq!(
        events.last().map(|e| e["event"].clone()),
        Some("verified".into()),
        "{command} ends with `verified`: {events:?}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code(), events)
}

/// The `chunk_verified` events for `chunk` (the last one is the latest word).
fn verified_chunk(events: &[Value], chunk: ChunkAddress) -> &Value {
    events
        .iter()
        .rev()
        .find(|e| e["event"] == "chunk_verified" && e["chunk"] == chunk.to_hex())
        .unwrap_or_else(|| panic!("no chunk_verified for {chunk}: {events:?}"))
}

fn urls(list: &Value, field: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|entry| entry[field].as_str().unwrap().to_owned())
        .collect()
}

/// Deletes every chunk of `file` from the disks of 3 nodes that hold its first chunk; returns
/// their URLs.
fn wipe_three_holders(devnet: &Devnet, file: &Path) -> Vec<String> {
    let chunks = planned_chunks(file);
    let holders = devnet.holders_on_disk(chunks[0]);
    assert!(holders.len() >= 4, "{} holds it on {holders:?}", chunks[0]);
    for &index in &holders[..3] {
        for chunk in &chunks {
            devnet.wipe_chunk(index, *chunk);
        }
    }
    holders[..3]
        .iter()
        .map(|&index| devnet.network.bootstrap[index].clone())
        .collect()
}

#[test]
fn three_wiped_nodes_make_verify_degraded_naming_them_and_repair_restores_without_paying() {
    let devnet = quiet_devnet();
    let (dir, file, reference, key) = uploaded(devnet, 9);
    let (code, events) = run(devnet, dir.path(), &key, "verify", &reference, None);
    assert_eq!(code, Some(0), "{events:?}");
    assert_eq!(events.last().unwrap()["status"], "healthy");
    let nonce_before = transactions_sent(devnet, &key);

    let wiped = wipe_three_holders(devnet, &file);
    let first = planned_chunks(&file)[0];
    let (code, events) = run(devnet, dir.path(), &key, "verify", &reference, None);
    assert_eq!(code, Some(7), "degraded: {events:?}");
    let verified = events.last().unwrap();
    assert_eq!(verified["status"], "degraded", "{verified}");
    let failed_nodes = urls(&verified["failed_nodes"], "node");
    let chunk = verified_chunk(&events, first);
    let failed = urls(&chunk["failed"], "node");
    for url in &wiped {
        assert!(failed.contains(url), "{url} not named for {first}: {chunk}");
        assert!(failed_nodes.contains(url), "{url} not named: {verified}");
    }
    assert!(chunk["proven"].as_u64().unwrap() < 4, "{chunk}");

    let (code, events) = run(devnet, dir.path(), &key, "repair", &reference, None);
    assert_eq!(code, Some(0), "repaired: {events:?}");
    assert!(
        event(&events, "repaired")["replicas_stored"]
            .as_u64()
            .unwrap()
            >= 3
    );
    let (code, events) = run(devnet, dir.path(), &key, "verify", &reference, None);
    assert_eq!(code, Some(0), "{events:?}");
    assert!(devnet.holders_on_disk(first).len() >= 4);

    assert_eq!(
        transactions_sent(devnet, &key),
        nonce_before,
        "verify or repair sent a transaction"
    );
    assert_each_chunk_paid_once(devnet, &file);
}

#[test]
fn a_chunk_no_node_holds_makes_verify_and_repair_exit_lost() {
    let devnet = quiet_devnet();
    let (dir, file, reference, key) = uploaded(devnet, 5);
    let gone = planned_chunks(&file)[0];
    for index in devnet.holders_on_disk(gone) {
        devnet.wipe_chunk(index, gone);
    }
    for command in ["verify", "repair"] {
        let (code, events) = run(devnet, dir.path(), &key, command, &reference, None);
        assert_eq!(code, Some(8), "{command}: {events:?}");
        let verified = events.last().unwrap();
        assert_eq!(verified["status"], "lost", "{verified}");
        assert_eq!(verified["lost"], 1, "{verified}");
        assert_eq!(verified_chunk(&events, gone)["proven"], 0);
    }
    assert_each_chunk_paid_once(devnet, &file);
}

/// How many transactions `key`'s account has sent (its nonce), from the chain.
fn transactions_sent(devnet: &Devnet, key: &PrivateKeySigner) -> u64 {
    let count = devnet.rpc(
        "eth_getTransactionCount",
        serde_json::json!([key.address(), "latest"]),
    );
    u64::from_str_radix(count.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

/// The devnet's nodes, by bootstrap index.
fn node_infos(devnet: &Devnet) -> Vec<NodeInfo> {
    let client = NodeClient::new(Timeouts::default());
    devnet
        .network
        .bootstrap
        .iter()
        .map(|url| runtime().block_on(client.info(url)).unwrap())
        .collect()
}

#[test]
fn nodes_restore_wiped_replicas_on_their_own_without_paying() {
    let devnet = Devnet::shared();
    let (dir, file, reference, key) = uploaded(devnet, 9);
    let nonce_before = transactions_sent(devnet, &key);
    wipe_three_holders(devnet, &file);
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let (code, events) = run(devnet, dir.path(), &key, "verify", &reference, None);
        if code == Some(0) {
            break;
        }
        assert_eq!(code, Some(7), "{events:?}");
        assert!(
            Instant::now() < deadline,
            "still degraded after 2 minutes of upkeep: {:?}",
            events.last()
        );
        std::thread::sleep(Duration::from_secs(2));
    }
    let nodes = node_infos(devnet);
    for chunk in planned_chunks(&file) {
        let on_disk = devnet.holders_on_disk(chunk);
        for closest in ring_order(&chunk, &nodes).iter().take(4) {
            let index = nodes.iter().position(|n| n.id == closest.id).unwrap();
            assert!(on_disk.contains(&index), "node {index} lacks {chunk}");
        }
    }
    assert_eq!(transactions_sent(devnet, &key), nonce_before);
    assert_each_chunk_paid_once(devnet, &file);
}

#[test]
fn a_node_answering_challenges_without_the_chunk_is_reported_as_not_holding_it() {
    let devnet = Devnet::shared();
    let (dir, file, reference, key) = uploaded(devnet, 5);
    let first = planned_chunks(&file)[0];
    let adversary = Adversary::closest_to(devnet, first, Mode::ForgedChallenges);
    let network = adversary.network_file();
    let (code, events) = run(
        devnet,
        dir.path(),
        &key,
        "verify",
        &reference,
        Some(&network),
    );
    assert!(adversary.intercepted() > 0, "the proxy never lied");
    let chunk = verified_chunk(&events, first);
    let holders: Vec<&str> = chunk["holders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap())
        .collect();
    assert!(!holders.contains(&adversary.url.as_str()), "{chunk}");
    let liar = chunk["failed"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["node"] == adversary.url.as_str())
        .unwrap_or_else(|| panic!("the liar is not named: {chunk}"));
    assert!(
        liar["reason"]
            .as_str()
            .unwrap()
            .contains("without the chunk's bytes"),
        "{liar}"
    );
    let proven = chunk["proven"].as_u64().unwrap();
    assert_eq!(code, Some(if proven >= 4 { 0 } else { 7 }), "{events:?}");
}

#[test]
fn a_node_whose_chunk_file_rotted_is_named_and_never_proves_it() {
    let devnet = quiet_devnet();
    let (dir, file, reference, key) = uploaded(devnet, 5);
    let chunk = planned_chunks(&file)[0];
    let rotten = devnet.holders_on_disk(chunk)[0];
    let path = ferry::node::chunk_path(&devnet.node_root(rotten), &chunk);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[0] ^= 0xff;
    std::fs::write(&path, bytes).unwrap();
    let (code, events) = run(devnet, dir.path(), &key, "verify", &reference, None);
    let verified = verified_chunk(&events, chunk);
    let url = &devnet.network.bootstrap[rotten];
    assert!(
        !verified["holders"]
            .as_array()
            .unwrap()
            .contains(&url.as_str().into()),
        "{verified}"
    );
    assert!(
        urls(&verified["failed"], "node").contains(url),
        "{verified}"
    );
    assert_eq!(code, Some(7), "{events:?}");
    assert!(!path.exists(), "the rotten file is moved aside");
}

#[test]
fn verify_of_a_folder_challenges_every_file_and_a_file_chunk_no_node_holds_is_lost() {
    let devnet = quiet_devnet();
    let key = devnet.funded_account();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("photos");
    std::fs::create_dir_all(root.join("2026/november")).unwrap();
    let files = [root.join("notes.txt"), root.join("2026/november/day.bin")];
    // Files above the packing threshold: each has chunks of its own to verify.
    let size = ferry::client::pack::PACK_THRESHOLD as u32 + 300_000;
    for (i, file) in files.iter().enumerate() {
        let bytes: Vec<u8> = (0..size).map(|n| (n * 7 + i as u32) as u8).collect();
        std::fs::write(file, [&bytes[..], &rand::random::<[u8; 32]>()[..]].concat()).unwrap();
    }
    let reference = devnet.upload_reference(dir.path(), &key, &root);
    let (code, events) = run(devnet, dir.path(), &key, "verify", &reference, None);
    assert_eq!(code, Some(0), "{events:?}");
    for file in &files {
        for chunk in planned_chunks(file) {
            assert_eq!(verified_chunk(&events, chunk)["proven"], 4, "{file:?}");
        }
    }
    // One chunk of the nested file, gone from every node: the folder is lost.
    let gone = planned_chunks(&files[1])[0];
    for index in devnet.holders_on_disk(gone) {
        devnet.wipe_chunk(index, gone);
    }
    let (code, events) = run(devnet, dir.path(), &key, "verify", &reference, None);
    assert_eq!(verified_chunk(&events, gone)["proven"], 0, "{events:?}");
    assert_eq!(code, Some(8), "{events:?}");
}
