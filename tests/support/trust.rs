//! Support for the node-trust tests: proofs hand-built from quotes signed with real node keys,
//! an extra `ferry-node` process with flags of its own, anvil's mining and snapshot methods.

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use alloy::primitives::Address;
use alloy::providers::{Provider, ProviderBuilder};
use alloy::signers::local::PrivateKeySigner;
use ferry::client::nodes::{NodeClient, Timeouts};
use ferry::wire::network::NodeInfo;
use ferry::wire::signed::{PAYMENT_MULTIPLIER, PaymentProof, QuoteBody, SignedQuote, median_index};
use ferry::wire::types::{Amount, ChunkAddress, NodeId};
use ferry::wire::wave::WaveLeaf;

use super::node_process::listening_url;
use super::{Devnet, runtime};

/// Every devnet node's key, by node id (its position in the vault's registry), plus `extra`,
/// a registered key the test holds itself.
pub fn keys_by_id(
    devnet: &Devnet,
    extra: Option<&PrivateKeySigner>,
) -> HashMap<NodeId, PrivateKeySigner> {
    let registry = devnet.registry();
    (0..devnet.network.bootstrap.len())
        .map(|index| devnet.node_key(index))
        .chain(extra.cloned())
        .filter_map(|key| registry.id_of(&key.address()).map(|id| (id, key)))
        .collect()
}

/// The keys of the `k` nodes of `view` closest to `chunk`, closest first.
pub fn close_group_keys(
    keys: &HashMap<NodeId, PrivateKeySigner>,
    view: &[NodeInfo],
    chunk: ChunkAddress,
    k: usize,
) -> Vec<PrivateKeySigner> {
    ferry::wire::network::Diversity::default()
        .close_group(&chunk, view, k)
        .iter()
        .map(|node| {
            keys.get(&node.id)
                .expect("every node's key is known")
                .clone()
        })
        .collect()
}

/// One quote per signer for `chunk` of `size` bytes, bound to `payer`, issued at `issued_at`;
/// the i-th signer asks (i + 1) gwei.
pub fn signed_quotes(
    signers: &[PrivateKeySigner],
    chunk: ChunkAddress,
    size: usize,
    payer: Address,
    issued_at: u64,
) -> Vec<SignedQuote> {
    signers
        .iter()
        .enumerate()
        .map(|(index, signer)| {
            let body = QuoteBody {
                chunk,
                size: size as u32,
                price: Amount::wei(1_000_000_000 * (index as u128 + 1)),
                rewards: signer.address(),
                issued_at,
                payer,
            };
            SignedQuote::sign(body, signer)
        })
        .collect()
}

/// A proof paying the median of `quotes`, and the payment that pays it.
pub fn median_proof(quotes: Vec<SignedQuote>) -> (WaveLeaf, PaymentProof) {
    let paid = median_index(&quotes).expect("at least one quote");
    proof_paying(quotes, paid)
}

/// A proof paying `quotes[paid]` three times its price, and that payment (the proof is
/// placed in its wave once paid).
pub fn proof_paying(quotes: Vec<SignedQuote>, paid: usize) -> (WaveLeaf, PaymentProof) {
    let body = &quotes[paid].body;
    let payment = WaveLeaf {
        chunk: body.chunk,
        rewards: body.rewards,
        amount: body.price.checked_mul(PAYMENT_MULTIPLIER).unwrap(),
    };
    let proof = PaymentProof {
        quotes,
        paid: paid as u32,
        tx_hash: Default::default(),
        wave: Default::default(),
    };
    (payment, proof)
}

/// Calls an anvil JSON-RPC method on `devnet`'s chain.
pub fn anvil(
    devnet: &Devnet,
    method: &'static str,
    params: serde_json::Value,
) -> serde_json::Value {
    let url = devnet.network.rpc_url.parse().unwrap();
    runtime().block_on(async {
        let provider = ProviderBuilder::new().connect_http(url);
        provider
            .raw_request::<_, serde_json::Value>(method.into(), params)
            .await
            .unwrap_or_else(|error| panic!("{method}: {error}"))
    })
}

/// A `ferry-node` the test starts itself on a devnet's network file, with its own flags. The
/// devnet's nodes and clients never learn of it (it is not in the bootstrap list and does not
/// announce itself); it learns of them. Killed when dropped.
pub struct ExtraNode {
    child: Child,
    /// Its base URL.
    pub url: String,
    /// Its key.
    pub key: PrivateKeySigner,
    dir: tempfile::TempDir,
}

impl ExtraNode {
    /// Starts a registered node with `flags`, on a loopback /24 of its own, and waits until
    /// it knows every devnet node.
    pub fn start(devnet: &Devnet, flags: &[&str]) -> ExtraNode {
        let dir = tempfile::tempdir().unwrap();
        let key = PrivateKeySigner::random();
        let key_file = dir.path().join("key");
        std::fs::write(&key_file, hex::encode(key.to_bytes())).unwrap();
        devnet.register(&key);
        let listen = format!("{}:0", super::fresh_loopback());
        let mut child = Command::new(env!("CARGO_BIN_EXE_ferry-node"))
            .args(["--listen", &listen, "--no-announce", "--root"])
            .arg(dir.path().join("store"))
            .arg("--network")
            .arg(&devnet.network_file)
            .arg("--key-file")
            .arg(&key_file)
            .args(flags)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(dir.path().join("node.log")).unwrap())
            .spawn()
            .expect("ferry-node starts");
        let url = listening_url(&mut child, &dir.path().join("node.log"));
        let node = ExtraNode {
            child,
            url,
            key,
            dir,
        };
        let wanted = devnet.network.bootstrap.len() + 1;
        let deadline = Instant::now() + Duration::from_secs(30);
        while node.view().len() < wanted {
            assert!(
                Instant::now() < deadline,
                "the extra node never learned its peers; its log:\n{}",
                node.log()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        node
    }

    /// Its root directory (chunk store and earnings record).
    pub fn root(&self) -> std::path::PathBuf {
        self.dir.path().join("store")
    }

    /// Its key file.
    pub fn key_file(&self) -> std::path::PathBuf {
        self.dir.path().join("key")
    }

    /// What it logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("node.log")).unwrap_or_default()
    }

    /// The nodes it knows, itself included.
    pub fn view(&self) -> Vec<NodeInfo> {
        let client = NodeClient::new(Timeouts::default());
        runtime().block_on(client.peers(&self.url)).unwrap()
    }

    /// Its own entry.
    pub fn info(&self) -> NodeInfo {
        let client = NodeClient::new(Timeouts::default());
        runtime().block_on(client.info(&self.url)).unwrap()
    }

    /// Its `GET /stats` counter `name`.
    pub fn stat(&self, name: &str) -> u64 {
        let url = format!("{}/stats", self.url);
        let stats: serde_json::Value = runtime()
            .block_on(async { reqwest::get(url).await?.json().await })
            .unwrap();
        stats[name]
            .as_u64()
            .unwrap_or_else(|| panic!("no {name} in {stats}"))
    }
}

impl Drop for ExtraNode {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
