//! A discrete-event simulation of the membership protocol: many nodes running the real
//! [`Swim`] state in one process, over an in-process transport with latency and loss, on a
//! virtual clock. It is how the protocol is measured at 10,000 nodes on a small machine.
//!
//! What is real: each node's [`Swim`] (foca, the wire codec, the admission gate with real
//! signed identities and a real registry, the neighbourhoods). What is simulated: the clock,
//! the network (each message takes a uniform random latency, or is lost with a given
//! probability) and the chain (every node reads the same registry, in which the nodes that
//! join later are already registered, as `ferry-node register` does before a node starts).
//! Signature checks go through one [`SignatureCache`] shared by all nodes: checking is a pure
//! function of the identity, so sharing changes no outcome, only the time the simulation takes.
//!
//! Invariants: events run in time order (ties in the order they were scheduled), so a run is
//! a function of its [`SimConfig`]; a stopped node sends, receives and times nothing.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy::signers::local::PrivateKeySigner;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::{
    Gate, GateView, Identity, MemberChange, Neighbourhood, SignatureCache, Swim, SwimTimer,
};
use crate::wire::registry::Registry;
use crate::wire::types::NodeId;

/// The nodes around a node that must notice it fail or join: its closest by id.
pub const CLOSE_NEIGHBOURS: usize = 7;

/// What to simulate.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Nodes running from the start.
    pub nodes: usize,
    /// Nodes stopped (one at a time, evenly spread over the measured window).
    pub failures: usize,
    /// Registered nodes started during the measured window (evenly spread).
    pub joins: usize,
    /// Time for the network to settle before anything is measured.
    pub warmup: Duration,
    /// The measured window.
    pub measured: Duration,
    /// The share of messages lost (0.01: 1%).
    pub loss: f64,
    /// The shortest and longest one-way latency of a message.
    pub latency: (Duration, Duration),
    /// Seeds every random choice.
    pub seed: u64,
}

impl SimConfig {
    /// `nodes` nodes, `loss` message loss, with failures and joins sized to the network.
    pub fn new(nodes: usize, loss: f64) -> Self {
        Self {
            nodes,
            failures: 20,
            joins: 20,
            warmup: Duration::from_secs(120),
            measured: Duration::from_secs(240),
            loss,
            latency: (Duration::from_millis(10), Duration::from_millis(100)),
            seed: 7,
        }
    }
}

/// What a simulation measured.
#[derive(Debug, Clone)]
pub struct SimReport {
    /// Nodes at the start.
    pub nodes: usize,
    /// Message loss.
    pub loss: f64,
    /// Messages sent per running node per second, over the measured window.
    pub messages_per_node_second: f64,
    /// Bytes sent per running node per second, over the measured window.
    pub bytes_per_node_second: f64,
    /// Members each node held alive at the end (the mean), and the largest neighbourhood.
    pub mean_view: f64,
    /// The largest neighbourhood.
    pub largest_neighbourhood: usize,
    /// For each stopped node, how long until each of its close neighbours saw it down.
    pub detection: Vec<Duration>,
    /// Nodes stopped.
    pub failures: usize,
    /// Stopped nodes some close neighbour never saw down by the end.
    pub undetected: usize,
    /// For each joining node, how long until all its close neighbours held it alive.
    pub join: Vec<Duration>,
    /// Joining nodes some close neighbour did not hold alive by the end.
    pub not_joined: usize,
    /// Times a node declared a running node down.
    pub false_downs: usize,
    /// Node-hours of running nodes over the measured window (the false-down rate's base).
    pub node_hours: f64,
    /// Wall time the simulation took.
    pub wall: Duration,
}

impl SimReport {
    /// False downs per running node per hour.
    pub fn false_down_rate(&self) -> f64 {
        self.false_downs as f64 / self.node_hours.max(f64::MIN_POSITIVE)
    }
}

fn quantile(values: &[Duration], q: f64) -> Duration {
    let mut sorted = values.to_vec();
    sorted.sort();
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

impl fmt::Display for SimReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = |d: Duration| format!("{:.1} s", d.as_secs_f64());
        writeln!(
            f,
            "{} nodes, {:.1}% loss (simulated in {:.0} s):",
            self.nodes,
            self.loss * 100.0,
            self.wall.as_secs_f64()
        )?;
        writeln!(
            f,
            "  per node: {:.2} messages/s, {:.0} bytes/s; {:.1} members followed (largest neighbourhood {})",
            self.messages_per_node_second,
            self.bytes_per_node_second,
            self.mean_view,
            self.largest_neighbourhood
        )?;
        writeln!(
            f,
            "  failure noticed by a close neighbour: median {}, p90 {}, max {} ({} failures, {} not noticed by all)",
            secs(quantile(&self.detection, 0.5)),
            secs(quantile(&self.detection, 0.9)),
            secs(quantile(&self.detection, 1.0)),
            self.failures,
            self.undetected
        )?;
        writeln!(
            f,
            "  joining node known by all its close neighbours: median {}, max {} ({} joins, {} incomplete)",
            secs(quantile(&self.join, 0.5)),
            secs(quantile(&self.join, 1.0)),
            self.join.len() + self.not_joined,
            self.not_joined
        )?;
        write!(
            f,
            "  false downs: {} ({:.4} per node-hour)",
            self.false_downs,
            self.false_down_rate()
        )
    }
}

enum SimEvent {
    Deliver { to: usize, bytes: Vec<u8> },
    Timer { node: usize, timer: SwimTimer },
    Stop { node: usize },
    Start { node: usize },
}

struct Sim {
    now: Duration,
    queue: BinaryHeap<Reverse<(Duration, u64)>>,
    events: HashMap<u64, SimEvent>,
    next_event: u64,
    rng: StdRng,
    config: SimConfig,
    ids: Vec<NodeId>,
    index: HashMap<NodeId, usize>,
    swims: Vec<Option<Swim>>,
    measuring: bool,
    messages: u64,
    bytes: u64,
    stopped_at: HashMap<usize, Duration>,
    started_at: HashMap<usize, Duration>,
    noticed_down: HashMap<(usize, usize), Duration>,
    known_up: HashMap<(usize, usize), Duration>,
    false_downs: usize,
}

/// Runs one simulation.
pub fn run(config: &SimConfig) -> SimReport {
    let total = config.nodes + config.joins;
    let mut rng = StdRng::seed_from_u64(config.seed);
    let signers: Vec<PrivateKeySigner> = (0..total)
        .map(|_| PrivateKeySigner::from_bytes(&rng.random::<[u8; 32]>().into()).expect("a key"))
        .collect();
    let ids: Vec<NodeId> = (0..total).map(|_| NodeId(rng.random())).collect();
    let registry = Arc::new(Registry::new(
        1,
        signers.iter().zip(&ids).map(|(s, id)| (s.address(), *id)),
    ));
    let signatures = SignatureCache::default();
    let mut hoods: HashMap<u32, Vec<(NodeId, Arc<Neighbourhood>)>> = HashMap::new();
    let mut swims = Vec::with_capacity(total);
    for (node, (signer, id)) in signers.into_iter().zip(&ids).enumerate() {
        let neighbourhood = shared_neighbourhood(&mut hoods, *id, &registry);
        let gate = Gate::new(
            GateView {
                registry: registry.clone(),
                neighbourhood,
            },
            signatures.clone(),
        );
        let url = format!("http://sim-{node}:7000");
        let me = Identity::sign(&url, *id, &signer, 1);
        let renew = {
            let id = *id;
            Box::new(move |previous: u64| Identity::sign(&url, id, &signer, previous + 1))
        };
        swims.push(Some(Swim::new(me, gate, renew, config.seed ^ node as u64)));
    }
    let sim = Sim {
        now: Duration::ZERO,
        queue: BinaryHeap::new(),
        events: HashMap::new(),
        next_event: 0,
        rng,
        config: config.clone(),
        index: ids.iter().enumerate().map(|(i, id)| (*id, i)).collect(),
        ids,
        swims,
        measuring: false,
        messages: 0,
        bytes: 0,
        stopped_at: HashMap::new(),
        started_at: HashMap::new(),
        noticed_down: HashMap::new(),
        known_up: HashMap::new(),
        false_downs: 0,
    };
    sim.play()
}

/// Nodes of one neighbourhood share one computed [`Neighbourhood`].
fn shared_neighbourhood(
    hoods: &mut HashMap<u32, Vec<(NodeId, Arc<Neighbourhood>)>>,
    id: NodeId,
    registry: &Registry,
) -> Arc<Neighbourhood> {
    for depth_hoods in hoods.values() {
        for (_, hood) in depth_hoods {
            if hood.contains(&id) {
                return hood.clone();
            }
        }
    }
    let hood = Arc::new(Neighbourhood::of(id, registry.positions()));
    hoods
        .entry(hood.depth())
        .or_default()
        .push((id, hood.clone()));
    hood
}

impl Sim {
    fn schedule(&mut self, after: Duration, event: SimEvent) {
        let id = self.next_event;
        self.next_event += 1;
        self.events.insert(id, event);
        self.queue.push(Reverse((self.now + after, id)));
    }

    fn running(&self, node: usize) -> bool {
        !self.stopped_at.contains_key(&node)
            && (node < self.config.nodes || self.started_at.contains_key(&node))
    }

    fn play(mut self) -> SimReport {
        let wall = Instant::now();
        let config = self.config.clone();
        for node in 0..config.nodes {
            let jitter = Duration::from_millis(self.rng.random_range(0..2000));
            self.schedule(jitter, SimEvent::Start { node });
        }
        let spread = |count: usize, i: usize| {
            config.warmup
                + config
                    .measured
                    .mul_f64((i as f64 + 0.5) / (count.max(1) as f64 + 1.0))
        };
        let mut victims = Vec::new();
        while victims.len() < config.failures.min(config.nodes) {
            let node = self.rng.random_range(0..config.nodes);
            if !victims.contains(&node) {
                victims.push(node);
            }
        }
        for (i, node) in victims.into_iter().enumerate() {
            self.schedule(spread(config.failures, i), SimEvent::Stop { node });
        }
        for i in 0..config.joins {
            let at = spread(config.joins, i) + Duration::from_millis(700);
            self.schedule(
                at,
                SimEvent::Start {
                    node: config.nodes + i,
                },
            );
        }
        let end = config.warmup + config.measured;
        while let Some(Reverse((at, id))) = self.queue.pop() {
            if at > end {
                break;
            }
            self.now = at;
            self.measuring = at >= config.warmup;
            let event = self.events.remove(&id).expect("scheduled");
            self.handle(event);
        }
        let mut report = self.report();
        report.wall = wall.elapsed();
        report
    }

    fn handle(&mut self, event: SimEvent) {
        match event {
            SimEvent::Deliver { to, bytes } => {
                if self.running(to)
                    && let Some(swim) = self.swims[to].as_mut()
                {
                    let _ = swim.receive(&bytes);
                    self.flush(to);
                }
            }
            SimEvent::Timer { node, timer } => {
                if self.running(node)
                    && let Some(swim) = self.swims[node].as_mut()
                {
                    swim.timer(timer);
                    self.flush(node);
                }
            }
            SimEvent::Stop { node } => {
                self.stopped_at.insert(node, self.now);
                self.swims[node] = None;
            }
            SimEvent::Start { node } => {
                if node >= self.config.nodes {
                    self.started_at.insert(node, self.now);
                }
                let seeds = self.seeds_for(node);
                let seeds: Vec<(NodeId, String)> = seeds
                    .into_iter()
                    .map(|peer| (self.ids[peer], format!("http://sim-{peer}:7000")))
                    .collect();
                if let Some(swim) = self.swims[node].as_mut() {
                    swim.join(seeds.iter().map(|(id, url)| (*id, url.as_str())));
                }
                self.flush(node);
            }
        }
    }

    /// Two running nodes of `node`'s neighbourhood, as a bootstrap node's list would give.
    fn seeds_for(&mut self, node: usize) -> Vec<usize> {
        let Some(swim) = self.swims[node].as_ref() else {
            return Vec::new();
        };
        let hood = swim.gate.view().neighbourhood;
        let mut candidates: Vec<usize> = hood
            .members()
            .map(|id| self.index[id])
            .filter(|peer| *peer != node && *peer < self.config.nodes && self.running(*peer))
            .collect();
        candidates.sort();
        let mut chosen = Vec::new();
        while chosen.len() < 2 && !candidates.is_empty() {
            let pick = self.rng.random_range(0..candidates.len());
            chosen.push(candidates.swap_remove(pick));
        }
        chosen
    }

    fn flush(&mut self, node: usize) {
        let Some(swim) = self.swims[node].as_mut() else {
            return;
        };
        let outbox = swim.take_outbox();
        for (timer, after) in outbox.timers {
            self.schedule(after, SimEvent::Timer { node, timer });
        }
        for (to, bytes) in outbox.messages {
            if self.measuring {
                self.messages += 1;
                self.bytes += bytes.len() as u64;
            }
            let Some(&target) = self.index.get(&to.id()) else {
                continue;
            };
            if self.rng.random::<f64>() < self.config.loss {
                continue;
            }
            let (low, high) = self.config.latency;
            let latency = low + (high - low).mul_f64(self.rng.random());
            self.schedule(latency, SimEvent::Deliver { to: target, bytes });
        }
        for change in outbox.changes {
            match change {
                MemberChange::Down(id) => {
                    let Some(&member) = self.index.get(&id) else {
                        continue;
                    };
                    if self.running(member) {
                        if self.measuring {
                            self.false_downs += 1;
                        }
                    } else {
                        self.noticed_down.entry((node, member)).or_insert(self.now);
                    }
                }
                MemberChange::Up(info) | MemberChange::Renamed(info) => {
                    if let Some(&member) = self.index.get(&info.id) {
                        self.known_up.entry((node, member)).or_insert(self.now);
                    }
                }
                MemberChange::Rejoined => {}
            }
        }
    }

    /// The `CLOSE_NEIGHBOURS` registered nodes closest to `node` that were running at `at`
    /// (a node stopped later counts: it was a neighbour then).
    fn close_neighbours(&self, node: usize, at: Duration) -> Vec<usize> {
        let me = self.ids[node];
        let mut others: Vec<usize> = (0..self.ids.len())
            .filter(|&other| other != node)
            .filter(|&other| {
                let started = other < self.config.nodes
                    || self.started_at.get(&other).is_some_and(|s| *s <= at);
                let stopped = self.stopped_at.get(&other).is_some_and(|s| *s <= at);
                started && !stopped
            })
            .collect();
        others.sort_by_key(|&other| xor(&me, &self.ids[other]));
        others.truncate(CLOSE_NEIGHBOURS);
        others
    }

    fn report(&self) -> SimReport {
        let mut detection = Vec::new();
        let mut undetected = 0;
        for (&node, &stopped) in &self.stopped_at {
            let mut all = true;
            for observer in self.close_neighbours(node, stopped) {
                match self.noticed_down.get(&(observer, node)) {
                    Some(at) => detection.push(*at - stopped),
                    None if self.running(observer) => all = false,
                    None => {}
                }
            }
            if !all {
                undetected += 1;
            }
        }
        let mut join = Vec::new();
        let mut not_joined = 0;
        for (&node, &started) in &self.started_at {
            let neighbours = self.close_neighbours(node, started);
            let known: Option<Vec<Duration>> = neighbours
                .iter()
                .filter(|observer| self.running(**observer))
                .map(|observer| self.known_up.get(&(*observer, node)).copied())
                .collect();
            match known.and_then(|times| times.into_iter().max()) {
                Some(at) => join.push(at - started),
                None => not_joined += 1,
            }
        }
        let running: Vec<&Swim> = self.swims.iter().flatten().collect();
        let running_count = (0..self.swims.len())
            .filter(|n| self.running(*n))
            .count()
            .max(1);
        let views: Vec<usize> = (0..self.swims.len())
            .filter(|n| self.running(*n))
            .filter_map(|n| self.swims[n].as_ref().map(Swim::alive_count))
            .collect();
        let measured = self.config.measured.as_secs_f64().max(1e-9);
        SimReport {
            nodes: self.config.nodes,
            loss: self.config.loss,
            messages_per_node_second: self.messages as f64 / running_count as f64 / measured,
            bytes_per_node_second: self.bytes as f64 / running_count as f64 / measured,
            mean_view: views.iter().sum::<usize>() as f64 / views.len().max(1) as f64,
            largest_neighbourhood: running
                .iter()
                .map(|swim| swim.gate.view().neighbourhood.len())
                .max()
                .unwrap_or(0),
            detection,
            failures: self.stopped_at.len(),
            undetected,
            join,
            not_joined,
            false_downs: self.false_downs,
            node_hours: running_count as f64 * measured / 3600.0,
            wall: Duration::ZERO,
        }
    }
}

fn xor(a: &NodeId, b: &NodeId) -> [u8; 32] {
    let mut distance = [0u8; 32];
    for (d, (x, y)) in distance.iter_mut().zip(a.0.iter().zip(b.0.iter())) {
        *d = x ^ y;
    }
    distance
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small(nodes: usize, loss: f64) -> SimConfig {
        SimConfig {
            nodes,
            failures: 4,
            joins: 4,
            warmup: Duration::from_secs(90),
            measured: Duration::from_secs(150),
            loss,
            latency: (Duration::from_millis(10), Duration::from_millis(100)),
            seed: 11,
        }
    }

    #[test]
    fn failures_are_noticed_joins_are_known_and_nothing_alive_is_declared_down() {
        let report = run(&small(200, 0.0));
        assert_eq!(report.false_downs, 0, "{report}");
        assert_eq!(report.undetected, 0, "{report}");
        assert_eq!(report.not_joined, 0, "{report}");
        assert!(!report.detection.is_empty(), "{report}");
        assert!(
            quantile(&report.detection, 1.0) < Duration::from_secs(60),
            "{report}"
        );
        assert!(
            quantile(&report.join, 1.0) < Duration::from_secs(60),
            "{report}"
        );
    }

    #[test]
    fn the_per_node_message_rate_stays_flat_as_the_network_grows() {
        let (hundred, four_hundred) = (run(&small(100, 0.0)), run(&small(400, 0.0)));
        let ratio = four_hundred.messages_per_node_second / hundred.messages_per_node_second;
        assert!(
            ratio < 1.3,
            "100 nodes: {hundred}\n400 nodes: {four_hundred}"
        );
        assert!(four_hundred.largest_neighbourhood < 100, "{four_hundred}");
    }
}
