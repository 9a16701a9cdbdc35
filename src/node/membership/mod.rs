//! Liveness: which registered nodes of this node's neighbourhood are up, by SWIM.
//!
//! The vault's registry says who may be a member; this module finds out who is alive, with
//! the `foca` crate's SWIM (random probes, indirect probes through other members, suspicion
//! that a member can refute, updates piggybacked on the probes and gossiped a bounded number
//! of times). Each period a node probes one member and answers the probes it gets: its work
//! and traffic are the same in a network of 50 nodes or 10,000. A node follows only its own
//! neighbourhood of the ring ([`zone`]): the nodes of the close groups it belongs to, which
//! are the ones that must notice it fail and learn that it joined.
//!
//! The parts:
//! - [`identity`]: a member's signed identity, the admission [`Gate`] (registry, signature,
//!   neighbourhood) and the wire codec that applies it to every message read;
//! - [`zone`]: the neighbourhoods the registry's positions fall into;
//! - [`Swim`] (here): one node's protocol state, free of any clock or socket: it takes
//!   messages, timers and registry changes, and leaves what to send, what to schedule and
//!   what changed in its [`Outbox`];
//! - [`driver`]: the node's runtime for it: messages as `POST /swim` over the node's HTTP
//!   server, timers on tokio;
//! - [`sim`]: the same [`Swim`] over an in-process transport and a virtual clock, for
//!   thousands of nodes in one process.
//!
//! Invariants: only identities the gate admits become members (see [`identity`]); a timer
//! scheduled before the node's view was rebuilt is ignored after it (timers carry the epoch
//! of the state that set them); a node declared down signs a newer identity and rejoins.

pub mod driver;
pub mod identity;
pub mod sim;
pub mod zone;

use std::num::{NonZeroU8, NonZeroUsize};
use std::sync::Arc;
use std::time::Duration;

use foca::{Foca, NoCustomBroadcast, Notification, PeriodicParams, Runtime, Timer};
use rand::SeedableRng;
use rand::rngs::StdRng;

pub use identity::{Gate, GateView, Identity, SignatureCache};
pub use zone::Neighbourhood;

use crate::wire::network::NodeInfo;
use crate::wire::registry::Registry;
use crate::wire::types::NodeId;
use identity::WireCodec;

/// The largest SWIM message, sent or read (a `POST /swim` body).
pub const MAX_MESSAGE_BYTES: usize = 1400;
/// How often a node probes one member.
pub const PROBE_PERIOD: Duration = Duration::from_secs(2);
/// How long a probed member has to answer before others are asked to probe it.
pub const PROBE_RTT: Duration = Duration::from_millis(700);

/// The SWIM settings for a neighbourhood of `members` nodes: memberlist's WAN profile with a
/// shorter period, since a neighbourhood is small whatever the size of the network.
pub fn swim_config(members: usize) -> foca::Config {
    let members = members.max(2) as f64;
    // memberlist: retransmit multiplier 4 × log10(n + 1); suspicion 4 × log10(n) periods.
    let transmissions = (4.0 * (members + 1.0).log10()).ceil().clamp(3.0, 20.0) as u8;
    let suspicion = 4.0 * members.log10().max(1.0) * PROBE_PERIOD.as_secs_f64();
    foca::Config {
        probe_period: PROBE_PERIOD,
        probe_rtt: PROBE_RTT,
        num_indirect_probes: NonZeroUsize::new(3).expect("3 is not zero"),
        max_transmissions: NonZeroU8::new(transmissions).expect("at least 3"),
        suspect_to_down_after: Duration::from_secs_f64(suspicion),
        remove_down_after: Duration::from_secs(3600),
        max_packet_size: NonZeroUsize::new(MAX_MESSAGE_BYTES).expect("not zero"),
        notify_down_members: true,
        periodic_announce: Some(PeriodicParams {
            frequency: Duration::from_secs(30),
            num_members: NonZeroUsize::new(1).expect("not zero"),
        }),
        periodic_announce_to_down_members: Some(PeriodicParams {
            frequency: Duration::from_secs(60),
            num_members: NonZeroUsize::new(1).expect("not zero"),
        }),
        periodic_gossip: Some(PeriodicParams {
            frequency: Duration::from_millis(500),
            num_members: NonZeroUsize::new(3).expect("not zero"),
        }),
    }
}

/// What changed in the node's view of its neighbourhood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberChange {
    /// A member is up (newly, or again).
    Up(NodeInfo),
    /// A member is down.
    Down(NodeId),
    /// A member signed a newer identity (a restart, a new URL).
    Renamed(NodeInfo),
    /// This node was declared down and rejoined under a newer identity.
    Rejoined,
}

/// A timer the state asked for, tagged with the state's epoch.
#[derive(Debug, Clone)]
pub struct SwimTimer {
    epoch: u64,
    timer: Timer<Identity>,
}

/// What the state wants done: messages to send, timers to set, changes to report.
#[derive(Debug, Default)]
pub struct Outbox {
    /// Messages to send, each to a member (its URL is in its identity).
    pub messages: Vec<(Identity, Vec<u8>)>,
    /// Timers to deliver back through [`Swim::timer`] after their delay.
    pub timers: Vec<(SwimTimer, Duration)>,
    /// What changed.
    pub changes: Vec<MemberChange>,
    epoch: u64,
    defunct: bool,
}

impl Runtime<Identity> for Outbox {
    fn notify(&mut self, notification: Notification<'_, Identity>) {
        match notification {
            Notification::MemberUp(member) => self.changes.push(MemberChange::Up(member.info())),
            Notification::MemberDown(member) => self.changes.push(MemberChange::Down(member.id())),
            Notification::Rename(_, member) => {
                self.changes.push(MemberChange::Renamed(member.info()))
            }
            Notification::Defunct => self.defunct = true,
            _ => {}
        }
    }

    fn send_to(&mut self, to: Identity, data: &[u8]) {
        self.messages.push((to, data.to_vec()));
    }

    fn submit_after(&mut self, timer: Timer<Identity>, after: Duration) {
        let epoch = self.epoch;
        self.timers.push((SwimTimer { epoch, timer }, after));
    }
}

/// Signs a newer identity for the node: given the current one's time, returns one issued
/// later.
pub type Renew = Box<dyn FnMut(u64) -> Identity + Send>;

/// One node's SWIM state over its neighbourhood.
pub struct Swim {
    foca: Foca<Identity, WireCodec, StdRng, NoCustomBroadcast>,
    gate: Gate,
    outbox: Outbox,
    renew: Renew,
    seed: u64,
}

impl std::fmt::Debug for Swim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Swim")
            .field("me", self.foca.identity())
            .field("members", &self.foca.num_members())
            .finish()
    }
}

impl Swim {
    /// The state of the node `me`, admitting what `gate` admits; `renew` signs a newer
    /// identity when the node is declared down; `seed` seeds its random choices.
    pub fn new(me: Identity, gate: Gate, renew: Renew, seed: u64) -> Self {
        let config = swim_config(gate.view().neighbourhood.len());
        let codec = WireCodec::new(gate.clone());
        Self {
            foca: Foca::new(me, config, StdRng::seed_from_u64(seed), codec),
            gate,
            outbox: Outbox::default(),
            renew,
            seed,
        }
    }

    /// The node's own identity.
    pub fn me(&self) -> &Identity {
        self.foca.identity()
    }

    /// Asks the nodes at `seeds` (id and URL, e.g. from the bootstrap nodes) to let this node
    /// in; those of another neighbourhood ignore it.
    pub fn join<'a>(&mut self, seeds: impl IntoIterator<Item = (NodeId, &'a str)>) {
        for (id, url) in seeds {
            if id != self.me().id() && self.gate.view().neighbourhood.contains(&id) {
                let _ = self
                    .foca
                    .announce(Identity::target(id, url), &mut self.outbox);
            }
        }
        self.after_call();
    }

    /// Reads a message from another node; one that does not decode, or comes from or names
    /// a node that is not a member here, is dropped (and said why).
    pub fn receive(&mut self, data: &[u8]) -> Result<(), foca::Error> {
        let result = self.foca.handle_data(data, &mut self.outbox);
        self.after_call();
        result
    }

    /// Delivers a timer the state asked for; one from before a rebuild is ignored.
    pub fn timer(&mut self, timer: SwimTimer) {
        if timer.epoch == self.outbox.epoch {
            let _ = self.foca.handle_timer(timer.timer, &mut self.outbox);
            self.after_call();
        }
    }

    /// Takes the registry as read from the chain. When the node's neighbourhood only gained
    /// or lost nodes, those that left become down here; when it split or merged, the state
    /// starts again over the new neighbourhood, joining through the members it knew.
    pub fn set_registry(&mut self, registry: Arc<Registry>) {
        let me = self.me().id();
        let neighbourhood = Neighbourhood::of(me, registry.positions());
        let previous = self.gate.view();
        if *previous.neighbourhood == neighbourhood {
            self.gate.set_view(GateView {
                registry,
                neighbourhood: previous.neighbourhood,
            });
            return self.drop_unadmitted();
        }
        let depth_changed = previous.neighbourhood.depth() != neighbourhood.depth();
        self.gate.set_view(GateView {
            registry,
            neighbourhood: Arc::new(neighbourhood),
        });
        if depth_changed {
            self.rebuild();
        } else {
            self.drop_unadmitted();
        }
    }

    fn drop_unadmitted(&mut self) {
        let gone: Vec<foca::Member<Identity>> = self
            .foca
            .iter_members()
            .filter(|member| !self.gate.admits(member.id()))
            .map(|member| {
                foca::Member::new(member.id().clone(), member.incarnation(), foca::State::Down)
            })
            .collect();
        if !gone.is_empty() {
            let _ = self
                .foca
                .apply_many(gone.into_iter(), false, &mut self.outbox);
            self.after_call();
        }
    }

    fn rebuild(&mut self) {
        let known: Vec<Identity> = self
            .foca
            .iter_members()
            .map(|member| member.id().clone())
            .collect();
        for member in &known {
            self.outbox.changes.push(MemberChange::Down(member.id()));
        }
        self.outbox.epoch += 1;
        self.seed = self.seed.wrapping_add(1);
        let config = swim_config(self.gate.view().neighbourhood.len());
        let codec = WireCodec::new(self.gate.clone());
        let me = self.me().clone();
        self.foca = Foca::new(me, config, StdRng::seed_from_u64(self.seed), codec);
        self.join(
            known
                .iter()
                .map(|member| (member.id(), member.url()))
                .collect::<Vec<_>>(),
        );
    }

    /// The members this node holds alive (or suspected, not yet down), itself excluded.
    pub fn alive(&self) -> impl Iterator<Item = &Identity> {
        self.foca.iter_members().map(|member| member.id())
    }

    /// How many members this node holds alive.
    pub fn alive_count(&self) -> usize {
        self.foca.num_members()
    }

    /// What to send, schedule and report since the last call.
    pub fn take_outbox(&mut self) -> Outbox {
        let epoch = self.outbox.epoch;
        let mut taken = std::mem::take(&mut self.outbox);
        self.outbox.epoch = epoch;
        taken.epoch = epoch;
        taken
    }

    /// A node declared down signs a newer identity and rejoins through the members it knew.
    fn after_call(&mut self) {
        if !std::mem::take(&mut self.outbox.defunct) {
            return;
        }
        let issued_at = self.me().issued_at();
        let newer = (self.renew)(issued_at);
        if self.foca.change_identity(newer, &mut self.outbox).is_ok() {
            self.outbox.changes.push(MemberChange::Rejoined);
        }
    }
}
