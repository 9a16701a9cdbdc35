//! The node's HTTP surface: the routes of [`crate::protocol`] and the order of a PUT's checks.
//!
//! Every refusal is a 4xx (or 503 when the chain cannot be asked) with a JSON
//! [`ErrorBody`] saying exactly what is wrong; a bad request never stops the node. Chunk
//! transfers (PUT and GET) are bounded by a semaphore of [`MAX_CHUNK_TRANSFERS`], so at most that
//! many chunk bodies are in memory at once. File work and hashing run on blocking threads.

use std::sync::Arc;

use alloy::signers::local::PrivateKeySigner;
use axum::Json;
use axum::Router;
use axum::extract::rejection::{BytesRejection, JsonRejection};
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use tokio::sync::Semaphore;

use crate::chunking::MAX_CHUNK_BYTES;
use crate::node::admission::Admission;
use crate::node::peers::Peers;
use crate::node::pricing;
use crate::node::store::{ChunkStore, StoreError};
use crate::protocol::{
    ErrorBody, MAX_PROOF_BYTES, NodeInfo, QuoteRequest, QuoteResponse, StoreOutcome, StoreResponse,
    decode_put,
};
use crate::quote::{PaymentProof, QuoteBody, SignedQuote, StorageReceipt, unix_now};
use crate::types::{Amount, ChunkAddress};

/// The largest PUT body accepted: a full chunk, the 4-byte header and the largest proof.
pub const MAX_PUT_BODY: usize = MAX_CHUNK_BYTES + 4 + MAX_PROOF_BYTES;
/// Chunk PUTs and GETs served at once; more wait their turn.
pub const MAX_CHUNK_TRANSFERS: usize = 32;

/// Everything a request handler needs.
#[derive(Debug)]
pub(crate) struct NodeState {
    pub(crate) signer: PrivateKeySigner,
    pub(crate) store: Arc<ChunkStore>,
    pub(crate) peers: Peers,
    pub(crate) admission: Admission,
    pub(crate) base_price: Amount,
    pub(crate) transfers: Semaphore,
    pub(crate) requests: RequestCounts,
}

/// Requests served since the node started, by kind: what `GET /stats` reports (benchmarks use
/// it to count what a client sent).
#[derive(Debug, Default, serde::Serialize)]
pub(crate) struct RequestCounts {
    quotes: std::sync::atomic::AtomicU64,
    puts: std::sync::atomic::AtomicU64,
    put_bytes: std::sync::atomic::AtomicU64,
    gets: std::sync::atomic::AtomicU64,
}

fn count(counter: &std::sync::atomic::AtomicU64, by: u64) {
    counter.fetch_add(by, std::sync::atomic::Ordering::Relaxed);
}

type Shared = Arc<NodeState>;

/// A refusal: an HTTP status and what was wrong.
#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
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
        Self::new(status, error.to_string())
    }
}

/// Runs blocking work off the async workers.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|_| ApiError::internal("a blocking task panicked"))
}

/// The node's routes over `state`.
pub(crate) fn router(state: Shared) -> Router {
    let chunks = Router::new()
        .route("/chunk/{address}", get(get_chunk).put(put_chunk))
        .layer(DefaultBodyLimit::max(MAX_PUT_BODY))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            limit_transfers,
        ));
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/info", get(info))
        .route("/peers", get(peers))
        .route("/quote", post(quote))
        .route("/stats", get(stats))
        .merge(chunks)
        .with_state(state)
}

async fn limit_transfers(State(state): State<Shared>, request: Request, next: Next) -> Response {
    match state.transfers.acquire().await {
        Ok(_permit) => next.run(request).await,
        Err(_) => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "the node is shutting down")
            .into_response(),
    }
}

async fn stats(State(state): State<Shared>) -> Json<serde_json::Value> {
    Json(serde_json::to_value(&state.requests).unwrap_or_default())
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

fn parse_address(text: &str) -> Result<ChunkAddress, ApiError> {
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

/// A PUT body split and checked: framing, size and address.
fn unpack_put(body: Bytes, address: ChunkAddress) -> Result<(PaymentProof, Bytes), ApiError> {
    let (proof, chunk) = decode_put(&body)
        .map_err(|error| ApiError::new(StatusCode::BAD_REQUEST, error.to_string()))?;
    let chunk = body.slice(body.len() - chunk.len()..);
    if chunk.len() > MAX_CHUNK_BYTES {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the chunk is {} bytes, more than the {MAX_CHUNK_BYTES}-byte maximum",
                chunk.len()
            ),
        ));
    }
    let actual = ChunkAddress::of(&chunk);
    if actual != address {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("the chunk's bytes hash to {actual}, not to its address {address}"),
        ));
    }
    Ok((proof, chunk))
}

async fn put_chunk(
    State(state): State<Shared>,
    Path(address): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    count(&state.requests.puts, 1);
    if let Ok(body) = &body {
        count(&state.requests.put_bytes, body.len() as u64);
    }
    let address = parse_address(&address)?;
    let body = body.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the PUT body is larger than the {MAX_PUT_BODY}-byte limit (a 4 MiB chunk, a 4-byte header and a 64 KiB proof)"),
        ),
        status => ApiError::new(status, format!("cannot read the PUT body: {}", rejection.body_text())),
    })?;
    let (proof, chunk) = blocking(move || unpack_put(body, address)).await??;
    if !state.store.holds(&address) {
        state
            .admission
            .admit(proof, address, chunk.len(), &state.peers)
            .await
            .map_err(|rejection| {
                let status = if rejection.is_unavailable() {
                    StatusCode::SERVICE_UNAVAILABLE
                } else {
                    StatusCode::PAYMENT_REQUIRED
                };
                ApiError::new(status, rejection.to_string())
            })?;
    }
    let store = state.store.clone();
    let outcome = blocking(move || store.put(&address, &chunk)).await??;
    let status = match outcome {
        StoreOutcome::Stored => StatusCode::CREATED,
        StoreOutcome::AlreadyExists => StatusCode::OK,
    };
    tracing::debug!(%address, ?outcome, "PUT answered");
    let receipt = StorageReceipt::sign(address, &state.signer);
    Ok((status, Json(StoreResponse { outcome, receipt })).into_response())
}

async fn get_chunk(
    State(state): State<Shared>,
    Path(address): Path<String>,
) -> Result<Response, ApiError> {
    count(&state.requests.gets, 1);
    let address = parse_address(&address)?;
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
