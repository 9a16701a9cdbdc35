//! The network file and the XOR geometry: which nodes exist and which are closest to a chunk.
//!
//! A network file is JSON with `chain_id`, `rpc_url`, `vault` and `bootstrap` (node URLs), and
//! optionally `vault_block` (the block the vault was deployed in, where reading its logs can
//! start); `ferry devnet up` writes both and adds `funded_key`. The close group of a chunk is the K nodes whose ids are
//! XOR-closest to its address, ties broken by id so every party computes the same group.

use std::path::{Path, PathBuf};

use alloy::primitives::Address;
use serde::{Deserialize, Serialize};

use crate::wire::types::{ChunkAddress, NodeId};

/// Nodes in a close group by default.
pub const CLOSE_GROUP_SIZE: usize = 7;
/// Nodes that hold each chunk: an upload stores it on this many of its close group, `verify`
/// expects this many proven replicas, and nodes keep the chunk on its this-many closest.
pub const REPLICAS: usize = 4;

/// A network file could not be read, parsed or written.
#[derive(Debug, thiserror::Error)]
pub enum NetworkFileError {
    /// The file is missing or unreadable.
    #[error("cannot read network file {path}; pass --network FILE or --devnet")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not valid network JSON.
    #[error("network file {path} is not valid JSON with chain_id, rpc_url, vault and bootstrap")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: serde_json::Error,
    },
}

/// How to reach a network: its chain, its vault and some nodes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkConfig {
    /// EVM chain id.
    pub chain_id: u64,
    /// JSON-RPC endpoint of the chain.
    pub rpc_url: String,
    /// Address of the payment vault contract.
    pub vault: Address,
    /// The block the vault was deployed in: no vault log is older, so a node reading them for
    /// its leaves starts there (at block 0 when it is not given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vault_block: Option<u64>,
    /// Base URLs of known nodes (`http://127.0.0.1:PORT`).
    pub bootstrap: Vec<String>,
    /// A pre-funded private key (hex), only on a devnet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub funded_key: Option<String>,
    /// The symbol of the chain's native coin (18 decimals) that human output shows amounts in
    /// (`ETH` when not given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub native_unit: Option<String>,
}

impl NetworkConfig {
    /// Reads a network file.
    pub fn load(path: &Path) -> Result<Self, NetworkFileError> {
        let text = std::fs::read_to_string(path).map_err(|source| NetworkFileError::Read {
            path: path.to_owned(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|source| NetworkFileError::Parse {
            path: path.to_owned(),
            source,
        })
    }

    /// The JSON text of this network file.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a network config always serialises") + "\n"
    }
}

/// A node as peers and clients know it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NodeInfo {
    /// Its id on the XOR ring.
    pub id: NodeId,
    /// Its base URL.
    pub url: String,
    /// Its rewards (EVM) address.
    pub rewards: Address,
}

/// A node URL that is not a plain `http(s)://host[:port]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{url:?} is not a node URL: it must be http:// or https:// with a host and optional port, and no path, query or credentials"
)]
pub struct BadNodeUrl {
    /// The URL given.
    pub url: String,
}

/// Checks that `url` is a plain `http(s)://host[:port]` (a trailing `/` is allowed) and
/// returns it in its one normal form (lower-case host, no trailing `/`, no default port).
pub fn node_url(url: &str) -> Result<String, BadNodeUrl> {
    let bad = || BadNodeUrl {
        url: url.to_owned(),
    };
    let parsed = reqwest::Url::parse(url).map_err(|_| bad())?;
    let plain = matches!(parsed.scheme(), "http" | "https")
        && parsed.host_str().is_some_and(|host| !host.is_empty())
        && parsed.username().is_empty()
        && parsed.password().is_none()
        && parsed.path() == "/"
        && parsed.query().is_none()
        && parsed.fragment().is_none();
    if !plain {
        return Err(bad());
    }
    Ok(parsed.origin().ascii_serialization())
}

/// All `nodes` ordered by XOR distance of their id to `address`, closest first.
pub fn by_distance<'a>(address: &ChunkAddress, nodes: &'a [NodeInfo]) -> Vec<&'a NodeInfo> {
    let mut sorted: Vec<&NodeInfo> = nodes.iter().collect();
    sorted.sort_by_key(|node| (node.id.distance(address), node.id));
    sorted.dedup_by_key(|node| node.id);
    sorted
}

/// The `k` nodes closest to `address` (all of them when there are fewer).
pub fn close_group<'a>(
    address: &ChunkAddress,
    nodes: &'a [NodeInfo],
    k: usize,
) -> Vec<&'a NodeInfo> {
    let mut sorted = by_distance(address, nodes);
    sorted.truncate(k);
    sorted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(byte: u8) -> NodeInfo {
        NodeInfo {
            id: NodeId([byte; 32]),
            url: format!("http://n{byte}"),
            rewards: Address::ZERO,
        }
    }

    #[test]
    fn close_group_is_the_xor_closest_k() {
        let nodes: Vec<_> = [0x00, 0x0f, 0xf0, 0xff, 0x10]
            .into_iter()
            .map(node)
            .collect();
        let target = ChunkAddress([0xf1; 32]);
        let group: Vec<u8> = close_group(&target, &nodes, 3)
            .iter()
            .map(|n| n.id.0[0])
            .collect();
        assert_eq!(group, vec![0xf0, 0xff, 0x10]);
        assert_eq!(close_group(&target, &nodes, 9).len(), 5);
    }

    #[test]
    fn node_urls_are_plain_http_origins() {
        assert_eq!(
            node_url("http://10.0.0.2:7000/").unwrap(),
            "http://10.0.0.2:7000"
        );
        assert_eq!(
            node_url("https://Node.Example.org").unwrap(),
            "https://node.example.org"
        );
        assert_eq!(node_url("http://[::1]:81").unwrap(), "http://[::1]:81");
        for bad in [
            "ftp://host:1",
            "http://host:1/path",
            "http://user:pw@host:1",
            "http://host:1?x=1",
            "host:1",
            "file:///etc/passwd",
            "",
        ] {
            assert!(node_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn network_file_round_trips() {
        let config = NetworkConfig {
            chain_id: 31337,
            rpc_url: "http://127.0.0.1:8545".into(),
            vault: Address::repeat_byte(7),
            vault_block: None,
            bootstrap: vec!["http://127.0.0.1:1".into()],
            funded_key: None,
            native_unit: Some("POL".into()),
        };
        let back: NetworkConfig = serde_json::from_str(&config.to_json()).unwrap();
        assert_eq!(back, config);
        assert!(!config.to_json().contains("funded_key"));
    }
}
