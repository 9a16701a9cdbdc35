//! Node operators get their money: a node keeps the leaves paying it from the proofs it
//! admits, and `ferry-node rewards` shows what the vault holds for it and withdraws it.

use alloy::primitives::U256;
use ferry::vault::Vault;
use ferry::wire::http::{PutOutcome, encode_put};
use ferry::wire::network::CLOSE_GROUP_SIZE;
use ferry::wire::signed::unix_now;
use ferry::wire::types::Amount;

use crate::node::Fixture;
use crate::support::runtime;
use crate::support::trust::{ExtraNode, close_group_keys, keys_by_id, proof_paying, signed_quotes};

fn rewards(node: &ExtraNode, fixture: &Fixture, extra: &[&str]) -> String {
    let output = assert_cmd::Command::new(env!("CARGO_BIN_EXE_ferry-node"))
        .arg("rewards")
        .arg("--key-file")
        .arg(node.key_file())
        .arg("--root")
        .arg(node.root())
        .arg("--network")
        .arg(&fixture.devnet.network_file)
        .args(extra)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The number after `before` in `text`.
fn number_after(text: &str, before: &str) -> U256 {
    let rest = &text[text
        .find(before)
        .unwrap_or_else(|| panic!("{before:?} in {text}"))
        + before.len()..];
    rest.split_whitespace().next().unwrap().parse().unwrap()
}

#[test]
fn a_node_withdraws_what_its_admitted_leaves_hold_and_the_balances_move_on_chain() {
    let fixture = Fixture::new();
    let node = ExtraNode::start(fixture.devnet, &[]);
    let keys = keys_by_id(fixture.devnet, Some(&node.key));
    let view = node.view();
    let payer = fixture.vault.payer().unwrap();
    // A chunk whose close group (in the node's view) holds the node, quoted so that the node's
    // quote is the median.
    let (address, bytes, quotes) = loop {
        let (address, bytes) = fixture.chunk();
        let mut signers = close_group_keys(&keys, &view, address, CLOSE_GROUP_SIZE);
        if let Some(at) = signers
            .iter()
            .position(|k| k.address() == node.key.address())
        {
            let median = signers.len() / 2;
            signers.swap(at, median);
            let quotes = signed_quotes(&signers, address, bytes.len(), payer, unix_now());
            break (address, bytes, quotes);
        }
    };
    let median = quotes.len() / 2;
    assert_eq!(quotes[median].body.rewards, node.key.address());
    let (leaf, mut proof) = proof_paying(quotes, median);
    fixture.pay(&[leaf], &mut proof);
    let put = ferry::client::nodes::NodeClient::new(Default::default());
    let answer = runtime()
        .block_on(put.put(
            &node.info(),
            address,
            encode_put(&proof, &bytes).into(),
            ferry::client::nodes::PutMode::StoreOnly,
        ))
        .unwrap();
    assert_eq!(answer.outcome, PutOutcome::Stored);

    let shown = rewards(&node, &fixture, &["--show-only"]);
    assert!(
        shown.contains(&format!(
            "the vault holds {} wei for {}",
            leaf.amount,
            node.key.address()
        )),
        "{shown}"
    );
    assert!(!shown.contains("withdrew"), "{shown}");

    // The node's key pays the claim's gas.
    fixture
        .devnet
        .set_balance(node.key.address(), U256::from(10u64).pow(U256::from(17u64)));
    let chain = Vault::connect(
        &fixture.devnet.network.rpc_url,
        fixture.devnet.network.vault,
        None,
    )
    .unwrap();
    let balance = |who| runtime().block_on(chain.balance_of(who)).unwrap().0;
    let node_before = balance(node.key.address());
    let withdrawn = rewards(&node, &fixture, &[]);
    assert_eq!(
        number_after(&withdrawn, "withdrew "),
        leaf.amount.0,
        "{withdrawn}"
    );
    let gas = number_after(&withdrawn, "(gas ");
    // Other tests pay into the shared devnet's vault meanwhile, so compare the vault's balance
    // just before and just after the claim's own block (anvil mines one transaction a block).
    let tx = withdrawn
        .lines()
        .find(|line| line.starts_with("withdrew "))
        .and_then(|line| line.split(" in ").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the claim's transaction hash");
    let receipt = fixture
        .devnet
        .rpc("eth_getTransactionReceipt", serde_json::json!([tx]));
    let block = u64::from_str_radix(
        receipt["blockNumber"]
            .as_str()
            .unwrap()
            .trim_start_matches("0x"),
        16,
    )
    .unwrap();
    let vault_at = |block: u64| {
        let answer = fixture.devnet.rpc(
            "eth_getBalance",
            serde_json::json!([chain.address(), format!("0x{block:x}")]),
        );
        U256::from_str_radix(answer.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
    };
    assert_eq!(
        vault_at(block),
        vault_at(block - 1) - leaf.amount.0,
        "the vault paid out in the claim's block"
    );
    assert_eq!(
        balance(node.key.address()),
        node_before + leaf.amount.0 - gas,
        "the node received it, less the claim's gas"
    );

    let again = rewards(&node, &fixture, &[]);
    assert!(
        again.contains(&format!("the vault holds {} wei", Amount::ZERO)),
        "nothing is left to claim: {again}"
    );
    assert!(!again.contains("withdrew"), "{again}");
}
