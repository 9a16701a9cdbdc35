//! Open membership: many identities of one operator cannot capture a chunk, and no node is
//! paid or counted for what it does not hold. Every attacker here is real: `ferry-node`
//! processes staked in the vault from one /24, free keys announcing themselves, registered keys
//! quoting a price no honest node takes, a proof replayed to nodes outside the close group, and
//! a payment reorganised away after a node cached it.

use std::time::{Duration, Instant};

use alloy::primitives::Address;
use alloy::signers::local::PrivateKeySigner;
use bytes::Bytes;
use ferry::client::nodes::{NodeClient, RequestError, Timeouts};
use ferry::wire::announce::Announcement;
use ferry::wire::http::{PutOutcome, encode_put};
use ferry::wire::network::{CLOSE_GROUP_SIZE, NodeInfo, ring_order};
use ferry::wire::signed::{PaymentProof, QuoteBody, SignedQuote, median_index, unix_now};
use ferry::wire::types::{Amount, ChunkAddress};
use ferry::wire::wave::WaveLeaf;

use crate::node::Fixture;
use crate::support::node_process::NodeProcess;
use crate::support::trust::anvil;
use crate::support::{Devnet, planned_chunks, random_file, runtime};

/// The peers a node lists.
fn peers_of(url: &str) -> Vec<NodeInfo> {
    runtime()
        .block_on(NodeClient::new(Timeouts::default()).peers(url))
        .unwrap()
}

fn refusal(answer: Result<ferry::wire::http::PutResponse, RequestError>) -> (u16, String) {
    match answer {
        Err(RequestError::Refused {
            status, message, ..
        }) => (status, message),
        other => panic!("the node must refuse, got {other:?}"),
    }
}

#[test]
fn many_staked_nodes_from_one_subnet_get_at_most_one_replica_of_a_chunk_and_vanish_harmlessly() {
    const HONEST: usize = 8;
    const ATTACKERS: usize = 3 * HONEST;
    let devnet = Devnet::start(HONEST);
    // One operator, one /24: every node real, staked and announced.
    let attackers: Vec<NodeProcess> = (0..ATTACKERS)
        .map(|i| {
            let listen = format!("127.0.200.{}:0", i + 1);
            NodeProcess::start(&devnet.network_file, &["--listen", &listen])
        })
        .collect();
    // A node's table keeps at most PEERS_PER_PREFIX peers of one /24: the rest are refused.
    let everyone = HONEST + ATTACKERS.min(ferry::node::peers::PEERS_PER_PREFIX);
    let deadline = Instant::now() + Duration::from_secs(60);
    while peers_of(&devnet.network.bootstrap[0]).len() < everyone {
        assert!(
            Instant::now() < deadline,
            "the operator's nodes never joined"
        );
        std::thread::sleep(Duration::from_millis(500));
    }

    let (dir, file, bytes) = random_file("big.bin", 24 * 1024 * 1024);
    let key = devnet.funded_account();
    let reference = devnet.upload_reference(dir.path(), &key, &file);
    let (mut honest_replicas, mut attacker_replicas) = (0, 0);
    for chunk in planned_chunks(&file) {
        let honest = devnet.holders_on_disk(chunk).len();
        let captured = attackers
            .iter()
            .filter(|node| ferry::node::chunk_path(&node.root(), &chunk).is_file())
            .count();
        assert!(
            honest >= 3,
            "chunk {chunk} has {honest} honest replicas and {captured} on the operator's nodes"
        );
        assert!(
            captured <= 1,
            "chunk {chunk} has {captured} replicas in one /24"
        );
        honest_replicas += honest;
        attacker_replicas += captured;
    }
    let share = attacker_replicas as f64 / (honest_replicas + attacker_replicas) as f64;
    println!(
        "subnet attack: {ATTACKERS} staked nodes in one /24 next to {HONEST} honest ones got {attacker_replicas} of {} replicas ({:.0}%)",
        honest_replicas + attacker_replicas,
        share * 100.0
    );

    // The operator's nodes vanish with everything they held.
    drop(attackers);
    let out = dir.path().join("back.bin");
    devnet
        .ferry(dir.path(), &key)
        .args(["download", &reference, "-o"])
        .arg(&out)
        .assert()
        .success();
    assert_eq!(std::fs::read(&out).unwrap(), bytes);
}

#[test]
fn a_hundred_free_keys_announcing_themselves_are_refused_and_never_listed() {
    let devnet = Devnet::shared();
    let before = peers_of(&devnet.network.bootstrap[0]).len();
    let http = reqwest::Client::new();
    let statuses: Vec<u16> = runtime().block_on(async {
        let mut statuses = Vec::new();
        for i in 0..100u16 {
            let key = PrivateKeySigner::random();
            // It may pick any position it likes: the vault has none for it.
            let chosen = ferry::wire::types::NodeId([i as u8; 32]);
            let url = format!("http://127.0.0.1:{}", 20_000 + i);
            let announcement = Announcement::sign(&url, chosen, &key, unix_now());
            for target in &devnet.network.bootstrap {
                let answer = http
                    .post(format!("{target}/announce"))
                    .json(&announcement)
                    .send()
                    .await
                    .unwrap();
                statuses.push(answer.status().as_u16());
            }
        }
        statuses
    });
    assert!(statuses.iter().all(|&status| status == 403), "{statuses:?}");
    for url in &devnet.network.bootstrap {
        assert_eq!(peers_of(url).len(), before, "{url} listed a free key");
    }
}

/// `count` quotes for `chunk` at `price` wei each, signed by `signers`.
fn quotes_at(
    signers: &[PrivateKeySigner],
    chunk: ChunkAddress,
    size: usize,
    payer: Address,
    price: u128,
) -> Vec<SignedQuote> {
    signers
        .iter()
        .map(|signer| {
            let body = QuoteBody {
                chunk,
                size: size as u32,
                price: Amount::wei(price),
                rewards: signer.address(),
                issued_at: unix_now(),
                payer,
            };
            SignedQuote::sign(body, signer)
        })
        .collect()
}

#[test]
fn storage_paid_at_three_wei_from_staked_quoters_is_refused_below_the_floor() {
    let fixture = Fixture::new();
    let devnet = fixture.devnet;
    let (address, bytes) = fixture.chunk();
    // Four staked keys of one operator quote 1 wei each; the wave pays 3 wei.
    let signers: Vec<PrivateKeySigner> = (0..4).map(|_| PrivateKeySigner::random()).collect();
    for signer in &signers {
        devnet.register(signer);
    }
    let payer = fixture.vault.payer().unwrap();
    let quotes = quotes_at(&signers, address, bytes.len(), payer, 1);
    let paid = median_index(&quotes).unwrap();
    let payment = WaveLeaf {
        chunk: address,
        rewards: quotes[paid].body.rewards,
        amount: Amount::wei(3),
    };
    let mut proof = PaymentProof {
        quotes,
        paid: paid as u32,
        tx_hash: Default::default(),
        wave: Default::default(),
    };
    fixture.pay(&[payment], &mut proof);
    let client = NodeClient::new(Timeouts::default());
    let body = Bytes::from(encode_put(&proof, &bytes));
    for node in &fixture.swarm.nodes {
        let (status, message) =
            refusal(runtime().block_on(client.put_replica(node, address, body.clone())));
        assert!(
            matches!(status, 402 | 421),
            "{}: {status} {message}",
            node.url
        );
        if status == 402 {
            assert!(message.contains("below this node's floor"), "{message}");
        }
    }
    assert!(devnet.holders_on_disk(address).is_empty());
}

#[test]
fn a_paid_chunk_is_refused_by_nodes_outside_its_close_group() {
    let fixture = Fixture::new();
    let (address, bytes) = fixture.chunk();
    let proof = fixture.paid_proof(address, &bytes);
    let body = Bytes::from(encode_put(&proof, &bytes));
    let order = ring_order(&address, &fixture.swarm.nodes);
    assert!(
        order.len() > CLOSE_GROUP_SIZE + 2,
        "the shared devnet has 10 nodes"
    );
    let client = NodeClient::new(Timeouts::default());
    // Anyone can read the proof back and replay it: nodes far from the chunk refuse it.
    for far in &order[CLOSE_GROUP_SIZE + 2..] {
        let (status, message) =
            refusal(runtime().block_on(client.put_replica(far, address, body.clone())));
        assert_eq!(status, 421, "{message}");
        assert!(message.contains("is not among the"), "{message}");
    }
    let answer = runtime()
        .block_on(client.put_replica(order[0], address, body))
        .unwrap();
    assert_eq!(answer.outcome, PutOutcome::Stored);
}

#[test]
fn a_cached_wave_that_is_reorganised_away_stops_counting_once_checked_at_depth() {
    let devnet: &'static Devnet = Box::leak(Box::new(Devnet::start(3)));
    let fixture = Fixture::on(devnet);
    let (first, first_bytes) = fixture.chunk();
    let (second, second_bytes) = fixture.chunk();
    let (first_payment, mut first_proof) = fixture.quoted(first, &first_bytes);
    let (second_payment, mut second_proof) = fixture.quoted(second, &second_bytes);
    let payments = [first_payment, second_payment];
    let wave = Fixture::place(&payments, &mut first_proof);
    Fixture::place(&payments, &mut second_proof);
    let snapshot = anvil(devnet, "evm_snapshot", serde_json::json!([]));
    runtime().block_on(fixture.vault.pay_wave(&wave)).unwrap();
    let node = ring_order(&first, &fixture.swarm.nodes)[0];
    let client = NodeClient::new(Timeouts::default());
    let put = |address, proof: &PaymentProof, bytes: &[u8]| {
        runtime().block_on(client.put_replica(node, address, Bytes::from(encode_put(proof, bytes))))
    };
    assert_eq!(
        put(first, &first_proof, &first_bytes).unwrap().outcome,
        PutOutcome::Stored,
        "the wave is paid and now cached"
    );
    // The payment's block is reorganised away and the chain grows deep past it.
    assert_eq!(
        anvil(devnet, "evm_revert", serde_json::json!([snapshot])),
        serde_json::json!(true)
    );
    anvil(devnet, "anvil_mine", serde_json::json!(["0x50"]));
    // The node reuses its reading of the chain's head for 2 s.
    std::thread::sleep(Duration::from_millis(2500));
    let (status, message) = refusal(put(second, &second_proof, &second_bytes));
    assert_eq!(status, 402, "{message}");
    assert!(message.contains("is not paid on-chain"), "{message}");
}
