//! The isolated devnet's network (`ferry devnet up --isolated`): anvil and each node in a
//! network namespace of its own, joined by a bridge on which the host has an address too, so the
//! client on the host reaches them by their namespace addresses, as it would reach other
//! machines; with `--uplink-mbit`, a token bucket (`tc … tbf`) on the bridge shapes what the
//! host sends into that network, while node-to-node traffic (bridged port to port) is not shaped.
//!
//! Invariants:
//! - every namespace, link and qdisc is recorded in the devnet's state file BEFORE it is created
//!   (the caller saves each [`NetResource`] first), so `ferry devnet down` removes whatever exists
//!   even after `up` was killed midway; removal goes in reverse order and skips what is gone;
//! - only what this devnet created is touched: names carry the prefix `fy` plus six hex digits
//!   of the devnet's instance id, a name that already exists is refused before it is recorded,
//!   and the subnet (a `10.x.y.0/24`) is chosen at random among those no route or address of the
//!   host overlaps;
//! - `ip` and `tc` run through [`std::process`] with their exit status checked; a failure names
//!   the command and what it printed. Blocking: call off the async workers.

use std::net::Ipv4Addr;
use std::path::Path;
use std::process::Command;

use serde::{Deserialize, Serialize};

use super::DevnetError;

/// The most nodes an isolated devnet holds: one /24, less the host, anvil and broadcast.
pub const MAX_NODES: usize = 250;

/// The inside end of every namespace's link.
const INSIDE_LINK: &str = "eth0";

/// Where a devnet's processes run and how the client reaches them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Topology {
    /// All on 127.0.0.1.
    #[default]
    Loopback,
    /// Each in its own network namespace on a bridge (Linux, root): see [`IsolatedNetwork`].
    Isolated {
        /// Shapes host→network traffic to this many Mbit/s.
        uplink_mbit: Option<u32>,
    },
}

impl Topology {
    pub(super) fn name(self) -> &'static str {
        match self {
            Topology::Loopback => "loopback",
            Topology::Isolated { .. } => "isolated",
        }
    }
}

/// What an isolated devnet owns on this machine, as its state file records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IsolatedNetwork {
    /// The prefix of every name it creates: `fy` and six hex digits.
    pub prefix: String,
    /// Its subnet's first address (`10.x.y.0`); the subnet is a /24.
    pub subnet: Ipv4Addr,
    /// The bridge: the host's link into the network, and the device shaping applies to.
    pub bridge: String,
    /// The shaped rate of host→network traffic, in Mbit/s, if any.
    pub uplink_mbit: Option<u32>,
    /// What has been (or is about to be) created, in creation order.
    pub resources: Vec<NetResource>,
}

/// One thing the isolated network creates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NetResource {
    /// The bridge, with the host's address on it.
    Bridge {
        /// The bridge's name.
        name: String,
        /// The host's address on it.
        host_address: Ipv4Addr,
    },
    /// A network namespace.
    Namespace {
        /// Its name (as `ip netns list` shows it).
        name: String,
    },
    /// A veth pair from the bridge into a namespace, where it is `eth0` with `address`.
    Link {
        /// The host end's name (a port of the bridge).
        name: String,
        /// The bridge it joins.
        bridge: String,
        /// The namespace the other end lives in.
        namespace: String,
        /// The namespace's address.
        address: Ipv4Addr,
    },
    /// A token bucket on `device`'s egress.
    Shaping {
        /// The shaped device.
        device: String,
        /// The rate in Mbit/s.
        mbit: u32,
    },
}

/// Where one devnet process runs: its namespace and address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetnsAddress {
    /// The namespace.
    pub namespace: String,
    /// Its address on the bridge.
    pub address: Ipv4Addr,
}

impl IsolatedNetwork {
    /// Plans an isolated network: a free subnet, nothing created yet, names given by
    /// [`IsolatedNetwork::name_after`]. Fails when this is not root, `ip` (or, to shape, `tc`)
    /// is missing, or `nodes` is too many. Blocking.
    pub fn plan(nodes: usize, uplink_mbit: Option<u32>) -> Result<Self, DevnetError> {
        check_prerequisites(uplink_mbit.is_some())?;
        if nodes > MAX_NODES {
            return Err(DevnetError::TooManyIsolatedNodes {
                nodes,
                max: MAX_NODES,
            });
        }
        let mut planned = Self {
            prefix: String::new(),
            bridge: String::new(),
            subnet: free_subnet()?,
            uplink_mbit,
            resources: Vec::new(),
        };
        planned.name_after(rand::random());
        Ok(planned)
    }

    /// Names everything after devnet `instance`: `fy` and its low six hex digits.
    pub fn name_after(&mut self, instance: u64) {
        self.prefix = format!("fy{:06x}", instance & 0xff_ffff);
        self.bridge = format!("{}br", self.prefix);
    }

    /// The host's address on the bridge (`.1`).
    pub fn host_address(&self) -> Ipv4Addr {
        self.address(1)
    }

    /// Where anvil runs (`.2`).
    pub fn anvil(&self) -> NetnsAddress {
        NetnsAddress {
            namespace: format!("{}a", self.prefix),
            address: self.address(2),
        }
    }

    /// Where node `index` runs (`.3` on).
    pub fn node(&self, index: usize) -> NetnsAddress {
        NetnsAddress {
            namespace: format!("{}n{index}", self.prefix),
            address: self.address(3 + index as u32),
        }
    }

    fn address(&self, host: u32) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.subnet) + host)
    }

    /// What to create, in order: the bridge, shaping, then a namespace and its link for anvil
    /// and each of `nodes` nodes.
    pub fn resources_for(&self, nodes: usize) -> Vec<NetResource> {
        let mut resources = vec![NetResource::Bridge {
            name: self.bridge.clone(),
            host_address: self.host_address(),
        }];
        if let Some(mbit) = self.uplink_mbit {
            resources.push(NetResource::Shaping {
                device: self.bridge.clone(),
                mbit,
            });
        }
        let placements = std::iter::once(self.anvil()).chain((0..nodes).map(|i| self.node(i)));
        for (index, placement) in placements.enumerate() {
            resources.push(NetResource::Namespace {
                name: placement.namespace.clone(),
            });
            resources.push(NetResource::Link {
                name: format!("{}v{index}", self.prefix),
                bridge: self.bridge.clone(),
                namespace: placement.namespace,
                address: placement.address,
            });
        }
        resources
    }

    /// Removes every recorded resource that still exists, last created first. Returns the
    /// failures; the rest is removed regardless. Blocking.
    pub fn tear_down(&self) -> Vec<DevnetError> {
        self.resources
            .iter()
            .rev()
            .filter_map(|resource| resource.remove().err())
            .collect()
    }
}

impl NetResource {
    /// True if something of this name already exists (so it is not ours to create). Blocking.
    pub fn exists(&self) -> bool {
        match self {
            NetResource::Bridge { name, .. } | NetResource::Link { name, .. } => link_exists(name),
            NetResource::Namespace { name } => namespace_exists(name),
            NetResource::Shaping { device, .. } => {
                link_exists(device)
                    && run_tool("tc", &["qdisc", "show", "dev", device, "root"])
                        .is_ok_and(|shown| shown.contains("tbf"))
            }
        }
    }

    /// Creates and configures it. Blocking.
    pub fn create(&self) -> Result<(), DevnetError> {
        match self {
            NetResource::Bridge { name, host_address } => {
                ip(&["link", "add", name, "type", "bridge"])?;
                ip(&["addr", "add", &format!("{host_address}/24"), "dev", name])?;
                ip(&["link", "set", name, "up"])
            }
            NetResource::Namespace { name } => {
                ip(&["netns", "add", name])?;
                ip(&["-n", name, "link", "set", "lo", "up"])
            }
            NetResource::Link {
                name,
                bridge,
                namespace,
                address,
            } => {
                let peer = ["peer", "name", INSIDE_LINK, "netns", namespace];
                ip(&[&["link", "add", name, "type", "veth"][..], &peer].concat())?;
                ip(&["link", "set", name, "master", bridge])?;
                ip(&["link", "set", name, "up"])?;
                let cidr = format!("{address}/24");
                ip(&["-n", namespace, "addr", "add", &cidr, "dev", INSIDE_LINK])?;
                ip(&["-n", namespace, "link", "set", INSIDE_LINK, "up"])
            }
            NetResource::Shaping { device, mbit } => {
                let (rate, burst) = (format!("{mbit}mbit"), burst_bytes(*mbit).to_string());
                let args = ["qdisc", "add", "dev", device, "root", "tbf", "rate", &rate];
                run_tool(
                    "tc",
                    &[&args[..], &["burst", &burst, "latency", "50ms"]].concat(),
                )
                .map(drop)
            }
        }
    }

    /// Removes it if it exists. Blocking.
    fn remove(&self) -> Result<(), DevnetError> {
        if !self.exists() {
            return Ok(());
        }
        match self {
            NetResource::Bridge { name, .. } | NetResource::Link { name, .. } => {
                ip(&["link", "del", name])
            }
            NetResource::Namespace { name } => ip(&["netns", "del", name]),
            NetResource::Shaping { device, .. } => {
                run_tool("tc", &["qdisc", "del", "dev", device, "root"]).map(drop)
            }
        }
    }
}

/// Removes what exists of an isolated devnet's network (nothing for a loopback one), on a
/// blocking thread; the failures, if any, in one error.
pub(super) async fn tear_down(isolated: Option<IsolatedNetwork>) -> Result<(), DevnetError> {
    let Some(isolated) = isolated else {
        return Ok(());
    };
    let failures = super::blocking(move || isolated.tear_down()).await;
    if failures.is_empty() {
        return Ok(());
    }
    let failures: Vec<String> = failures.iter().map(ToString::to_string).collect();
    Err(DevnetError::TearDown {
        failures: failures.join("; "),
    })
}

/// The token bucket's depth: 4 ms at the rate, at least 64 KiB (one GSO segment).
fn burst_bytes(mbit: u32) -> u64 {
    (u64::from(mbit) * 1_000_000 / 8 / 250).max(64 * 1024)
}

/// Root and `ip` (and `tc` to shape) are needed; says which is missing.
fn check_prerequisites(shaping: bool) -> Result<(), DevnetError> {
    let mut missing = Vec::new();
    if !rustix::process::geteuid().is_root() {
        missing.push("root (run it with sudo)");
    }
    if !on_path("ip") {
        missing.push("`ip` (apt-get install iproute2)");
    }
    if shaping && !on_path("tc") {
        missing.push("`tc` (apt-get install iproute2)");
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(DevnetError::IsolationUnavailable {
            missing: missing.join(", "),
        })
    }
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

/// A random `10.x.y.0` (x from 64) whose /24 no route or address of the host overlaps.
fn free_subnet() -> Result<Ipv4Addr, DevnetError> {
    let routes = run_tool("ip", &["-4", "route", "show", "table", "all"])?;
    let addresses = run_tool("ip", &["-4", "-o", "addr", "show"])?;
    let taken: Vec<(u32, u32)> = routes
        .lines()
        .chain(addresses.lines())
        .flat_map(str::split_whitespace)
        .filter_map(parse_prefix)
        .collect();
    for _ in 0..1000 {
        let candidate = u32::from(Ipv4Addr::new(10, rand::random_range(64..=254), 0, 0))
            | (u32::from(rand::random::<u8>()) << 8);
        if !taken.iter().any(|&taken| overlaps(taken, (candidate, 24))) {
            return Ok(Ipv4Addr::from(candidate));
        }
    }
    Err(DevnetError::NoFreeSubnet)
}

/// `10.1.2.0/24` or `10.1.2.3` as (address, prefix length).
fn parse_prefix(word: &str) -> Option<(u32, u32)> {
    let (address, length) = word.split_once('/').unwrap_or((word, "32"));
    let address: Ipv4Addr = address.parse().ok()?;
    let length: u32 = length.parse().ok().filter(|&length| length <= 32)?;
    Some((u32::from(address), length))
}

fn overlaps((a, a_len): (u32, u32), (b, b_len): (u32, u32)) -> bool {
    let shorter = a_len.min(b_len);
    let mask = u32::MAX.checked_shl(32 - shorter).unwrap_or(0);
    a & mask == b & mask
}

fn link_exists(name: &str) -> bool {
    Path::new("/sys/class/net").join(name).exists()
}

fn namespace_exists(name: &str) -> bool {
    Path::new("/run/netns").join(name).exists()
}

fn ip(args: &[&str]) -> Result<(), DevnetError> {
    run_tool("ip", args).map(drop)
}

/// Runs `program args`; its stdout, or an error naming the command and what it printed.
fn run_tool(program: &str, args: &[&str]) -> Result<String, DevnetError> {
    let command = format!("{program} {}", args.join(" "));
    let output = Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|source| DevnetError::NetCommandStart {
            command: command.clone(),
            source,
        })?;
    if !output.status.success() {
        return Err(DevnetError::NetCommand {
            command,
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> IsolatedNetwork {
        IsolatedNetwork {
            prefix: "fy00abcd".into(),
            subnet: Ipv4Addr::new(10, 77, 3, 0),
            bridge: "fy00abcdbr".into(),
            uplink_mbit: Some(200),
            resources: Vec::new(),
        }
    }

    #[test]
    fn addresses_and_names_fit_the_subnet_and_interface_name_limits() {
        let network = sample();
        assert_eq!(network.host_address(), Ipv4Addr::new(10, 77, 3, 1));
        assert_eq!(network.anvil().address, Ipv4Addr::new(10, 77, 3, 2));
        let last = network.node(MAX_NODES - 1);
        assert_eq!(last.address, Ipv4Addr::new(10, 77, 3, 252));
        let resources = network.resources_for(MAX_NODES);
        for resource in &resources {
            if let NetResource::Link { name, .. } | NetResource::Bridge { name, .. } = resource {
                assert!(name.len() <= 15, "{name} is too long for a link name");
            }
        }
        assert_eq!(resources.len(), 2 + 2 * (MAX_NODES + 1));
        assert!(matches!(
            resources[1],
            NetResource::Shaping { mbit: 200, .. }
        ));
    }

    #[test]
    fn the_state_records_resources_by_kind() {
        let mut network = sample();
        network.resources = network.resources_for(1);
        let json = serde_json::to_value(&network).unwrap();
        assert_eq!(json["resources"][0]["kind"], "bridge");
        assert_eq!(json["resources"][2]["kind"], "namespace");
        assert_eq!(json["resources"][3]["namespace"], "fy00abcda");
        let back: IsolatedNetwork = serde_json::from_value(json).unwrap();
        assert_eq!(back, network);
    }

    #[test]
    fn overlapping_prefixes_are_recognised() {
        let prefix = |text| parse_prefix(text).unwrap();
        assert!(overlaps(prefix("10.0.0.0/8"), prefix("10.77.3.0/24")));
        assert!(overlaps(prefix("10.77.3.9"), prefix("10.77.3.0/24")));
        assert!(overlaps(prefix("0.0.0.0/0"), prefix("10.77.3.0/24")));
        assert!(!overlaps(prefix("10.77.4.0/24"), prefix("10.77.3.0/24")));
        assert!(!overlaps(prefix("192.0.2.0/24"), prefix("10.77.3.0/24")));
        assert_eq!(parse_prefix("default"), None);
        assert_eq!(parse_prefix("10.1.2.3/33"), None);
    }

    #[test]
    fn the_bucket_holds_four_milliseconds_or_one_segment() {
        assert_eq!(burst_bytes(200), 100_000);
        assert_eq!(burst_bytes(10), 64 * 1024);
    }
}
