//! The storage node: quotes chunks, checks payments on-chain, stores chunks and serves them.
//!
//! [`Node::bind`] loads (or creates) the node's key, reads the network file, checks that the
//! chain's RPC endpoint serves the network file's chain id, opens the chunk store and binds the
//! listener; [`Node::serve`] answers the routes of [`crate::wire::http`] until
//! its shutdown token is cancelled. The parts:
//! - [`store`]: the content-addressed store on disk (durable writes, verified reads, quarantine);
//! - [`pricing`]: the price curve over how full the store is;
//! - [`peers`]: the node's view of the network, refreshed from the network file's bootstrap URLs
//!   and their peers, grown by signed announcements, aged by silence;
//! - `gossip`: the node's requests to peers about the network (`/info`, `/peers`, `/announce`);
//! - `admission`: the payment rules a PUT's proof must pass;
//! - `forward`: sending a client's PUT on to the chunk's next closest nodes;
//! - [`earnings`]: the leaves paying this node, learned from the proofs it admitted;
//! - [`rewards`]: showing and claiming what the vault holds for the node;
//! - [`register`]: staking for the node in the vault's registry, so it counts;
//! - `paid_waves`: what the node remembers of the vault's answers about waves;
//! - [`scan`]: learning from the chain the leaves paying the node that no proof brought;
//! - `server`: the HTTP routes and the order of a PUT's checks;
//! - `holding`: the routes that show what the node holds (challenges, one or a batch; proofs);
//! - `upkeep`: the periodic pass that keeps each held chunk on its closest nodes, proven by
//!   challenges;
//! - `pacing`: serving chunk GETs to other nodes at a bounded rate, each held back past every
//!   audit deadline.
//!
//! Invariants: the node never answers a PUT with success before the chunk is durable on disk;
//! it never serves bytes that do not hash to their address; on shutdown it stops accepting
//! connections, lets requests under way finish (for up to [`DRAIN_TIMEOUT`]), and blocking
//! writes already started always run to completion.

mod admission;
mod audit;
pub mod earnings;
mod forward;
mod gossip;
mod holding;
mod pacing;
mod paid_waves;
pub mod peers;
pub mod pricing;
pub mod register;
pub mod rewards;
pub mod scan;
mod server;
pub mod store;
mod upkeep;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use alloy::signers::local::PrivateKeySigner;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::fsutil;
use crate::vault::{self, PaymentError, Vault};
use crate::wire::network::{
    BadNodeUrl, CLOSE_GROUP_SIZE, NetworkConfig, NetworkFileError, NodeInfo, node_url,
};
use crate::wire::types::Amount;

pub use server::{MAX_CHUNK_TRANSFERS, MAX_PUT_BODY};
pub use store::{ChunkStore, StoreError, chunk_path, proof_path};
pub use upkeep::DEFAULT_REPAIR_INTERVAL;

/// Default store capacity: 10 GiB.
pub const DEFAULT_CAPACITY: u64 = 10 * 1024 * 1024 * 1024;
/// Default base price of a chunk on an empty node, in wei.
pub const DEFAULT_BASE_PRICE_WEI: u128 = 1_000_000_000;
/// Confirmations a payment needs on a chain that is not a devnet, unless told otherwise:
/// deeper than Ethereum mainnet's common reorganisations (1 or 2 blocks) with a wide margin.
pub const DEFAULT_CONFIRMATIONS: u64 = 12;
/// The confirmations a payment needs on chain `chain_id` unless told otherwise: none on a
/// devnet chain, [`DEFAULT_CONFIRMATIONS`] on any other.
pub fn default_confirmations(chain_id: u64) -> u64 {
    if vault::is_devnet_chain(chain_id) {
        0
    } else {
        DEFAULT_CONFIRMATIONS
    }
}

/// How long requests under way may take to finish once shutdown begins.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Everything a node is started with.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// Address to listen on (`127.0.0.1:0` picks a free port).
    pub listen: SocketAddr,
    /// The URL peers and clients reach this node at; `None` means the listen address, which
    /// must then be a concrete IP.
    pub public_url: Option<String>,
    /// Directory holding the chunk store.
    pub root: PathBuf,
    /// The network file (re-read on every peer refresh for its `bootstrap` list).
    pub network_file: PathBuf,
    /// The node's key: a file of hex, or an encrypted keystore; created (mode 0600) when
    /// missing.
    pub key: NodeKey,
    /// Bytes the store may hold.
    pub capacity: u64,
    /// Price of a chunk on an empty node; see [`pricing`].
    pub base_price: Amount,
    /// Nodes in a close group (K).
    pub close_group: usize,
    /// Replaces the network file's `rpc_url` (from `FERRY_RPC_URL`).
    pub rpc_url: Option<String>,
    /// How deep a payment's block must be before it counts (0 or 1: once mined); `None`: 0 on
    /// a devnet chain (chain id 31337 or 1337), [`DEFAULT_CONFIRMATIONS`] on any other.
    pub confirmations: Option<u64>,
    /// Whether the node announces itself to the bootstrap nodes (joins the network); without,
    /// it learns the network but others list it only once it is in their bootstrap list.
    pub announce: bool,
    /// How often the node checks that its chunks' closest nodes hold them; see [`upkeep`].
    pub repair_interval: Duration,
}

impl NodeConfig {
    /// A config with the default capacity, base price and close group size.
    pub fn new(
        listen: SocketAddr,
        root: PathBuf,
        network_file: PathBuf,
        key_file: PathBuf,
    ) -> Self {
        Self {
            listen,
            public_url: None,
            root,
            network_file,
            key: NodeKey::file(key_file),
            capacity: DEFAULT_CAPACITY,
            base_price: Amount::wei(DEFAULT_BASE_PRICE_WEI),
            close_group: CLOSE_GROUP_SIZE,
            rpc_url: None,
            confirmations: None,
            announce: true,
            repair_interval: DEFAULT_REPAIR_INTERVAL,
        }
    }
}

/// Why a node could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// A setting is out of range.
    #[error("invalid setting: {0}")]
    InvalidConfig(&'static str),
    /// The node listens on an unspecified address and was not told where it is reached.
    #[error(
        "--listen {listen} is not an address peers and clients can reach; pass --public-url URL (e.g. http://203.0.113.7:{port}) or listen on a concrete IP",
        port = listen.port()
    )]
    NoPublicUrl {
        /// The listen address.
        listen: SocketAddr,
    },
    /// The public URL is not a plain node URL.
    #[error("bad --public-url")]
    BadPublicUrl(#[source] BadNodeUrl),
    /// The keystore could not be used.
    #[error(transparent)]
    Keystore(#[from] crate::keys::KeyError),
    /// The key file could not be read or created.
    #[error("cannot use the key file {path}")]
    KeyFile {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The key file does not hold a valid key.
    #[error("the key file {path} does not hold a key; fix it or remove it to generate a new one")]
    BadKey {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: vault::BadKey,
    },
    /// The network file is missing or invalid.
    #[error(transparent)]
    Network(#[from] NetworkFileError),
    /// The chain endpoint is unusable.
    #[error(transparent)]
    Chain(#[from] PaymentError),
    /// The chain endpoint serves another chain than the network file names.
    #[error(
        "the chain at {rpc_url} has chain id {rpc_chain_id}, but the network file {network_file} says chain_id {file_chain_id}; point the node at the right RPC endpoint or fix the network file"
    )]
    WrongChain {
        /// The endpoint.
        rpc_url: String,
        /// The id it reports.
        rpc_chain_id: u64,
        /// The network file.
        network_file: PathBuf,
        /// The id the file names.
        file_chain_id: u64,
    },
    /// The node's key is not an active node of the vault's registry.
    #[error(
        "node {address} is not registered in the vault {vault}; register it first: ferry-node register --key-file {key_file} --network {network_file} (stakes the vault's minimum from FERRY_PRIVATE_KEY, or a devnet's funded key)",
        key_file = key_file.display(),
        network_file = network_file.display()
    )]
    NotRegistered {
        /// The node's signing address.
        address: alloy::primitives::Address,
        /// The vault.
        vault: alloy::primitives::Address,
        /// The node's key file.
        key_file: PathBuf,
        /// The network file.
        network_file: PathBuf,
    },
    /// The chunk store could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The earnings record could not be read or written.
    #[error(transparent)]
    Earnings(#[from] earnings::EarningsError),
    /// The listen address could not be bound.
    #[error("cannot listen on {address}")]
    Bind {
        /// The address.
        address: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// The server failed while running.
    #[error("the HTTP server failed")]
    Serve(#[source] std::io::Error),
    /// Some claim transactions of `ferry-node rewards` failed (each is reported).
    #[error(
        "{failed} of {batches} claim transactions failed; their leaves are kept: rerun ferry-node rewards to retry them"
    )]
    ClaimsFailed {
        /// The batches that failed.
        failed: usize,
        /// The batches sent.
        batches: usize,
    },
    /// Start-up work on a blocking thread panicked.
    #[error("start-up was interrupted")]
    Interrupted(#[source] tokio::task::JoinError),
}

impl NodeError {
    /// True when the node's inputs are wrong (settings, key file, network file), not its
    /// environment: the binary exits 2 for these.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            NodeError::InvalidConfig(_)
                | NodeError::NoPublicUrl { .. }
                | NodeError::BadPublicUrl(_)
                | NodeError::KeyFile { .. }
                | NodeError::BadKey { .. }
                | NodeError::Network(_)
                | NodeError::WrongChain { .. }
                | NodeError::NotRegistered { .. }
                | NodeError::Keystore(_)
                | NodeError::Chain(PaymentError::BadUrl(_))
        )
    }
}

/// Where a node's key is kept: a file of hex, or, with a password file, an encrypted keystore.
#[derive(Debug, Clone)]
pub struct NodeKey {
    /// The key file or keystore.
    pub path: PathBuf,
    /// The keystore's password file; `None` for a plain key file.
    pub password_file: Option<PathBuf>,
}

impl NodeKey {
    /// A plain key file.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            password_file: None,
        }
    }
}

/// Reads the node's key, or generates one and writes it there (hex, mode 0600; an encrypted
/// keystore, mode 0600, when a password file is given). Blocking.
pub fn load_or_create_key(key: &NodeKey) -> Result<PrivateKeySigner, NodeError> {
    let path = key.path.as_path();
    if let Some(password_file) = &key.password_file {
        let password = crate::keys::read_password_file(password_file)?;
        if !path.exists() {
            let signer = PrivateKeySigner::random();
            crate::keys::write(path, &signer, &password)?;
            tracing::info!(path = %path.display(), address = %signer.address(), "generated a node key in an encrypted keystore");
            return Ok(signer);
        }
        return Ok(crate::keys::unlock(path, &password)?);
    }
    match load_key(key) {
        Err(NodeError::KeyFile { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            let signer = PrivateKeySigner::random();
            let text = format!("{}\n", hex::encode(signer.to_bytes()));
            fsutil::write_atomic(path, text.as_bytes(), 0o600).map_err(|source| {
                NodeError::KeyFile {
                    path: path.to_owned(),
                    source,
                }
            })?;
            tracing::info!(path = %path.display(), address = %signer.address(), "generated a node key");
            Ok(signer)
        }
        loaded => loaded,
    }
}

/// Reads the node's key (which must exist): a key file, or a keystore unlocked with its
/// password file.
pub fn load_key(key: &NodeKey) -> Result<PrivateKeySigner, NodeError> {
    let path = key.path.as_path();
    if let Some(password_file) = &key.password_file {
        let password = crate::keys::read_password_file(password_file)?;
        return Ok(crate::keys::unlock(path, &password)?);
    }
    let text = std::fs::read_to_string(path).map_err(|source| NodeError::KeyFile {
        path: path.to_owned(),
        source,
    })?;
    vault::parse_private_key(&text).map_err(|source| NodeError::BadKey {
        path: path.to_owned(),
        source,
    })
}

/// A node bound to its address, ready to serve.
#[derive(Debug)]
pub struct Node {
    listener: TcpListener,
    state: Arc<server::NodeState>,
    repair_interval: Duration,
}

impl Node {
    /// Loads the key, reads the network file, opens the store and binds the listener.
    pub async fn bind(config: NodeConfig) -> Result<Self, NodeError> {
        if config.close_group == 0 {
            return Err(NodeError::InvalidConfig("--close-group must be at least 1"));
        }
        if config.repair_interval.is_zero() {
            return Err(NodeError::InvalidConfig(
                "--repair-interval must be at least one second",
            ));
        }
        if config.base_price == Amount::ZERO {
            return Err(NodeError::InvalidConfig(
                "--base-price-wei must be above 0 (the vault refuses zero payments)",
            ));
        }
        let public_url = config
            .public_url
            .as_deref()
            .map(node_url)
            .transpose()
            .map_err(NodeError::BadPublicUrl)?;
        if public_url.is_none() && config.listen.ip().is_unspecified() {
            return Err(NodeError::NoPublicUrl {
                listen: config.listen,
            });
        }
        let (signer, network, store) = tokio::task::spawn_blocking({
            let config = config.clone();
            move || -> Result<_, NodeError> {
                let signer = load_or_create_key(&config.key)?;
                let network = NetworkConfig::load(&config.network_file)?;
                let store = ChunkStore::open(&config.root, config.capacity)?;
                Ok((signer, network, store))
            }
        })
        .await
        .map_err(NodeError::Interrupted)??;
        let rpc_url = config.rpc_url.as_deref().unwrap_or(&network.rpc_url);
        let vault = Vault::connect(rpc_url, network.vault, None)?;
        let rpc_chain_id = vault.chain_id().await?;
        if rpc_chain_id != network.chain_id {
            return Err(NodeError::WrongChain {
                rpc_url: rpc_url.to_owned(),
                rpc_chain_id,
                network_file: config.network_file.clone(),
                file_chain_id: network.chain_id,
            });
        }
        let confirmations = config
            .confirmations
            .unwrap_or_else(|| default_confirmations(rpc_chain_id));
        let registry = vault.registry(None).await?;
        let Some(id) = registry.id_of(&signer.address()) else {
            return Err(NodeError::NotRegistered {
                address: signer.address(),
                vault: network.vault,
                key_file: config.key.path.clone(),
                network_file: config.network_file.clone(),
            });
        };
        let chain = Vault::connect(rpc_url, network.vault, None)?;
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| NodeError::Bind {
                    address: config.listen,
                    source,
                })?;
        let local = listener.local_addr().map_err(|source| NodeError::Bind {
            address: config.listen,
            source,
        })?;
        let me = NodeInfo {
            id,
            url: public_url.unwrap_or_else(|| listen_url(local)),
            rewards: signer.address(),
        };
        tracing::info!(url = %me.url, id = %me.id, rewards = %me.rewards, rpc_url, vault = %network.vault, confirmations, "node bound");
        let state = server::NodeState {
            peers: peers::Peers::new(
                me,
                config.announce.then(|| signer.clone()),
                config.network_file.clone(),
                registry,
                network.diversity,
            ),
            admission: admission::Admission::new(
                vault,
                config.close_group,
                confirmations,
                config.base_price,
            ),
            store: Arc::new(store),
            earnings: Arc::new(earnings::Earnings::open(&config.root)),
            signer,
            base_price: config.base_price,
            transfers: Semaphore::new(MAX_CHUNK_TRANSFERS),
            requests: server::RequestCounts::default(),
            forwarder: forward::Forwarder::new(Some(local.ip()).filter(|ip| !ip.is_unspecified())),
            close_group: config.close_group,
            pacing: pacing::PeerPacing::default(),
            chain,
            registry_lookups: Semaphore::new(server::MAX_REGISTRY_LOOKUPS),
        };
        Ok(Self {
            listener,
            state: Arc::new(state),
            repair_interval: config.repair_interval,
        })
    }

    /// The node's base URL, `http://IP:PORT` with the port actually bound.
    pub fn url(&self) -> &str {
        &self.state.peers.me().url
    }

    /// The node's id, URL and rewards address.
    pub fn info(&self) -> &NodeInfo {
        self.state.peers.me()
    }

    /// Serves until `shutdown` is cancelled, refreshing peers and keeping replicas up in the
    /// background; then stops accepting connections and waits up to [`DRAIN_TIMEOUT`] for
    /// requests under way.
    pub async fn serve(self, shutdown: CancellationToken) -> Result<(), NodeError> {
        let refresher = tokio::spawn({
            let state = self.state.clone();
            let shutdown = shutdown.clone();
            async move { state.peers.refresh_until(shutdown).await }
        });
        let registry = tokio::spawn(read_registry_until(self.state.clone(), shutdown.clone()));
        // Requests to peers leave from the listen IP, so peers see which node asks.
        let local = self
            .listener
            .local_addr()
            .ok()
            .map(|address| address.ip())
            .filter(|ip| !ip.is_unspecified());
        let upkeep = tokio::spawn(upkeep::run_until(
            self.state.clone(),
            self.repair_interval,
            local,
            shutdown.clone(),
        ));
        let app = server::router(self.state.clone());
        let app = app.into_make_service_with_connect_info::<SocketAddr>();
        let server = axum::serve(self.listener, app)
            .with_graceful_shutdown(shutdown.clone().cancelled_owned())
            .into_future();
        let drained = async {
            shutdown.cancelled().await;
            tokio::time::sleep(DRAIN_TIMEOUT).await;
        };
        let result = tokio::select! {
            result = server => result.map_err(NodeError::Serve),
            () = drained => {
                tracing::warn!("requests still under way after {DRAIN_TIMEOUT:?}; closing them");
                Ok(())
            }
        };
        shutdown.cancel();
        let _ = refresher.await;
        let _ = registry.await;
        let _ = upkeep.await;
        tracing::info!("node stopped");
        result
    }
}

/// Re-reads the vault's registry every [`peers::REFRESH_INTERVAL`] (one call while it has not
/// changed) until `shutdown`, so nodes that register join the view and nodes that exit leave
/// it. A failed read keeps the registry as it was.
async fn read_registry_until(state: Arc<server::NodeState>, shutdown: CancellationToken) {
    let mut ticks = tokio::time::interval(peers::REFRESH_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks.tick().await;
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = ticks.tick() => read_registry(&state).await,
        }
    }
}

/// Reads the vault's registry once (one call while it has not changed) and keeps it when it
/// changed. A failed read keeps the registry as it was.
pub(crate) async fn read_registry(state: &server::NodeState) {
    let known = state.peers.registry();
    match state.chain.registry(Some(&known)).await {
        Ok(read) if read.version() != known.version() => {
            tracing::info!(
                nodes = read.len(),
                version = read.version(),
                "the vault's registry changed"
            );
            state.peers.set_registry(read);
        }
        Ok(_) => {}
        Err(error) => {
            tracing::warn!(%error, "cannot read the vault's registry; keeping the last one")
        }
    }
}

/// The URL of a listener bound to a concrete IP (`http://IP:PORT`, the port actually bound).
fn listen_url(local: SocketAddr) -> String {
    format!("http://{local}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_missing_key_file_is_created_private_and_then_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("node.key");
        let key = NodeKey::file(&path);
        let created = load_or_create_key(&key).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(
            load_or_create_key(&key).unwrap().address(),
            created.address()
        );
        std::fs::write(&path, "not a key").unwrap();
        let error = load_or_create_key(&key).unwrap_err();
        assert!(error.is_bad_input(), "{error}");
    }

    #[test]
    fn a_concrete_listen_address_is_its_own_url() {
        assert_eq!(
            listen_url("127.0.0.1:82".parse().unwrap()),
            "http://127.0.0.1:82"
        );
        assert_eq!(listen_url("[::1]:81".parse().unwrap()), "http://[::1]:81");
    }
}
