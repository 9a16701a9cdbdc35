//! Running a node for real, through the real `ferry-node` and `ferry` binaries: `/metrics`
//! moving with an upload, JSON logs, the config file (precedence and unknown keys),
//! `ferry-node status`, readiness on `/health`, the drain on SIGTERM, and the systemd unit.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::node_process::{listening_url, register};
use crate::support::rpc_proxy::{RpcProxy, Verdict};
use crate::support::{Devnet, planned_chunks, random_file, runtime, signal};

/// `GET url`: the status and the body.
fn get(url: &str) -> (u16, String) {
    runtime().block_on(async {
        let response = reqwest::Client::new()
            .get(url)
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    })
}

/// The sum of every sample of metric `name` (all label sets) in a text exposition.
fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let (key, value) = line.rsplit_once(' ')?;
            let key_name = key.split('{').next()?;
            (key_name == name).then(|| value.parse::<f64>().unwrap())
        })
        .sum()
}

/// The sum of metric `name` over every node of `devnet`.
fn devnet_metric(devnet: &Devnet, name: &str) -> f64 {
    devnet
        .network
        .bootstrap
        .iter()
        .map(|url| metric(&get(&format!("{url}/metrics")).1, name))
        .sum()
}

/// A registered node key and a root for it, in a temp dir, for tests that start and stop a
/// node of their own (possibly more than once).
struct OwnNode {
    dir: tempfile::TempDir,
}

impl OwnNode {
    fn new(devnet: &Devnet) -> OwnNode {
        let dir = tempfile::tempdir().unwrap();
        register(&dir.path().join("key"), &devnet.network_file);
        OwnNode { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `ferry-node ARGS…` with `envs`, FERRY_NODE_* cleared otherwise, its log in `node.log`.
    fn command(&self, args: &[&str], envs: &[(&str, &str)]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ferry-node"));
        for (key, _) in std::env::vars() {
            if key.starts_with("FERRY_") {
                command.env_remove(key);
            }
        }
        command
            .args(args)
            .envs(envs.iter().copied())
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(self.path("node.log")).unwrap());
        command
    }

    /// Starts `ferry-node ARGS…` and waits for its `listening` line.
    fn start(&self, args: &[&str], envs: &[(&str, &str)]) -> Running {
        let mut child = self.command(args, envs).spawn().unwrap();
        let url = listening_url(&mut child, &self.path("node.log"));
        Running { child, url }
    }

    /// The flags naming this node's root, key and the devnet's network.
    fn flags<'a>(&'a self, devnet: &'a Devnet) -> Vec<String> {
        vec![
            "--listen".into(),
            "127.0.0.1:0".into(),
            "--root".into(),
            self.path("store").display().to_string(),
            "--key-file".into(),
            self.path("key").display().to_string(),
            "--network".into(),
            devnet.network_file.display().to_string(),
        ]
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.path("node.log")).unwrap_or_default()
    }
}

/// A node started by a test; killed when dropped.
struct Running {
    child: Child,
    url: String,
}

impl Running {
    /// SIGTERM, then the exit code (within `within`).
    fn terminate(&mut self, within: Duration) -> Option<i32> {
        signal(self.child.id(), "TERM");
        self.wait(within)
    }

    fn wait(&mut self, within: Duration) -> Option<i32> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(
                Instant::now() < deadline,
                "ferry-node did not exit in {within:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits (up to 30 s) until `/health` answers `status`; returns its body.
    fn health_becomes(&self, status: u16) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (now, body) = get(&format!("{}/health", self.url));
            if now == status {
                return body;
            }
            assert!(
                Instant::now() < deadline,
                "/health stayed {now} {body:?}, not {status}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn strings(flags: &[String]) -> Vec<&str> {
    flags.iter().map(String::as_str).collect()
}

#[test]
fn metrics_move_with_an_upload() {
    let devnet = Devnet::shared();
    let names = [
        "ferry_quotes_total",
        "ferry_puts_admitted_total",
        "ferry_forwards_sent_total",
        "ferry_forwards_received_total",
        "ferry_stored_bytes",
        "ferry_chunks_stored",
        "ferry_chain_calls_total",
        "ferry_put_duration_seconds_count",
    ];
    let before: Vec<f64> = names.iter().map(|n| devnet_metric(devnet, n)).collect();
    let (_dir, path, _) = random_file("metered.bin", 9 * 1024 * 1024);
    let chunks = planned_chunks(&path).len() as f64;
    let data = tempfile::tempdir().unwrap();
    devnet.upload_reference(data.path(), &devnet.funded_account(), &path);
    let after: Vec<f64> = names.iter().map(|n| devnet_metric(devnet, n)).collect();
    for ((name, before), after) in names.iter().zip(&before).zip(&after) {
        let least = match *name {
            "ferry_stored_bytes" => 9.0 * 1024.0 * 1024.0,
            "ferry_chain_calls_total" => 1.0,
            _ => chunks,
        };
        assert!(
            after - before >= least,
            "{name} rose by {} with an upload of {chunks} chunks, expected at least {least}",
            after - before
        );
    }
    let text = get(&format!("{}/metrics", devnet.network.bootstrap[0])).1;
    for line in text.lines().filter(|line| !line.starts_with('#')) {
        assert!(line.starts_with("ferry_"), "{line}");
    }
    for name in [
        "ferry_capacity_bytes",
        "ferry_peers_known",
        "ferry_challenges_answered_total",
        "ferry_replicas_sent_total",
        "ferry_get_duration_seconds_bucket",
    ] {
        assert!(text.contains(name), "{name} missing from:\n{text}");
    }
    assert!(metric(&text, "ferry_peers_known") >= 1.0, "{text}");
    // The nodes tally what they earned soon after earning it.
    let deadline = Instant::now() + Duration::from_secs(30);
    while devnet_metric(devnet, "ferry_earnings_unclaimed_wei") <= 0.0 {
        assert!(
            Instant::now() < deadline,
            "no node tallied unclaimed earnings"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

#[test]
fn a_refused_put_is_counted_by_reason() {
    let devnet = Devnet::shared();
    let node = &devnet.network.bootstrap[1];
    let before = get(&format!("{node}/metrics")).1;
    let sent = runtime().block_on(async {
        reqwest::Client::new()
            .put(format!("{node}/chunk/{}", "ab".repeat(32)))
            .body(vec![0u8; 64])
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    assert_eq!(sent, 400);
    let after = get(&format!("{node}/metrics")).1;
    let refused = |text: &str| {
        text.lines()
            .filter(|line| line.starts_with("ferry_puts_refused_total{reason=\"bad_request\"}"))
            .map(|line| line.rsplit_once(' ').unwrap().1.parse::<f64>().unwrap())
            .sum::<f64>()
    };
    assert!(refused(&after) > refused(&before), "{after}");
}

#[test]
fn json_logs_are_one_object_a_line() {
    let devnet = Devnet::shared();
    let own = OwnNode::new(devnet);
    let mut flags = own.flags(devnet);
    flags.extend(["--log-format".into(), "json".into()]);
    let mut node = own.start(&strings(&flags), &[]);
    assert_eq!(node.terminate(Duration::from_secs(45)), Some(0));
    let log = own.log();
    let mut bound = false;
    for line in log.lines().filter(|line| !line.trim().is_empty()) {
        let object: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}"));
        for key in ["timestamp", "level", "target", "fields"] {
            assert!(object.get(key).is_some(), "no {key} in {line}");
        }
        bound |= object["fields"]["message"] == "node bound" && object["fields"]["url"].is_string();
    }
    assert!(bound, "no `node bound` event with its fields:\n{log}");
}

#[test]
fn the_config_file_holds_every_setting_and_flags_and_environment_win() {
    let devnet = Devnet::shared();
    let own = OwnNode::new(devnet);
    // Relative paths are relative to the file.
    std::fs::write(
        own.path("node.toml"),
        format!(
            "listen = \"127.0.0.1:0\"\nroot = \"store\"\nkey_file = \"key\"\nnetwork = \"{}\"\ncapacity = \"1G\"\nrepair_interval = \"1h\"\ndrain_timeout = \"5s\"\n",
            devnet.network_file.display()
        ),
    )
    .unwrap();
    let config = own.path("node.toml").display().to_string();
    let capacity = |args: &[&str], envs: &[(&str, &str)]| {
        let mut node = own.start(args, envs);
        let text = get(&format!("{}/metrics", node.url)).1;
        assert_eq!(node.terminate(Duration::from_secs(45)), Some(0));
        metric(&text, "ferry_capacity_bytes") as u64
    };
    let gib = 1u64 << 30;
    assert_eq!(capacity(&["--config", &config], &[]), gib);
    assert!(own.path("store").is_dir(), "root is relative to the file");
    let env = [("FERRY_NODE_CAPACITY", "2G")];
    assert_eq!(capacity(&["--config", &config], &env), 2 * gib);
    assert_eq!(
        capacity(&["--config", &config, "--capacity", "3G"], &env),
        3 * gib
    );
    // The config file may come from the environment too.
    let from_env = [("FERRY_NODE_CONFIG", config.as_str())];
    assert_eq!(capacity(&[], &from_env), gib);

    std::fs::write(own.path("bad.toml"), "capacty = \"1G\"\n").unwrap();
    let output = own
        .command(
            &["--config", &own.path("bad.toml").display().to_string()],
            &[],
        )
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("`capacty`"), "{stderr}");
    assert!(stderr.contains("bad.toml"), "{stderr}");

    let output = own
        .command(&["--config", &config, "--repair-interval", "soon"], &[])
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn status_reports_the_running_node() {
    let devnet = Devnet::shared();
    let own = OwnNode::new(devnet);
    let mut flags = own.flags(devnet);
    flags.extend(["--capacity".into(), "1K".into()]);
    let mut node = own.start(&strings(&flags), &[]);
    node.health_becomes(200);
    // A quote the store cannot hold is a 507: a warning the status shows.
    let asked = runtime().block_on(async {
        reqwest::Client::new()
            .post(format!("{}/quote", node.url))
            .json(&serde_json::json!({
                "chunk": "cd".repeat(32),
                "size": 4096,
                "payer": format!("0x{}", "11".repeat(20)),
            }))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    assert_eq!(asked, 507);
    let root = own.path("store").display().to_string();
    let status = |extra: &[&str]| {
        own.command(&[&["status", "--root", &root][..], extra].concat(), &[])
            .stderr(Stdio::piped())
            .output()
            .unwrap()
    };
    let json = status(&["--json"]);
    assert_eq!(
        json.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&json.stderr)
    );
    let object: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(object["url"], node.url.as_str());
    assert_eq!(object["state"], "serving");
    assert_eq!(object["registered"], true);
    assert_eq!(object["capacity_bytes"], 1024);
    assert!(object["peers"].as_u64().unwrap() >= 1, "{object}");
    assert!(object["id"].is_string() && object["stored_bytes"].is_u64());
    let errors = object["last_errors"].as_array().unwrap();
    assert!(
        errors.iter().any(|logged| logged["level"] == "WARN"
            && logged["message"]
                .as_str()
                .unwrap()
                .contains("request failed")),
        "{object}"
    );
    let human = status(&[]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert_eq!(human.status.code(), Some(0));
    for says in [
        node.url.as_str(),
        "serving",
        "registered: yes",
        "of 1.00 KiB",
        "peers:",
        "earnings:",
        "request failed",
    ] {
        assert!(text.contains(says), "{says:?} not in:\n{text}");
    }
    assert_eq!(node.terminate(Duration::from_secs(45)), Some(0));
    let stopped = status(&[]);
    assert_eq!(stopped.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&stopped.stderr).contains("no node is running"));
}

#[test]
fn health_tells_starting_from_serving() {
    let devnet = Devnet::shared();
    let own = OwnNode::new(devnet);
    // A network whose only bootstrap node never answers: no peer is ever learned.
    let lonely = devnet.network_file_with(own.dir.path(), |network| {
        network.bootstrap = vec!["http://127.0.0.1:9".into()];
    });
    let mut flags = own.flags(devnet);
    flags[7] = lonely.display().to_string();
    let mut node = own.start(&strings(&flags), &[]);
    let body = node.health_becomes(503);
    assert!(body.starts_with("starting: no peers"), "{body}");
    assert_eq!(node.terminate(Duration::from_secs(45)), Some(0));

    // Serving, until the chain's endpoint goes away.
    let proxy = RpcProxy::start(&devnet.network.rpc_url, |_| Verdict::Forward);
    let mut flags = own.flags(devnet);
    flags.extend(["--rpc-url".into(), proxy.url().to_owned()]);
    let mut node = own.start(&strings(&flags), &[]);
    assert_eq!(node.health_becomes(200).trim(), "serving");
    proxy.cut();
    let body = node.health_becomes(503);
    assert!(body.starts_with("starting: the chain"), "{body}");
    assert_eq!(node.terminate(Duration::from_secs(45)), Some(0));
}

/// Opens a chunk PUT declaring `length` body bytes and sends `first` of them.
fn put_under_way(url: &str, length: usize, first: &[u8]) -> TcpStream {
    let address = url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).unwrap();
    write!(
        stream,
        "PUT /chunk/{} HTTP/1.1\r\nHost: {address}\r\nContent-Length: {length}\r\n\r\n",
        "ef".repeat(32)
    )
    .unwrap();
    stream.write_all(first).unwrap();
    stream.flush().unwrap();
    stream
}

#[test]
fn sigterm_refuses_new_puts_finishes_those_under_way_and_exits_0() {
    let devnet = Devnet::shared();
    let own = OwnNode::new(devnet);
    let mut node = own.start(&strings(&own.flags(devnet)), &[]);
    node.health_becomes(200);
    // Sent ahead of the node's minimum body rate, so the PUT may wait seconds for the rest.
    let mut under_way = put_under_way(&node.url, 200_000, &[0u8; 196_608]);
    std::thread::sleep(Duration::from_millis(300));
    signal(node.child.id(), "TERM");
    std::thread::sleep(Duration::from_millis(300));
    let body = node.health_becomes(503);
    assert!(body.starts_with("stopping"), "{body}");
    let refused = runtime().block_on(async {
        let response = reqwest::Client::new()
            .put(format!("{}/chunk/{}", node.url, "ab".repeat(32)))
            .body(vec![0u8; 64])
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    });
    assert_eq!(refused.0, 503, "{}", refused.1);
    assert!(refused.1.contains("shutting down"), "{}", refused.1);
    assert!(
        node.child.try_wait().unwrap().is_none(),
        "the PUT under way is waited for"
    );
    // The PUT under way finishes: its answer (a refusal of its garbage body) arrives.
    under_way.write_all(&[0u8; 200_000 - 196_608]).unwrap();
    let mut answer = String::new();
    under_way
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let _ = under_way.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer:?}");
    assert_eq!(node.wait(Duration::from_secs(20)), Some(0));

    // A PUT that never finishes holds the exit back for --drain-timeout only.
    let mut flags = own.flags(devnet);
    flags.extend(["--drain-timeout".into(), "500ms".into()]);
    let mut node = own.start(&strings(&flags), &[]);
    node.health_becomes(200);
    let _stuck = put_under_way(&node.url, 200_000, &[0u8; 131_072]);
    std::thread::sleep(Duration::from_millis(200));
    let stopping = Instant::now();
    assert_eq!(node.terminate(Duration::from_secs(20)), Some(0));
    assert!(stopping.elapsed() < Duration::from_secs(15));
    assert!(
        own.log()
            .contains("PUTs still under way after the drain timeout"),
        "{}",
        own.log()
    );
}

#[test]
fn the_systemd_unit_is_hardened_and_verifies() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let unit = std::fs::read_to_string(root.join("deploy/ferry-node.service")).unwrap();
    for setting in [
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
        "User=ferry-node",
        "Restart=on-failure",
        "StateDirectory=ferry-node",
        "ExecStart=/usr/local/bin/ferry-node --config /etc/ferry-node/node.toml",
    ] {
        assert!(unit.contains(setting), "{setting} missing from the unit");
    }
    // verify checks that ExecStart's binary exists: point it at the one just built.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("ferry-node.service");
    std::fs::write(
        &copy,
        unit.replace(
            "ExecStart=/usr/local/bin/ferry-node",
            &format!("ExecStart={}", env!("CARGO_BIN_EXE_ferry-node")),
        ),
    )
    .unwrap();
    let output = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&copy)
        .output()
        .expect("systemd-analyze is installed");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.trim().is_empty(), "{stderr}");
    // The sample config file the unit names parses.
    let sample = ferry::node::settings::load(&root.join("deploy/node.toml")).unwrap();
    assert!(sample.listen.is_some() && sample.key_file.is_some());
}
