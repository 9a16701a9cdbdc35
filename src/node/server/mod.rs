//! The node's HTTP surface: the router over [`Route::ALL`] and the pieces its handlers share
//! (the refusal type, the transfer slots, the limits). The handlers are grouped by concern, one
//! file each, as mini-redis keeps one file per command:
//! - [`chunks`]: quotes, chunk PUTs (first or replica) and GETs, and the order of a PUT's
//!   checks;
//! - [`holding`]: what the node shows it holds (challenges, one or a batch; proofs);
//! - [`network`]: what the node says about itself and the network (info, peers, announcements,
//!   closest nodes, SWIM);
//! - [`operator`]: what it tells its operator (health, metrics, request counts) and the
//!   middleware that times chunk transfers and refuses PUTs while the node drains;
//! - [`body`] and [`sources`]: reading a PUT's body against a slow sender, and the per-source
//!   caps every request passes.
//!
//! `/status` is answered by [`crate::node::status`], next to the status file it describes.
//!
//! Every refusal is a 4xx (or 503 when the chain cannot be asked) with a JSON
//! [`crate::wire::http::ErrorBody`] saying exactly what is wrong; a bad request never stops the
//! node, and a handler that panics is answered 500. Chunk transfers are bounded by two
//! semaphores, [`MAX_CHUNK_PUTS`] for bodies coming in and [`MAX_CHUNK_GETS`] for chunks read
//! out (GETs and challenges), so at most that many chunk bodies are in memory at once and
//! uploads, however slow, never hold up reads. File work and hashing run on blocking threads
//! ([`crate::blocking::blocking`]).
//!
//! Against hostile clients: every request ends within [`REQUEST_TIMEOUT`]; a PUT body that
//! sends nothing for [`BODY_IDLE_TIMEOUT`], or arrives below [`MIN_BODY_RATE`] after a short
//! grace, is dropped with 408, freeing its transfer slot; each source has a cap on requests
//! under way and on `/challenge` calls ([`sources`]); a PUT's proof passes its cheap checks
//! before any signature is recovered or the chain asked; and a peer refresh for an unknown
//! issuer runs only after the PUT's transfer slot is given back.

use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::Request;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on};
use tokio::sync::SemaphorePermit;

use crate::node::state::{NodeState, Shared};
use crate::node::store::StoreError;
use crate::wire::http::{ErrorBody, MAX_PROOF_BYTES};
use crate::wire::routes::Route;
use crate::wire::types::{ChunkAddress, MAX_CHUNK_BYTES};

mod body;
mod chunks;
mod holding;
mod network;
mod operator;
mod sources;

pub use body::{BODY_RATE_GRACE, MIN_BODY_RATE};
pub(crate) use sources::SourceLimits;
pub use sources::{CHALLENGE_BURST, CHALLENGE_RATE, MAX_REQUESTS_PER_SOURCE};

/// The largest PUT body accepted: a full chunk, the 4-byte header and the largest proof.
pub const MAX_PUT_BODY: usize = MAX_CHUNK_BYTES + 4 + MAX_PROOF_BYTES;
/// Chunk PUT bodies read at once; more wait their turn.
pub const MAX_CHUNK_PUTS: usize = 32;
/// Chunks read out at once (GETs, challenges); more wait their turn.
pub const MAX_CHUNK_GETS: usize = 32;
/// The longest any request may take, body included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// Registry lookups of announcing addresses run at once.
pub const MAX_REGISTRY_LOOKUPS: usize = 4;
/// A PUT whose body sends no bytes for this long is dropped.
pub const BODY_IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// The node's routes over `state`, behind the limits every request passes.
pub(crate) fn router(state: Shared) -> Router {
    routes()
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked))
        .layer(middleware::from_fn(time_limit))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            operator::observe,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            sources::limit,
        ))
        .with_state(state)
}

/// One handler for each of [`Route::ALL`], and nothing else.
fn routes() -> Router<Shared> {
    Route::ALL.into_iter().fold(Router::new(), |router, route| {
        router.route(route.path(), handler(route))
    })
}

/// The handler of `route`, answering only its method.
fn handler(route: Route) -> MethodRouter<Shared> {
    let method = MethodFilter::try_from(route.method()).expect("a route's method is a plain one");
    match route {
        Route::Health => on(method, operator::health),
        Route::Metrics => on(method, operator::metrics),
        Route::Status => on(method, crate::node::status::status),
        Route::Stats => on(method, operator::stats),
        Route::Info => on(method, network::info),
        Route::Peers => on(method, network::peers),
        Route::Announce => on(method, network::announce),
        Route::Quote => on(method, chunks::quote),
        Route::GetChunk => on(method, chunks::get_chunk),
        Route::PutChunk => on(method, chunks::put_chunk),
        Route::Proof => on(method, holding::proof),
        Route::Replica => on(method, chunks::put_replica),
        Route::Challenge => on(method, holding::challenge),
        Route::Challenges => on(method, holding::challenges),
        Route::Swim => on(method, network::swim).layer(axum::extract::DefaultBodyLimit::max(
            crate::node::membership::MAX_MESSAGE_BYTES,
        )),
        Route::Closest => on(method, network::closest),
    }
}

/// A refusal: an HTTP status and what was wrong.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    /// A request body that is not the JSON the route takes (`what`: "quote request").
    fn bad_json(what: &str, rejection: JsonRejection) -> Self {
        Self::new(
            rejection.status(),
            format!("bad {what}: {}", rejection.body_text()),
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

/// The answer to a request whose handler panicked: 500, never a dropped connection.
fn panicked(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal error: the request's handler panicked",
    )
    .into_response()
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

/// A slot to read a held chunk out (a GET or a challenge), from the pool PUTs never use.
async fn transfer_slot(state: &NodeState) -> Result<SemaphorePermit<'_>, ApiError> {
    state
        .gets
        .acquire()
        .await
        .map_err(|_| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "the node is shutting down"))
}

/// A slot to read a PUT's body in.
async fn put_slot(state: &NodeState) -> Result<SemaphorePermit<'_>, ApiError> {
    state
        .puts
        .acquire()
        .await
        .map_err(|_| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "the node is shutting down"))
}

/// The chunk address in a request's path.
fn parse_address(text: &str) -> Result<ChunkAddress, ApiError> {
    text.parse().map_err(|error| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("bad chunk address in the path: {error}"),
        )
    })
}

/// The answer for a chunk this node does not hold.
fn not_held(address: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!("chunk {address} is not held by this node"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_router_is_built_from_the_route_table_without_overlaps() {
        // Two handlers for one method on one path would panic here.
        let _ = routes();
    }
}
