//! Nodes that lie, for tests: an HTTP proxy served from the test process (axum on
//! 127.0.0.1:0, on its own runtime thread) in front of ONE real devnet node, rewriting that
//! node's answers per [`Mode`]. A client is pointed at it with a copy of the network file whose
//! `bootstrap` lists only the proxy; the proxy rewrites its node's own `/peers` entry to the
//! proxy URL, so the client reaches that node only through the proxy and every other node
//! directly.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use alloy::signers::local::PrivateKeySigner;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use ferry::client::nodes::{NodeClient, Timeouts};
use ferry::wire::http::{
    ChallengeAnswer, ChallengeRequest, FORWARDED_HEADER, PutOutcome, PutResponse, QuoteRequest,
    QuoteResponse,
};
use ferry::wire::network::{NetworkConfig, NodeInfo, ring_order};
use ferry::wire::signed::StorageReceipt;
use ferry::wire::types::{ChunkAddress, HoldingHash, NodeId};
use futures::StreamExt;

use super::{Devnet, runtime};

/// How the proxied node misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Answers every PUT with 402 "payment expired, pay again" (never forwards it).
    PayAgain,
    /// Serves corrupted bytes for every chunk GET.
    CorruptChunks,
    /// Claims to hold every chunk it is asked to quote, with a receipt that is not valid
    /// (forged signature, or the node's real signature over another chunk), and answers every
    /// PUT with such a receipt (never forwards it).
    ClaimsAll,
    /// Its `/peers` adds entries with forged ids (not derived from the rewards address) and
    /// several URLs for its own id, all pointing at the proxy.
    ForgedPeers,
    /// Answers discovery (`/peers`, `/info`), then accepts every other request and never
    /// answers (the socket is held open).
    Frozen,
    /// Answers every quote, PUT and chunk GET with a body that never ends.
    Endless,
    /// Stores every PUT it gets on its node only (marked forwarded, so the node never
    /// forwards it) and answers with the node's real receipt plus forged peer receipts: other
    /// nodes' addresses under signatures that are not theirs, a stranger's valid receipt, and
    /// the node's own receipt again.
    ForgesPeerReceipts,
    /// Answers every storage challenge itself, never asking its node (as a node that lost
    /// the chunk would): a hash it cannot know, signed with the node's real key.
    ForgedChallenges,
}

/// A running lying proxy in front of one devnet node.
pub struct Adversary {
    /// The proxy's base URL.
    pub url: String,
    shared: Arc<Shared>,
    dir: tempfile::TempDir,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

struct Shared {
    mode: Mode,
    url: String,
    upstream: NodeInfo,
    /// The upstream node's key (for receipts over other chunks), when known.
    key: Option<PrivateKeySigner>,
    /// The other nodes the upstream node knows.
    others: Vec<NodeInfo>,
    http: reqwest::Client,
    intercepted: AtomicUsize,
}

impl Adversary {
    /// Starts a proxy in `mode` in front of devnet node `index` (its bootstrap entry).
    pub fn start(devnet: &Devnet, index: usize, mode: Mode) -> Adversary {
        let client = NodeClient::new(Timeouts::default());
        let upstream = runtime()
            .block_on(client.info(&devnet.network.bootstrap[index]))
            .expect("the upstream node answers /info");
        let key = (0..devnet.network.bootstrap.len())
            .map(|i| devnet.node_key(i))
            .find(|key| key.address() == upstream.rewards);
        let others = runtime()
            .block_on(client.peers(&upstream.url))
            .expect("the upstream node answers /peers")
            .into_iter()
            .filter(|peer| peer.id != upstream.id)
            .collect();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let shared = Arc::new(Shared {
            mode,
            url: url.clone(),
            upstream: upstream.clone(),
            key,
            others,
            http: reqwest::Client::new(),
            intercepted: AtomicUsize::new(0),
        });
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        let router = Router::new()
            .fallback(handle)
            .layer(DefaultBodyLimit::disable())
            .with_state(shared.clone());
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                tokio::select! {
                    _ = axum::serve(listener, router) => {}
                    _ = stopped => {}
                }
            });
            // Dropping the runtime cancels every held connection.
        });
        let dir = tempfile::tempdir().unwrap();
        let network = NetworkConfig {
            bootstrap: vec![url.clone()],
            ..devnet.network.clone()
        };
        std::fs::write(dir.path().join("network.json"), network.to_json()).unwrap();
        Adversary {
            url,
            shared,
            dir,
            shutdown: Some(shutdown),
        }
    }

    /// Starts a proxy in `mode` in front of the devnet node closest to `chunk`, so that it is
    /// the first asked about that chunk.
    pub fn closest_to(devnet: &Devnet, chunk: ChunkAddress, mode: Mode) -> Adversary {
        let client = NodeClient::new(Timeouts::default());
        let nodes: Vec<NodeInfo> = runtime().block_on(async {
            let mut nodes = Vec::new();
            for url in &devnet.network.bootstrap {
                nodes.push(client.info(url).await.expect("every node answers /info"));
            }
            nodes
        });
        let closest = ring_order(&chunk, &nodes)[0].clone();
        let index = nodes.iter().position(|n| n.id == closest.id).unwrap();
        Adversary::start(devnet, index, mode)
    }

    /// A network file whose only bootstrap node is this proxy.
    pub fn network_file(&self) -> PathBuf {
        self.dir.path().join("network.json")
    }

    /// How many requests the proxy answered with a lie (or held) instead of the node's answer.
    pub fn intercepted(&self) -> usize {
        self.shared.intercepted.load(Ordering::SeqCst)
    }
}

impl Drop for Adversary {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    let is_chunk = path.starts_with("/chunk/");
    let lie = |response: Response| {
        shared.intercepted.fetch_add(1, Ordering::SeqCst);
        response
    };
    match shared.mode {
        Mode::Frozen if path != "/peers" && path != "/info" => {
            shared.intercepted.fetch_add(1, Ordering::SeqCst);
            std::future::pending::<()>().await;
            unreachable!()
        }
        Mode::Endless if is_chunk || path == "/quote" => {
            let start = Bytes::from_static(b"{\"status\":\"quote\",\"quote\":\"");
            let block = Bytes::from(vec![b'a'; 64 * 1024]);
            let endless = futures::stream::once(async move { start })
                .chain(futures::stream::repeat(block))
                .map(Ok::<_, std::io::Error>);
            return lie(axum::body::Body::from_stream(endless).into_response());
        }
        Mode::PayAgain if is_chunk && method == Method::PUT => {
            let body = serde_json::json!({ "error": "payment expired, pay again" });
            return lie((StatusCode::PAYMENT_REQUIRED, axum::Json(body)).into_response());
        }
        Mode::ClaimsAll if path == "/quote" => {
            let request: QuoteRequest = serde_json::from_slice(&body).unwrap();
            let receipt = shared.forged_receipt(request.chunk);
            return lie(axum::Json(QuoteResponse::AlreadyHeld { receipt }).into_response());
        }
        Mode::ForgedChallenges if path == "/challenge" => {
            let request: ChallengeRequest = serde_json::from_slice(&body).unwrap();
            let key = shared.key.as_ref().expect("the node's key is known");
            let answer = ChallengeAnswer::sign(&request, HoldingHash(rand::random()), key);
            return lie(axum::Json(answer).into_response());
        }
        Mode::ClaimsAll if is_chunk && method == Method::PUT => {
            let chunk: ChunkAddress = path["/chunk/".len()..].parse().unwrap();
            let answer = PutResponse {
                outcome: PutOutcome::Stored,
                receipt: shared.forged_receipt(chunk),
                peer_receipts: vec![],
            };
            return lie(axum::Json(answer).into_response());
        }
        Mode::ForgesPeerReceipts if is_chunk && method == Method::PUT => {
            let chunk: ChunkAddress = path["/chunk/".len()..].parse().unwrap();
            let (status, bytes) = shared.send(&method, &uri, body, true).await;
            if !status.is_success() {
                return (status, bytes).into_response();
            }
            let mut answer: PutResponse = serde_json::from_slice(&bytes).unwrap();
            answer.peer_receipts = shared.forged_peer_receipts(chunk, &answer.receipt);
            return lie(axum::Json(answer).into_response());
        }
        _ => {}
    }
    let (status, mut bytes) = shared.forward(&method, &uri, body).await;
    if path == "/peers" && status.is_success() {
        return axum::Json(shared.rewrite_peers(&bytes)).into_response();
    }
    if shared.mode == Mode::CorruptChunks
        && is_chunk
        && method == Method::GET
        && status.is_success()
    {
        let mut corrupted = bytes.to_vec();
        if let Some(first) = corrupted.first_mut() {
            *first ^= 0xff;
        }
        bytes = corrupted.into();
        shared.intercepted.fetch_add(1, Ordering::SeqCst);
    }
    (status, bytes).into_response()
}

impl Shared {
    async fn forward(&self, method: &Method, uri: &Uri, body: Bytes) -> (StatusCode, Bytes) {
        self.send(method, uri, body, false).await
    }

    /// Sends the request on to the upstream node, marked forwarded (store only) when asked.
    async fn send(
        &self,
        method: &Method,
        uri: &Uri,
        body: Bytes,
        store_only: bool,
    ) -> (StatusCode, Bytes) {
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        let method = reqwest::Method::from_bytes(method.as_str().as_bytes()).unwrap();
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.upstream.url))
            .header("content-type", "application/json");
        if store_only {
            request = request.header(FORWARDED_HEADER, "1");
        }
        let answer = request.body(body).send().await;
        match answer {
            Ok(answer) => {
                let status = StatusCode::from_u16(answer.status().as_u16()).unwrap();
                (status, answer.bytes().await.unwrap_or_default())
            }
            Err(_) => (StatusCode::BAD_GATEWAY, Bytes::new()),
        }
    }

    /// The node's peers with its own entry pointing at the proxy (plus forgeries).
    fn rewrite_peers(&self, bytes: &[u8]) -> Vec<NodeInfo> {
        let mut peers: Vec<NodeInfo> = serde_json::from_slice(bytes).unwrap();
        for peer in &mut peers {
            if peer.id == self.upstream.id {
                peer.url = self.url.clone();
            }
        }
        if self.mode == Mode::ForgedPeers {
            self.intercepted.fetch_add(1, Ordering::SeqCst);
            for _ in 0..30 {
                peers.push(NodeInfo {
                    id: NodeId(rand::random()),
                    url: self.url.clone(),
                    rewards: self.upstream.rewards,
                });
            }
            let port = self.url.rsplit(':').next().unwrap();
            for alias in [format!("http://localhost:{port}"), format!("{}/", self.url)] {
                peers.push(NodeInfo {
                    url: alias,
                    ..self.upstream.clone()
                });
            }
        }
        peers
    }

    /// Peer receipts that must not count: the other nodes' addresses under forged signatures,
    /// a stranger's genuine receipt, and `own` again.
    fn forged_peer_receipts(
        &self,
        chunk: ChunkAddress,
        own: &StorageReceipt,
    ) -> Vec<StorageReceipt> {
        let mut forged: Vec<StorageReceipt> = self
            .others
            .iter()
            .map(|peer| StorageReceipt {
                node: peer.rewards,
                ..StorageReceipt::sign(chunk, &PrivateKeySigner::random())
            })
            .collect();
        forged.push(StorageReceipt::sign(chunk, &PrivateKeySigner::random()));
        forged.push(own.clone());
        forged
    }

    /// A storage receipt that must not count: alternately the node's real signature over
    /// another chunk, and a forged signature over this one.
    fn forged_receipt(&self, chunk: ChunkAddress) -> StorageReceipt {
        let turn = self.intercepted.load(Ordering::SeqCst);
        match &self.key {
            Some(key) if turn.is_multiple_of(2) => {
                StorageReceipt::sign(ChunkAddress::of(b"another"), key)
            }
            _ => StorageReceipt {
                node: self.upstream.rewards,
                ..StorageReceipt::sign(chunk, &PrivateKeySigner::random())
            },
        }
    }
}

/// How many of the devnet's real nodes (asked directly) hold `chunk`.
pub fn real_holders(devnet: &Devnet, chunk: ChunkAddress) -> usize {
    let client = NodeClient::new(Timeouts::default());
    runtime().block_on(async {
        let mut holders = 0;
        for url in &devnet.network.bootstrap {
            let Ok(node) = client.info(url).await else {
                continue;
            };
            if matches!(client.get(&node, chunk).await, Ok(Some(_))) {
                holders += 1;
            }
        }
        holders
    })
}
