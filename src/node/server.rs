//! The node's HTTP surface: the routes of [`crate::wire::http`] and the order of a PUT's checks.
//!
//! Every refusal is a 4xx (or 503 when the chain cannot be asked) with a JSON
//! [`ErrorBody`] saying exactly what is wrong; a bad request never stops the node. Chunk
//! transfers (PUT and GET) are bounded by a semaphore of [`MAX_CHUNK_TRANSFERS`], so at most that
//! many chunk bodies are in memory at once. File work and hashing run on blocking threads. A
//! client's PUT (one without [`FORWARDED_HEADER`]) is stored and, at the same time, forwarded
//! to the chunk's next closest nodes ([`crate::node::forward`]); its transfer slot is held only
//! while it is read, checked and stored, never while peers are waited on, so nodes forwarding
//! to each other cannot wait on each other's slots. A replica (`PUT /replica/{address}`, from
//! a peer's upkeep or `ferry repair`) passes the same checks as a first PUT save the quote's
//! age ([`Arrival`]) and is never forwarded; either way the proof's bytes are kept beside the
//! chunk.
//!
//! Against hostile clients: every request ends within [`REQUEST_TIMEOUT`]; a PUT body that
//! sends nothing for [`BODY_IDLE_TIMEOUT`] is dropped, freeing its transfer slot; a PUT's proof
//! passes its cheap checks before any signature is recovered or the chain asked; and a peer
//! refresh for an unknown issuer runs only after the PUT's transfer slot is given back.

use std::sync::Arc;
use std::time::Duration;

use alloy::signers::local::PrivateKeySigner;
use axum::Json;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::node::admission::{Admission, Arrival, Rejection, View};
use crate::node::forward::Forwarder;
use crate::node::holding;
use crate::node::peers::{AdmitError, Peers};
use crate::node::pricing;
use crate::node::store::{ChunkStore, StoreError};
use crate::wire::announce::{AnnounceError, Announcement};
use crate::wire::http::{
    ErrorBody, FORWARDED_HEADER, MAX_PROOF_BYTES, NodeInfo, PutOutcome, PutResponse, QuoteRequest,
    QuoteResponse,
};
use crate::wire::network::REPLICAS;
use crate::wire::signed::{PaymentProof, QuoteBody, SignedQuote, StorageReceipt, unix_now};
use crate::wire::types::MAX_CHUNK_BYTES;
use crate::wire::types::{Amount, ChunkAddress, NodeId};
use crate::wire::wave::WaveMembership;

/// The largest PUT body accepted: a full chunk, the 4-byte header and the largest proof.
pub const MAX_PUT_BODY: usize = MAX_CHUNK_BYTES + 4 + MAX_PROOF_BYTES;
/// Chunk PUTs and GETs served at once; more wait their turn.
pub const MAX_CHUNK_TRANSFERS: usize = 32;
/// The longest any request may take, body included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// Registry lookups of announcing addresses run at once.
pub const MAX_REGISTRY_LOOKUPS: usize = 4;
/// A PUT whose body sends no bytes for this long is dropped.
pub const BODY_IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// Everything a request handler needs.
#[derive(Debug)]
pub(crate) struct NodeState {
    pub(crate) signer: PrivateKeySigner,
    pub(crate) store: Arc<ChunkStore>,
    pub(crate) peers: Peers,
    pub(crate) admission: Admission,
    pub(crate) earnings: Arc<crate::node::earnings::Earnings>,
    pub(crate) base_price: Amount,
    pub(crate) transfers: Semaphore,
    pub(crate) requests: RequestCounts,
    pub(crate) forwarder: Forwarder,
    pub(crate) close_group: usize,
    pub(crate) pacing: crate::node::pacing::PeerPacing,
    /// Reads the vault's registry.
    pub(crate) chain: crate::vault::Vault,
    /// Registry lookups for announcing addresses not in the registry yet, at most
    /// [`MAX_REGISTRY_LOOKUPS`] at once.
    pub(crate) registry_lookups: Semaphore,
}

/// Requests served since the node started, by kind: what `GET /stats` reports (benchmarks use
/// it to count what a client sent).
#[derive(Debug, Default, serde::Serialize)]
pub(crate) struct RequestCounts {
    quotes: std::sync::atomic::AtomicU64,
    puts: std::sync::atomic::AtomicU64,
    put_bytes: std::sync::atomic::AtomicU64,
    gets: std::sync::atomic::AtomicU64,
    announcements: std::sync::atomic::AtomicU64,
    /// Replica PUTs (from peers' upkeep or `ferry repair`), not counted in `puts`.
    pub(super) replica_puts: std::sync::atomic::AtomicU64,
    pub(super) challenges: std::sync::atomic::AtomicU64,
}

pub(super) fn count(counter: &std::sync::atomic::AtomicU64, by: u64) {
    counter.fetch_add(by, std::sync::atomic::Ordering::Relaxed);
}

pub(super) type Shared = Arc<NodeState>;

mod body;
use body::{declared_length, discard_body, read_put_body, unpack_put};

/// A refusal: an HTTP status and what was wrong.
#[derive(Debug)]
pub(super) struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    pub(super) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    fn internal(what: &str) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("internal error: {what}"),
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::warn!(status = %self.status, error = %self.message, "request failed");
        } else {
            tracing::info!(status = %self.status, error = %self.message, "request refused");
        }
        (
            self.status,
            Json(ErrorBody {
                error: self.message,
            }),
        )
            .into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        let status = match error {
            StoreError::Full { .. } => StatusCode::INSUFFICIENT_STORAGE,
            StoreError::Io { .. } | StoreError::Corrupt { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        };
        Self::new(status, crate::exit::with_causes(&error))
    }
}

/// Runs blocking work off the async workers.
pub(super) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|_| ApiError::internal("a blocking task panicked"))
}

/// The node's routes over `state`.
pub(crate) fn router(state: Shared) -> Router {
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/info", get(info))
        .route("/peers", get(peers))
        .route("/announce", post(announce))
        .route("/quote", post(quote))
        .route("/stats", get(stats))
        .route("/chunk/{address}", get(get_chunk).put(put_chunk))
        .route("/chunk/{address}/proof", get(holding::proof))
        .route("/replica/{address}", put(put_replica))
        .route("/challenge", post(holding::challenge))
        .route("/challenges", post(holding::challenges))
        .layer(middleware::from_fn(time_limit))
        .with_state(state)
}

/// Ends any request still under way after [`REQUEST_TIMEOUT`].
async fn time_limit(request: Request, next: Next) -> Response {
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "the request took longer than {} s",
                REQUEST_TIMEOUT.as_secs()
            ),
        )
        .into_response(),
    }
}

/// A chunk transfer slot.
pub(super) async fn transfer_slot(state: &NodeState) -> Result<SemaphorePermit<'_>, ApiError> {
    state
        .transfers
        .acquire()
        .await
        .map_err(|_| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "the node is shutting down"))
}

async fn stats(State(state): State<Shared>) -> Json<serde_json::Value> {
    let mut stats = serde_json::to_value(&state.requests).unwrap_or_default();
    if let Some(object) = stats.as_object_mut() {
        object.insert(
            "chain_queries".into(),
            state.admission.chain_queries().into(),
        );
        let forwarded = |counter: &std::sync::atomic::AtomicU64| {
            counter.load(std::sync::atomic::Ordering::Relaxed)
        };
        object.insert("forwards".into(), forwarded(&state.forwarder.puts).into());
        object.insert(
            "forward_bytes".into(),
            forwarded(&state.forwarder.bytes).into(),
        );
    }
    Json(stats)
}

async fn info(State(state): State<Shared>) -> Json<NodeInfo> {
    Json(state.peers.me().clone())
}

async fn peers(State(state): State<Shared>) -> Json<Vec<NodeInfo>> {
    if state.peers.knows_only_itself() {
        state.peers.refresh().await;
    }
    Json(state.peers.all())
}

/// `POST /announce`: a signed announcement is verified (403 for a forgery, 422 for a bad URL
/// or a stale one), then the announced URL must answer `/info` as that node (422 otherwise)
/// before it joins the view.
async fn announce(
    State(state): State<Shared>,
    request: Result<Json<Announcement>, JsonRejection>,
) -> Result<Json<NodeInfo>, ApiError> {
    count(&state.requests.announcements, 1);
    let Json(announcement) = request.map_err(|rejection| {
        ApiError::new(
            rejection.status(),
            format!("bad announcement: {}", rejection.body_text()),
        )
    })?;
    let mut verified = announcement.verify(unix_now(), &state.peers.registry());
    if matches!(verified, Err(AnnounceError::WrongId { .. }))
        && registered_since(&state, &announcement).await
    {
        verified = announcement.verify(unix_now(), &state.peers.registry());
    }
    let announced = verified.map_err(|error| {
        let status = if error.is_forgery() {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        ApiError::new(status, crate::exit::with_causes(&error))
    })?;
    state
        .peers
        .admit(announced.clone())
        .await
        .map_err(|error| {
            let status = match error {
                AdmitError::Busy => StatusCode::TOO_MANY_REQUESTS,
                AdmitError::Unreachable { .. } | AdmitError::Mismatch { .. } => {
                    StatusCode::UNPROCESSABLE_ENTITY
                }
            };
            ApiError::new(status, error.to_string())
        })?;
    Ok(Json(announced))
}

/// True when the announcing address is registered at the announced position on the chain,
/// though not in this node's registry yet (it registered since the last read): then the
/// registry is read again. At most [`MAX_REGISTRY_LOOKUPS`] such lookups run at once; a flood of
/// free keys finds them busy and is refused as unregistered.
async fn registered_since(state: &NodeState, announcement: &Announcement) -> bool {
    let Ok(_turn) = state.registry_lookups.try_acquire() else {
        return false;
    };
    match state.chain.position_of(announcement.rewards).await {
        Ok(Some(position)) if position == announcement.id => {
            crate::node::read_registry(state).await;
            true
        }
        Ok(_) => false,
        Err(error) => {
            tracing::debug!(%error, "cannot look up an announcing address in the registry");
            false
        }
    }
}

pub(super) fn parse_address(text: &str) -> Result<ChunkAddress, ApiError> {
    text.parse().map_err(|error| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("bad chunk address in the path: {error}"),
        )
    })
}

async fn quote(
    State(state): State<Shared>,
    request: Result<Json<QuoteRequest>, JsonRejection>,
) -> Result<Json<QuoteResponse>, ApiError> {
    count(&state.requests.quotes, 1);
    let Json(request) = request.map_err(|rejection| {
        ApiError::new(
            rejection.status(),
            format!("bad quote request: {}", rejection.body_text()),
        )
    })?;
    let size = u64::from(request.size);
    if size > MAX_CHUNK_BYTES as u64 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("a chunk of {size} bytes is larger than the {MAX_CHUNK_BYTES}-byte maximum"),
        ));
    }
    if state.store.holds(&request.chunk) {
        let receipt = StorageReceipt::sign(request.chunk, &state.signer);
        return Ok(Json(QuoteResponse::AlreadyHeld { receipt }));
    }
    if !state.store.fits(size) {
        return Err(StoreError::Full {
            needed: size,
            free: state.store.capacity().saturating_sub(state.store.used()),
        }
        .into());
    }
    let price = pricing::price(
        state.base_price,
        state.store.used(),
        size,
        state.store.capacity(),
    );
    let body = QuoteBody {
        chunk: request.chunk,
        size: request.size,
        price,
        rewards: state.signer.address(),
        issued_at: unix_now(),
        payer: request.payer,
    };
    let quote = SignedQuote::sign(body, &state.signer);
    Ok(Json(QuoteResponse::Quote { quote }))
}

fn refusal(rejection: Rejection) -> ApiError {
    let status = if rejection.is_unavailable() {
        StatusCode::SERVICE_UNAVAILABLE
    } else if rejection.is_too_early() {
        StatusCode::TOO_EARLY
    } else if matches!(rejection, Rejection::NotResponsible { .. }) {
        StatusCode::MISDIRECTED_REQUEST
    } else {
        StatusCode::PAYMENT_REQUIRED
    };
    ApiError::new(status, crate::exit::with_causes(&rejection))
}

async fn put_chunk(
    State(state): State<Shared>,
    Path(address): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    count(&state.requests.puts, 1);
    accept_put(state, address, request, Arrival::First).await
}

async fn put_replica(
    State(state): State<Shared>,
    Path(address): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    count(&state.requests.replica_puts, 1);
    accept_put(state, address, request, Arrival::Replica).await
}

/// A chunk PUT, first or replica: read, checked, stored with its proof's bytes, and (a
/// client's first PUT only) forwarded to the chunk's next closest nodes meanwhile.
async fn accept_put(
    state: Shared,
    address: String,
    request: Request,
    arrival: Arrival,
) -> Result<Response, ApiError> {
    let address = parse_address(&address)?;
    let forwards = arrival == Arrival::First && !request.headers().contains_key(FORWARDED_HEADER);
    if let Some(length) = declared_length(&request).filter(|&n| n > MAX_PUT_BODY as u64) {
        // Read and discard a body that is not much too large (no slot, no memory kept), so the
        // sender sees the 413 instead of a connection reset mid-send; a larger one is cut.
        if length <= 2 * MAX_PUT_BODY as u64 {
            discard_body(request.into_body()).await;
        }
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the PUT body is larger than the {MAX_PUT_BODY}-byte limit (a 4 MiB chunk, a 4-byte header and a 64 KiB proof)"
            ),
        ));
    }
    let slot = transfer_slot(&state).await?;
    let body = read_put_body(request.into_body()).await?;
    count(&state.requests.put_bytes, body.len() as u64);
    let (unpacked, store) = (body.clone(), state.store.clone());
    let (proof, proof_bytes, chunk, held) = blocking(move || {
        unpack_put(unpacked, address)
            .map(|(proof, bytes, chunk)| (proof, bytes, chunk, store.holds_on_disk(&address)))
    })
    .await??;
    let slot = if held {
        slot
    } else {
        admit_put(&state, slot, proof, address, chunk.len(), arrival).await?
    };
    let store = state.store.clone();
    let stored = async move {
        let outcome = blocking(move || {
            if held {
                store.put(&address, &chunk)
            } else {
                store.put_with_proof(&address, &chunk, &proof_bytes)
            }
        })
        .await;
        drop(slot);
        outcome
    };
    let (outcome, peer_receipts) = if forwards {
        let view = state.peers.all();
        let targets: Vec<NodeInfo> = state
            .peers
            .diversity()
            .close_group(&address, &view, state.close_group)
            .into_iter()
            .filter(|node| node.id != state.peers.me().id)
            .cloned()
            .collect();
        let forwarding = state
            .forwarder
            .forward(address, body, &targets, REPLICAS - 1);
        let (outcome, peer_receipts) = tokio::join!(stored, forwarding);
        (outcome??, peer_receipts)
    } else {
        (stored.await??, Vec::new())
    };
    let status = match outcome {
        PutOutcome::Stored => StatusCode::CREATED,
        PutOutcome::AlreadyExists => StatusCode::OK,
    };
    tracing::debug!(%address, ?outcome, ?arrival, forwards, peers = peer_receipts.len(), "PUT answered");
    let receipt = StorageReceipt::sign(address, &state.signer);
    let answer = PutResponse {
        outcome,
        receipt,
        peer_receipts,
    };
    Ok((status, Json(answer)).into_response())
}

/// A PUT's proof checks (for a chunk not held yet): the cheap ones, a peer refresh for an
/// unknown issuer (with the transfer slot given back meanwhile), then the chain. Returns the
/// transfer slot, held again.
async fn admit_put<'s>(
    state: &'s NodeState,
    mut slot: SemaphorePermit<'s>,
    proof: PaymentProof,
    address: ChunkAddress,
    size: usize,
    arrival: Arrival,
) -> Result<SemaphorePermit<'s>, ApiError> {
    let check = || {
        let registry = state.peers.registry();
        let issuers: Vec<NodeId> = proof
            .quotes
            .iter()
            .filter_map(|quote| registry.id_of(&quote.body.rewards))
            .collect();
        let nodes = state.peers.view_for(&issuers);
        let view = View {
            nodes: &nodes,
            registry: &registry,
            diversity: state.peers.diversity(),
        };
        state
            .admission
            .check_cheap(&proof, address, size, view, arrival)
            .map(drop)
    };
    match check() {
        Ok(()) => {}
        Err(unknown @ (Rejection::UnknownIssuer { .. } | Rejection::UnregisteredIssuer { .. })) => {
            // A node that joined or registered since the last refresh: look again, at most
            // once per gap, and never while holding a transfer slot.
            drop(slot);
            if !state.peers.refresh_on_demand().await {
                return Err(refusal(Rejection::RefreshPending {
                    issuer: unknown.to_string(),
                }));
            }
            crate::node::read_registry(state).await;
            check().map_err(refusal)?;
            slot = transfer_slot(state).await?;
        }
        Err(rejection) => return Err(refusal(rejection)),
    }
    let earned = (proof.wave.leaf.rewards == state.signer.address()).then(|| {
        let payer = proof.paid_quote().map(|q| q.body.payer).unwrap_or_default();
        (payer, proof.wave.clone())
    });
    state.admission.check_paid(proof).await.map_err(refusal)?;
    if let Some((payer, leaf)) = earned {
        record_earning(state, payer, leaf).await;
    }
    Ok(slot)
}

/// Records a leaf paying this node (admitted just now) so `ferry-node rewards` can claim it.
/// A failure is logged, not fatal to the PUT: the wave's leaves stay in its transaction's
/// calldata, so the path can be rebuilt from the chain.
async fn record_earning(
    state: &NodeState,
    payer: alloy::primitives::Address,
    leaf: WaveMembership,
) {
    let earnings = state.earnings.clone();
    let root = leaf.root;
    match tokio::task::spawn_blocking(move || earnings.record(payer, &leaf)).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::warn!(%error, %root, "cannot record an earned leaf"),
        Err(error) => tracing::warn!(%error, %root, "recording an earned leaf was interrupted"),
    }
}

async fn get_chunk(
    State(state): State<Shared>,
    axum::extract::ConnectInfo(source): axum::extract::ConnectInfo<std::net::SocketAddr>,
    Path(address): Path<String>,
) -> Result<Response, ApiError> {
    count(&state.requests.gets, 1);
    let address = parse_address(&address)?;
    // A known peer's GET is paced and held back past every audit deadline (no slot held).
    let peers = state.peers.all();
    let paced = state
        .pacing
        .wait(source.ip(), &peers, state.peers.diversity());
    paced
        .await
        .map_err(|full| ApiError::new(StatusCode::TOO_MANY_REQUESTS, full.to_string()))?;
    let _slot = transfer_slot(&state).await?;
    let store = state.store.clone();
    match blocking(move || store.get(&address)).await? {
        Ok(Some(bytes)) => {
            Ok(([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response())
        }
        Ok(None) => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("chunk {address} is not held by this node"),
        )),
        Err(error) => Err(error.into()),
    }
}
