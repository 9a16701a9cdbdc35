//! Nodes on many hosts: the URL a node advertises, nodes joining and leaving a running
//! network (signed announcements, aging), and `ferry network init`.

use std::time::{Duration, Instant};

use alloy::signers::local::PrivateKeySigner;
use ferry::client::nodes::{NodeClient, Timeouts};
use ferry::node::peers::{PEER_EXPIRY, REFRESH_INTERVAL};
use ferry::wire::announce::Announcement;
use ferry::wire::network::NodeInfo;
use ferry::wire::signed::unix_now;
use ferry::wire::types::NodeId;

use crate::support::node_process::{NodeProcess, free_port, start_refused};
use crate::support::trust::ExtraNode;
use crate::support::{
    Devnet, assert_paid_once_and_downloads, planned_chunks, random_file, runtime,
};

/// A copy of the shared devnet's network file with no bootstrap nodes, so a node started on
/// it joins nothing.
fn lonely_network(devnet: &Devnet, dir: &std::path::Path) -> std::path::PathBuf {
    devnet.network_file_with(dir, |network| network.bootstrap.clear())
}

#[test]
fn a_node_listening_on_an_unspecified_address_needs_a_public_url() {
    let devnet = Devnet::shared();
    let dir = tempfile::tempdir().unwrap();
    let network = lonely_network(devnet, dir.path());
    let output = start_refused(dir.path(), &network, &["--listen", "0.0.0.0:0"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty(), "it never listened");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--listen 0.0.0.0:0 is not an address peers and clients can reach"),
        "{stderr}"
    );
    assert!(stderr.contains("--public-url"), "{stderr}");

    let listen = [
        "--listen",
        "127.0.0.1:0",
        "--public-url",
        "http://host:1/path",
    ];
    let output = start_refused(dir.path(), &network, &listen);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bad --public-url"), "{stderr}");
    assert!(stderr.contains("no path"), "{stderr}");
}

#[test]
fn a_node_advertises_its_public_url() {
    let devnet = Devnet::shared();
    let dir = tempfile::tempdir().unwrap();
    let network = lonely_network(devnet, dir.path());
    let port = free_port();
    let public = format!("http://127.0.0.1:{port}");
    let listen = format!("0.0.0.0:{port}");
    let node = NodeProcess::start(
        &network,
        &["--listen", &listen, "--public-url", &format!("{public}/")],
    );
    assert_eq!(node.url, public);
    let client = NodeClient::new(Timeouts::default());
    let info = runtime().block_on(client.info(&public)).unwrap();
    assert_eq!(info.url, public);
}

/// The peers node `url` lists.
fn peers_of(url: &str) -> Vec<NodeInfo> {
    let client = NodeClient::new(Timeouts::default());
    runtime().block_on(client.peers(url)).unwrap_or_default()
}

/// Polls `condition` every half second until it holds or `limit` passes; returns whether it
/// held.
fn eventually(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let started = Instant::now();
    while started.elapsed() < limit {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    condition()
}

fn every_node_lists(devnet: &Devnet, id: NodeId) -> bool {
    devnet
        .network
        .bootstrap
        .iter()
        .all(|url| peers_of(url).iter().any(|peer| peer.id == id))
}

fn no_node_lists(devnet: &Devnet, id: NodeId) -> bool {
    devnet
        .network
        .bootstrap
        .iter()
        .all(|url| peers_of(url).iter().all(|peer| peer.id != id))
}

/// Starts a node on `devnet`'s network file (it announces itself to the bootstrap nodes)
/// and waits until every devnet node lists it.
fn join(devnet: &Devnet) -> (NodeProcess, NodeInfo) {
    // On a loopback /24 of its own: clients on 127.0.0.1 are not taken for it (nodes pace
    // chunk GETs from their peers' addresses).
    let listen = format!("{}:0", crate::support::fresh_loopback());
    let node = NodeProcess::start(&devnet.network_file, &["--listen", &listen]);
    let client = NodeClient::new(Timeouts::default());
    let info = runtime().block_on(client.info(&node.url)).unwrap();
    assert!(
        eventually(Duration::from_secs(30), || every_node_lists(
            devnet, info.id
        )),
        "the devnet's nodes did not learn the joining node {}",
        node.url
    );
    (node, info)
}

#[test]
fn a_node_joining_a_running_devnet_is_learned_and_gets_quotes_and_chunks_without_restarts() {
    let devnet = Devnet::start(3);
    let (joined, info) = join(&devnet);
    let key = devnet.funded_account();
    let (dir, file, bytes) = random_file("joined.bin", 5 << 20);
    let (code, events) = devnet.upload_json(dir.path(), &key, &file, &[]);
    assert_eq!(code, Some(0), "{events:?}");
    let client = NodeClient::new(Timeouts::default());
    let stats: serde_json::Value = runtime().block_on(async {
        reqwest::get(format!("{}/stats", joined.url))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    assert!(stats["quotes"].as_u64().unwrap() > 0, "{stats}");
    // Four nodes, four replicas: the one that joined holds every chunk.
    for chunk in planned_chunks(&file) {
        let held = runtime().block_on(client.get(&info, chunk)).unwrap();
        assert!(held.is_some(), "the joined node does not hold {chunk}");
    }
    let reference = events.last().unwrap()["reference"].as_str().unwrap();
    assert_paid_once_and_downloads(&devnet, dir.path(), &key, &file, reference, &bytes);
}

#[test]
fn a_stopped_node_ages_out_of_the_peer_lists() {
    let devnet = Devnet::start(3);
    let (mut joined, info) = join(&devnet);
    joined.stop();
    assert!(
        eventually(PEER_EXPIRY + Duration::from_secs(30), || no_node_lists(
            &devnet, info.id
        )),
        "the stopped node is still listed"
    );
}

#[test]
fn a_node_that_does_not_announce_itself_is_never_listed_by_the_network() {
    let devnet = Devnet::shared();
    let quiet = ExtraNode::start(devnet, &[]);
    // It knows every devnet node now. A node in SWIM would offer to join at its next refresh
    // and be listed a moment later.
    std::thread::sleep(REFRESH_INTERVAL + Duration::from_secs(4));
    for url in &devnet.network.bootstrap {
        let listed: Vec<String> = peers_of(url).into_iter().map(|peer| peer.url).collect();
        assert!(
            !listed.contains(&quiet.url),
            "{url} lists the node started with --no-announce: {listed:?}"
        );
    }
}

/// POSTs `body` to node `url`'s `/announce`; returns the status and the error text.
fn announce(url: &str, body: &serde_json::Value) -> (u16, String) {
    runtime().block_on(async {
        let answer = reqwest::Client::new()
            .post(format!("{url}/announce"))
            .json(body)
            .send()
            .await
            .unwrap();
        let status = answer.status().as_u16();
        let body: serde_json::Value = answer.json().await.unwrap_or_default();
        (
            status,
            body["error"].as_str().unwrap_or_default().to_owned(),
        )
    })
}

#[test]
fn forged_stale_and_unreachable_announcements_are_refused_with_their_reason() {
    let devnet = Devnet::shared();
    let target = &devnet.network.bootstrap[0];
    let signer = PrivateKeySigner::random();
    let id = devnet.register(&signer);
    let url = format!("http://127.0.0.1:{}", free_port());
    let good = Announcement::sign(&url, id, &signer, unix_now());
    let json = |announcement: &Announcement| serde_json::to_value(announcement).unwrap();

    let mut wrong_signature = good.clone();
    wrong_signature.signature =
        Announcement::sign(&url, id, &PrivateKeySigner::random(), unix_now()).signature;
    let mut unsigned = json(&good);
    unsigned.as_object_mut().unwrap().remove("signature");
    let mut stolen_id = good.clone();
    stolen_id.id = devnet
        .registry()
        .id_of(&devnet.node_key(1).address())
        .unwrap();
    // A free key with the position it would like: no stake in the vault, no announcement.
    let unstaked_key = PrivateKeySigner::random();
    let unstaked = Announcement::sign(&url, id, &unstaked_key, unix_now());
    let odd_url = Announcement::sign(&format!("{url}/admin"), id, &signer, unix_now());
    let stale = Announcement::sign(&url, id, &signer, unix_now() - 3600);
    let cases = [
        (
            json(&wrong_signature),
            403,
            "is not signed by its rewards address",
        ),
        (unsigned, 422, "missing field `signature`"),
        (json(&stolen_id), 403, "is not the registered position of"),
        (json(&unstaked), 403, "is not the registered position of"),
        (json(&odd_url), 422, "is not a node URL"),
        (json(&stale), 422, "is expired"),
        (json(&good), 422, "did not answer /info"),
    ];
    for (body, status, says) in cases {
        let (got, error) = announce(target, &body);
        assert_eq!(got, status, "{body}: {error}");
        assert!(
            error.contains(says),
            "{body}: {error:?} does not say {says:?}"
        );
    }
    assert!(
        peers_of(target)
            .iter()
            .all(|peer| peer.rewards != signer.address() && peer.url != url),
        "a refused announcement joined the view"
    );
}

/// `ferry network init ARGS…` with its own data dir and no config file.
fn network_init(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    assert_cmd::Command::new(env!("CARGO_BIN_EXE_ferry"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap())
        .env("FERRY_DATA_DIR", dir)
        .env("XDG_CONFIG_HOME", dir)
        .args(["network", "init"])
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap()
}

#[test]
fn network_init_writes_a_network_file_uploads_work_with() {
    let devnet = Devnet::shared();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("network.json");
    let vault = devnet.network.vault.to_string();
    let [first, rest @ ..] = devnet.network.bootstrap.as_slice() else {
        panic!("no nodes")
    };
    let rest = rest.join(",");
    let output = network_init(
        dir.path(),
        &[
            "--rpc-url",
            &devnet.network.rpc_url,
            "--vault",
            &vault,
            "--bootstrap",
            &format!("{first}/"),
            "--bootstrap",
            &rest,
            "--vault-block",
            "1",
            "--native-unit",
            "POL",
            "-o",
            path.to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let written = ferry::wire::network::NetworkConfig::load(&path).unwrap();
    assert_eq!(written.vault_block, Some(1));
    assert_eq!(written.native_unit.as_deref(), Some("POL"));
    assert_eq!(written.chain_id, 31337);
    assert_eq!(written.vault, devnet.network.vault);
    assert_eq!(written.rpc_url, devnet.network.rpc_url);
    assert_eq!(written.bootstrap, devnet.network.bootstrap);
    assert_eq!(written.funded_key, None);

    let key = devnet.funded_account();
    let (_files, file, bytes) = random_file("via-init.bin", 300_000);
    let (code, events) = devnet.upload_json(
        dir.path(),
        &key,
        &file,
        &["--network", path.to_str().unwrap()],
    );
    assert_eq!(code, Some(0), "{events:?}");
    let reference = events.last().unwrap()["reference"].as_str().unwrap();
    assert_paid_once_and_downloads(devnet, dir.path(), &key, &file, reference, &bytes);
}

#[test]
fn network_init_refuses_a_vault_without_code_an_odd_bootstrap_url_and_a_dead_rpc() {
    let devnet = Devnet::shared();
    let dir = tempfile::tempdir().unwrap();
    let rpc = devnet.network.rpc_url.as_str();
    let vault = devnet.network.vault.to_string();
    let empty = alloy::primitives::Address::repeat_byte(0x42).to_string();
    let node = devnet.network.bootstrap[0].as_str();
    let dead = format!("http://127.0.0.1:{}", free_port());
    let cases: [(&[&str], i32, &str); 4] = [
        (
            &[
                "--rpc-url",
                rpc,
                "--vault",
                &vault,
                "--bootstrap",
                node,
                "--native-unit",
                "E T H",
            ],
            2,
            "is not a coin symbol",
        ),
        (
            &["--rpc-url", rpc, "--vault", &empty, "--bootstrap", node],
            2,
            "no ferry vault at",
        ),
        (
            &[
                "--rpc-url",
                rpc,
                "--vault",
                &vault,
                "--bootstrap",
                "ftp://host:1",
            ],
            2,
            "is not a node URL",
        ),
        (
            &["--rpc-url", &dead, "--vault", &vault, "--bootstrap", node],
            3,
            &dead,
        ),
    ];
    for (args, code, says) in cases {
        let output = network_init(dir.path(), args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(code), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}");
    }
}
