//! The client sends each chunk once: the node it sends to stores it and forwards it to the
//! chunk's next closest nodes, answering with their storage receipts; a PUT marked forwarded
//! is only stored; and an upload sends little more than the file's bytes while every chunk
//! still ends on 4 nodes.

use std::collections::HashSet;

use bytes::Bytes;
use ferry::client::nodes::PutMode;
use ferry::wire::http::{PutResponse, encode_put};
use ferry::wire::network::{NodeInfo, REPLICAS, ring_order};
use ferry::wire::signed::StorageReceipt;
use ferry::wire::types::ChunkAddress;

use crate::node::Fixture;
use crate::support::adversary::real_holders;
use crate::support::{
    Devnet, assert_paid_once_and_downloads, planned_chunks, random_file, runtime,
};

/// Whether `receipts` are valid receipts for `chunk` from distinct nodes of its close group.
fn distinct_close_group_receipts(
    fixture: &Fixture,
    chunk: ChunkAddress,
    receipts: &[StorageReceipt],
) -> bool {
    let group: HashSet<_> = fixture
        .swarm
        .close_group(&chunk, 7)
        .iter()
        .map(|node| node.rewards)
        .collect();
    let signers: HashSet<_> = receipts.iter().map(|r| r.node).collect();
    signers.len() == receipts.len()
        && receipts
            .iter()
            .all(|r| r.chunk == chunk && r.is_valid() && group.contains(&r.node))
}

/// Pays a fresh chunk and PUTs it with `mode` to its closest node; returns the chunk, that
/// node and its answer.
fn paid_put_to_closest(fixture: &Fixture, mode: PutMode) -> (ChunkAddress, &NodeInfo, PutResponse) {
    let (address, bytes) = fixture.chunk();
    let proof = fixture.paid_proof(address, &bytes);
    let closest = ring_order(&address, &fixture.swarm.nodes)[0];
    let body = Bytes::from(encode_put(&proof, &bytes));
    let answer = runtime()
        .block_on(fixture.client.put(closest, address, body, mode))
        .unwrap();
    (address, closest, answer)
}

#[test]
fn a_clients_put_is_forwarded_until_four_nodes_hold_it_and_answered_with_their_receipts() {
    let fixture = Fixture::new();
    let (address, closest, answer) = paid_put_to_closest(&fixture, PutMode::Forward);
    assert_eq!(answer.peer_receipts.len(), REPLICAS - 1, "{answer:?}");
    let mut all = answer.peer_receipts.clone();
    all.push(answer.receipt.clone());
    assert_eq!(answer.receipt.node, closest.rewards);
    assert!(
        distinct_close_group_receipts(&fixture, address, &all),
        "{all:?}"
    );
    assert_eq!(real_holders(fixture.devnet, address), REPLICAS);
}

#[test]
fn a_put_marked_forwarded_is_stored_only() {
    let fixture = Fixture::new();
    let (address, _, answer) = paid_put_to_closest(&fixture, PutMode::StoreOnly);
    assert!(answer.peer_receipts.is_empty(), "{answer:?}");
    assert_eq!(real_holders(fixture.devnet, address), 1);
}

#[test]
fn an_upload_sends_each_chunk_once_and_every_chunk_ends_on_four_nodes() {
    let devnet = Devnet::shared();
    let key = devnet.funded_account();
    let (dir, file, bytes) = random_file("egress.bin", 40 << 20);
    let (code, events) = devnet.upload_json(dir.path(), &key, &file, &[]);
    assert_eq!(code, Some(0), "{events:?}");
    let done = events.last().unwrap();
    let sent = done["bytes_sent"].as_u64().expect("bytes_sent in done");
    let file_bytes = bytes.len() as f64;
    eprintln!(
        "client egress: {sent} bytes for {file_bytes} file bytes, {:.4} per file byte",
        sent as f64 / file_bytes
    );
    assert!(
        sent as f64 <= 1.1 * file_bytes,
        "sent {sent} bytes for a {file_bytes}-byte file ({:.2}x)",
        sent as f64 / file_bytes
    );
    assert!(sent as f64 >= file_bytes, "sent {sent}, less than the file");
    for event in events.iter().filter(|e| e["event"] == "chunk_stored") {
        assert!(
            event["nodes"].as_u64().unwrap() >= REPLICAS as u64,
            "{event}"
        );
    }
    for chunk in planned_chunks(&file) {
        assert!(real_holders(devnet, chunk) >= REPLICAS, "chunk {chunk}");
    }
    let reference = done["reference"].as_str().unwrap();
    assert_paid_once_and_downloads(devnet, dir.path(), &key, &file, reference, &bytes);
}

/// Resumes a stopped process even when the test fails.
struct Resume(u32);

impl Drop for Resume {
    fn drop(&mut self) {
        crate::support::signal(self.0, "CONT");
    }
}

#[test]
fn a_frozen_peer_costs_the_forwarding_node_seconds_and_the_next_closest_takes_its_place() {
    let devnet: &'static Devnet = Box::leak(Box::new(Devnet::start(6)));
    let fixture = Fixture::on(devnet);
    let (address, bytes) = fixture.chunk();
    let proof = fixture.paid_proof(address, &bytes);
    let order = ring_order(&address, &fixture.swarm.nodes);
    let (closest, frozen) = (order[0], order[1]);
    let client = ferry::client::nodes::NodeClient::new(Default::default());
    let index = devnet
        .network
        .bootstrap
        .iter()
        .position(|url| runtime().block_on(client.info(url)).unwrap().id == frozen.id)
        .unwrap();
    // SIGSTOP: its socket still accepts connections; it never answers.
    let _resume = Resume(devnet.node_pids()[index]);
    crate::support::signal(_resume.0, "STOP");
    let started = std::time::Instant::now();
    let body = Bytes::from(encode_put(&proof, &bytes));
    let answer = runtime()
        .block_on(fixture.client.put(closest, address, body, PutMode::Forward))
        .unwrap();
    let took = started.elapsed();
    assert!(
        took < ferry::wire::http::FORWARD_BUDGET + std::time::Duration::from_secs(4),
        "forwarding past a frozen peer took {took:?}"
    );
    assert_eq!(answer.peer_receipts.len(), REPLICAS - 1, "{answer:?}");
    assert!(
        answer
            .peer_receipts
            .iter()
            .all(|r| r.node != frozen.rewards)
    );
    let mut all = answer.peer_receipts.clone();
    all.push(answer.receipt.clone());
    assert!(
        distinct_close_group_receipts(&fixture, address, &all),
        "{all:?}"
    );
}
