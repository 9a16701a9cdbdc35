//! A `ferry-node` started by a test (outside any devnet), stopped when dropped.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A running `ferry-node` child process.
pub struct NodeProcess {
    /// The URL it printed (`listening URL`).
    pub url: String,
    child: Child,
    _dir: tempfile::TempDir,
}

impl NodeProcess {
    /// Registers a new key in the vault (`ferry-node register`, paid by the network file's
    /// funded key), then starts `ferry-node --network NETWORK EXTRA…` with its own store and
    /// that key; waits for its `listening` line.
    pub fn start(network: &Path, extra: &[&str]) -> NodeProcess {
        NodeProcess::start_in(None, network, extra)
    }

    /// [`NodeProcess::start`], inside network namespace `namespace` when given
    /// (`ip netns exec`).
    pub fn start_in(namespace: Option<&str>, network: &Path, extra: &[&str]) -> NodeProcess {
        let dir = tempfile::tempdir().unwrap();
        register(&dir.path().join("key"), network);
        let node = env!("CARGO_BIN_EXE_ferry-node");
        let mut command = match namespace {
            Some(namespace) => {
                let mut command = Command::new("ip");
                command.args(["netns", "exec", namespace, node]);
                command
            }
            None => Command::new(node),
        };
        let mut child = command
            .arg("--root")
            .arg(dir.path().join("store"))
            .arg("--key-file")
            .arg(dir.path().join("key"))
            .arg("--network")
            .arg(network)
            .args(extra)
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(dir.path().join("node.log")).unwrap())
            .spawn()
            .expect("ferry-node starts");
        let url = listening_url(&mut child, &dir.path().join("node.log"));
        NodeProcess {
            url,
            child,
            _dir: dir,
        }
    }
}

/// One registration at a time: the funded key's nonces are shared by every test. Hold the
/// guard while running `ferry-node register` another way.
pub fn registering() -> std::sync::MutexGuard<'static, ()> {
    static REGISTERING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    REGISTERING.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs the real `ferry-node register` for the key in `key_file` (created when missing), paid
/// by the network file's funded key.
pub fn register(key_file: &Path, network: &Path) {
    let _turn = registering();
    let output = Command::new(env!("CARGO_BIN_EXE_ferry-node"))
        .args(["register", "--key-file"])
        .arg(key_file)
        .arg("--network")
        .arg(network)
        .env_remove("FERRY_PRIVATE_KEY")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "ferry-node register failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Runs `ferry-node --network NETWORK EXTRA…` with its store and key in `dir`, for a start
/// the node must refuse: waits (at most 30 s) for it to exit and returns what it printed.
/// `FERRY_PUBLIC_URL` is removed from its environment, so only the flags speak.
pub fn start_refused(dir: &Path, network: &Path, extra: &[&str]) -> std::process::Output {
    assert_cmd::Command::new(env!("CARGO_BIN_EXE_ferry-node"))
        .arg("--root")
        .arg(dir.join("store"))
        .arg("--network")
        .arg(network)
        .arg("--key-file")
        .arg(dir.join("key"))
        .args(extra)
        .env_remove("FERRY_PUBLIC_URL")
        .timeout(std::time::Duration::from_secs(30))
        .output()
        .unwrap()
}

/// Reads the `listening URL` line a `ferry-node` started with piped stdout prints first, and
/// returns the URL; panics with the node's log (at `log`) when the line is anything else.
pub fn listening_url(child: &mut Child, log: &Path) -> String {
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    match line.trim().strip_prefix("listening ") {
        Some(url) => url.to_owned(),
        None => {
            let log = std::fs::read_to_string(log).unwrap_or_default();
            panic!("ferry-node printed {line:?}; its log:\n{log}")
        }
    }
}

impl NodeProcess {
    /// Its root directory (chunk store and kept proofs).
    pub fn root(&self) -> std::path::PathBuf {
        self._dir.path().join("store")
    }

    /// Stops it (SIGTERM) and waits for it to exit.
    pub fn stop(&mut self) {
        super::signal(self.child.id(), "TERM");
        let _ = self.child.wait();
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free port (bound on every address, then released).
///
/// Picked below Linux's ephemeral range (32768 on): a port the kernel hands out for `:0`
/// binds and outgoing connections, as every other test's nodes and clients use, could be
/// taken again between this check and the node's bind. Free on every address (`0.0.0.0`),
/// since some tests listen there.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU16, Ordering};
    // Ports 20,000 to 31,999: started at a place set by the process id, stepped by every
    // call, so parallel tests and test runs ask for different ones.
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let start = (std::process::id() % 1_000) as u16 * 12;
    loop {
        let step = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = 20_000 + (start + step % 12_000) % 12_000;
        if std::net::TcpListener::bind(("0.0.0.0", port)).is_ok() {
            return port;
        }
    }
}
