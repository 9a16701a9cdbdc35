//! What the integration tests share: a real devnet (anvil, the vault, `ferry-node` processes)
//! started through the real `ferry devnet up`, funded accounts, and the real `ferry` binary.
//!
//! The shared devnet runs in the foreground with `--until-stdin-closes`: when the test binary
//! exits, its stdin pipe closes and the devnet stops everything it started, even after a panic.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Mutex, OnceLock};

use alloy::primitives::{Address, U256};
use alloy::providers::{Provider, ProviderBuilder};
use alloy::signers::local::PrivateKeySigner;
use ferry::vault::{ChunkPaidEvent, Vault};
use ferry::wire::network::NetworkConfig;
use ferry::wire::types::ChunkAddress;

pub mod adversary;
pub mod liar;
pub mod node_process;
pub mod rpc_proxy;
pub mod runs;
pub mod scripted;
pub mod trust;

/// PATH with the npm-installed anvil first (`npm ci` puts it in node_modules/.bin).
pub fn path_with_anvil() -> String {
    let bin = concat!(env!("CARGO_MANIFEST_DIR"), "/node_modules/.bin");
    format!("{bin}:{}", std::env::var("PATH").unwrap_or_default())
}

/// A loopback address on a /24 of its own, never one a devnet's nodes use (127.0.N.1) nor the
/// clients' 127.0.0.0/24: 127.1.1.1, 127.1.2.1, … (one per call in this test process).
pub fn fresh_loopback() -> String {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("127.{}.{}.1", 1 + n / 254, n % 254 + 1)
}

/// A running devnet owned by this test process.
pub struct Devnet {
    /// The devnet's data dir.
    pub data_dir: tempfile::TempDir,
    /// Its network file.
    pub network_file: PathBuf,
    /// Its network.
    pub network: NetworkConfig,
    child: Mutex<Option<(Child, ChildStdin, ChildStdout)>>,
}

impl Devnet {
    /// Starts a devnet of `nodes` nodes and waits until it is up.
    pub fn start(nodes: usize) -> Devnet {
        Devnet::start_in(nodes, tempfile::tempdir().unwrap())
    }

    /// Starts a devnet of `nodes` nodes with extra `devnet up` flags, in a data dir removed
    /// once this test process is gone (for devnets kept in statics).
    pub fn start_with(nodes: usize, flags: &[&str]) -> Devnet {
        Devnet::start_in_with(nodes, shared_data_dir(), flags)
    }

    /// Starts an isolated devnet (`devnet up --isolated EXTRA…`) of `nodes` nodes.
    pub fn start_isolated(nodes: usize, extra: &[&str]) -> Devnet {
        let args = [&["--isolated"][..], extra].concat();
        Devnet::start_in_with(nodes, tempfile::tempdir().unwrap(), &args)
    }

    /// Starts a devnet of `nodes` nodes in `data_dir`.
    fn start_in(nodes: usize, data_dir: tempfile::TempDir) -> Devnet {
        Devnet::start_in_with(nodes, data_dir, &[])
    }

    fn start_in_with(nodes: usize, data_dir: tempfile::TempDir, flags: &[&str]) -> Devnet {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ferry"))
            .args(["--json", "devnet", "up", "--until-stdin-closes", "--nodes"])
            .arg(nodes.to_string())
            .args(flags)
            .env("FERRY_DATA_DIR", data_dir.path())
            .env("PATH", path_with_anvil())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(data_dir.path().join("devnet-up.log")).unwrap())
            .spawn()
            .expect("ferry devnet up starts");
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let log =
            std::fs::read_to_string(data_dir.path().join("devnet-up.log")).unwrap_or_default();
        let up: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|_| panic!("devnet up printed {line:?}; its log:\n{log}"));
        let network_file = PathBuf::from(up["network_file"].as_str().expect("network_file"));
        let network = NetworkConfig::load(&network_file).unwrap();
        assert_eq!(network.bootstrap.len(), nodes);
        Devnet {
            data_dir,
            network_file,
            network,
            child: Mutex::new(Some((child, stdin, stdout.into_inner()))),
        }
    }

    /// The devnet every test that does not break it shares.
    pub fn shared() -> &'static Devnet {
        static SHARED: OnceLock<Devnet> = OnceLock::new();
        SHARED.get_or_init(|| Devnet::start_in(10, shared_data_dir()))
    }

    /// A fresh account funded with 1000 ETH, so tests never share a nonce.
    pub fn funded_account(&self) -> PrivateKeySigner {
        let signer = PrivateKeySigner::random();
        let amount = U256::from(1000u64) * U256::from(10u64).pow(U256::from(18u64));
        self.set_balance(signer.address(), amount);
        signer
    }

    /// Sets an account's balance (anvil's cheat code).
    pub fn set_balance(&self, who: Address, amount: U256) {
        let url = self.network.rpc_url.parse().unwrap();
        runtime().block_on(async {
            let provider = ProviderBuilder::new().connect_http(url);
            let _: serde_json::Value = provider
                .raw_request("anvil_setBalance".into(), (who, format!("{amount:#x}")))
                .await
                .expect("anvil_setBalance");
        });
    }

    /// Calls a JSON-RPC method on the devnet's chain (anvil's cheat codes included).
    pub fn rpc(&self, method: &str, params: serde_json::Value) -> serde_json::Value {
        let url = self.network.rpc_url.parse().unwrap();
        runtime().block_on(async {
            let provider = ProviderBuilder::new().connect_http(url);
            provider
                .raw_request(method.to_owned().into(), params)
                .await
                .unwrap_or_else(|e| panic!("{method}: {e}"))
        })
    }

    /// Writes this devnet's network file with `change` made to it as `DIR/network.json`, and
    /// returns that path.
    pub fn network_file_with(
        &self,
        dir: &Path,
        change: impl FnOnce(&mut NetworkConfig),
    ) -> PathBuf {
        let mut network = self.network.clone();
        change(&mut network);
        let path = dir.join("network.json");
        std::fs::write(&path, network.to_json()).unwrap();
        path
    }

    /// The `ferry` binary pointed at this devnet, paying with `key`, with its own data dir.
    pub fn ferry(&self, data_dir: &Path, key: &PrivateKeySigner) -> assert_cmd::Command {
        assert_cmd::Command::from_std(self.ferry_process(data_dir, key))
    }

    /// Runs `ferry ARGS…` on this devnet through the network file `network`, with its own
    /// data dir, paying with `key`.
    pub fn ferry_via(
        &self,
        network: &Path,
        data_dir: &Path,
        key: &PrivateKeySigner,
        args: &[&str],
    ) -> std::process::Output {
        self.ferry(data_dir, key)
            .env("FERRY_NETWORK", network)
            .args(args)
            .output()
            .unwrap()
    }

    /// The same as a std `Command`, for tests that watch a run as it goes.
    pub fn ferry_process(&self, data_dir: &Path, key: &PrivateKeySigner) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ferry"));
        command
            .env_clear()
            .env("PATH", path_with_anvil())
            .env("FERRY_DATA_DIR", data_dir)
            // No config file but the ones tests write: the default place is under here.
            .env("XDG_CONFIG_HOME", data_dir)
            .env("FERRY_NETWORK", &self.network_file)
            .env("FERRY_PRIVATE_KEY", hex::encode(key.to_bytes()));
        command
    }

    /// Uploads `path` (a file or a folder) with `--json`, which must succeed (exit 0, the last
    /// event `done`); returns its reference.
    pub fn upload_reference(&self, data_dir: &Path, key: &PrivateKeySigner, path: &Path) -> String {
        let (code, events) = self.upload_json(data_dir, key, path, &[]);
        let done = events.last().unwrap();
        assert_eq!(code, Some(0), "{done}");
        assert_eq!(done["event"], "done", "{done}");
        done["reference"].as_str().unwrap().to_owned()
    }

    /// Runs `ferry upload --json FILE EXTRA…`; returns the exit code and the JSON events.
    pub fn upload_json(
        &self,
        data_dir: &Path,
        key: &PrivateKeySigner,
        file: &Path,
        extra: &[&str],
    ) -> (Option<i32>, Vec<serde_json::Value>) {
        let output = self
            .ferry(data_dir, key)
            .args(["upload", "--json"])
            .args(extra)
            .arg(file)
            .output()
            .unwrap();
        (output.status.code(), json_lines(&output.stdout))
    }

    /// Every `ChunkPaid` event on the chain.
    pub fn chunk_paid_events(&self) -> Vec<ChunkPaidEvent> {
        let vault = Vault::connect(&self.network.rpc_url, self.network.vault, None).unwrap();
        runtime().block_on(vault.chunk_paid_events()).unwrap()
    }

    /// Fails unless no chunk of `file` was ever paid for.
    pub fn assert_nothing_paid_for(&self, file: &Path) {
        for chunk in planned_chunks(file) {
            assert_eq!(self.times_paid(chunk), 0, "chunk {chunk} was paid");
        }
    }

    /// How many `ChunkPaid` events name `chunk`.
    pub fn times_paid(&self, chunk: ChunkAddress) -> usize {
        self.chunk_paid_events()
            .iter()
            .filter(|e| e.chunk == chunk)
            .count()
    }

    /// The devnet's state file, parsed.
    pub fn state(&self) -> serde_json::Value {
        let state =
            std::fs::read_to_string(self.data_dir.path().join("devnet/state.json")).unwrap();
        serde_json::from_str(&state).unwrap()
    }

    /// The pids of the devnet's storage nodes, from its state file.
    pub fn node_pids(&self) -> Vec<u32> {
        self.state()["processes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["name"].as_str().is_some_and(|n| n.starts_with("node")))
            .map(|p| p["pid"].as_u64().unwrap() as u32)
            .collect()
    }

    /// The root dir of node `index` (its chunk store and kept proofs).
    pub fn node_root(&self, index: usize) -> PathBuf {
        self.data_dir.path().join(format!("devnet/nodes/{index}"))
    }

    /// The indexes of the nodes that have `chunk`'s file on disk.
    pub fn holders_on_disk(&self, chunk: ChunkAddress) -> Vec<usize> {
        (0..self.network.bootstrap.len())
            .filter(|&index| ferry::node::chunk_path(&self.node_root(index), &chunk).is_file())
            .collect()
    }

    /// Deletes `chunk`'s file and its kept proof from node `index`'s disk, as a failed disk
    /// would (the running node is not told).
    pub fn wipe_chunk(&self, index: usize, chunk: ChunkAddress) {
        let root = self.node_root(index);
        for path in [
            ferry::node::chunk_path(&root, &chunk),
            ferry::node::proof_path(&root, &chunk),
        ] {
            match std::fs::remove_file(&path) {
                Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                    panic!("cannot delete {}: {error}", path.display())
                }
                _ => {}
            }
        }
    }

    /// The vault's registry of active nodes, read now.
    pub fn registry(&self) -> ferry::wire::registry::Registry {
        let vault = Vault::connect(&self.network.rpc_url, self.network.vault, None).unwrap();
        runtime().block_on(vault.registry(None)).unwrap()
    }

    /// The nodes a client discovers now, checked against the registry.
    pub fn swarm(&self, client: &ferry::client::nodes::NodeClient) -> ferry::client::nodes::Swarm {
        runtime()
            .block_on(client.discover(
                &self.network.bootstrap,
                &self.registry(),
                self.network.diversity,
            ))
            .unwrap()
    }

    /// Stakes for `key` in the vault (paid by a fresh funded account) and returns its
    /// position.
    pub fn register(&self, key: &PrivateKeySigner) -> ferry::wire::types::NodeId {
        let sponsor = self.funded_account();
        let vault =
            Vault::connect(&self.network.rpc_url, self.network.vault, Some(&sponsor)).unwrap();
        let stake = ferry::vault::RegistryTerms::DEVNET.min_stake;
        runtime()
            .block_on(vault.register_node(key.address(), stake))
            .unwrap()
            .position
    }

    /// The key file of node `index`.
    pub fn node_key(&self, index: usize) -> PrivateKeySigner {
        let path = self
            .data_dir
            .path()
            .join(format!("devnet/nodes/{index}/key"));
        ferry::vault::parse_private_key(&std::fs::read_to_string(path).unwrap()).unwrap()
    }
}

impl Drop for Devnet {
    fn drop(&mut self) {
        if let Some((mut child, stdin, stdout)) = self.child.lock().unwrap().take() {
            drop(stdin);
            let _ = child.wait();
            drop(stdout);
        }
    }
}

/// The shared devnet's data dir. A static is never dropped, so its temp dir would outlive
/// every test run (gigabytes of chunks each): it lives under the target dir instead, named by
/// this process's id, and the dirs of test processes that are gone are removed here.
fn shared_data_dir() -> tempfile::TempDir {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("shared-devnets");
    std::fs::create_dir_all(&root).unwrap();
    for entry in std::fs::read_dir(&root).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let owner = name.split('-').next().unwrap_or_default();
        if !Path::new("/proc").join(owner).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
    tempfile::Builder::new()
        .prefix(&format!("{}-", std::process::id()))
        .tempdir_in(&root)
        .unwrap()
}

/// A tokio runtime for the library calls tests make.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| tokio::runtime::Runtime::new().unwrap())
}

/// `len` bytes that no other test will produce.
pub fn random_bytes(len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    rand::fill(&mut bytes[..]);
    bytes
}

/// Starts `ferry upload --json EXTRA… -` (stdout piped) and a thread feeding it `len` bytes of
/// `seed`'s stream.
pub fn spawn_upload_stdin(
    devnet: &Devnet,
    dir: &Path,
    key: &PrivateKeySigner,
    seed: &'static [u8],
    len: u64,
    extra: &[&str],
) -> (Child, std::thread::JoinHandle<()>) {
    let mut child = devnet
        .ferry_process(dir, key)
        .args(["upload", "--json"])
        .args(extra)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || write_stream(seed, len, stdin));
    (child, feeder)
}

/// `len` pseudo-random bytes (BLAKE3's output stream of `seed`), written to `sink` in pieces,
/// so the test holds none of it whole.
pub fn write_stream(seed: &[u8], len: u64, mut sink: impl std::io::Write) {
    let mut stream = blake3::Hasher::new().update(seed).finalize_xof();
    let mut buffer = vec![0u8; 1024 * 1024];
    let mut left = len;
    while left > 0 {
        let n = left.min(buffer.len() as u64) as usize;
        stream.fill(&mut buffer[..n]);
        if sink.write_all(&buffer[..n]).is_err() {
            return;
        }
        left -= n as u64;
    }
}

/// A fresh temp dir holding a file `name` of `len` bytes no other test produces: the dir (keep
/// it alive), the file's path and its bytes.
pub fn random_file(name: &str, len: usize) -> (tempfile::TempDir, PathBuf, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(name);
    let bytes = random_bytes(len);
    std::fs::write(&file, &bytes).unwrap();
    (dir, file, bytes)
}

/// The addresses of every chunk an upload of `path` stores.
pub fn planned_chunks(path: &Path) -> Vec<ChunkAddress> {
    ferry::client::chunking::plan_file(path, 2, &|_| {})
        .unwrap()
        .chunks
        .iter()
        .map(|c| c.address)
        .collect()
}

/// Parses `--json` output: one object per line, nothing else on stdout.
pub fn json_lines(stdout: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8(stdout.to_vec())
        .unwrap()
        .lines()
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|_| panic!("not a JSON line: {line:?}"))
        })
        .collect()
}

/// Checks that `event` is the `error` event of kind `kind` whose message says `says`.
pub fn assert_error_event(event: &serde_json::Value, kind: &str, says: &str) {
    assert_eq!(event["event"], "error", "{event}");
    assert_eq!(event["kind"], kind, "{event}");
    let message = event["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(says),
        "the message does not say {says:?}: {event}"
    );
}

/// Sends signal `name` (`KILL`, `INT`, …) to process `pid`.
pub fn signal(pid: u32, name: &str) {
    let sent = std::process::Command::new("kill")
        .arg(format!("-{name}"))
        .arg(pid.to_string())
        .status()
        .unwrap();
    assert!(sent.success(), "kill -{name} {pid} failed");
}

/// Checks what every upload test ends with: each of the file's distinct chunks is paid exactly
/// once on-chain, and `reference` downloads to exactly `expected`.
pub fn assert_paid_once_and_downloads(
    devnet: &Devnet,
    dir: &Path,
    key: &PrivateKeySigner,
    file: &Path,
    reference: &str,
    expected: &[u8],
) {
    runs::assert_each_chunk_paid_once(devnet, file);
    runs::assert_reference_downloads(devnet, dir, key, reference, expected);
}
