//! Node operators get their money: a node keeps the leaves paying it from the proofs it
//! admits, and `ferry-node rewards` shows what the vault holds for it and withdraws it.

use std::path::Path;

use alloy::primitives::{B256, U256};
use alloy::providers::{Provider, ProviderBuilder};
use ferry::vault::Vault;
use ferry::wire::http::{PutOutcome, encode_put};
use ferry::wire::network::CLOSE_GROUP_SIZE;
use ferry::wire::signed::unix_now;
use ferry::wire::types::Amount;

use crate::node::Fixture;
use crate::support::trust::{ExtraNode, close_group_keys, keys_by_id, proof_paying, signed_quotes};
use crate::support::{Devnet, runtime};

fn rewards(node: &ExtraNode, fixture: &Fixture, extra: &[&str]) -> String {
    rewards_of(
        &node.key_file(),
        &node.root(),
        &fixture.devnet.network_file,
        extra,
    )
}

/// Runs `ferry-node rewards` for the node of `key_file` and `root`; fails unless it exits 0.
pub(crate) fn rewards_of(key_file: &Path, root: &Path, network: &Path, extra: &[&str]) -> String {
    let (code, stdout, stderr) = rewards_run(key_file, root, network, extra);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    stdout
}

/// Runs `ferry-node rewards` for the node of `key_file` and `root`: its exit code, stdout and
/// stderr.
pub(crate) fn rewards_run(
    key_file: &Path,
    root: &Path,
    network: &Path,
    extra: &[&str],
) -> (Option<i32>, String, String) {
    let output = assert_cmd::Command::new(env!("CARGO_BIN_EXE_ferry-node"))
        .arg("rewards")
        .arg("--key-file")
        .arg(key_file)
        .arg("--root")
        .arg(root)
        .arg("--network")
        .arg(network)
        .args(extra)
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The sum of the numbers after each `withdrew ` in `text`.
pub(crate) fn withdrawn(text: &str) -> U256 {
    text.split("withdrew ")
        .skip(1)
        .map(|rest| {
            rest.split_whitespace()
                .next()
                .unwrap()
                .parse::<U256>()
                .unwrap()
        })
        .sum()
}

/// What the vault's balance fell by in the blocks of the claims `text` names (`withdrew … in
/// TX`): exact while other tests pay into the same vault, since anvil mines each transaction
/// in a block of its own.
pub(crate) fn vault_paid_out(devnet: &Devnet, text: &str) -> U256 {
    let provider = ProviderBuilder::new().connect_http(devnet.network.rpc_url.parse().unwrap());
    let vault = devnet.network.vault;
    text.split("withdrew ")
        .skip(1)
        .map(|rest| {
            let tx: B256 = rest
                .split(" in ")
                .nth(1)
                .unwrap()
                .split_whitespace()
                .next()
                .unwrap()
                .parse()
                .unwrap();
            runtime().block_on(async {
                let receipt = provider.get_transaction_receipt(tx).await.unwrap().unwrap();
                let block = receipt.block_number.unwrap();
                let at = |block: u64| provider.get_balance(vault).number(block);
                at(block - 1).await.unwrap() - at(block).await.unwrap()
            })
        })
        .sum()
}

/// The number after `before` in `text`.
pub(crate) fn number_after(text: &str, before: &str) -> U256 {
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
    assert_eq!(
        vault_paid_out(fixture.devnet, &withdrawn),
        leaf.amount.0,
        "the vault paid out"
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

#[test]
fn rewards_without_the_key_file_exits_2_naming_it_and_creates_no_key() {
    let fixture = Fixture::new();
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("missing.key");
    let (code, out, err) = rewards_run(
        &key_file,
        &dir.path().join("root"),
        &fixture.devnet.network_file,
        &["--show-only"],
    );
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(
        err.contains(&format!("cannot use the key file {}", key_file.display())),
        "{err}"
    );
    assert!(!key_file.exists(), "rewards never makes a key of its own");
}
