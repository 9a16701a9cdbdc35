//! The network file and the XOR geometry: which nodes exist and which are closest to a chunk.
//!
//! A network file is JSON with `chain_id`, `rpc_url`, `vault` and `bootstrap` (node URLs), and
//! optionally `vault_block` (the block the vault was deployed in, where reading its logs can
//! start); `ferry devnet up` writes both and adds `funded_key`, and marks the network `private`
//! (its nodes sit on loopback or private addresses).
//!
//! The close group of a chunk is the K nodes whose ids are XOR-closest to its address, ties
//! broken by id so every party computes the same group, taking **at most one node per network
//! prefix** ([`Diversity`]: /24 for IPv4 and /48 for IPv6 unless the network file says
//! otherwise). Walking the ring outwards, a node whose prefix already has a closer node in the
//! group is passed over, so an operator with hundreds of nodes in one subnet holds at most one
//! place in any close group. Client and nodes apply the same rule to the same entries.

use std::net::IpAddr;
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
    /// True for a network whose nodes live on loopback or private addresses (a devnet, a
    /// LAN): its nodes may then reach loopback, private and link-local peers. Without it a
    /// node refuses to connect to any such address, so an announcement or a peer list cannot
    /// point it at a service inside its host or LAN.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub private: bool,
    /// How wide a network prefix is: a close group takes at most one node per prefix.
    #[serde(default, skip_serializing_if = "Diversity::is_default")]
    pub diversity: Diversity,
}

/// The rule that keeps many nodes of one operator out of one close group: at most one node per
/// network prefix of these lengths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diversity {
    /// Prefix length of an IPv4 network (24: a /24).
    pub ipv4_prefix: u8,
    /// Prefix length of an IPv6 network (48: a /48).
    pub ipv6_prefix: u8,
}

impl Default for Diversity {
    fn default() -> Self {
        Self {
            ipv4_prefix: 24,
            ipv6_prefix: 48,
        }
    }
}

/// The network a node's address is in, under a [`Diversity`] rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NetPrefix {
    /// An IPv4 network: the address with its host bits cleared.
    V4(u32),
    /// An IPv6 network: the address with its host bits cleared.
    V6(u128),
    /// Every node whose URL names a host rather than an IP address: they count together as
    /// one network, since a name says nothing of where the node is.
    Named,
}

impl std::fmt::Display for NetPrefix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NetPrefix::V4(network) => write!(f, "{}", std::net::Ipv4Addr::from(*network)),
            NetPrefix::V6(network) => write!(f, "{}", std::net::Ipv6Addr::from(*network)),
            NetPrefix::Named => f.write_str("named hosts"),
        }
    }
}

impl NetPrefix {
    /// The network `ip` is in with prefixes of `ipv4_bits` and `ipv6_bits`.
    pub fn of(ip: IpAddr, ipv4_bits: u8, ipv6_bits: u8) -> Self {
        match ip {
            IpAddr::V4(v4) => {
                let bits = u32::from(ipv4_bits.min(32));
                let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
                NetPrefix::V4(u32::from(v4) & mask)
            }
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => NetPrefix::of(IpAddr::V4(v4), ipv4_bits, ipv6_bits),
                None => {
                    let bits = u32::from(ipv6_bits.min(128));
                    let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
                    NetPrefix::V6(u128::from(v6) & mask)
                }
            },
        }
    }
}

impl Diversity {
    /// True for the default rule (not written to a network file).
    pub fn is_default(&self) -> bool {
        *self == Diversity::default()
    }

    /// The network of the host in `url` (`http://HOST:PORT`).
    pub fn prefix_of(&self, url: &str) -> NetPrefix {
        let ip = reqwest::Url::parse(url).ok().and_then(|parsed| {
            let host = parsed
                .host_str()?
                .trim_start_matches('[')
                .trim_end_matches(']');
            host.parse::<IpAddr>().ok()
        });
        match ip {
            Some(ip) => NetPrefix::of(ip, self.ipv4_prefix, self.ipv6_prefix),
            None => NetPrefix::Named,
        }
    }

    /// `nodes` by XOR distance of their id to `address`, closest first, one entry per id and
    /// at most one per network prefix (the closest of each).
    pub fn order<'a>(&self, address: &ChunkAddress, nodes: &'a [NodeInfo]) -> Vec<&'a NodeInfo> {
        let mut seen = std::collections::HashSet::new();
        ring_order(address, nodes)
            .into_iter()
            .filter(|node| seen.insert(self.prefix_of(&node.url)))
            .collect()
    }

    /// The `k` nodes of `nodes` closest to `address`, at most one per network prefix (all
    /// that qualify when there are fewer).
    pub fn close_group<'a>(
        &self,
        address: &ChunkAddress,
        nodes: &'a [NodeInfo],
        k: usize,
    ) -> Vec<&'a NodeInfo> {
        // Walk outwards and stop at k: only the nodes walked have their prefix worked out.
        let mut seen = std::collections::HashSet::new();
        ring_order(address, nodes)
            .into_iter()
            .filter(|node| seen.insert(self.prefix_of(&node.url)))
            .take(k)
            .collect()
    }
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

/// All `nodes` ordered by XOR distance of their id to `address`, closest first, one entry per
/// id, whatever their networks: where to look for a chunk, not who is responsible for it
/// ([`Diversity::order`]).
pub fn ring_order<'a>(address: &ChunkAddress, nodes: &'a [NodeInfo]) -> Vec<&'a NodeInfo> {
    let mut sorted: Vec<&NodeInfo> = nodes.iter().collect();
    sorted.sort_by_key(|node| (node.id.distance(address), node.id));
    sorted.dedup_by_key(|node| node.id);
    sorted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(byte: u8) -> NodeInfo {
        NodeInfo {
            id: NodeId([byte; 32]),
            url: format!("http://127.0.{byte}.1:7000"),
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
        let rule = Diversity::default();
        let group: Vec<u8> = rule
            .close_group(&target, &nodes, 3)
            .iter()
            .map(|n| n.id.0[0])
            .collect();
        assert_eq!(group, vec![0xf0, 0xff, 0x10]);
        assert_eq!(rule.close_group(&target, &nodes, 9).len(), 5);
    }

    #[test]
    fn a_close_group_takes_one_node_per_prefix() {
        let mut nodes: Vec<_> = (0..40u8)
            .map(|i| NodeInfo {
                id: NodeId([i; 32]),
                url: format!("http://127.0.200.{}:7000", i + 1),
                rewards: Address::ZERO,
            })
            .collect();
        nodes.push(NodeInfo {
            id: NodeId([0xee; 32]),
            url: "http://127.0.5.1:7000".into(),
            rewards: Address::ZERO,
        });
        nodes.push(NodeInfo {
            id: NodeId([0xef; 32]),
            url: "http://[2001:db8:1:2::1]:7000".into(),
            rewards: Address::ZERO,
        });
        nodes.push(NodeInfo {
            id: NodeId([0xf0; 32]),
            url: "http://[2001:db8:1:3::1]:7000".into(),
            rewards: Address::ZERO,
        });
        let group = Diversity::default().close_group(&ChunkAddress([0; 32]), &nodes, 7);
        let ids: Vec<u8> = group.iter().map(|n| n.id.0[0]).collect();
        assert_eq!(ids, vec![0x00, 0xee, 0xef], "one per /24 and per /48");
        let wide = Diversity {
            ipv4_prefix: 32,
            ipv6_prefix: 64,
        };
        assert_eq!(wide.close_group(&ChunkAddress([0; 32]), &nodes, 7).len(), 7);
        assert_eq!(
            Diversity::default().prefix_of("http://node.example.org:1"),
            Diversity::default().prefix_of("http://other.example.org:2")
        );
        assert_eq!(
            NetPrefix::of("::ffff:10.1.2.3".parse().unwrap(), 24, 48),
            NetPrefix::of("10.1.2.200".parse().unwrap(), 24, 48)
        );
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
            private: false,
            diversity: Diversity {
                ipv4_prefix: 16,
                ipv6_prefix: 32,
            },
        };
        let back: NetworkConfig = serde_json::from_str(&config.to_json()).unwrap();
        assert_eq!(back, config);
        assert!(!config.to_json().contains("funded_key"));
        assert!(
            !config.to_json().contains("private"),
            "a public network says nothing"
        );
        let private = NetworkConfig {
            private: true,
            ..config
        };
        assert!(private.to_json().contains("\"private\": true"));
        let back: NetworkConfig = serde_json::from_str(&private.to_json()).unwrap();
        assert_eq!(back, private);
    }
}
