//! `ferry wallet` and `ferry vault deploy` through the real binary against a real chain.

use predicates::prelude::*;

use crate::support::Devnet;

#[test]
fn wallet_prints_the_address_and_balance_of_the_key_never_the_key() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let dir = tempfile::tempdir().unwrap();
    let key_hex = hex::encode(account.to_bytes());
    devnet
        .ferry(dir.path(), &account)
        .args(["wallet", "address"])
        .assert()
        .code(0)
        .stdout(
            predicate::str::contains(account.address().to_string())
                .and(predicate::str::contains(&key_hex).not()),
        );
    devnet
        .ferry(dir.path(), &account)
        .args(["wallet", "balance", "--network"])
        .arg(&devnet.network_file)
        .assert()
        .code(0)
        .stdout("1000 ETH\n");
}

#[test]
fn vault_deploy_puts_a_working_vault_on_the_chain() {
    let devnet = Devnet::shared();
    let account = devnet.funded_account();
    let dir = tempfile::tempdir().unwrap();
    let output = devnet
        .ferry(dir.path(), &account)
        .args(["vault", "deploy", "--rpc-url", &devnet.network.rpc_url])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let address: alloy::primitives::Address = String::from_utf8(output.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_ne!(address, devnet.network.vault);
    let vault = ferry::vault::Vault::connect(&devnet.network.rpc_url, address, None).unwrap();
    let unpaid = crate::support::runtime()
        .block_on(vault.wave_status(
            alloy::primitives::Address::repeat_byte(1),
            ferry::wire::types::WaveRoot([9; 32]),
        ))
        .unwrap();
    assert!(unpaid.is_unpaid(), "a fresh vault answers for its waves");

    // It names the block it deployed in (where nodes start reading its logs), the one that
    // holds the vault's code first.
    let block = String::from_utf8_lossy(&output.stderr)
        .split("deployed in block ")
        .nth(1)
        .and_then(|rest| rest.split(':').next())
        .and_then(|n| n.parse::<u64>().ok())
        .expect("the deploy block on stderr");
    let code_at = |block: u64| {
        devnet.rpc(
            "eth_getCode",
            serde_json::json!([address, format!("0x{block:x}")]),
        )
    };
    assert_ne!(
        code_at(block),
        "0x",
        "the vault's code is there at its block"
    );
    assert_eq!(code_at(block - 1), "0x", "and not a block before");
}
