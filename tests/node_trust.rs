//! The node trusts no client: a proof needs a majority of the close group's quotes from
//! distinct members, its wave leaf must pay the median quote's address three times its price
//! on a path to a wave its payer paid, a payment counts only for its own payer and only once
//! deep enough, the chain is the one the network file names, and hostile clients cost bounded
//! time and queries.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use alloy::signers::local::PrivateKeySigner;
use bytes::Bytes;
use ferry::client::nodes::{NodeClient, PutMode, RequestError, Timeouts};
use ferry::node::RESPONSIBILITY_SLACK;
use ferry::vault::Vault;
use ferry::wire::http::{PutOutcome, encode_put};
use ferry::wire::network::{CLOSE_GROUP_SIZE, NodeInfo, ring_order};
use ferry::wire::signed::{PaymentProof, unix_now};
use ferry::wire::types::{Amount, ChunkAddress};
use ferry::wire::wave::{WaveLeaf, WaveTree};

use crate::node::Fixture;
use crate::support::node_process::start_refused;
use crate::support::trust::{
    ExtraNode, anvil, close_group_keys, keys_by_id, median_proof, proof_paying, signed_quotes,
};
use crate::support::{Devnet, json_lines, runtime};

/// A majority proof for `address` from the close group of `view`, bound to the fixture's payer.
fn close_group_quotes(
    fixture: &Fixture,
    view: &[NodeInfo],
    address: ChunkAddress,
    size: usize,
    extra: Option<&PrivateKeySigner>,
) -> Vec<ferry::wire::signed::SignedQuote> {
    let keys = keys_by_id(fixture.devnet, extra);
    let signers = close_group_keys(&keys, view, address, CLOSE_GROUP_SIZE);
    let payer = fixture.vault.payer().unwrap();
    signed_quotes(&signers, address, size, payer, unix_now())
}

fn put_to(
    node: &NodeInfo,
    address: ChunkAddress,
    body: Vec<u8>,
) -> Result<PutOutcome, (u16, String)> {
    let client = NodeClient::new(Timeouts::default());
    match runtime().block_on(client.put(node, address, Bytes::from(body), PutMode::StoreOnly)) {
        Ok(answer) => Ok(answer.outcome),
        Err(RequestError::Refused {
            status, message, ..
        }) => Err((status, message)),
        Err(other) => panic!("the node should answer, not fail: {other}"),
    }
}

fn assert_refused_by(
    node: &NodeInfo,
    address: ChunkAddress,
    body: Vec<u8>,
    status: u16,
    says: &str,
) {
    let (got, message) = put_to(node, address, body).expect_err("the node must refuse");
    assert_eq!(got, status, "status for {says:?}: {message}");
    assert!(message.contains(says), "{message:?} should say {says:?}");
}

fn served(node: &NodeInfo, address: ChunkAddress) -> Option<Bytes> {
    let client = NodeClient::new(Timeouts::default());
    runtime().block_on(client.get(node, address)).unwrap()
}

/// How many times `payer` paid for `chunk`, by the chain's events.
fn times_paid_by(devnet: &Devnet, payer: alloy::primitives::Address, chunk: ChunkAddress) -> usize {
    devnet
        .chunk_paid_events()
        .iter()
        .filter(|event| event.chunk == chunk && event.payer == payer)
        .count()
}

#[test]
fn a_proof_with_only_the_cheapest_quote_is_refused_even_when_paid() {
    let fixture = Fixture::new();
    let (address, bytes) = fixture.chunk();
    let quotes = close_group_quotes(&fixture, &fixture.swarm.nodes, address, bytes.len(), None);
    // The cheapest quote alone, paid three times its price: real money, but no majority.
    let (payment, mut proof) = proof_paying(vec![quotes[0].clone()], 0);
    fixture.pay(&[payment], &mut proof);
    fixture.assert_refused(
        address,
        encode_put(&proof, &bytes),
        402,
        "holds 1 quotes but needs at least 4",
    );
    // Three of seven is still a minority.
    let (payment, mut proof) = median_proof(quotes[..3].to_vec());
    fixture.pay(&[payment], &mut proof);
    fixture.assert_refused(
        address,
        encode_put(&proof, &bytes),
        402,
        "holds 3 quotes but needs at least 4",
    );
    // Counts are checked before any signature is recovered: a garbage signature on a
    // minority proof is refused for the count.
    let mut forged = proof.clone();
    forged.quotes[0].signature = vec![0; 65];
    fixture.assert_refused(
        address,
        encode_put(&forged, &bytes),
        402,
        "holds 3 quotes but needs at least 4",
    );
    let node = ring_order(&address, &fixture.swarm.nodes)[0];
    assert_eq!(served(node, address), None, "nothing was stored");
}

#[test]
fn a_proof_with_one_issuer_twice_is_refused() {
    let fixture = Fixture::new();
    let (address, bytes) = fixture.chunk();
    let keys = keys_by_id(fixture.devnet, None);
    let mut signers = close_group_keys(&keys, &fixture.swarm.nodes, address, CLOSE_GROUP_SIZE);
    signers.truncate(4);
    signers[3] = signers[0].clone();
    let payer = fixture.vault.payer().unwrap();
    let quotes = signed_quotes(&signers, address, bytes.len(), payer, unix_now());
    let (payment, mut proof) = median_proof(quotes);
    fixture.pay(&[payment], &mut proof);
    fixture.assert_refused(
        address,
        encode_put(&proof, &bytes),
        402,
        "more than one quote from issuer",
    );
}

#[test]
fn a_proof_with_an_issuer_outside_the_close_group_is_refused() {
    let fixture = Fixture::new();
    let (address, bytes) = fixture.chunk();
    let keys = keys_by_id(fixture.devnet, None);
    let ranked = close_group_keys(&keys, &fixture.swarm.nodes, address, 10);
    assert_eq!(ranked.len(), 10, "the shared devnet has 10 nodes");
    // Four close-group members and the farthest node, which is not one, even with the slack
    // an issuer is allowed.
    let signers = [&ranked[..4], &ranked[9..]].concat();
    let payer = fixture.vault.payer().unwrap();
    let quotes = signed_quotes(&signers, address, bytes.len(), payer, unix_now());
    let (payment, mut proof) = median_proof(quotes);
    fixture.pay(&[payment], &mut proof);
    fixture.assert_refused(
        address,
        encode_put(&proof, &bytes),
        402,
        &format!(
            "is not among the {} nodes closest",
            CLOSE_GROUP_SIZE + RESPONSIBILITY_SLACK
        ),
    );
}

#[test]
fn a_proof_with_more_quotes_than_the_close_group_is_refused() {
    let fixture = Fixture::new();
    let (address, bytes) = fixture.chunk();
    let keys = keys_by_id(fixture.devnet, None);
    let signers = close_group_keys(&keys, &fixture.swarm.nodes, address, CLOSE_GROUP_SIZE + 1);
    let payer = fixture.vault.payer().unwrap();
    let quotes = signed_quotes(&signers, address, bytes.len(), payer, unix_now());
    let (payment, mut proof) = median_proof(quotes);
    fixture.pay(&[payment], &mut proof);
    fixture.assert_refused(
        address,
        encode_put(&proof, &bytes),
        402,
        &format!(
            "holds {} quotes, more than the close group's {CLOSE_GROUP_SIZE}",
            CLOSE_GROUP_SIZE + 1
        ),
    );
}

/// Two fresh chunks quoted by the fixture's close groups: (address, bytes, leaf, proof) each.
fn two_quoted(fixture: &Fixture) -> [(ChunkAddress, Vec<u8>, WaveLeaf, PaymentProof); 2] {
    [(), ()].map(|()| {
        let (address, bytes) = fixture.chunk();
        let (leaf, proof) = fixture.quoted(address, &bytes);
        (address, bytes, leaf, proof)
    })
}

#[test]
fn a_proof_whose_path_does_not_lead_to_a_paid_wave_is_refused() {
    let fixture = Fixture::new();
    let [(address, bytes, leaf, mut proof), (_, _, other, _)] = two_quoted(&fixture);
    fixture.pay(&[leaf, other], &mut proof);
    // A path that leads elsewhere.
    let mut detour = proof.clone();
    detour.wave.path[0] = alloy::primitives::B256::repeat_byte(7);
    fixture.assert_refused(
        address,
        encode_put(&detour, &bytes),
        402,
        "does not lead from its leaf to its wave root",
    );
    // A sound path to a wave nobody paid: the chunk's leaf alone.
    let mut unpaid = proof.clone();
    Fixture::place(&[leaf], &mut unpaid);
    fixture.assert_refused(
        address,
        encode_put(&unpaid, &bytes),
        402,
        "is not paid on-chain",
    );
    // The paid wave with a leaf count other than the vault's: the path cannot fit it.
    let mut resized = proof.clone();
    resized.wave.leaves = 3;
    fixture.assert_refused(
        address,
        encode_put(&resized, &bytes),
        402,
        "does not lead from its leaf to its wave root",
    );
    assert_eq!(
        fixture.put(address, encode_put(&proof, &bytes)),
        Ok(PutOutcome::Stored),
        "the real path is accepted"
    );
}

#[test]
fn a_leaf_paying_less_than_three_times_the_price_is_refused() {
    let fixture = Fixture::new();
    let [(address, bytes, mut leaf, mut proof), (_, _, other, _)] = two_quoted(&fixture);
    leaf.amount = Amount(leaf.amount.0 - alloy::primitives::U256::from(1));
    fixture.pay(&[other, leaf], &mut proof);
    fixture.assert_refused(
        address,
        encode_put(&proof, &bytes),
        402,
        &format!("pays {} wei, below the required", leaf.amount),
    );
}

#[test]
fn a_leaf_paying_another_address_is_refused() {
    let fixture = Fixture::new();
    let [(address, bytes, mut leaf, mut proof), (_, _, other, _)] = two_quoted(&fixture);
    let median = proof.paid_quote().unwrap().body.rewards;
    // The payer pays itself the right amount, in a wave it really paid.
    leaf.rewards = fixture.vault.payer().unwrap();
    fixture.pay(&[other, leaf], &mut proof);
    fixture.assert_refused(
        address,
        encode_put(&proof, &bytes),
        402,
        &format!(
            "pays {}, not the paid quote's rewards address {median}",
            leaf.rewards
        )
        .to_lowercase(),
    );
}

#[test]
fn a_stranger_paying_the_quotes_first_neither_blocks_the_payer_nor_counts_for_them() {
    let victim = Fixture::new();
    let (address, bytes) = victim.chunk();
    let (payment, mut proof) = victim.quoted(address, &bytes);
    let stranger_key = victim.devnet.funded_account();
    let stranger = Vault::connect(
        &victim.devnet.network.rpc_url,
        victim.devnet.network.vault,
        Some(&stranger_key),
    )
    .unwrap();
    // The stranger front-runs: pays the victim's very wave (same leaf, same root) before the
    // victim does.
    let wave = WaveTree::new(vec![payment]).unwrap();
    let front_run = runtime()
        .block_on(stranger.pay_wave(&wave))
        .expect("anyone may pay");
    proof.wave = wave.membership(0);
    proof.tx_hash = front_run.tx_hash;
    let order = ring_order(&address, &victim.swarm.nodes);
    assert_refused_by(
        order[0],
        address,
        encode_put(&proof, &bytes),
        402,
        "is not paid on-chain",
    );
    // The victim's own wave still goes through, and its payment counts. (Another close-group
    // node: the first one remembers the quote as unpaid for a few seconds.)
    victim.pay(&[payment], &mut proof);
    assert_eq!(
        put_to(order[1], address, encode_put(&proof, &bytes)),
        Ok(PutOutcome::Stored)
    );
    assert_eq!(
        times_paid_by(victim.devnet, victim.vault.payer().unwrap(), address),
        1
    );
    assert_eq!(
        times_paid_by(victim.devnet, stranger_key.address(), address),
        1
    );
    assert_eq!(served(order[1], address).as_deref(), Some(&bytes[..]));
}

#[test]
fn a_flood_of_unpaid_puts_asks_the_chain_about_once_per_quote() {
    let fixture = Fixture::new();
    let node = ExtraNode::start(fixture.devnet, &[]);
    let (address, bytes) = fixture.chunk_near(&node.info(), &node.view());
    let quotes = close_group_quotes(
        &fixture,
        &node.view(),
        address,
        bytes.len(),
        Some(&node.key),
    );
    let (payment, mut proof) = median_proof(quotes);
    Fixture::place(&[payment], &mut proof);
    let before = node.stat("chain_queries");
    let info = node.info();
    let client = NodeClient::new(Timeouts::default());
    let body = Bytes::from(encode_put(&proof, &bytes));
    let answers = runtime().block_on(futures::future::join_all(
        (0..40).map(|_| client.put(&info, address, body.clone(), PutMode::StoreOnly)),
    ));
    for answer in answers {
        match answer {
            Err(RequestError::Refused {
                status, message, ..
            }) => {
                assert_eq!(status, 402, "{message}");
                assert!(message.contains("is not paid on-chain"), "{message}");
            }
            other => panic!("an unpaid PUT must be refused: {other:?}"),
        }
    }
    let queries = node.stat("chain_queries") - before;
    assert!(
        (1..=2).contains(&queries),
        "40 PUTs of one unpaid quote made {queries} chain queries"
    );
}

#[test]
fn a_put_whose_body_stalls_is_dropped_within_seconds() {
    let devnet = Devnet::shared();
    let url = devnet.network.bootstrap[0]
        .trim_start_matches("http://")
        .to_owned();
    let mut stream = TcpStream::connect(&url).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(90)))
        .unwrap();
    let address = ChunkAddress::of(b"a stalled body");
    let head = format!(
        "PUT /chunk/{address} HTTP/1.1\r\nHost: {url}\r\nContent-Length: 100000\r\n\r\n0123456789"
    );
    stream.write_all(head.as_bytes()).unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .expect("the node closes the connection instead of waiting");
    let waited = started.elapsed();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    // Dropped by the minimum body rate (64 KiB/s after 2 s), before the idle timeout.
    assert!(answer.contains("the PUT body came too slowly"), "{answer}");
    assert!(
        waited < Duration::from_secs(40),
        "dropped only after {waited:?}"
    );
}

fn network_file_on_another_chain(devnet: &Devnet, dir: &std::path::Path) -> std::path::PathBuf {
    devnet.network_file_with(dir, |network| network.chain_id = 1)
}

#[test]
fn a_node_refuses_to_start_when_the_rpc_serves_another_chain() {
    let devnet = Devnet::shared();
    let dir = tempfile::tempdir().unwrap();
    let network = network_file_on_another_chain(devnet, dir.path());
    let output = start_refused(dir.path(), &network, &["--listen", "127.0.0.1:0"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty(), "it never listened");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("has chain id 31337"), "{stderr}");
    assert!(stderr.contains("says chain_id 1"), "{stderr}");
    assert!(stderr.contains(&network.display().to_string()), "{stderr}");
}

#[test]
fn the_client_refuses_an_rpc_serving_another_chain_before_paying() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let dir = tempfile::tempdir().unwrap();
    let network = network_file_on_another_chain(devnet, dir.path());
    let file = dir.path().join("f.bin");
    std::fs::write(&file, crate::support::random_bytes(1000)).unwrap();
    for command in ["upload", "quote"] {
        let output = devnet
            .ferry(dir.path(), &account)
            .env("FERRY_NETWORK", &network)
            .args([command, "--json"])
            .arg(&file)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "ferry {command}");
        let events = json_lines(&output.stdout);
        let error = events.last().expect("an error event");
        crate::support::assert_error_event(error, "bad_input", "has chain id 31337");
        crate::support::assert_error_event(error, "bad_input", "the network file says chain_id 1");
    }
    assert!(
        devnet
            .chunk_paid_events()
            .iter()
            .all(|e| e.payer != account.address()),
        "nothing was paid"
    );
}

/// A dedicated devnet (snapshots and reverts must not touch the shared chain) with an extra
/// node counting payments only 3 blocks deep, and a paid majority proof for a fresh chunk.
struct DeepFixture {
    fixture: Fixture,
    node: ExtraNode,
    address: ChunkAddress,
    bytes: Vec<u8>,
    payment: WaveLeaf,
    proof: PaymentProof,
}

impl DeepFixture {
    fn new() -> Self {
        let devnet: &'static Devnet = Box::leak(Box::new(Devnet::start(3)));
        let fixture = Fixture::on(devnet);
        let node = ExtraNode::start(devnet, &["--confirmations", "3"]);
        let (address, bytes) = fixture.chunk();
        let quotes = close_group_quotes(
            &fixture,
            &node.view(),
            address,
            bytes.len(),
            Some(&node.key),
        );
        assert_eq!(quotes.len(), 4, "three devnet nodes and the extra one");
        let (payment, proof) = median_proof(quotes);
        DeepFixture {
            fixture,
            node,
            address,
            bytes,
            payment,
            proof,
        }
    }

    fn put(&self) -> Result<PutOutcome, (u16, String)> {
        put_to(
            &self.node.info(),
            self.address,
            encode_put(&self.proof, &self.bytes),
        )
    }
}

#[test]
fn a_payment_counts_only_once_it_is_as_deep_as_the_node_requires() {
    let mut deep = DeepFixture::new();
    let payment = deep.payment;
    deep.fixture.pay(&[payment], &mut deep.proof);
    let (status, message) = deep.put().expect_err("one block deep is not three");
    assert_eq!(status, 425, "{message}");
    assert!(message.contains("not yet 3 confirmations"), "{message}");
    anvil(
        deep.fixture.devnet,
        "anvil_mine",
        serde_json::json!(["0x2"]),
    );
    assert_eq!(deep.put(), Ok(PutOutcome::Stored));
    let payer = deep.fixture.vault.payer().unwrap();
    assert_eq!(times_paid_by(deep.fixture.devnet, payer, deep.address), 1);
    assert_eq!(
        served(&deep.node.info(), deep.address).as_deref(),
        Some(&deep.bytes[..])
    );
}

#[test]
fn a_payment_reorganised_away_is_refused_and_was_never_cached() {
    let mut deep = DeepFixture::new();
    let snapshot = anvil(deep.fixture.devnet, "evm_snapshot", serde_json::json!([]));
    let payment = deep.payment;
    deep.fixture.pay(&[payment], &mut deep.proof);
    let (status, message) = deep.put().expect_err("not deep enough yet");
    assert_eq!(status, 425, "{message}");
    assert!(message.contains("not yet 3 confirmations"), "{message}");
    // The block holding the payment is reorganised away; the chain grows past it without it.
    assert_eq!(
        anvil(
            deep.fixture.devnet,
            "evm_revert",
            serde_json::json!([snapshot])
        ),
        serde_json::json!(true)
    );
    anvil(
        deep.fixture.devnet,
        "anvil_mine",
        serde_json::json!(["0x5"]),
    );
    let (status, message) = deep.put().expect_err("the payment is gone");
    assert_eq!(status, 402, "{message}");
    assert!(message.contains("is not paid on-chain"), "{message}");
    assert_eq!(deep.fixture.devnet.times_paid(deep.address), 0);
    assert_eq!(served(&deep.node.info(), deep.address), None);
}

#[test]
fn an_unknown_issuer_triggers_one_peer_refresh_and_later_puts_are_refused_at_once() {
    let fixture = Fixture::new();
    let node = ExtraNode::start(fixture.devnet, &[]);
    let (address, bytes) = fixture.chunk_near(&node.info(), &node.view());
    let keys = keys_by_id(fixture.devnet, Some(&node.key));
    let mut signers = close_group_keys(&keys, &node.view(), address, CLOSE_GROUP_SIZE);
    // Staked, but never started: no node knows it.
    let stranger = PrivateKeySigner::random();
    fixture.devnet.register(&stranger);
    signers[6] = stranger;
    let payer = fixture.vault.payer().unwrap();
    let quotes = signed_quotes(&signers, address, bytes.len(), payer, unix_now());
    let (payment, mut proof) = median_proof(quotes);
    Fixture::place(&[payment], &mut proof);
    let info = node.info();
    let body = || encode_put(&proof, &bytes);
    // The first PUT may refresh the node's peers (outside its transfer slot); the issuer is
    // still unknown afterwards.
    assert_refused_by(&info, address, body(), 402, "is not a node this node knows");
    // The next ones within the rate limit are not made to wait for another refresh.
    let started = Instant::now();
    assert_refused_by(
        &info,
        address,
        body(),
        503,
        "its peer view is being refreshed",
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "refused at once"
    );
}
