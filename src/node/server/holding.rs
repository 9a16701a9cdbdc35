//! The routes by which a node shows what it holds: a signed answer to a storage challenge
//! (`POST /challenge`), signed answers to many at once (`POST /challenges`, for peers' upkeep
//! and a client's check after a PUT), and the payment proof a chunk was admitted with
//! (`GET /chunk/{address}/proof`, so a replica can travel with it).
//!
//! Invariants: a challenge is answered only from bytes read from disk and verified against
//! their address (a chunk whose file is gone or corrupt is not held); reading chunks for a
//! challenge takes a transfer slot like a GET, and the hashing and signing run on a blocking
//! thread; a batch holds one chunk in memory at a time and reads at most
//! [`MAX_BATCH_BYTES`] of chunks (the chunk that crosses it is the last answered).

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{ApiError, not_held, parse_address, transfer_slot};
use crate::blocking::blocking;
use crate::node::state::{Shared, count};
use crate::wire::challenge::{MAX_BATCH_BYTES, MAX_BATCH_CHALLENGES};
use crate::wire::http::{BatchAnswer, ChallengeAnswer, ChallengeBatch, ChallengeRequest};

/// `POST /challenge`: the keyed hash of the chunk's bytes under the request's nonce, signed.
pub(super) async fn challenge(
    State(state): State<Shared>,
    request: Result<Json<ChallengeRequest>, JsonRejection>,
) -> Result<Json<ChallengeAnswer>, ApiError> {
    count(&state.requests.challenges, 1);
    let Json(request) =
        request.map_err(|rejection| ApiError::bad_json("request body", rejection))?;
    let _slot = transfer_slot(&state).await?;
    let shared = state.clone();
    let answer = blocking(move || {
        shared.store.get(&request.chunk).map(|bytes| {
            bytes.map(|bytes| ChallengeAnswer::answer(&request, &bytes, &shared.signer))
        })
    })
    .await?;
    let answered = usize::from(answer.is_some());
    state.metrics.challenges(answered, 1 - answered);
    answer.map(Json).ok_or_else(|| not_held(request.chunk))
}

/// `POST /challenges`: a signed answer for each chunk of the batch this node holds, read one
/// at a time.
pub(super) async fn challenges(
    State(state): State<Shared>,
    request: Result<Json<ChallengeBatch>, JsonRejection>,
) -> Result<Json<BatchAnswer>, ApiError> {
    let Json(batch) = request.map_err(|rejection| ApiError::bad_json("request body", rejection))?;
    let asked = batch.challenges.len();
    count(&state.requests.challenges, asked as u64);
    if asked > MAX_BATCH_CHALLENGES {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("a batch of {asked} challenges; at most {MAX_BATCH_CHALLENGES} per request"),
        ));
    }
    let _slot = transfer_slot(&state).await?;
    let shared = state.clone();
    let (answers, missing) = blocking(move || {
        let (mut answers, mut missing) = (Vec::new(), 0);
        let mut read = 0u64;
        for request in &batch.challenges {
            if read >= MAX_BATCH_BYTES {
                break;
            }
            // A chunk that cannot be read (gone, corrupt) is not held: no answer for it.
            match shared.store.get(&request.chunk) {
                Ok(Some(bytes)) => {
                    read += bytes.len() as u64;
                    answers.push(ChallengeAnswer::answer(request, &bytes, &shared.signer));
                }
                Ok(None) => missing += 1,
                Err(error) => {
                    missing += 1;
                    tracing::warn!(chunk = %request.chunk, %error, "cannot answer a challenge")
                }
            }
        }
        (answers, missing)
    })
    .await;
    state.metrics.challenges(answers.len(), missing);
    Ok(Json(BatchAnswer { answers }))
}

/// `GET /chunk/{address}/proof`: the proof's bytes as the chunk's PUT carried them.
pub(super) async fn proof(
    State(state): State<Shared>,
    Path(address): Path<String>,
) -> Result<Response, ApiError> {
    let address = parse_address(&address)?;
    let store = state.store.clone();
    match blocking(move || store.proof(&address)).await? {
        Some(bytes) => {
            Ok(([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response())
        }
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("this node keeps no payment proof for chunk {address}"),
        )),
    }
}
