//! The storage node: quotes chunks, checks payments on-chain, stores chunks and serves them.
//!
//! [`Node::bind`] loads (or creates) the node's key, reads the network file, checks that the
//! chain's RPC endpoint serves the network file's chain id, opens the chunk store and binds the
//! listener; [`Node::serve`] answers the routes of [`crate::wire::routes::Route`] until
//! its shutdown token is cancelled. The parts:
//! - [`command`]: `ferry-node`'s command line (flags, config file, what it prints, exit codes);
//! - [`store`]: the content-addressed store on disk (durable writes, verified reads, quarantine);
//! - [`pricing`]: the price curve over how full the store is;
//! - [`peers`]: the node's view of the network, refreshed from the network file's bootstrap URLs
//!   and their peers, grown by signed announcements, aged by silence;
//! - `prefixes` and `refreshing`: the peer view's limits per network prefix, and when
//!   refreshes run and which URLs keep failing;
//! - `gossip`: the node's requests to peers about the network (`/info`, `/peers`, `/announce`);
//! - [`membership`]: liveness of the node's neighbourhood by SWIM (foca), over `POST /swim`;
//! - `admission`: the payment rules a PUT's proof must pass;
//! - `forward`: sending a client's PUT on to the chunk's next closest nodes;
//! - [`outbound`]: where the node's own requests may go (no redirects; no loopback or private
//!   address unless the network file marks the network private);
//! - [`earnings`]: the leaves paying this node, learned from the proofs it admitted;
//! - [`rewards`]: showing and claiming what the vault holds for the node;
//! - [`register`]: staking for the node in the vault's registry, so it counts;
//! - `paid_waves`: what the node remembers of the vault's answers about waves;
//! - [`scan`]: learning from the chain the leaves paying the node that no proof brought;
//! - `server`: the HTTP routes, grouped by concern (chunks, holding, network, operator);
//! - `state`: what the handlers and background tasks share ([`Node`]'s state);
//! - `upkeep`: the periodic pass that keeps each held chunk on its closest nodes, proven by
//!   challenges;
//! - `pacing`: serving chunk GETs to other nodes at a bounded rate, each held back past every
//!   audit deadline;
//! - `metrics`, `ops` and [`status`]: what the node tells its operator (`/metrics`, `/health`,
//!   `/status`, the state file `ferry-node status` reads) and the drain on shutdown.
//!
//! Invariants: the node never answers a PUT with success before the chunk is durable on disk;
//! it never serves bytes that do not hash to their address; on shutdown it refuses new PUTs
//! (503), lets those under way finish (for up to the drain timeout, [`DRAIN_TIMEOUT`] unless
//! told otherwise), then stops accepting connections, and blocking writes already started
//! always run to completion.

mod admission;
mod audit;
pub mod command;
pub mod earnings;
mod error;
mod forward;
mod gossip;
mod key;
pub mod membership;
mod metrics;
mod ops;
pub mod outbound;
mod pacing;
mod paid_waves;
pub mod peers;
mod prefixes;
pub mod pricing;
mod refreshing;
pub mod register;
pub mod rewards;
pub mod scan;
mod server;
pub mod settings;
mod state;
pub mod status;
pub mod store;
mod upkeep;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::blocking::blocking;
use crate::vault::{self, Vault};
use crate::wire::network::{CLOSE_GROUP_SIZE, NetworkConfig, NodeInfo, node_url};
use crate::wire::types::Amount;

pub use admission::RESPONSIBILITY_SLACK;
pub use error::NodeError;
pub use key::{NodeKey, load_key, load_or_create_key};
pub use server::{
    BODY_RATE_GRACE, CHALLENGE_BURST, CHALLENGE_RATE, MAX_CHUNK_GETS, MAX_CHUNK_PUTS, MAX_PUT_BODY,
    MAX_REQUESTS_PER_SOURCE, MIN_BODY_RATE,
};
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

/// How long PUTs under way may take to finish once shutdown begins, unless told otherwise.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

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
    /// How long PUTs under way may take to finish once shutdown begins.
    pub drain_timeout: Duration,
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
            drain_timeout: DRAIN_TIMEOUT,
        }
    }
}

/// A node bound to its address, ready to serve.
#[derive(Debug)]
pub struct Node {
    listener: TcpListener,
    state: Arc<state::NodeState>,
    repair_interval: Duration,
    drain_timeout: Duration,
    root: PathBuf,
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
        let (signer, network, store) = blocking({
            let config = config.clone();
            move || -> Result<_, NodeError> {
                let signer = load_or_create_key(&config.key)?;
                let network = NetworkConfig::load(&config.network_file)?;
                let store = ChunkStore::open(&config.root, config.capacity)?;
                Ok((signer, network, store))
            }
        })
        .await?;
        let rpc_url = config.rpc_url.as_deref().unwrap_or(&network.rpc_url);
        let metrics = Arc::new(metrics::Metrics::default());
        let vault = Vault::connect_observed(rpc_url, network.vault, metrics.clone())?;
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
                register: format!(
                    "ferry-node register {} --network {}{}",
                    config.key.flags(),
                    crate::shell::shell_quote(&config.network_file.to_string_lossy()),
                    config
                        .rpc_url
                        .as_deref()
                        .map_or(String::new(), |url| format!(
                            " --rpc-url {}",
                            crate::shell::shell_quote(url)
                        ))
                ),
            });
        };
        let chain = Vault::connect_observed(rpc_url, network.vault, metrics.clone())?;
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
        tracing::info!(url = %me.url, id = %me.id, rewards = %me.rewards, rpc_url, vault = %network.vault, confirmations, private = network.private, "node bound");
        let expects_peers = network
            .bootstrap
            .iter()
            .any(|url| node_url(url).map_or(true, |url| url != me.url));
        let reach = outbound::Reach::of_network(network.private);
        // Requests to peers leave from the listen IP, so peers see which node asks.
        let local_ip = Some(local.ip()).filter(|ip| !ip.is_unspecified());
        let outbound = outbound::Outbound::new(reach, gossip::CONNECT_TIMEOUT, local_ip);
        let state = state::NodeState {
            peers: peers::Peers::new(
                me,
                config.announce.then(|| signer.clone()),
                config.network_file.clone(),
                registry,
                network.diversity,
                outbound.clone(),
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
            puts: Semaphore::new(MAX_CHUNK_PUTS),
            gets: Semaphore::new(MAX_CHUNK_GETS),
            sources: server::SourceLimits::default(),
            requests: state::RequestCounts::default(),
            forwarder: forward::Forwarder::new(outbound.clone()),
            outbound: outbound.clone(),
            close_group: config.close_group,
            pacing: pacing::PeerPacing::default(),
            chain,
            registry_lookups: Semaphore::new(server::MAX_REGISTRY_LOOKUPS),
            metrics,
            ops: ops::Ops::new(expects_peers),
        };
        Ok(Self {
            listener,
            state: Arc::new(state),
            repair_interval: config.repair_interval,
            drain_timeout: config.drain_timeout,
            root: config.root,
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
    /// background; then refuses new PUTs, waits up to the drain timeout for those under way,
    /// stops accepting connections and gives the other requests [`ops::CLOSE_GRACE`].
    pub async fn serve(self, shutdown: CancellationToken) -> Result<(), NodeError> {
        let signer = self.state.signer.clone();
        // A node that does not announce itself stays out of SWIM too: others learn of it only
        // from their bootstrap lists.
        let swim = self
            .state
            .peers
            .announces()
            .then(|| self.state.peers.start_swim(signer, shutdown.clone()));
        let refresher = tokio::spawn({
            let state = self.state.clone();
            let shutdown = shutdown.clone();
            async move { state.peers.refresh_until(shutdown).await }
        });
        let registry = tokio::spawn(read_registry_until(self.state.clone(), shutdown.clone()));
        let upkeep = tokio::spawn(upkeep::run_until(
            self.state.clone(),
            self.repair_interval,
            shutdown.clone(),
        ));
        let app = server::router(self.state.clone());
        let app = app.into_make_service_with_connect_info::<SocketAddr>();
        let tally = tokio::spawn(status::tally_earnings_until(
            self.state.clone(),
            shutdown.clone(),
        ));
        status::StateFile::write_for(self.info(), &self.root).await;
        let stop_serving = CancellationToken::new();
        let server = axum::serve(self.listener, app)
            .with_graceful_shutdown(stop_serving.clone().cancelled_owned())
            .into_future();
        let drained = ops::drain_on(&self.state, &shutdown, &stop_serving, self.drain_timeout);
        let result = tokio::select! {
            result = server => result.map_err(NodeError::Serve),
            () = drained => {
                tracing::warn!("requests still under way {:?} after the drain; closing them", ops::CLOSE_GRACE);
                Ok(())
            }
        };
        shutdown.cancel();
        let _ = refresher.await;
        let _ = registry.await;
        let _ = upkeep.await;
        if let Some(swim) = swim {
            let _ = swim.await;
        }
        let _ = tally.await;
        let root = self.root.clone();
        blocking(move || status::StateFile::remove(&root)).await;
        tracing::info!("node stopped");
        result
    }
}

/// Re-reads the vault's registry every [`peers::REFRESH_INTERVAL`] (one call while it has not
/// changed) until `shutdown`, so nodes that register join the view and nodes that exit leave
/// it. A failed read keeps the registry as it was.
async fn read_registry_until(state: Arc<state::NodeState>, shutdown: CancellationToken) {
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
pub(crate) async fn read_registry(state: &state::NodeState) {
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

    #[test]
    fn a_concrete_listen_address_is_its_own_url() {
        assert_eq!(
            listen_url("127.0.0.1:82".parse().unwrap()),
            "http://127.0.0.1:82"
        );
        assert_eq!(listen_url("[::1]:81".parse().unwrap()), "http://[::1]:81");
    }
}
