//! How a serving node tells it is ready and how it stops: readiness (what `GET /health`
//! answers, [`crate::node::server`]), and the drain on shutdown.
//!
//! Readiness: `GET /health` answers 200 `serving` once the node can do its work, else 503 with
//! the first word `starting` (no peer learned yet while the network file names other nodes,
//! or the chain's endpoint did not answer the last call) or `stopping` (draining). The text
//! after the word says why.
//!
//! Drain: once [`Ops::drain`] is called a chunk PUT is refused with 503 (the client sends it
//! to another node); PUTs already admitted by the middleware run to the end, and
//! [`Ops::drained`] resolves when none is left.
//!

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::node::state::{NodeState, Shared};

/// The operator-facing state of a serving node.
#[derive(Debug)]
pub(crate) struct Ops {
    draining: AtomicBool,
    in_flight: AtomicUsize,
    idle: Notify,
    /// The network file names nodes other than this one: the node is starting until it knows
    /// one of them.
    expects_peers: bool,
    /// Woken when the node earns a leaf, so the earnings tally runs soon.
    pub(crate) earned: Notify,
}

impl Ops {
    /// A node that expects peers (its bootstrap list names another node) or not.
    pub(crate) fn new(expects_peers: bool) -> Self {
        Self {
            draining: AtomicBool::new(false),
            in_flight: AtomicUsize::new(0),
            idle: Notify::new(),
            expects_peers,
            earned: Notify::new(),
        }
    }

    /// From now on chunk PUTs are refused with 503.
    pub(crate) fn drain(&self) {
        self.draining.store(true, Ordering::SeqCst);
        self.idle.notify_waiters();
    }

    /// True once [`Ops::drain`] was called.
    pub(crate) fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }

    /// Resolves when no chunk PUT is under way (call after [`Ops::drain`]).
    pub(crate) async fn drained(&self) {
        loop {
            let idle = self.idle.notified();
            if self.in_flight.load(Ordering::SeqCst) == 0 {
                return;
            }
            idle.await;
        }
    }

    /// Chunk PUTs under way.
    pub(crate) fn puts_in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }
}

/// How long requests other than PUTs (GETs, challenges) may still take once the drain ended.
pub const CLOSE_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// Waits for `shutdown`, then drains: PUTs are refused from then on, those under way get up
/// to `drain_timeout` to finish; then `stop_serving` is cancelled (the listener closes) and
/// the other requests get [`CLOSE_GRACE`]. Resolves when that grace is over.
pub(crate) async fn drain_on(
    state: &NodeState,
    shutdown: &CancellationToken,
    stop_serving: &CancellationToken,
    drain_timeout: std::time::Duration,
) {
    shutdown.cancelled().await;
    state.ops.drain();
    let puts = state.ops.puts_in_flight();
    tracing::info!(
        puts,
        "draining: new PUTs are refused, those under way finish"
    );
    if tokio::time::timeout(drain_timeout, state.ops.drained())
        .await
        .is_err()
    {
        let puts = state.ops.puts_in_flight();
        tracing::warn!(
            puts,
            "PUTs still under way after the drain timeout ({drain_timeout:?}); stopping"
        );
    }
    stop_serving.cancel();
    tokio::time::sleep(CLOSE_GRACE).await;
}

/// One chunk PUT under way; counted down when dropped.
pub(crate) struct InFlight<'a>(&'a Ops);

impl<'a> InFlight<'a> {
    /// Counts a chunk PUT under way until the guard is dropped.
    pub(crate) fn start(ops: &'a Ops) -> Self {
        ops.in_flight.fetch_add(1, Ordering::SeqCst);
        Self(ops)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if self.0.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

/// The node's readiness: `Ok(())` serving, else why not (its first word `starting` or
/// `stopping`).
pub(crate) fn readiness(state: &Shared) -> Result<(), String> {
    if state.ops.is_draining() {
        return Err(format!(
            "stopping: shutting down, refusing new PUTs while {} finish",
            state.ops.puts_in_flight()
        ));
    }
    if !state.metrics.chain_reachable() {
        return Err("starting: the chain's RPC endpoint did not answer the last call".into());
    }
    if state.ops.expects_peers && state.peers.knows_only_itself() {
        return Err(
            "starting: no peers learned yet from the network file's bootstrap nodes".into(),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn drained_waits_for_the_puts_under_way() {
        let ops = Ops::new(false);
        let put = InFlight::start(&ops);
        ops.drain();
        assert!(ops.is_draining());
        let waiting = tokio::time::timeout(std::time::Duration::from_millis(50), ops.drained());
        assert!(waiting.await.is_err(), "one PUT is still under way");
        drop(put);
        tokio::time::timeout(std::time::Duration::from_secs(1), ops.drained())
            .await
            .expect("drained once the PUT ended");
    }
}
