//! Close groups under churn: while a file uploads, a tenth of a devnet's nodes stop and as
//! many new ones join (registered, announced, found by SWIM). The upload still succeeds (every
//! node it sends to agrees the quoting nodes are the chunk's close group), the file downloads
//! byte-identical, and once upkeep has run, verify finds the file healthy.

use std::io::{BufRead, BufReader};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::node_process::NodeProcess;
use crate::support::runs::{assert_downloads_identical, assert_each_chunk_paid_once, spawn_upload};
use crate::support::{Devnet, fresh_loopback, json_lines, random_file, signal};

const NODES: usize = 20;

/// The peers node `url` lists.
fn peers_of(url: &str) -> Vec<ferry::wire::network::NodeInfo> {
    let client = ferry::client::nodes::NodeClient::new(ferry::client::nodes::Timeouts::default());
    crate::support::runtime()
        .block_on(client.peers(url))
        .unwrap_or_default()
}
const CHURNED: usize = NODES / 10;

/// `ferry verify --json REFERENCE`: its exit code and last event.
fn verify(
    devnet: &Devnet,
    dir: &std::path::Path,
    key: &alloy::signers::local::PrivateKeySigner,
    reference: &str,
) -> (Option<i32>, Value) {
    let output = devnet
        .ferry(dir, key)
        .args(["verify", "--json", reference])
        .output()
        .unwrap();
    let events = json_lines(&output.stdout);
    let last = events.last().cloned().unwrap_or_default();
    assert_eq!(
        last["event"],
        "verified",
        "verify ends with `verified`: {events:?}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code(), last)
}

#[test]
fn a_tenth_of_the_nodes_leaving_and_joining_during_an_upload_leaves_it_downloadable_and_healthy() {
    let devnet = Devnet::start_with(NODES, &["--repair-interval", "5"]);
    let key = devnet.funded_account();
    let (dir, file, _) = random_file("churned.bin", 16 * 1024 * 1024);
    let mut upload = spawn_upload(&devnet, dir.path(), &key, &file, &["--transfers", "1"]);
    let stdout = BufReader::new(upload.stdout.take().unwrap());
    let mut lines = stdout.lines();
    let mut events = Vec::new();
    // Churn once the first wave is paid: chunks are being sent.
    for line in lines.by_ref() {
        let line = line.unwrap();
        let paid = line.contains("\"wave_paid\"");
        events.extend(json_lines(line.as_bytes()));
        if paid {
            break;
        }
    }
    let pids = devnet.node_pids();
    for pid in &pids[NODES - CHURNED..] {
        signal(*pid, "KILL");
    }
    let joined: Vec<NodeProcess> = (0..CHURNED)
        .map(|_| {
            let listen = format!("{}:0", fresh_loopback());
            NodeProcess::start(
                &devnet.network_file,
                &["--listen", &listen, "--repair-interval", "5"],
            )
        })
        .collect();
    for line in lines {
        events.extend(json_lines(line.unwrap().as_bytes()));
    }
    let status = upload.wait().unwrap();
    let done = events.last().cloned().unwrap_or_default();
    assert!(
        status.success(),
        "the upload failed through churn: {events:?}"
    );
    assert_each_chunk_paid_once(&devnet, &file);
    assert_downloads_identical(&devnet, dir.path(), &key, &done, &file);

    // Every live node's view has the nodes that joined and none of those that left.
    let (left, came): (Vec<&String>, Vec<&str>) = (
        devnet.network.bootstrap[NODES - CHURNED..].iter().collect(),
        joined.iter().map(|node| node.url.as_str()).collect(),
    );
    let settled = Instant::now() + Duration::from_secs(60);
    for url in &devnet.network.bootstrap[..NODES - CHURNED] {
        loop {
            let listed: Vec<String> = peers_of(url).into_iter().map(|p| p.url).collect();
            let current = came.iter().all(|u| listed.iter().any(|l| l == u))
                && left.iter().all(|u| !listed.contains(u));
            if current {
                break;
            }
            assert!(Instant::now() < settled, "{url} lists {listed:?}");
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    let reference = done["reference"].as_str().unwrap();
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let (code, verified) = verify(&devnet, dir.path(), &key, reference);
        if code == Some(0) {
            assert_eq!(verified["status"], "healthy", "{verified}");
            break;
        }
        assert_eq!(
            code,
            Some(7),
            "verify exited {code:?} through churn: {verified}"
        );
        assert!(
            Instant::now() < deadline,
            "upkeep did not restore the file within 90 s: {verified}"
        );
        std::thread::sleep(Duration::from_secs(5));
    }
    drop(joined);
}
