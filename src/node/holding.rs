//! The routes by which a node shows what it holds: a signed answer to a storage challenge
//! (`POST /challenge`), which of many chunks are on its disk (`POST /held`, for peers'
//! upkeep), and the payment proof a chunk was admitted with (`GET /chunk/{address}/proof`, so
//! a replica can travel with it).
//!
//! Invariants: a challenge is answered only from bytes read from disk and verified against
//! their address (a chunk whose file is gone or corrupt is not held); reading a chunk for a
//! challenge takes a transfer slot like a GET, and the hashing and signing run on a blocking
//! thread.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::node::server::{ApiError, Shared, blocking, count, parse_address, transfer_slot};
use crate::wire::http::{
    ChallengeAnswer, ChallengeRequest, HeldRequest, HeldResponse, MAX_HELD_QUERY,
};

fn bad_body(rejection: JsonRejection) -> ApiError {
    ApiError::new(
        rejection.status(),
        format!("bad request body: {}", rejection.body_text()),
    )
}

fn not_held(address: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!("chunk {address} is not held by this node"),
    )
}

/// `POST /challenge`: the keyed hash of the chunk's bytes under the request's nonce, signed.
pub(super) async fn challenge(
    State(state): State<Shared>,
    request: Result<Json<ChallengeRequest>, JsonRejection>,
) -> Result<Json<ChallengeAnswer>, ApiError> {
    count(&state.requests.challenges, 1);
    let Json(request) = request.map_err(bad_body)?;
    let _slot = transfer_slot(&state).await?;
    let shared = state.clone();
    let answer = blocking(move || {
        shared.store.get(&request.chunk).map(|bytes| {
            bytes.map(|bytes| ChallengeAnswer::answer(&request, &bytes, &shared.signer))
        })
    })
    .await??;
    answer.map(Json).ok_or_else(|| not_held(request.chunk))
}

/// `POST /held`: which of the chunks asked about are on this node's disk.
pub(super) async fn held(
    State(state): State<Shared>,
    request: Result<Json<HeldRequest>, JsonRejection>,
) -> Result<Json<HeldResponse>, ApiError> {
    count(&state.requests.held_queries, 1);
    let Json(request) = request.map_err(bad_body)?;
    if request.chunks.len() > MAX_HELD_QUERY {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!(
                "asked about {} chunks; at most {MAX_HELD_QUERY} per request",
                request.chunks.len()
            ),
        ));
    }
    let store = state.store.clone();
    let held = blocking(move || {
        request
            .chunks
            .into_iter()
            .filter(|chunk| store.holds_on_disk(chunk))
            .collect()
    })
    .await?;
    Ok(Json(HeldResponse { held }))
}

/// `GET /chunk/{address}/proof`: the proof's bytes as the chunk's PUT carried them.
pub(super) async fn proof(
    State(state): State<Shared>,
    Path(address): Path<String>,
) -> Result<Response, ApiError> {
    let address = parse_address(&address)?;
    let store = state.store.clone();
    match blocking(move || store.proof(&address)).await?? {
        Some(bytes) => {
            Ok(([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response())
        }
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("this node keeps no payment proof for chunk {address}"),
        )),
    }
}
