//! What the node tells its operator over HTTP, and the middleware that feeds it: `GET /health`
//! (readiness, [`crate::node::ops::readiness`]), `GET /metrics` (the Prometheus text
//! exposition), `GET /stats` (requests served by kind, what benchmarks count) and the middleware that times chunk PUTs and GETs and refuses PUTs while the
//! node drains.
//!
//! Invariants: every chunk PUT and GET passes the middleware exactly once, so its latency is
//! observed once, an admitted PUT is counted once, and a refusal the payment checks did not
//! count already is counted once, by its status.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::ApiError;
use crate::node::ops::InFlight;
use crate::node::state::Shared;
use crate::wire::http::FORWARDED_HEADER;
use crate::wire::routes::Route;

/// `GET /health`: 200 `serving`, or 503 `starting: …` / `stopping: …`.
pub(super) async fn health(State(state): State<Shared>) -> Response {
    match crate::node::ops::readiness(&state) {
        Ok(()) => (StatusCode::OK, "serving\n").into_response(),
        Err(reason) => (StatusCode::SERVICE_UNAVAILABLE, format!("{reason}\n")).into_response(),
    }
}

/// `GET /metrics`: the Prometheus text exposition.
pub(super) async fn metrics(State(state): State<Shared>) -> Response {
    let text = crate::node::metrics::render(&state);
    (
        [(header::CONTENT_TYPE, crate::node::metrics::CONTENT_TYPE)],
        text,
    )
        .into_response()
}

/// What a request is, for the middleware.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A chunk PUT: a client's, a peer's forward, or a replica.
    Put { replica: bool, forwarded: bool },
    /// A chunk GET.
    Get,
    /// Anything else.
    Other,
}

fn kind(request: &Request) -> Kind {
    match Route::of_request(request.method(), request.uri().path()) {
        Some(route @ (Route::PutChunk | Route::Replica)) => Kind::Put {
            replica: route == Route::Replica,
            forwarded: request.headers().contains_key(FORWARDED_HEADER),
        },
        Some(Route::GetChunk) => Kind::Get,
        _ => Kind::Other,
    }
}

/// Times chunk PUTs and GETs, counts PUTs admitted and refused, and refuses PUTs while the
/// node drains.
pub(super) async fn observe(State(state): State<Shared>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    match kind(&request) {
        Kind::Other => next.run(request).await,
        Kind::Get => {
            let response = next.run(request).await;
            state.metrics.get_took(started.elapsed());
            response
        }
        Kind::Put { replica, forwarded } => {
            if replica {
                state.metrics.replica_received();
            } else if forwarded {
                state.metrics.forward_received();
            }
            let _in_flight = InFlight::start(&state.ops);
            if state.ops.is_draining() {
                state.metrics.put_refused("draining");
                return ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the node is shutting down; send the chunk to another node of its close group",
                )
                .into_response();
            }
            let response = next.run(request).await;
            state.metrics.put_took(started.elapsed());
            let status = response.status();
            if status.is_success() {
                state.metrics.put_admitted();
            } else if let Some(reason) = status_reason(status) {
                state.metrics.put_refused(reason);
            }
            response
        }
    }
}

/// The reason label of a PUT refusal that the payment checks did not make (those are
/// counted by their [`crate::node::admission::Rejection`]).
fn status_reason(status: StatusCode) -> Option<&'static str> {
    match status {
        StatusCode::BAD_REQUEST => Some("bad_request"),
        StatusCode::REQUEST_TIMEOUT => Some("timeout"),
        StatusCode::PAYLOAD_TOO_LARGE => Some("too_large"),
        StatusCode::INSUFFICIENT_STORAGE => Some("store_full"),
        StatusCode::INTERNAL_SERVER_ERROR => Some("internal"),
        _ => None,
    }
}

/// `GET /stats`: requests served since the node started, by kind, and what it forwarded.
pub(super) async fn stats(State(state): State<Shared>) -> Json<serde_json::Value> {
    let mut stats = serde_json::to_value(&state.requests).unwrap_or_default();
    if let Some(object) = stats.as_object_mut() {
        object.insert(
            "chain_queries".into(),
            state.admission.chain_queries().into(),
        );
        let forwarded = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        object.insert("forwards".into(), forwarded(&state.forwarder.puts).into());
        object.insert(
            "forward_bytes".into(),
            forwarded(&state.forwarder.bytes).into(),
        );
    }
    Json(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_puts_and_gets_are_told_apart() {
        let address = crate::wire::types::ChunkAddress([0xab; 32]);
        let request = |route: Route| {
            let url = route.url_for("", &address);
            Request::builder()
                .method(route.method())
                .uri(url)
                .body(axum::body::Body::empty())
                .unwrap()
        };
        assert_eq!(
            kind(&request(Route::Replica)),
            Kind::Put {
                replica: true,
                forwarded: false
            }
        );
        assert_eq!(kind(&request(Route::GetChunk)), Kind::Get);
        assert_eq!(kind(&request(Route::Proof)), Kind::Other);
        assert_eq!(
            kind(&request(Route::PutChunk)),
            Kind::Put {
                replica: false,
                forwarded: false
            }
        );
    }
}
