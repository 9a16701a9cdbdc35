//! A client needs no full list of the network. Behind a peer list that names one node, upload,
//! download and verify find every chunk's close group by `/closest` lookups, a bounded number
//! of requests each, say how many with `-v`, and still place every replica the network's size
//! (the vault's registry) asks for.

use std::net::{IpAddr, Ipv4Addr};
use std::process::Output;

use axum::routing::get;
use axum::{Json, Router};
use ferry::client::lookup::{LOOKUP_WIDTH, MAX_LOOKUP_ROUNDS};
use ferry::client::nodes::{NodeClient, Timeouts};
use ferry::wire::network::REPLICAS;

use crate::support::runs::assert_each_chunk_paid_once;
use crate::support::scripted::ScriptedPeer;
use crate::support::{Devnet, json_lines, planned_chunks, random_file, runtime};

/// The lookups and `/closest` requests a `-v` run says it made.
fn lookups_said(output: &Output) -> (u64, u64) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stderr
        .lines()
        .find(|line| line.contains("close groups:"))
        .unwrap_or_else(|| panic!("-v does not say what lookups cost: {stderr}"));
    let number_before = |word: &str| -> u64 {
        let head = &line[..line.find(word).unwrap()];
        head.split_whitespace().last().unwrap().parse().unwrap()
    };
    (number_before(" lookups"), number_before(" requests"))
}

#[test]
fn a_client_told_of_one_node_finds_every_close_group_by_bounded_lookups() {
    let devnet = Devnet::shared();
    let key = devnet.funded_account();
    let (dir, file, bytes) = random_file("looked-up.bin", (3 << 20) + 77);
    // A peer list that knows one node: the devnet's first.
    let client = NodeClient::new(Timeouts::default());
    let first = runtime()
        .block_on(client.info(&devnet.network.bootstrap[0]))
        .unwrap();
    let list = ScriptedPeer::start(IpAddr::V4(Ipv4Addr::LOCALHOST), move |_| {
        Router::new().route("/peers", get(move || async move { Json(vec![first]) }))
    });
    let network = devnet.network_file_with(dir.path(), |network| {
        network.bootstrap = vec![list.url.clone()];
    });
    let per_lookup = (LOOKUP_WIDTH * MAX_LOOKUP_ROUNDS) as u64;

    let upload = devnet.ferry_via(
        &network,
        dir.path(),
        &key,
        &["-v", "upload", "--json", file.to_str().unwrap()],
    );
    assert!(upload.status.success(), "{upload:?}");
    let (lookups, requests) = lookups_said(&upload);
    assert!(
        lookups > 0,
        "the upload knew every close group from one node"
    );
    assert!(
        requests <= lookups * per_lookup,
        "{requests} requests for {lookups} lookups"
    );
    assert_each_chunk_paid_once(devnet, &file);
    // The registry, not the one-node list, sets how many nodes hold each chunk.
    for chunk in planned_chunks(&file) {
        let holders = devnet.holders_on_disk(chunk).len();
        assert!(holders >= REPLICAS, "chunk {chunk} is on {holders} nodes");
    }
    let done = json_lines(&upload.stdout).pop().unwrap();
    let reference = done["reference"].as_str().unwrap();

    let back = dir.path().join("back.bin");
    let download = devnet.ferry_via(
        &network,
        dir.path(),
        &key,
        &["-v", "download", reference, "-o", back.to_str().unwrap()],
    );
    assert!(download.status.success(), "{download:?}");
    assert_eq!(std::fs::read(&back).unwrap(), bytes);
    let (lookups, requests) = lookups_said(&download);
    assert!(
        lookups > 0,
        "the download knew every close group from one node"
    );
    assert!(
        requests <= lookups * per_lookup,
        "{requests} requests for {lookups} lookups"
    );

    let verify = devnet.ferry_via(
        &network,
        dir.path(),
        &key,
        &["-v", "verify", "--json", reference],
    );
    assert_eq!(verify.status.code(), Some(0), "{verify:?}");
    let report = json_lines(&verify.stdout).pop().unwrap();
    assert_eq!(report["status"], "healthy", "{report}");
    let (lookups, requests) = lookups_said(&verify);
    assert!(lookups > 0, "verify knew every close group from one node");
    assert!(
        requests <= lookups * per_lookup,
        "{requests} requests for {lookups} lookups"
    );
}
