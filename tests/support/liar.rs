//! Scripted peers that claim to hold chunks they never store, for tests: a node of their own
//! (their own key, staked in the vault's registry, their own loopback IP, announced to a
//! devnet's nodes like any node) served
//! from the test process (axum, on its own runtime thread). Each answers `/info`, `/peers`
//! and `/announce` like a node, every quote with "already held" and a valid storage receipt
//! it signs itself, every PUT (first, forwarded or replica) with a valid storage receipt, and
//! keeps nothing. What it does when challenged is its [`Behaviour`].

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use alloy::signers::local::PrivateKeySigner;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use ferry::wire::announce::Announcement;
use ferry::wire::http::{
    BatchAnswer, ChallengeAnswer, ChallengeBatch, ChallengeRequest, PutOutcome, PutResponse,
    QuoteRequest, QuoteResponse,
};
use ferry::wire::network::NodeInfo;
use ferry::wire::signed::{StorageReceipt, unix_now};
use ferry::wire::types::ChunkAddress;

use ferry::client::nodes::{NodeClient, Timeouts};

use super::{Devnet, runtime};

/// What a liar does when challenged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// Says it does not hold the chunk (404): its claims were all it had.
    Claims,
    /// Fetches the chunk from the devnet's nodes (`GET /chunk/{address}`, from its own IP, as
    /// a node would) and answers correctly from those bytes: a relay.
    Relays,
    /// Passes the challenge itself on to the devnet's nodes (`POST /challenge`, the same chunk
    /// and nonce) and signs the hash of the first holder's answer as its own.
    PassesOn,
}

/// What a liar saw and did.
#[derive(Debug, Default)]
pub struct Counts {
    /// Quotes answered "already held".
    pub claims: AtomicUsize,
    /// PUTs acknowledged with a receipt (nothing stored).
    pub puts: AtomicUsize,
    /// Of those, replicas a node's upkeep sent (`PUT /replica/{address}`).
    pub replicas: AtomicUsize,
    /// Challenges received (a batch counts each of its challenges).
    pub challenges: AtomicUsize,
    /// Challenges answered from bytes fetched from a peer.
    pub relayed: AtomicUsize,
    /// The slowest relayed answer, in milliseconds.
    pub slowest_relay_ms: AtomicUsize,
    /// Challenges answered with a hash a holder gave for the same nonce.
    pub passed_on: AtomicUsize,
}

/// A running scripted liar.
pub struct Liar {
    /// Its node entry (id, URL, rewards address).
    pub info: NodeInfo,
    /// What it saw and did.
    pub counts: Arc<Counts>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

struct Shared {
    behaviour: Behaviour,
    key: PrivateKeySigner,
    info: NodeInfo,
    /// The devnet's nodes, asked for chunks when relaying.
    honest: Vec<String>,
    /// Leaves from the liar's own IP, so nodes see a peer asking.
    http: reqwest::Client,
    counts: Arc<Counts>,
}

impl Liar {
    /// Starts a liar on `ip` (a loopback address of its own), registered in the devnet's
    /// vault like any node (a fresh funded account stakes for it), that announces itself to
    /// every node of `devnet` every few seconds.
    pub fn start(devnet: &Devnet, ip: IpAddr, behaviour: Behaviour) -> Liar {
        let key = PrivateKeySigner::random();
        let position = devnet.register(&key);
        let listener = std::net::TcpListener::bind(SocketAddr::new(ip, 0)).unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let info = NodeInfo {
            id: position,
            url: url.clone(),
            rewards: key.address(),
        };
        let counts = Arc::new(Counts::default());
        let shared = Arc::new(Shared {
            behaviour,
            key,
            info: info.clone(),
            honest: devnet.network.bootstrap.clone(),
            http: reqwest::Client::builder()
                .local_address(ip)
                .build()
                .unwrap(),
            counts: counts.clone(),
        });
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        let router = Router::new()
            .fallback(handle)
            .layer(DefaultBodyLimit::disable())
            .with_state(shared.clone());
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let announcing = announce_every(shared.clone(), Duration::from_secs(3));
                tokio::select! {
                    _ = axum::serve(listener, router) => {}
                    () = announcing => {}
                    _ = stopped => {}
                }
            });
        });
        Liar {
            info,
            counts,
            shutdown: Some(shutdown),
        }
    }

    /// A count, read now.
    pub fn count(&self, counter: impl Fn(&Counts) -> &AtomicUsize) -> usize {
        counter(&self.counts).load(Ordering::SeqCst)
    }
}

impl Drop for Liar {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// Announces the liar to every honest node, again every `period` (nodes forget silent peers).
async fn announce_every(shared: Arc<Shared>, period: Duration) {
    loop {
        let announcement =
            Announcement::sign(&shared.info.url, shared.info.id, &shared.key, unix_now());
        for node in &shared.honest {
            let _ = shared
                .http
                .post(format!("{node}/announce"))
                .json(&announcement)
                .timeout(Duration::from_secs(5))
                .send()
                .await;
        }
        tokio::time::sleep(period).await;
    }
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> Response {
    let path = uri.path();
    let counts = &shared.counts;
    match (method.as_str(), path) {
        ("GET", "/info") => axum::Json(shared.info.clone()).into_response(),
        ("GET", "/peers") => axum::Json(vec![shared.info.clone()]).into_response(),
        ("GET", "/health") => "ok".into_response(),
        ("POST", "/announce") => StatusCode::OK.into_response(),
        ("POST", "/quote") => {
            let request: QuoteRequest = serde_json::from_slice(&body).unwrap();
            counts.claims.fetch_add(1, Ordering::SeqCst);
            let receipt = StorageReceipt::sign(request.chunk, &shared.key);
            axum::Json(QuoteResponse::AlreadyHeld { receipt }).into_response()
        }
        ("PUT", path) if path.starts_with("/chunk/") || path.starts_with("/replica/") => {
            counts.puts.fetch_add(1, Ordering::SeqCst);
            if path.starts_with("/replica/") {
                counts.replicas.fetch_add(1, Ordering::SeqCst);
            }
            let chunk: ChunkAddress = path.rsplit('/').next().unwrap().parse().unwrap();
            let answer = PutResponse {
                outcome: PutOutcome::Stored,
                receipt: StorageReceipt::sign(chunk, &shared.key),
                peer_receipts: vec![],
            };
            (StatusCode::CREATED, axum::Json(answer)).into_response()
        }
        ("POST", "/challenge") => {
            let request: ChallengeRequest = serde_json::from_slice(&body).unwrap();
            match Shared::answer_detached(&shared, request).await {
                Some(answer) => axum::Json(answer).into_response(),
                None => StatusCode::NOT_FOUND.into_response(),
            }
        }
        ("POST", "/challenges") => {
            let batch: ChallengeBatch = serde_json::from_slice(&body).unwrap();
            let mut answers = Vec::new();
            for request in batch.challenges {
                answers.extend(Shared::answer_detached(&shared, request).await);
            }
            axum::Json(BatchAnswer { answers }).into_response()
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

impl Shared {
    /// [`Shared::answer`] in a task of its own, so a relay finishes (and is counted) even when
    /// the challenger stops waiting and closes the connection.
    async fn answer_detached(
        shared: &Arc<Shared>,
        request: ChallengeRequest,
    ) -> Option<ChallengeAnswer> {
        let shared = shared.clone();
        tokio::spawn(async move { shared.answer(&request).await })
            .await
            .ok()
            .flatten()
    }

    /// The liar's answer to a challenge: none, or one made from bytes fetched from a peer.
    async fn answer(&self, request: &ChallengeRequest) -> Option<ChallengeAnswer> {
        self.counts.challenges.fetch_add(1, Ordering::SeqCst);
        match self.behaviour {
            Behaviour::Claims => return None,
            Behaviour::PassesOn => return self.pass_on(request).await,
            Behaviour::Relays => {}
        }
        let started = Instant::now();
        for node in &self.honest {
            let url = format!("{node}/chunk/{}", request.chunk);
            let Ok(response) = self.http.get(url).send().await else {
                continue;
            };
            if !response.status().is_success() {
                continue;
            }
            let Ok(bytes) = response.bytes().await else {
                continue;
            };
            let millis = started.elapsed().as_millis() as usize;
            self.counts.relayed.fetch_add(1, Ordering::SeqCst);
            self.counts
                .slowest_relay_ms
                .fetch_max(millis, Ordering::SeqCst);
            return Some(ChallengeAnswer::answer(request, &bytes, &self.key));
        }
        None
    }
}

impl Shared {
    /// Asks the devnet's nodes the same challenge and signs the first holder's hash.
    async fn pass_on(&self, request: &ChallengeRequest) -> Option<ChallengeAnswer> {
        for node in &self.honest {
            let sent = self
                .http
                .post(format!("{node}/challenge"))
                .json(request)
                .send()
                .await;
            let Ok(response) = sent else {
                continue;
            };
            if !response.status().is_success() {
                continue;
            }
            let Ok(answer) = response.json::<ChallengeAnswer>().await else {
                continue;
            };
            self.counts.passed_on.fetch_add(1, Ordering::SeqCst);
            return Some(ChallengeAnswer::sign(request, answer.hash, &self.key));
        }
        None
    }
}

/// Waits (at most 60 s) until every devnet node lists every liar in its `/peers`.
pub fn wait_until_listed(devnet: &Devnet, liars: &[Liar]) {
    let client = NodeClient::new(Timeouts::default());
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let listed = devnet.network.bootstrap.iter().all(|node| {
            let peers = runtime().block_on(client.peers(node)).unwrap_or_default();
            liars
                .iter()
                .all(|liar| peers.iter().any(|peer| peer.id == liar.info.id))
        });
        if listed {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the devnet's nodes did not list the liars within 60 s"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}
