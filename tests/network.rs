//! Nodes on many hosts: the URL a node advertises, nodes joining and leaving a running
//! network (signed announcements, aging), and `ferry network init`.

use std::time::Duration;

use ferry::client::nodes::{NodeClient, Timeouts};

use crate::support::node_process::{NodeProcess, free_port};
use crate::support::{Devnet, runtime};

/// A copy of the shared devnet's network file with no bootstrap nodes, so a node started on
/// it joins nothing.
fn lonely_network(devnet: &Devnet, dir: &std::path::Path) -> std::path::PathBuf {
    let network = ferry::wire::network::NetworkConfig {
        bootstrap: vec![],
        ..devnet.network.clone()
    };
    let path = dir.join("network.json");
    std::fs::write(&path, network.to_json()).unwrap();
    path
}

#[test]
fn a_node_listening_on_an_unspecified_address_needs_a_public_url() {
    let devnet = Devnet::shared();
    let dir = tempfile::tempdir().unwrap();
    let network = lonely_network(devnet, dir.path());
    let output = assert_cmd::Command::new(env!("CARGO_BIN_EXE_ferry-node"))
        .args(["--listen", "0.0.0.0:0", "--root"])
        .arg(dir.path().join("store"))
        .arg("--network")
        .arg(&network)
        .arg("--key-file")
        .arg(dir.path().join("key"))
        .env_remove("FERRY_PUBLIC_URL")
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty(), "it never listened");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--listen 0.0.0.0:0 is not an address peers and clients can reach"),
        "{stderr}"
    );
    assert!(stderr.contains("--public-url"), "{stderr}");

    let output = assert_cmd::Command::new(env!("CARGO_BIN_EXE_ferry-node"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--public-url",
            "http://host:1/path",
        ])
        .arg("--root")
        .arg(dir.path().join("store"))
        .arg("--network")
        .arg(&network)
        .arg("--key-file")
        .arg(dir.path().join("key"))
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
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
