//! The node's runtime for [`Swim`]: messages travel as `POST /swim` over the node's own HTTP
//! server, timers run on tokio, and the members alive are published for the rest of the node.
//!
//! Why HTTP and not UDP: a node is reached at its URL, which may be `https` behind a proxy
//! or a NAT port mapping (`--public-url`); a second UDP port would need its own address,
//! firewall rule and advertisement, and would bypass the server's per-source limits. A SWIM
//! message is at most [`MAX_MESSAGE_BYTES`], connections to the few dozen members of a
//! neighbourhood are kept alive by the HTTP client's pool, and the protocol already treats
//! any message as possibly lost, so an HTTP request that fails or times out is just a lost
//! message.
//!
//! Invariants: one task owns the state, so messages and timers are handled one at a time;
//! messages arriving faster than it reads them are refused (503) rather than queued without
//! end ([`INBOX`]); at most [`PARALLEL_SENDS`] messages are in flight, the rest are dropped
//! (counted as lost, as SWIM expects); every message is sent through the node's
//! [`Outbound`] client, so a member's URL is never one the network forbids (no SSRF); the task
//! ends when its shutdown token is cancelled.

use std::sync::Arc;
use std::time::Duration;

use alloy::signers::local::PrivateKeySigner;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::post;
use futures::StreamExt;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::time::DelayQueue;

use super::{Gate, GateView, Identity, MAX_MESSAGE_BYTES, Neighbourhood, SignatureCache, Swim};
use crate::node::outbound::Outbound;
use crate::wire::network::NodeInfo;
use crate::wire::registry::Registry;
use crate::wire::routes::Route;
use crate::wire::signed::unix_now;
use crate::wire::types::NodeId;

/// Messages waiting to be read; more are refused.
pub const INBOX: usize = 256;
/// Messages being sent at once; more are dropped.
pub const PARALLEL_SENDS: usize = 64;
/// How long a peer has to take a message.
const SEND_TIMEOUT: Duration = Duration::from_secs(2);

enum Control {
    Registry(Arc<Registry>),
    Join(Vec<(NodeId, String)>),
}

/// A running membership: where to post messages, and who is alive.
#[derive(Debug, Clone)]
pub struct Membership {
    inbox: mpsc::Sender<Vec<u8>>,
    control: mpsc::Sender<Control>,
    alive: watch::Receiver<Arc<Vec<NodeInfo>>>,
}

impl std::fmt::Debug for Control {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Control")
    }
}

impl Membership {
    /// Starts the membership of the node `me` (signing with `signer`) over `registry`,
    /// sending with `http`, until `shutdown`. Returns the handle and the task.
    pub(crate) fn start(
        me: &NodeInfo,
        signer: PrivateKeySigner,
        registry: Arc<Registry>,
        http: Outbound,
        shutdown: CancellationToken,
    ) -> (Self, tokio::task::JoinHandle<()>) {
        let neighbourhood = Arc::new(Neighbourhood::of(me.id, registry.positions()));
        let gate = Gate::new(
            GateView {
                registry,
                neighbourhood,
            },
            SignatureCache::default(),
        );
        let identity = Identity::sign(&me.url, me.id, &signer, unix_now());
        let renew = {
            let (url, id) = (me.url.clone(), me.id);
            Box::new(move |previous: u64| {
                Identity::sign(&url, id, &signer, unix_now().max(previous + 1))
            })
        };
        let swim = Swim::new(identity, gate, renew, rand::random());
        let (inbox, inbox_rx) = mpsc::channel(INBOX);
        let (control, control_rx) = mpsc::channel(16);
        let (alive_tx, alive) = watch::channel(Arc::new(Vec::new()));
        let task = tokio::spawn(drive(swim, http, inbox_rx, control_rx, alive_tx, shutdown));
        (
            Self {
                inbox,
                control,
                alive,
            },
            task,
        )
    }

    /// The route that takes other members' messages.
    pub fn router(&self) -> Router {
        Router::new()
            .route(Route::Swim.path(), post(receive))
            .layer(DefaultBodyLimit::max(MAX_MESSAGE_BYTES))
            .with_state(self.inbox.clone())
    }

    /// The members alive now (this node excluded).
    pub fn alive(&self) -> Arc<Vec<NodeInfo>> {
        self.alive.borrow().clone()
    }

    /// A receiver that sees each change of the members alive.
    pub fn watch(&self) -> watch::Receiver<Arc<Vec<NodeInfo>>> {
        self.alive.clone()
    }

    /// Takes a newer read of the vault's registry.
    pub async fn set_registry(&self, registry: Arc<Registry>) {
        let _ = self.control.send(Control::Registry(registry)).await;
    }

    /// Asks these nodes (from the bootstrap nodes) to let this node in.
    pub async fn join(&self, seeds: impl IntoIterator<Item = &NodeInfo>) {
        let seeds = seeds
            .into_iter()
            .map(|seed| (seed.id, seed.url.clone()))
            .collect();
        let _ = self.control.send(Control::Join(seeds)).await;
    }

    /// Hands a message posted to `/swim` to the state: 204, or 503 when [`INBOX`] messages
    /// are waiting already (the sender counts it as lost).
    pub fn deliver(&self, body: &[u8]) -> StatusCode {
        receive_into(&self.inbox, body)
    }

    /// Takes a newer read of the vault's registry without waiting; dropped (and taken at the
    /// next read) when the state has 16 changes waiting already.
    pub fn offer_registry(&self, registry: Arc<Registry>) {
        let _ = self.control.try_send(Control::Registry(registry));
    }

    /// Asks these nodes to let this node in, without waiting (see [`Membership::join`]).
    pub fn offer_join(&self, seeds: impl IntoIterator<Item = NodeInfo>) {
        let seeds: Vec<(NodeId, String)> = seeds.into_iter().map(|s| (s.id, s.url)).collect();
        if !seeds.is_empty() {
            let _ = self.control.try_send(Control::Join(seeds));
        }
    }
}

fn receive_into(inbox: &mpsc::Sender<Vec<u8>>, body: &[u8]) -> StatusCode {
    if body.len() > MAX_MESSAGE_BYTES {
        return StatusCode::PAYLOAD_TOO_LARGE;
    }
    match inbox.try_send(body.to_vec()) {
        Ok(()) => StatusCode::NO_CONTENT,
        Err(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}

async fn receive(State(inbox): State<mpsc::Sender<Vec<u8>>>, body: Bytes) -> StatusCode {
    receive_into(&inbox, &body)
}

async fn drive(
    mut swim: Swim,
    http: Outbound,
    mut inbox: mpsc::Receiver<Vec<u8>>,
    mut control: mpsc::Receiver<Control>,
    alive: watch::Sender<Arc<Vec<NodeInfo>>>,
    shutdown: CancellationToken,
) {
    let sends = Arc::new(Semaphore::new(PARALLEL_SENDS));
    let mut timers = DelayQueue::new();
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            Some(message) = inbox.recv() => {
                if let Err(error) = swim.receive(&message) {
                    tracing::debug!(%error, "dropped a SWIM message");
                }
            }
            Some(command) = control.recv() => match command {
                Control::Registry(registry) => swim.set_registry(registry),
                Control::Join(seeds) => swim.join(seeds.iter().map(|(id, url)| (*id, url.as_str()))),
            },
            Some(expired) = timers.next(), if !timers.is_empty() => swim.timer(expired.into_inner()),
        }
        let outbox = swim.take_outbox();
        for (timer, after) in outbox.timers {
            timers.insert(timer, after);
        }
        for (to, bytes) in outbox.messages {
            send(&http, &sends, to, bytes);
        }
        if !outbox.changes.is_empty() {
            for change in &outbox.changes {
                tracing::info!(?change, "membership changed");
            }
            alive.send_replace(Arc::new(swim.alive().map(Identity::info).collect()));
        }
    }
}

fn send(http: &Outbound, sends: &Arc<Semaphore>, to: Identity, bytes: Vec<u8>) {
    let Ok(permit) = sends.clone().try_acquire_owned() else {
        tracing::debug!(to = ?to, "too many SWIM messages in flight; dropped one");
        return;
    };
    let request = match http.request(Route::Swim.method(), &Route::Swim.url(to.url())) {
        Ok(request) => request.timeout(SEND_TIMEOUT).body(bytes),
        Err(error) => {
            tracing::debug!(to = ?to, %error, "a SWIM message was not sent");
            return;
        }
    };
    tokio::spawn(async move {
        if let Err(error) = request.send().await {
            tracing::debug!(to = ?to, %error, "a SWIM message was not taken");
        }
        drop(permit);
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    struct Running {
        membership: Membership,
        info: NodeInfo,
        stop: CancellationToken,
    }

    async fn start(signers: &[PrivateKeySigner], ids: &[NodeId]) -> Vec<Running> {
        let mut listeners = Vec::new();
        for _ in signers {
            listeners.push(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap());
        }
        let registry = Arc::new(Registry::new(
            1,
            signers.iter().zip(ids).map(|(s, id)| (s.address(), *id)),
        ));
        let mut running = Vec::new();
        for ((signer, id), listener) in signers.iter().zip(ids).zip(listeners) {
            let info = NodeInfo {
                id: *id,
                url: format!("http://{}", listener.local_addr().unwrap()),
                rewards: signer.address(),
            };
            let stop = CancellationToken::new();
            let (membership, _task) = Membership::start(
                &info,
                signer.clone(),
                registry.clone(),
                Outbound::new(
                    crate::node::outbound::Reach::Private,
                    Duration::from_secs(2),
                    None,
                ),
                stop.clone(),
            );
            let app = membership.router();
            let shutdown = stop.clone();
            tokio::spawn(async move {
                axum::serve(listener, app)
                    .with_graceful_shutdown(shutdown.cancelled_owned())
                    .await
            });
            running.push(Running {
                membership,
                info,
                stop,
            });
        }
        running
    }

    async fn until(deadline: Duration, mut done: impl FnMut() -> bool) -> bool {
        let started = Instant::now();
        while started.elapsed() < deadline {
            if done() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        done()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn nodes_over_http_find_each_other_and_notice_one_that_stops() {
        let signers: Vec<PrivateKeySigner> = (0..4).map(|_| PrivateKeySigner::random()).collect();
        let ids: Vec<NodeId> = (0..4u8)
            .map(|i| NodeId(*blake3::hash(&[i]).as_bytes()))
            .collect();
        let nodes = start(&signers, &ids).await;
        for node in &nodes[1..] {
            node.membership.join([&nodes[0].info]).await;
        }
        let all_up = until(Duration::from_secs(30), || {
            nodes.iter().all(|node| node.membership.alive().len() == 3)
        })
        .await;
        assert!(all_up, "every node sees the 3 others");
        nodes[3].stop.cancel();
        let stopped = nodes[3].info.id;
        let noticed = until(Duration::from_secs(40), || {
            nodes[..3].iter().all(|node| {
                node.membership
                    .alive()
                    .iter()
                    .all(|member| member.id != stopped)
            })
        })
        .await;
        assert!(noticed, "the stopped node leaves every view");
        for node in &nodes {
            node.stop.cancel();
        }
    }
}
