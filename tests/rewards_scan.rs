//! A node is paid for the chunks whose median quote it issued, whether or not it stores them:
//! `ferry-node rewards` learns those leaves from the chain (the `WavePaid` logs and each
//! wave's `payWave` calldata), believes no calldata that does not build its logged root, and
//! claims each leaf once.

use alloy::primitives::{Address, B256, U256};
use alloy::signers::local::PrivateKeySigner;
use ferry::node::scan::REORG_MARGIN;
use ferry::vault::Vault;
use ferry::wire::types::{Amount, ChunkAddress};
use ferry::wire::wave::{WaveLeaf, WaveTree};

use crate::node::Fixture;
use crate::rewards::{number_after, rewards_of, rewards_run, vault_paid_out, withdrawn};
use crate::support::rpc_proxy::RpcProxy;
use crate::support::{Devnet, planned_chunks, random_bytes, random_file, runtime};

/// Enough wei for a few claims' gas.
fn gas_money() -> U256 {
    U256::from(10u64).pow(U256::from(17u64))
}

fn balance(chain: &Vault, who: Address) -> U256 {
    runtime().block_on(chain.balance_of(who)).unwrap().0
}

#[test]
fn nodes_whose_earnings_record_is_wiped_learn_their_leaves_from_the_chain_and_empty_the_vault() {
    // Its own devnet: its vault holds exactly this upload's payments.
    let devnet = Devnet::start(5);
    let account = devnet.funded_account();
    let (dir, file, _) = random_file("paid.bin", 300_000);
    let (code, events) = devnet.upload_json(dir.path(), &account, &file, &["--wave-size", "2"]);
    assert_eq!(code, Some(0), "{:?}", events.last());
    let paid = devnet.chunk_paid_events();
    assert_eq!(paid.len(), planned_chunks(&file).len(), "one leaf a chunk");
    let chain = Vault::connect(&devnet.network.rpc_url, devnet.network.vault, None).unwrap();
    let total: U256 = paid.iter().map(|event| event.amount.0).sum();
    // Beside the payments, the vault holds the stake of each of the 5 registered nodes.
    let stakes = ferry::vault::RegistryTerms::DEVNET.min_stake.0 * U256::from(5u8);
    assert_eq!(balance(&chain, chain.address()), total + stakes);

    for index in 0..devnet.network.bootstrap.len() {
        let key = devnet.node_key(index);
        let root = devnet.data_dir.path().join(format!("devnet/nodes/{index}"));
        // What its admitted proofs taught it is gone: only the chain can tell it now.
        match std::fs::remove_dir_all(root.join("earnings")) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => panic!("{error}"),
            _ => {}
        }
        devnet.set_balance(key.address(), gas_money());
        let expected: U256 = paid
            .iter()
            .filter(|event| event.rewards == key.address())
            .map(|event| event.amount.0)
            .sum();
        let before = balance(&chain, key.address());
        let out = rewards_of(&root.join("key"), &root, &devnet.network_file, &[]);
        assert_eq!(withdrawn(&out), expected, "node {index}: {out}");
        assert_eq!(
            vault_paid_out(&devnet, &out),
            expected,
            "node {index}: {out}"
        );
        if expected > U256::ZERO {
            let gas = number_after(&out, "(gas ");
            assert_eq!(
                balance(&chain, key.address()),
                before + expected - gas,
                "node {index} received its leaves, less the claim's gas: {out}"
            );
        }
    }
    assert_eq!(
        balance(&chain, chain.address()),
        stakes,
        "every leaf was claimed by the node it pays; only the stakes are left"
    );

    for index in 0..devnet.network.bootstrap.len() {
        let root = devnet.data_dir.path().join(format!("devnet/nodes/{index}"));
        let again = rewards_of(&root.join("key"), &root, &devnet.network_file, &[]);
        assert!(!again.contains("withdrew"), "node {index}: {again}");
        assert!(
            again.contains(&format!("the vault holds {} wei", Amount::ZERO)),
            "node {index}: {again}"
        );
    }
}

fn gwei(n: u128) -> Amount {
    Amount::wei(n * 1_000_000_000)
}

fn leaf(rewards: Address, amount: Amount) -> WaveLeaf {
    WaveLeaf {
        chunk: ChunkAddress::of(&random_bytes(32)),
        rewards,
        amount,
    }
}

/// A proxy that alters the last byte of the calldata of transaction `tx` (the last leaf's
/// amount) and passes everything else on.
fn lying_about(upstream: &str, tx: B256) -> RpcProxy {
    RpcProxy::rewriting(upstream, move |request, answer| {
        let about_tx = request["method"] == "eth_getTransactionByHash"
            && request["params"][0] == tx.to_string();
        if let (true, Some(input)) = (about_tx, answer["result"]["input"].as_str()) {
            let mut input = input.to_owned();
            let last = input.pop().unwrap();
            input.push(if last == '0' { '1' } else { '0' });
            answer["result"]["input"] = input.into();
        }
    })
}

#[test]
fn a_node_that_stored_nothing_claims_its_unclaimed_leaves_once_and_disbelieves_a_lying_endpoint() {
    let fixture = Fixture::new();
    let devnet = fixture.devnet;
    let node = tempfile::tempdir().unwrap();
    let key = PrivateKeySigner::random();
    let me = key.address();
    let key_file = node.path().join("key");
    std::fs::write(&key_file, hex::encode(key.to_bytes())).unwrap();
    let root = node.path().join("root");
    let other = PrivateKeySigner::random().address();
    let first = WaveTree::new(vec![
        leaf(me, gwei(3)),
        leaf(other, gwei(5)),
        leaf(me, gwei(7)),
        leaf(other, gwei(11)),
        leaf(me, gwei(13)),
    ])
    .unwrap();
    let second = WaveTree::new(vec![leaf(other, gwei(17)), leaf(me, gwei(19))]).unwrap();
    let payer = fixture.vault.payer().unwrap();
    runtime().block_on(fixture.vault.pay_wave(&first)).unwrap();
    let second_tx = runtime()
        .block_on(fixture.vault.pay_wave(&second))
        .unwrap()
        .tx_hash;
    // Leaf 0 of the first wave is claimed already (anyone may send a claim; it pays `me`).
    runtime()
        .block_on(fixture.vault.claim(me, &[(payer, first.membership(0))]))
        .unwrap();

    // The waves lie deeper than the margin a scan reads again: once the lying run below has
    // read past them, only the position it held at the refused wave brings that wave back.
    devnet.rpc(
        "anvil_mine",
        serde_json::json!([format!("{:#x}", 2 * REORG_MARGIN)]),
    );

    // An endpoint that alters the second wave's calldata: that wave is not believed.
    let lying = lying_about(&devnet.network.rpc_url, second_tx);
    let network = &devnet.network_file;
    let shown = rewards_of(
        &key_file,
        &root,
        network,
        &["--show-only", "--rpc-url", lying.url()],
    );
    assert!(shown.contains(": 2 new leaves"), "{shown}");
    let first_block = devnet
        .network
        .vault_block
        .expect("the devnet names its vault's block");
    assert_eq!(
        lying.calls("eth_getLogs")[0]["params"][0]["fromBlock"],
        format!("{first_block:#x}"),
        "the first scan starts at the vault's block"
    );
    assert!(
        shown.contains("1 waves skipped until the next run"),
        "{shown}"
    );
    let unclaimed_first = gwei(7).0 + gwei(13).0;
    assert!(
        shown.contains(&format!("the vault holds {unclaimed_first} wei for {me}")),
        "{shown}"
    );
    drop(lying);

    // An honest endpoint: the skipped wave is read again, and everything unclaimed is paid.
    devnet.set_balance(me, gas_money());
    let chain = Vault::connect(&devnet.network.rpc_url, devnet.network.vault, None).unwrap();
    let before = balance(&chain, me);
    let out = rewards_of(&key_file, &root, network, &[]);
    assert!(out.contains(": 1 new leaves"), "{out}");
    let expected = unclaimed_first + gwei(19).0;
    assert_eq!(withdrawn(&out), expected, "{out}");
    assert_eq!(vault_paid_out(devnet, &out), expected, "{out}");
    let gas = number_after(&out, "(gas ");
    assert_eq!(balance(&chain, me), before + expected - gas, "{out}");
    let status = |tree: &WaveTree| {
        let status = runtime()
            .block_on(chain.wave_status(payer, tree.root()))
            .unwrap();
        (0..tree.leaves().len() as u32)
            .map(|index| status.is_claimed(index))
            .collect::<Vec<_>>()
    };
    assert_eq!(status(&first), [true, false, true, false, true]);
    assert_eq!(status(&second), [false, true]);

    let again = rewards_of(&key_file, &root, network, &[]);
    assert!(!again.contains("withdrew"), "{again}");
    assert!(
        again.contains(&format!("the vault holds {} wei", Amount::ZERO)),
        "{again}"
    );
}

/// A node's key in a fresh directory: the key file, the root, and its address.
fn fresh_node(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf, Address) {
    let key = PrivateKeySigner::random();
    let key_file = dir.join("key");
    std::fs::write(&key_file, hex::encode(key.to_bytes())).unwrap();
    (key_file, dir.join("root"), key.address())
}

#[test]
fn a_claim_batch_that_reverts_is_reported_and_the_other_batch_is_still_paid() {
    let fixture = Fixture::new();
    let devnet = fixture.devnet;
    let dir = tempfile::tempdir().unwrap();
    let (key_file, root, me) = fresh_node(dir.path());
    let other = PrivateKeySigner::random().address();
    // 65 leaves: two claim batches (64 leaves a claim).
    let many = WaveTree::new((0..64).map(|_| leaf(me, gwei(1))).collect()).unwrap();
    // The record lists waves by file name (payer, then root): the lone leaf's wave is made to
    // come first, so the batch that fails is the first and the second must still be sent.
    let one = loop {
        let one = WaveTree::new(vec![leaf(other, gwei(5)), leaf(me, gwei(1000))]).unwrap();
        if one.root().to_string() < many.root().to_string() {
            break one;
        }
    };
    runtime().block_on(fixture.vault.pay_wave(&many)).unwrap();
    runtime().block_on(fixture.vault.pay_wave(&one)).unwrap();
    let network = &devnet.network_file;
    let shown = rewards_of(&key_file, &root, network, &["--show-only"]);
    assert!(shown.contains(": 65 new leaves"), "{shown}");

    // The record's path of the lone leaf is damaged: the vault reverts the claim holding it.
    let payer = fixture.vault.payer().unwrap();
    let file = root.join(format!("earnings/{payer:x}-{}.json", one.root()));
    let mut wave: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    wave["leaves"][0]["path"][0] = B256::ZERO.to_string().into();
    std::fs::write(&file, serde_json::to_vec(&wave).unwrap()).unwrap();

    // The first batch: the lone leaf and 63 of the 64; the second: the last of the 64.
    let (paid, refused) = (gwei(1), gwei(1000 + 63));
    devnet.set_balance(me, gas_money());
    let chain = Vault::connect(&devnet.network.rpc_url, devnet.network.vault, None).unwrap();
    let before = balance(&chain, me);
    let (code, out, err) = rewards_run(&key_file, &root, network, &[]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert_eq!(withdrawn(&out), paid.0, "{out}");
    assert_eq!(vault_paid_out(devnet, &out), paid.0, "{out}");
    assert!(
        out.contains(&format!("claim of 64 leaves ({refused} wei) failed: ")),
        "{out}"
    );
    assert!(out.contains("NotInWave"), "the vault's reason: {out}");
    assert!(err.contains("1 of 2 claim transactions failed"), "{err}");
    let gas = number_after(&out, "(gas ");
    assert_eq!(balance(&chain, me), before + paid.0 - gas, "{out}");
    assert!(file.exists(), "the wave whose claim failed is kept");
}

#[test]
fn the_scan_learns_a_wave_only_once_it_is_as_deep_as_asked() {
    let devnet: &'static crate::support::Devnet =
        Box::leak(Box::new(crate::support::Devnet::start(3)));
    let fixture = Fixture::on(devnet);
    let dir = tempfile::tempdir().unwrap();
    let (key_file, root, me) = fresh_node(dir.path());
    let wave = WaveTree::new(vec![leaf(me, gwei(7))]).unwrap();
    runtime().block_on(fixture.vault.pay_wave(&wave)).unwrap();
    let network = &devnet.network_file;
    let deep = ["--show-only", "--confirmations", "3"];
    let shallow = rewards_of(&key_file, &root, network, &deep);
    assert!(shallow.contains(": 0 new leaves"), "{shallow}");
    crate::support::trust::anvil(devnet, "anvil_mine", serde_json::json!(["0x2"]));
    let settled = rewards_of(&key_file, &root, network, &deep);
    assert!(settled.contains(": 1 new leaves"), "{settled}");
}
