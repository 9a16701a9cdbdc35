//! The node's Prometheus metrics, served at `GET /metrics` in the text exposition format.
//!
//! Counters and histograms live in [`Metrics`] and are moved where their events happen: PUTs
//! admitted and refused (by reason), forwards and replicas received, latencies (the request
//! middleware in `ops`), quotes and admission refusals (`server`), challenges (`holding`),
//! replicas sent (`upkeep`) and chain calls (every call of the node's vault connections,
//! through [`ChainObserver`]). What is a state rather than an event (chunks and bytes
//! stored, capacity, peers known, earnings) is read when the metrics are asked for.
//!
//! Invariants: every metric's name starts `ferry_`; a counter only rises; the text is
//! written by `prometheus-client`, never by hand.

use std::sync::Mutex;
use std::sync::PoisonError;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::node::admission::Rejection;
use crate::node::state::NodeState;
use crate::vault::{CallOutcome, ChainObserver};
use crate::wire::types::Amount;

/// The content type of the text exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// A refusal's reason label.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct Reason {
    reason: &'static str,
}

/// A chain call's method label.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct Method {
    method: String,
}

/// The node's event counters and latency histograms.
#[derive(Debug)]
pub(crate) struct Metrics {
    quotes: Counter,
    puts_admitted: Counter,
    puts_refused: Family<Reason, Counter>,
    forwards_received: Counter,
    replicas_received: Counter,
    replicas_sent: Counter,
    challenges_answered: Counter,
    challenges_failed: Counter,
    chain_calls: Family<Method, Counter>,
    chain_errors: Family<Method, Counter>,
    put_seconds: Histogram,
    get_seconds: Histogram,
    /// False once the last chain call found the endpoint unreachable; true again on an answer.
    chain_reachable: AtomicBool,
    /// The earnings last tallied, wei: (unclaimed, claimed).
    earnings: Mutex<Option<(Amount, Amount)>>,
}

impl Default for Metrics {
    fn default() -> Self {
        let latency = || Histogram::new(exponential_buckets(0.001, 2.0, 16));
        Self {
            quotes: Counter::default(),
            puts_admitted: Counter::default(),
            puts_refused: Family::default(),
            forwards_received: Counter::default(),
            replicas_received: Counter::default(),
            replicas_sent: Counter::default(),
            challenges_answered: Counter::default(),
            challenges_failed: Counter::default(),
            chain_calls: Family::default(),
            chain_errors: Family::default(),
            put_seconds: latency(),
            get_seconds: latency(),
            chain_reachable: AtomicBool::new(true),
            earnings: Mutex::new(None),
        }
    }
}

impl Metrics {
    /// A quote was given.
    pub(crate) fn quote(&self) {
        self.quotes.inc();
    }

    /// A PUT was answered with success (stored, or already held).
    pub(crate) fn put_admitted(&self) {
        self.puts_admitted.inc();
    }

    /// A PUT was refused for `reason` (a short snake_case label).
    pub(crate) fn put_refused(&self, reason: &'static str) {
        self.puts_refused.get_or_create(&Reason { reason }).inc();
    }

    /// A PUT's payment was refused.
    pub(crate) fn rejected(&self, rejection: &Rejection) {
        self.put_refused(rejection_reason(rejection));
    }

    /// A peer forwarded a client's PUT here.
    pub(crate) fn forward_received(&self) {
        self.forwards_received.inc();
    }

    /// A replica PUT arrived.
    pub(crate) fn replica_received(&self) {
        self.replicas_received.inc();
    }

    /// This node's upkeep sent a replica to a peer.
    pub(crate) fn replica_sent(&self) {
        self.replicas_sent.inc();
    }

    /// `answered` challenges were answered and `failed` could not be (chunk not held or
    /// unreadable).
    pub(crate) fn challenges(&self, answered: usize, failed: usize) {
        self.challenges_answered.inc_by(answered as u64);
        self.challenges_failed.inc_by(failed as u64);
    }

    /// A chunk PUT took `took`.
    pub(crate) fn put_took(&self, took: Duration) {
        self.put_seconds.observe(took.as_secs_f64());
    }

    /// A chunk GET took `took`.
    pub(crate) fn get_took(&self, took: Duration) {
        self.get_seconds.observe(took.as_secs_f64());
    }

    /// False when the last chain call could not reach the endpoint.
    pub(crate) fn chain_reachable(&self) -> bool {
        self.chain_reachable.load(Ordering::Relaxed)
    }

    /// Records a tally of the earnings record, wei.
    pub(crate) fn set_earnings(&self, unclaimed: Amount, claimed: Amount) {
        *self.earnings.lock().unwrap_or_else(PoisonError::into_inner) = Some((unclaimed, claimed));
    }

    /// The last tally of the earnings record, wei: (unclaimed, claimed).
    pub(crate) fn earnings(&self) -> Option<(Amount, Amount)> {
        *self.earnings.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl ChainObserver for Metrics {
    fn observe(&self, method: &str, outcome: CallOutcome) {
        let method = Method {
            method: method.to_owned(),
        };
        self.chain_calls.get_or_create(&method).inc();
        if outcome != CallOutcome::Answered {
            self.chain_errors.get_or_create(&method).inc();
        }
        self.chain_reachable
            .store(outcome != CallOutcome::Unreachable, Ordering::Relaxed);
    }
}

/// The reason label of a payment refusal.
pub(crate) fn rejection_reason(rejection: &Rejection) -> &'static str {
    match rejection {
        Rejection::InvalidProof(_) => "invalid_proof",
        Rejection::SizeMismatch { .. } => "size_mismatch",
        Rejection::UnregisteredIssuer { .. } => "unregistered_issuer",
        Rejection::NotResponsible { .. } => "not_responsible",
        Rejection::BelowFloor { .. } => "below_floor",
        Rejection::UnknownIssuer { .. } => "unknown_issuer",
        Rejection::RefreshPending { .. } => "refresh_pending",
        Rejection::NotInCloseGroup { .. } => "not_in_close_group",
        Rejection::Stale(_) => "stale_quote",
        Rejection::PriceOverflow(_) => "price_overflow",
        Rejection::Leaf(_) => "bad_leaf",
        Rejection::NotPaid { .. } => "not_paid",
        Rejection::WrongWaveSize { .. } => "wrong_wave_size",
        Rejection::NotConfirmed { .. } => "not_confirmed",
        Rejection::ChainUnavailable(_) => "chain_unavailable",
    }
}

/// The text exposition of every metric of the node `state`.
pub(crate) fn render(state: &NodeState) -> String {
    let metrics = &state.metrics;
    let mut registry = Registry::with_prefix("ferry");
    let gauge = |value: i64| {
        let gauge: Gauge = Gauge::default();
        gauge.set(value);
        gauge
    };
    let wei = |value: Amount| {
        let gauge: Gauge<f64, AtomicU64> = Gauge::default();
        // Prometheus samples are floats: exact to 2^53 wei, close beyond.
        gauge.set(value.0.to_string().parse().unwrap_or(f64::MAX));
        gauge
    };
    let total = |value: u64| {
        let counter: Counter = Counter::default();
        counter.inc_by(value);
        counter
    };
    let store = &state.store;
    registry.register(
        "chunks_stored",
        "Chunks in the store",
        gauge(store.len() as i64),
    );
    registry.register(
        "stored_bytes",
        "Bytes of chunks in the store",
        gauge(store.used() as i64),
    );
    registry.register(
        "capacity_bytes",
        "Bytes the store may hold (--capacity)",
        gauge(store.capacity() as i64),
    );
    registry.register(
        "peers_known",
        "Other nodes in this node's view of the network",
        gauge(state.peers.all().len().saturating_sub(1) as i64),
    );
    registry.register("quotes", "Quotes given", metrics.quotes.clone());
    registry.register(
        "puts_admitted",
        "Chunk PUTs (first, forwarded or replica) answered with success",
        metrics.puts_admitted.clone(),
    );
    registry.register(
        "puts_refused",
        "Chunk PUTs refused, by reason",
        metrics.puts_refused.clone(),
    );
    let forwards_sent = state.forwarder.puts.load(Ordering::Relaxed);
    let replicas_sent = metrics.replicas_sent.get();
    registry.register(
        "forwards_sent",
        "Client PUTs forwarded to the chunk's next closest nodes (one per peer asked)",
        // The forwarder counts every PUT to a peer; upkeep's replicas are counted apart.
        total(forwards_sent.saturating_sub(replicas_sent)),
    );
    registry.register(
        "forwards_received",
        "Chunk PUTs forwarded here by a peer",
        metrics.forwards_received.clone(),
    );
    registry.register(
        "replicas_sent",
        "Replicas this node's upkeep sent to close nodes that did not prove they hold them",
        metrics.replicas_sent.clone(),
    );
    registry.register(
        "replicas_received",
        "Replica PUTs received (from peers' upkeep or ferry repair)",
        metrics.replicas_received.clone(),
    );
    registry.register(
        "challenges_answered",
        "Possession challenges answered",
        metrics.challenges_answered.clone(),
    );
    registry.register(
        "challenges_failed",
        "Possession challenges not answered: the chunk is not held or cannot be read",
        metrics.challenges_failed.clone(),
    );
    registry.register(
        "chain_calls",
        "JSON-RPC calls to the chain, by method",
        metrics.chain_calls.clone(),
    );
    registry.register(
        "chain_call_errors",
        "JSON-RPC calls to the chain that failed (unreachable or an error answer), by method",
        metrics.chain_errors.clone(),
    );
    if let Some((unclaimed, claimed)) = metrics.earnings() {
        registry.register(
            "earnings_unclaimed_wei",
            "Wei the vault holds for this node's recorded leaves, not claimed yet",
            wei(unclaimed),
        );
        registry.register(
            "earnings_claimed_wei",
            "Wei claimed by ferry-node rewards for this node",
            wei(claimed),
        );
    }
    registry.register(
        "put_duration_seconds",
        "Time to answer a chunk PUT",
        metrics.put_seconds.clone(),
    );
    registry.register(
        "get_duration_seconds",
        "Time to answer a chunk GET",
        metrics.get_seconds.clone(),
    );
    let mut text = String::new();
    if let Err(error) = prometheus_client::encoding::text::encode(&mut text, &registry) {
        tracing::warn!(%error, "cannot encode the metrics");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_calls_count_errors_and_reachability() {
        let metrics = Metrics::default();
        metrics.observe("eth_call", CallOutcome::Answered);
        assert!(metrics.chain_reachable());
        metrics.observe("eth_call", CallOutcome::Unreachable);
        assert!(!metrics.chain_reachable());
        metrics.observe("eth_blockNumber", CallOutcome::ErrorAnswer);
        assert!(metrics.chain_reachable());
        let method = |name: &str| Method {
            method: name.into(),
        };
        assert_eq!(
            metrics.chain_calls.get_or_create(&method("eth_call")).get(),
            2
        );
        assert_eq!(
            metrics
                .chain_errors
                .get_or_create(&method("eth_call"))
                .get(),
            1
        );
        assert_eq!(
            metrics
                .chain_errors
                .get_or_create(&method("eth_blockNumber"))
                .get(),
            1
        );
    }
}
