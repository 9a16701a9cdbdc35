//! Bringing a devnet up: an isolated devnet's network first, then anvil, the vault and the
//! nodes, recording each namespace and link in `state.json` before it is created and each
//! process the moment it is spawned, and writing `network.json` twice (without nodes, for the
//! nodes to read at start, then with all of them as `bootstrap`), then waiting until every
//! node lists the others of its neighbourhood in `/peers`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError};

use alloy::signers::local::PrivateKeySigner;

use super::anvil::{self, FUNDED_KEY};
use super::isolated::{NetResource, NetnsAddress};
use super::state::{self, Program};
use super::{DevnetError, DevnetOptions, READY_TIMEOUT, RunningDevnet, blocking, process};
use crate::vault::{RegistryTerms, Vault, deploy_vault, parse_private_key};
use crate::wire::network::Diversity;
use crate::wire::routes::Route;

impl RunningDevnet {
    /// Starts anvil, deploys the vault and starts the nodes; on error, what was started is
    /// still in `self.children` for the caller to stop.
    pub(super) async fn bring_up(
        &mut self,
        anvil: &Path,
        options: &DevnetOptions,
    ) -> Result<(), DevnetError> {
        self.build_network(options.nodes).await?;
        self.start_anvil(anvil).await?;
        let deployer = parse_private_key(FUNDED_KEY).expect("anvil's default key parses");
        let deployed = deploy_vault(&self.network.rpc_url, &deployer, RegistryTerms::DEVNET)
            .await
            .map_err(|source| DevnetError::Deploy { source })?;
        self.network.vault = deployed.address;
        self.network.vault_block = Some(deployed.block);
        self.network.private = true;
        if self.state.isolated.is_some() {
            // Every node of an isolated devnet sits on one bridge's /24: each address is its
            // own network there.
            self.network.diversity = Diversity {
                ipv4_prefix: 32,
                ipv6_prefix: 128,
            };
        }
        self.save_network().await?;
        self.register_nodes(options.nodes, &deployer).await?;
        self.start_nodes(options).await?;
        self.save_network().await?;
        self.wait_for_mesh().await;
        Ok(())
    }

    /// Waits (at most [`READY_TIMEOUT`]) until every node lists every node of its
    /// neighbourhood in `/peers` (every node, in a network of fewer than 32). A
    /// node answers `/peers` from memory at once and learns the bootstrap list written after
    /// it started on its next refresh (one that knows only itself starts one when asked), so
    /// only then are uploads sure to find nodes that know each other.
    async fn wait_for_mesh(&self) {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(2))
            .build()
            .expect("the HTTP client builds");
        // A node's view is its neighbourhood (all nodes of a network under twice the
        // smallest neighbourhood; at least that smallest one in a larger network).
        let smallest = crate::node::membership::zone::MIN_NEIGHBOURHOOD;
        let nodes = self.network.bootstrap.len();
        let everyone = if nodes < 2 * smallest {
            nodes
        } else {
            smallest
        };
        let deadline = tokio::time::Instant::now() + READY_TIMEOUT;
        while tokio::time::Instant::now() < deadline {
            let lists = futures::future::join_all(self.network.bootstrap.iter().map(|url| {
                let request = http.get(Route::Peers.url(url)).send();
                async move {
                    let peers: Vec<crate::wire::network::NodeInfo> =
                        request.await.ok()?.json().await.ok()?;
                    Some(peers.len())
                }
            }))
            .await;
            if lists
                .iter()
                .all(|listed| listed.is_some_and(|n| n >= everyone))
            {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }

    /// Creates an isolated devnet's bridge, shaping, namespaces and links, each recorded first.
    async fn build_network(&mut self, nodes: usize) -> Result<(), DevnetError> {
        let Some(isolated) = &self.state.isolated else {
            return Ok(());
        };
        for resource in isolated.resources_for(nodes) {
            let check = resource.clone();
            if blocking(move || check.exists()).await {
                let (NetResource::Bridge { name, .. }
                | NetResource::Namespace { name }
                | NetResource::Link { name, .. }
                | NetResource::Shaping { device: name, .. }) = resource;
                return Err(DevnetError::NameTaken { name });
            }
            let isolated = self.state.isolated.as_mut().expect("checked above");
            isolated.resources.push(resource.clone());
            self.save_state().await?;
            let closed = Arc::clone(&self.network_closed);
            blocking(move || {
                let closed = closed.lock().unwrap_or_else(PoisonError::into_inner);
                if *closed {
                    return Ok(());
                }
                resource.create()
            })
            .await?;
        }
        Ok(())
    }

    /// Creates each node's key and registers it in the vault with the devnet's stake, paid by
    /// the funded key, so the nodes count from their first answer.
    async fn register_nodes(
        &self,
        nodes: usize,
        sponsor: &PrivateKeySigner,
    ) -> Result<(), DevnetError> {
        let vault = Vault::connect(&self.network.rpc_url, self.network.vault, Some(sponsor))
            .map_err(|source| DevnetError::Deploy { source })?;
        for index in 0..nodes {
            let key_file = self.node_root(index).join("key");
            let key = blocking(move || {
                crate::node::load_or_create_key(&crate::node::NodeKey::file(key_file))
            })
            .await
            .map_err(|source| DevnetError::NodeKey {
                source: Box::new(source),
            })?;
            vault
                .register_node(key.address(), RegistryTerms::DEVNET.min_stake)
                .await
                .map_err(|source| DevnetError::Register { source })?;
        }
        Ok(())
    }

    fn node_root(&self, index: usize) -> PathBuf {
        self.devnet_dir.join("nodes").join(index.to_string())
    }

    /// Where anvil (`None`) or node `index` runs: its namespace, if isolated, and address.
    fn placement(&self, node: Option<usize>) -> (Option<NetnsAddress>, String) {
        let placement = self.state.isolated.as_ref().map(|isolated| match node {
            None => isolated.anvil(),
            Some(index) => isolated.node(index),
        });
        let host = match (&placement, node) {
            (Some(placement), _) => placement.address.to_string(),
            (None, Some(index)) => loopback_host(index).to_string(),
            (None, None) => "127.0.0.1".to_owned(),
        };
        (placement, host)
    }

    async fn start_anvil(&mut self, anvil: &Path) -> Result<(), DevnetError> {
        let config = self
            .devnet_dir
            .join("anvil.json")
            .to_string_lossy()
            .into_owned();
        let (placement, host) = self.placement(None);
        let mut args = ["--host", &host, "--port", "0", "--chain-id", "31337"]
            .map(String::from)
            .to_vec();
        // Also names this devnet on anvil's command line, so a stray anvil can be found.
        args.extend([process::dir_flag(Program::Anvil).to_owned(), config]);
        let log = self.devnet_dir.join("logs").join("anvil.log");
        let namespace = placement.map(|placement| placement.namespace);
        let launched = process::spawn(
            "anvil".into(),
            Program::Anvil,
            anvil,
            &args,
            log,
            namespace.as_deref(),
        )
        .await?;
        self.children.push(launched);
        self.save_state().await?;
        let launched = self.children.last_mut().expect("anvil was just added");
        let port = process::wait_for_line(launched, READY_TIMEOUT, anvil::parse_listening).await?;
        let rpc_url = format!("http://{host}:{port}");
        launched.record.url = Some(rpc_url.clone());
        let log = launched.record.log.clone();
        self.save_state().await?;
        anvil::wait_for_rpc(&rpc_url, &log, READY_TIMEOUT).await?;
        self.network.rpc_url = rpc_url;
        Ok(())
    }

    async fn start_nodes(&mut self, options: &DevnetOptions) -> Result<(), DevnetError> {
        let network_file = self.network_file().to_string_lossy().into_owned();
        let first = self.children.len();
        let repair_interval = options.repair_interval.as_secs().max(1).to_string();
        for index in 0..options.nodes {
            let root = self.node_root(index);
            let (placement, host) = self.placement(Some(index));
            let namespace = placement.map(|placement| placement.namespace);
            let args = [
                "--listen".to_owned(),
                format!("{host}:0"),
                "--root".to_owned(),
                root.to_string_lossy().into_owned(),
                "--network".to_owned(),
                network_file.clone(),
                "--key-file".to_owned(),
                root.join("key").to_string_lossy().into_owned(),
                "--repair-interval".to_owned(),
                repair_interval.clone(),
            ];
            let log = self
                .devnet_dir
                .join("logs")
                .join(format!("node-{index}.log"));
            let launched = process::spawn(
                format!("node {index}"),
                Program::Node,
                &options.node_binary,
                &args,
                log,
                namespace.as_deref(),
            )
            .await;
            self.children.push(launched?);
            // Recorded before the next spawn, so a ferry killed mid-start leaves nothing
            // running that `down` does not know of.
            self.save_state().await?;
        }
        let waits = self.children[first..]
            .iter_mut()
            .map(|launched| process::wait_for_line(launched, READY_TIMEOUT, parse_node_listening));
        let urls = futures::future::try_join_all(waits).await?;
        for (launched, url) in self.children[first..].iter_mut().zip(&urls) {
            launched.record.url = Some(url.clone());
        }
        self.network.bootstrap = urls;
        self.save_state().await
    }

    async fn save_state(&mut self) -> Result<(), DevnetError> {
        self.state.processes = self
            .children
            .iter()
            .map(|launched| launched.record.clone())
            .collect();
        let (devnet_dir, recorded) = (self.devnet_dir.clone(), self.state.clone());
        let forgotten = Arc::clone(&self.forgotten);
        blocking(move || {
            let forgotten = forgotten.lock().unwrap_or_else(PoisonError::into_inner);
            if *forgotten {
                return Ok(());
            }
            state::save(&devnet_dir, &recorded)
        })
        .await
    }

    async fn save_network(&self) -> Result<(), DevnetError> {
        let (path, json) = (self.network_file(), self.network.to_json());
        blocking(move || {
            crate::fsutil::write_atomic(&path, json.as_bytes(), 0o600)
                .map_err(|source| DevnetError::io("write", &path, source))
        })
        .await
    }
}

/// The loopback address node `index` of a devnet listens on: 127.A.B.1, each node on a /24 of
/// its own (127.0.1.1, 127.0.2.1, …; never 127.0.0.0/24, where clients connect from), so a
/// devnet's close groups are as diverse as a real network's.
pub fn loopback_host(index: usize) -> std::net::Ipv4Addr {
    let a = (index / 254) as u8;
    let b = (index % 254 + 1) as u8;
    std::net::Ipv4Addr::new(127, a, b, 1)
}

/// The URL in a node's `listening http://127.0.0.1:PORT` line.
fn parse_node_listening(line: &str) -> Option<String> {
    let url = line.trim().strip_prefix("listening ")?;
    url.starts_with("http://").then(|| url.to_owned())
}

/// Clears the logs and node roots of an earlier devnet and creates empty ones.
pub(super) async fn prepare_dirs(devnet_dir: &Path, nodes: usize) -> Result<(), DevnetError> {
    let devnet_dir = devnet_dir.to_owned();
    blocking(move || {
        for name in ["logs", "nodes"] {
            let dir = devnet_dir.join(name);
            match std::fs::remove_dir_all(&dir) {
                Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                    return Err(DevnetError::io("clear", &dir, error));
                }
                _ => {}
            }
        }
        let dirs = (0..nodes).map(|index| devnet_dir.join("nodes").join(index.to_string()));
        for dir in dirs.chain([devnet_dir.join("logs")]) {
            std::fs::create_dir_all(&dir)
                .map_err(|source| DevnetError::io("create", &dir, source))?;
        }
        Ok(())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_loopback_node_has_a_slash_24_of_its_own() {
        let hosts: std::collections::HashSet<_> = (0..600)
            .map(|index| {
                let [a, b, c, _] = loopback_host(index).octets();
                assert_eq!(a, 127);
                assert_ne!((a, b, c), (127, 0, 0), "the clients' /24");
                (b, c)
            })
            .collect();
        assert_eq!(hosts.len(), 600);
    }

    #[test]
    fn node_listening_line_gives_the_url() {
        assert_eq!(
            parse_node_listening("listening http://127.0.0.1:40123\n"),
            Some("http://127.0.0.1:40123".to_owned())
        );
        assert_eq!(parse_node_listening("listening on 127.0.0.1"), None);
        assert_eq!(parse_node_listening("INFO starting"), None);
    }
}
