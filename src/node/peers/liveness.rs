//! The peer view when SWIM tells who is alive: what a refresh still asks, who the view holds,
//! and the nodes this node knows closest to an address (`GET /closest/{address}`).
//!
//! With the node's [`Membership`] attached, a refresh no longer asks every known peer for its
//! `/info`. It asks only the bootstrap URLs it never heard from (each once, so a node learns
//! the ids behind its bootstrap list) and [`SEEDS`] bootstrap nodes picked at random (which
//! keep a few contacts outside the node's neighbourhood fresh), then offers the membership up
//! to [`JOINS_PER_REFRESH`] known nodes of its neighbourhood that are not members yet. When it
//! knows none, it asks the seeds for the nodes they know closest to this node and offers
//! those. Announcements go to the seeds only. In a network larger than the neighbourhood, the
//! seeds are asked and announced to on every [`SEED_EVERY`]-th refresh only. A node's periodic
//! work is therefore a handful of requests whatever the size of the network, plus SWIM's one
//! probe per period.
//!
//! Invariants:
//! - the view ([`Peers::all`]) is the node itself, the members SWIM holds alive that the
//!   vault's registry admits (no more than [`PEERS_PER_PREFIX`] per network prefix of an IP
//!   URL, counted together with the table's), and the peers that answered `/info` within [`super::PEER_EXPIRY`];
//! - a node learned from another node's `/closest` answer is only offered to SWIM, which
//!   admits it as a member only from its own signed identity ([`crate::node::membership`]);
//!   every message to it goes through the node's [`crate::node::outbound::Outbound`] client;
//! - `/closest` answers at most [`CLOSEST_ANSWER`] nodes of the view, from memory, never after
//!   a request.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

use futures::StreamExt;
use rand::seq::SliceRandom;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::{PARALLEL_QUERIES, PEER_MEMORY, PEERS_PER_PREFIX, Peers};
use crate::node::gossip;
use crate::node::membership::Neighbourhood;
use crate::node::membership::driver::Membership;
use crate::node::outbound::Outbound;
use crate::node::prefixes::prefix_of;
use crate::wire::network::{NetPrefix, NodeInfo, node_url};
use crate::wire::registry::Registry;
use crate::wire::types::{ChunkAddress, NodeId};

/// Bootstrap nodes a refresh asks for `/info` (and announces this node to), picked at random.
pub const SEEDS: usize = 3;
/// In a network larger than the node's neighbourhood, the seeds are asked, and the node
/// announced to them, on every this many refreshes only: contacts outside the neighbourhood
/// are a sample kept fresh, not a duty, and SWIM follows the neighbourhood.
pub const SEED_EVERY: u64 = 3;
/// Known nodes of the neighbourhood offered to SWIM per refresh when they are not members.
pub const JOINS_PER_REFRESH: usize = 4;
/// Bootstrap URLs never heard from that one refresh asks.
pub const NEW_BOOTSTRAP_PER_REFRESH: usize = 512;
/// The most nodes a `/closest` answer lists.
pub const CLOSEST_ANSWER: usize = 20;

/// Up to `count` of `items`, picked at random.
pub(crate) fn sample<T>(mut items: Vec<T>, count: usize) -> Vec<T> {
    items.shuffle(&mut rand::rng());
    items.truncate(count);
    items
}

/// The prefix of a URL whose host is an IP literal (a name is not resolved here).
fn literal_prefix(url: &str, peers: &Peers) -> Option<NetPrefix> {
    let parsed = reqwest::Url::parse(url).ok()?;
    let host = parsed.host_str()?;
    let ip: IpAddr = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()?;
    Some(prefix_of(ip, peers.diversity()))
}

/// The peers in the table: their ids, and how many of each prefix count against
/// [`PEERS_PER_PREFIX`] (bootstrap URLs do not).
#[derive(Debug, Default)]
pub(super) struct InTable {
    ids: HashSet<NodeId>,
    per_prefix: HashMap<NetPrefix, usize>,
}

impl InTable {
    /// Counts the `known` table, whose `bootstrap` URLs do not count.
    pub(super) fn of(known: &HashMap<String, super::Known>, bootstrap: &HashSet<String>) -> Self {
        let mut table = Self::default();
        for (url, peer) in known {
            table.ids.insert(peer.info.id);
            if let Some(prefix) = peer.prefix.filter(|_| !bootstrap.contains(url)) {
                *table.per_prefix.entry(prefix).or_default() += 1;
            }
        }
        table
    }
}

impl Peers {
    /// Starts the node's SWIM membership (signing with `signer`) over the registry as last
    /// read, sending through the node's outbound client, until `shutdown`; from then on the
    /// view's liveness comes from it.
    pub(crate) fn start_swim(
        &self,
        signer: alloy::signers::local::PrivateKeySigner,
        shutdown: CancellationToken,
    ) -> JoinHandle<()> {
        let (membership, task) =
            Membership::start(&self.me, signer, self.registry(), self.outbound(), shutdown);
        if self.swim.set(membership).is_err() {
            tracing::warn!("the node's membership was started twice; keeping the first");
        }
        task
    }

    /// The node's SWIM membership, once started.
    pub(crate) fn swim(&self) -> Option<&Membership> {
        self.swim.get()
    }

    /// The node's client for requests to peers.
    pub(crate) fn outbound(&self) -> Outbound {
        self.http.clone()
    }

    /// The SWIM members alive that `registry` admits, without exceeding, together with the
    /// peers `in_table`, [`PEERS_PER_PREFIX`] per prefix.
    pub(super) fn swim_alive(&self, registry: &Registry, in_table: InTable) -> Vec<NodeInfo> {
        let Some(swim) = self.swim.get() else {
            return Vec::new();
        };
        let InTable {
            ids,
            mut per_prefix,
        } = in_table;
        swim.alive()
            .iter()
            .filter(|member| member.id != self.me.id && registry.admits(member))
            .filter(|member| {
                // A member in the table counts there already.
                ids.contains(&member.id) || within_cap(&mut per_prefix, member, self)
            })
            .cloned()
            .collect()
    }
}

/// Counts `member` in its prefix; `false` when that takes the prefix past
/// [`PEERS_PER_PREFIX`] (a URL whose host is a name is not counted).
fn within_cap(
    per_prefix: &mut HashMap<NetPrefix, usize>,
    member: &NodeInfo,
    peers: &Peers,
) -> bool {
    match literal_prefix(&member.url, peers) {
        Some(prefix) => {
            let count = per_prefix.entry(prefix).or_default();
            *count += 1;
            *count <= PEERS_PER_PREFIX
        }
        None => true,
    }
}

impl Peers {
    /// A refresh with SWIM attached (see the module's text), within `deadline`.
    pub(super) async fn refresh_by_swim(
        &self,
        bootstrap: &[String],
        deadline: tokio::time::Instant,
        seeds: bool,
    ) {
        let (never_heard, heard): (Vec<String>, Vec<String>) = {
            let known = self.known.read().unwrap_or_else(|e| e.into_inner());
            bootstrap
                .iter()
                .filter(|url| !self.strikes.is_dropped(url))
                .cloned()
                .partition(|url| !known.contains_key(url))
        };
        let mut due = never_heard;
        due.truncate(NEW_BOOTSTRAP_PER_REFRESH);
        if seeds {
            due.extend(sample(heard, SEEDS));
        }
        self.probe_within(due, deadline).await;
        let registry = self.registry();
        let hood = Neighbourhood::of(self.me.id, registry.positions());
        let Some(swim) = self.swim.get() else {
            return;
        };
        let alive: HashSet<NodeId> = swim.alive().iter().map(|member| member.id).collect();
        let missing: Vec<NodeInfo> = self
            .seen_within(PEER_MEMORY)
            .into_iter()
            .filter(|node| node.id != self.me.id && hood.contains(&node.id))
            .filter(|node| !alive.contains(&node.id))
            .collect();
        if !missing.is_empty() {
            swim.offer_join(sample(missing, JOINS_PER_REFRESH));
        } else if alive.len() + 1 < hood.len() {
            let found = tokio::time::timeout_at(deadline, self.ask_seeds(bootstrap))
                .await
                .unwrap_or_default();
            let found = found
                .into_iter()
                .filter(|node| hood.contains(&node.id) && !alive.contains(&node.id))
                .filter(|node| node.id != self.me.id && registry.admits(node))
                .filter(|node| node_url(&node.url).is_ok_and(|url| url == node.url))
                .collect();
            swim.offer_join(sample(found, JOINS_PER_REFRESH));
        }
        self.forget_the_long_silent();
    }

    /// Whether refresh number `round` asks the seeds and announces this node: every round
    /// while the whole network is this node's neighbourhood, every [`SEED_EVERY`]-th once it
    /// is larger.
    pub(super) fn seeds_due(&self, round: u64) -> bool {
        let registry = self.registry();
        let hood = Neighbourhood::of(self.me.id, registry.positions());
        hood.len() >= registry.len() || round % SEED_EVERY == 1
    }

    /// Looks up the nodes of `wanted` that are not in the view, within `deadline`: asks
    /// [`SEEDS`] seeds for the nodes they know closest to each, then the nodes those name
    /// closest to it, and asks every URL that claims one of them for its `/info`, which alone
    /// adds it to the view. How a node learns a quote's issuer from outside its
    /// neighbourhood, in at most `2 × SEEDS` requests per node wanted.
    pub(super) async fn locate(&self, wanted: &[NodeId], deadline: tokio::time::Instant) {
        let in_view: HashSet<NodeId> = self.all().iter().map(|node| node.id).collect();
        let mut missing: Vec<NodeId> = wanted
            .iter()
            .filter(|id| !in_view.contains(id))
            .copied()
            .collect();
        missing.sort();
        missing.dedup();
        if missing.is_empty() {
            return;
        }
        let registry = self.registry();
        let seeds = sample(self.bootstrap().await, SEEDS);
        let asks: Vec<(String, NodeId)> = missing
            .iter()
            .flat_map(|id| seeds.iter().map(move |url| (url.clone(), *id)))
            .collect();
        let first = tokio::time::timeout_at(deadline, self.ask_closest(asks))
            .await
            .unwrap_or_default();
        let mut claims: HashSet<String> = HashSet::new();
        let mut next: Vec<(String, NodeId)> = Vec::new();
        for (id, answer) in first {
            let mut near: Vec<NodeInfo> = answer
                .into_iter()
                .filter(|node| registry.admits(node))
                .filter(|node| node_url(&node.url).is_ok_and(|url| url == node.url))
                .collect();
            near.sort_by_key(|node| node.id.distance(&ChunkAddress(id.0)));
            for node in near.iter().filter(|node| node.id == id) {
                claims.insert(node.url.clone());
            }
            next.extend(
                near.into_iter()
                    .filter(|node| node.id != id && node.id != self.me.id)
                    .take(SEEDS)
                    .map(|node| (node.url, id)),
            );
        }
        next.sort();
        next.dedup();
        let second = tokio::time::timeout_at(deadline, self.ask_closest(next))
            .await
            .unwrap_or_default();
        for (id, answer) in second {
            claims.extend(
                answer
                    .into_iter()
                    .filter(|node| node.id == id && registry.admits(node))
                    .filter(|node| node_url(&node.url).is_ok_and(|url| url == node.url))
                    .map(|node| node.url),
            );
        }
        self.probe_within(claims.into_iter().collect(), deadline)
            .await;
    }

    /// Each `(url, id)`: what the node at `url` knows closest to `id`, with `id` (a node that
    /// does not answer gives nothing).
    async fn ask_closest(&self, asks: Vec<(String, NodeId)>) -> Vec<(NodeId, Vec<NodeInfo>)> {
        futures::stream::iter(asks)
            .map(|(url, id)| async move {
                let answer = gossip::closest(&self.http, &url, &ChunkAddress(id.0)).await;
                (id, answer.unwrap_or_default())
            })
            .buffer_unordered(PARALLEL_QUERIES)
            .collect()
            .await
    }

    /// What [`SEEDS`] random bootstrap nodes know closest to this node.
    async fn ask_seeds(&self, bootstrap: &[String]) -> Vec<NodeInfo> {
        let address = ChunkAddress(self.me.id.0);
        let seeds = sample(bootstrap.to_vec(), SEEDS);
        let answers: Vec<_> = futures::stream::iter(seeds)
            .map(|url| async move { gossip::closest(&self.http, &url, &address).await })
            .buffer_unordered(PARALLEL_QUERIES)
            .collect()
            .await;
        answers
            .into_iter()
            .filter_map(Result::ok)
            .flatten()
            .collect()
    }

    /// Up to [`CLOSEST_ANSWER`] nodes of this node's view ([`Peers::all`], itself included)
    /// closest to `address`: only nodes known alive, never ones merely remembered (a node that
    /// answered once and then stalled is no place to send a chunk).
    pub(crate) fn closest(&self, address: &ChunkAddress) -> Vec<NodeInfo> {
        let mut nodes = self.all();
        nodes.sort_by_key(|node| node.id.distance(address));
        nodes.truncate(CLOSEST_ANSWER);
        nodes
    }
}
