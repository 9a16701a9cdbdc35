//! `ferry devnet up --isolated`: anvil and each node in a network namespace of its own, the
//! client on the host; uploads cross namespaces, and `down` removes every namespace, link and
//! qdisc the devnet made, also after `up` was killed midway; a node joining from a namespace of
//! its own is used, forged announcements are refused. (CI runs these as root.)

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use alloy::signers::local::PrivateKeySigner;
use ferry::client::nodes::{NodeClient, Timeouts};
use ferry::wire::announce::Announcement;
use ferry::wire::network::NodeInfo;
use ferry::wire::signed::unix_now;
use ferry::wire::types::NodeId;
use predicates::prelude::*;

use crate::support::node_process::NodeProcess;
use crate::support::{
    Devnet, assert_paid_once_and_downloads, path_with_anvil, planned_chunks, random_file, runs,
    runtime, signal,
};

/// What `ip` or `tc` prints, as text.
fn shown(program: &str, args: &[&str]) -> String {
    let output = Command::new(program).args(args).output().unwrap();
    assert!(output.status.success(), "{program} {args:?} failed");
    String::from_utf8(output.stdout).unwrap()
}

/// Every namespace, link and qdisc line of this machine that names something `prefix…`.
fn leftovers(prefix: &str) -> Vec<String> {
    let namespaces = shown("ip", &["netns", "list"]);
    let links = shown("ip", &["-o", "link", "show"]);
    let qdiscs = shown("tc", &["qdisc", "show"]);
    namespaces
        .lines()
        .chain(links.lines())
        .chain(qdiscs.lines())
        .filter(|line| line.contains(prefix))
        .map(str::to_owned)
        .collect()
}

fn ferry(data_dir: &Path) -> assert_cmd::Command {
    let mut command = assert_cmd::Command::cargo_bin("ferry").unwrap();
    command
        .env_clear()
        .env("PATH", path_with_anvil())
        .env("FERRY_DATA_DIR", data_dir);
    command
}

fn net_namespace(pid: u32) -> std::path::PathBuf {
    std::fs::read_link(format!("/proc/{pid}/ns/net")).unwrap()
}

fn wait_gone(pid: u32) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Path::new(&format!("/proc/{pid}")).exists() {
        assert!(Instant::now() < deadline, "pid {pid} still runs");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn an_upload_crosses_namespaces_and_down_removes_every_namespace_link_and_qdisc() {
    let devnet = Devnet::start_isolated(5, &["--uplink-mbit", "1000"]);
    let state = devnet.state();
    let isolated = &state["isolated"];
    let prefix = isolated["prefix"].as_str().unwrap().to_owned();
    let subnet = isolated["subnet"].as_str().unwrap();
    let subnet_prefix = &subnet[..subnet.rfind('.').unwrap() + 1];
    // The network file names the namespaces' addresses, and each process runs in its own one.
    let urls = std::iter::once(&devnet.network.rpc_url).chain(&devnet.network.bootstrap);
    for url in urls {
        assert!(url.starts_with(&format!("http://{subnet_prefix}")), "{url}");
    }
    let ours = net_namespace(std::process::id());
    let pids: Vec<u32> = state["processes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["pid"].as_u64().unwrap() as u32)
        .collect();
    let mut namespaces: Vec<_> = pids.iter().map(|&pid| net_namespace(pid)).collect();
    assert!(
        !namespaces.contains(&ours),
        "a devnet process runs in the host's namespace"
    );
    namespaces.dedup();
    assert_eq!(
        namespaces.len(),
        6,
        "anvil and 5 nodes, each in a namespace of its own"
    );
    let bridge = isolated["bridge"].as_str().unwrap();
    assert!(shown("tc", &["qdisc", "show", "dev", bridge]).contains("tbf"));

    let status = status_json(devnet.data_dir.path());
    assert_eq!(status["healthy"], true, "{status}");
    assert_eq!(status["isolated"]["bridge"], bridge, "{status}");

    let key = devnet.funded_account();
    let (dir, file, bytes) = random_file("across.bin", 3 * 1024 * 1024 + 17);
    let (code, events) = devnet.upload_json(dir.path(), &key, &file, &[]);
    assert_eq!(code, Some(0), "{events:?}");
    let reference = runs::event(&events, "done")["reference"].as_str().unwrap();
    assert_paid_once_and_downloads(&devnet, dir.path(), &key, &file, reference, &bytes);

    ferry(devnet.data_dir.path())
        .args(["devnet", "down"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("devnet stopped"));
    pids.into_iter().for_each(wait_gone);
    assert_eq!(leftovers(&prefix), Vec::<String>::new());
}

/// Starts `ferry devnet up --isolated EXTRA…` with data dir `data_dir`, stdout dropped and
/// stderr to `stderr`.
fn spawn_isolated_up(data_dir: &Path, extra: &[&str], stderr: Stdio) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_ferry"))
        .args(["devnet", "up", "--isolated"])
        .args(extra)
        .env("PATH", path_with_anvil())
        .env("FERRY_DATA_DIR", data_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .unwrap()
}

/// The devnet state file under `data_dir`.
fn state_file(data_dir: &Path) -> std::path::PathBuf {
    data_dir.join("devnet/state.json")
}

/// Polls the devnet state file under `data_dir` every 2 ms (for at most 60 s) until it parses
/// and `ready` holds, and returns it; `what` names what `up` never recorded otherwise.
fn state_once(
    data_dir: &Path,
    what: &str,
    ready: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let path = state_file(data_dir);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(Instant::now() < deadline, "up never recorded {what}");
        let state: Option<serde_json::Value> = std::fs::read_to_string(&path)
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok());
        if let Some(state) = state.filter(&ready) {
            return state;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn down_after_up_is_killed_mid_start_removes_everything_it_made() {
    let data_dir = tempfile::tempdir().unwrap();
    let mut up = spawn_isolated_up(
        data_dir.path(),
        &["--nodes", "6", "--uplink-mbit", "100"],
        Stdio::null(),
    );
    // Killed as soon as the state file records a started node: namespaces and links made,
    // some processes running, the rest not yet.
    let state = state_once(data_dir.path(), "a node", |s| {
        s["processes"].as_array().unwrap().len() >= 2
    });
    signal(up.id(), "KILL");
    up.wait().unwrap();
    let prefix = state["isolated"]["prefix"].as_str().unwrap();
    assert!(
        !leftovers(prefix).is_empty(),
        "up made nothing before it was killed"
    );

    ferry(data_dir.path())
        .args(["devnet", "down"])
        .assert()
        .code(0);
    let recorded = std::fs::read_to_string(state_file(data_dir.path()));
    assert!(recorded.is_err(), "down left the state file: {recorded:?}");
    for process in state["processes"].as_array().unwrap() {
        wait_gone(process["pid"].as_u64().unwrap() as u32);
    }
    assert_eq!(leftovers(prefix), Vec::<String>::new());
}

/// Runs `ip args`, failing the test if it fails.
fn ip(args: &[&str]) {
    shown("ip", args);
}

#[test]
fn down_removes_the_recorded_resources_that_exist_and_nothing_else() {
    // A state file as an `up` killed midway leaves it: a bridge and a namespace made, a link
    // recorded but never made. A similarly named link that no state file records must survive.
    let data_dir = tempfile::tempdir().unwrap();
    let prefix = format!("fy{:06x}", rand::random::<u32>() & 0xff_ffff);
    let (bridge, namespace, stranger) = (
        format!("{prefix}br"),
        format!("{prefix}n0"),
        format!("{prefix}x"),
    );
    ip(&["link", "add", &bridge, "type", "bridge"]);
    ip(&["netns", "add", &namespace]);
    ip(&["link", "add", &stranger, "type", "bridge"]);
    let state = serde_json::json!({
        "version": 1,
        "instance": 7,
        "started_at": 0,
        "network_file": data_dir.path().join("devnet/network.json"),
        "processes": [],
        "isolated": {
            "prefix": prefix,
            "subnet": "10.250.250.0",
            "bridge": bridge,
            "uplink_mbit": 100,
            "resources": [
                {"kind": "bridge", "name": bridge, "host_address": "10.250.250.1"},
                {"kind": "shaping", "device": bridge, "mbit": 100},
                {"kind": "namespace", "name": namespace},
                {"kind": "link", "name": format!("{prefix}v0"), "bridge": bridge,
                 "namespace": namespace, "address": "10.250.250.3"},
            ],
        },
    });
    std::fs::create_dir_all(data_dir.path().join("devnet")).unwrap();
    std::fs::write(state_file(data_dir.path()), state.to_string()).unwrap();

    ferry(data_dir.path())
        .args(["devnet", "down"])
        .assert()
        .code(0);
    let left = leftovers(&prefix);
    let stranger_stays = !left.is_empty() && left.iter().all(|line| line.contains(&stranger));
    ip(&["link", "del", &stranger]);
    assert!(
        stranger_stays,
        "down removed too much or too little: {left:?}"
    );
}

#[test]
fn isolation_without_ip_exits_2_naming_what_is_missing() {
    let data_dir = tempfile::tempdir().unwrap();
    let anvil_only = concat!(env!("CARGO_MANIFEST_DIR"), "/node_modules/.bin");
    ferry(data_dir.path())
        .env("PATH", anvil_only)
        .args(["devnet", "up", "--isolated", "--nodes", "1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("an isolated devnet needs"))
        .stderr(predicate::str::contains("`ip` (apt-get install iproute2)"));
    assert!(!state_file(data_dir.path()).exists());
}

#[test]
fn isolation_without_root_exits_2_naming_what_is_missing() {
    // As user nobody (setpriv, util-linux), with no config file or data dir it could read.
    let mut command = assert_cmd::Command::new("setpriv");
    command
        .args(["--reuid", "65534", "--regid", "65534", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_ferry"))
        .args(["devnet", "up", "--isolated", "--nodes", "1"])
        .env_clear()
        .env("PATH", path_with_anvil())
        .env("XDG_CONFIG_HOME", "/nonexistent/config")
        .env("FERRY_DATA_DIR", "/nonexistent/data");
    command.assert().code(2).stderr(predicate::str::contains(
        "an isolated devnet needs root (run it with sudo)",
    ));
}

#[test]
fn ctrl_c_while_an_isolated_devnet_starts_removes_what_it_had_made() {
    let data_dir = tempfile::tempdir().unwrap();
    let up = spawn_isolated_up(data_dir.path(), &["--nodes", "8"], Stdio::piped());
    let state = state_once(data_dir.path(), "its network", |s| {
        s["isolated"]["resources"].as_array().is_some()
    });
    signal(up.id(), "INT");
    let prefix = state["isolated"]["prefix"].as_str().unwrap().to_owned();
    let output = up.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("nothing was left running"), "{stderr}");
    assert!(
        !state_file(data_dir.path()).exists(),
        "the state file stayed"
    );
    assert_eq!(leftovers(&prefix), Vec::<String>::new());
}

/// `ferry devnet status --json` of `data_dir`.
fn status_json(data_dir: &Path) -> serde_json::Value {
    let output = ferry(data_dir)
        .args(["--json", "devnet", "status"])
        .output()
        .unwrap();
    let line = BufReader::new(&output.stdout[..])
        .lines()
        .next()
        .unwrap()
        .unwrap();
    serde_json::from_str(&line).unwrap()
}

/// A namespace a test makes on an isolated devnet's bridge, as another machine joining that
/// network would be; removed when dropped.
struct JoiningHost {
    namespace: String,
    link: String,
    address: String,
}

impl JoiningHost {
    /// A namespace with address `.200` of the devnet's subnet, linked to its bridge.
    fn on(devnet: &Devnet) -> JoiningHost {
        let isolated = &devnet.state()["isolated"];
        let subnet = isolated["subnet"].as_str().unwrap();
        let bridge = isolated["bridge"].as_str().unwrap();
        let name = format!("fyt{:06x}", rand::random::<u32>() & 0xff_ffff);
        let host = JoiningHost {
            link: format!("{name}v"),
            namespace: name,
            address: format!("{}200", &subnet[..subnet.rfind('.').unwrap() + 1]),
        };
        let (namespace, link) = (host.namespace.as_str(), host.link.as_str());
        ip(&["netns", "add", namespace]);
        ip(&[
            "link", "add", link, "type", "veth", "peer", "name", "eth0", "netns", namespace,
        ]);
        ip(&["link", "set", link, "master", bridge, "up"]);
        ip(&[
            "-n",
            namespace,
            "addr",
            "add",
            &format!("{}/24", host.address),
            "dev",
            "eth0",
        ]);
        ip(&["-n", namespace, "link", "set", "eth0", "up"]);
        ip(&["-n", namespace, "link", "set", "lo", "up"]);
        host
    }

    /// Starts a node in this namespace on `devnet`'s network file; it announces itself.
    fn start_node(&self, devnet: &Devnet) -> (NodeProcess, NodeInfo) {
        let listen = format!("{}:0", self.address);
        let node = NodeProcess::start_in(
            Some(&self.namespace),
            &devnet.network_file,
            &["--listen", &listen],
        );
        assert!(node.url.starts_with(&format!("http://{}:", self.address)));
        let info = runtime()
            .block_on(NodeClient::new(Timeouts::default()).info(&node.url))
            .unwrap();
        (node, info)
    }
}

impl Drop for JoiningHost {
    fn drop(&mut self) {
        // Deleting the namespace takes the veth pair with it; the link is deleted in case not.
        for args in [
            ["netns", "del", &self.namespace],
            ["link", "del", &self.link],
        ] {
            let _ = Command::new("ip").args(args).stderr(Stdio::null()).status();
        }
    }
}

/// The ids node `url` lists as peers.
fn peer_ids(url: &str) -> Vec<NodeId> {
    let client = NodeClient::new(Timeouts::default());
    let peers = runtime().block_on(client.peers(url)).unwrap_or_default();
    peers.into_iter().map(|peer| peer.id).collect()
}

#[test]
fn a_node_joining_from_a_new_namespace_while_the_network_runs_is_used_by_uploads() {
    let devnet = Devnet::start_isolated(3, &[]);
    let joining = JoiningHost::on(&devnet);
    let (node, info) = joining.start_node(&devnet);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !devnet
        .network
        .bootstrap
        .iter()
        .all(|url| peer_ids(url).contains(&info.id))
    {
        assert!(
            Instant::now() < deadline,
            "the devnet never learned {}",
            node.url
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    let key = devnet.funded_account();
    let (dir, file, bytes) = random_file("joined.bin", 5 << 20);
    let (code, events) = devnet.upload_json(dir.path(), &key, &file, &[]);
    assert_eq!(code, Some(0), "{events:?}");
    // Four nodes, four replicas: the one that joined from its own namespace holds every chunk.
    let client = NodeClient::new(Timeouts::default());
    for chunk in planned_chunks(&file) {
        let held = runtime().block_on(client.get(&info, chunk)).unwrap();
        assert!(held.is_some(), "the joined node does not hold {chunk}");
    }
    let reference = runs::event(&events, "done")["reference"].as_str().unwrap();
    assert_paid_once_and_downloads(&devnet, dir.path(), &key, &file, reference, &bytes);
}

#[test]
fn forged_announcements_of_a_node_in_another_namespace_are_refused() {
    let devnet = Devnet::start_isolated(2, &[]);
    let joining = JoiningHost::on(&devnet);
    let (node, info) = joining.start_node(&devnet);
    let target = &devnet.network.bootstrap[0];
    let forger = PrivateKeySigner::random();
    let forger_id = devnet.register(&forger);
    // Someone else's registered key claims the real node's URL: its /info names another node.
    let impostor = Announcement::sign(&node.url, forger_id, &forger, unix_now());
    // The real node's id with a signature that is not its key's.
    let mut forged = Announcement::sign(&node.url, forger_id, &forger, unix_now());
    (forged.id, forged.rewards) = (info.id, info.rewards);
    for (announcement, says) in [
        (&impostor, "did not answer /info as the announced node"),
        (&forged, "is not signed by its rewards address"),
    ] {
        let answer = runtime().block_on(async {
            reqwest::Client::new()
                .post(format!("{target}/announce"))
                .json(announcement)
                .send()
                .await
                .unwrap()
        });
        let status = answer.status();
        let body = runtime().block_on(answer.text()).unwrap();
        assert!(status.is_client_error(), "{status}: {body}");
        assert!(body.contains(says), "{body:?} does not say {says:?}");
    }
    let impostor_id = forger_id;
    std::thread::sleep(Duration::from_secs(2));
    for url in &devnet.network.bootstrap {
        assert!(
            !peer_ids(url).contains(&impostor_id),
            "{url} took the impostor"
        );
    }
}
