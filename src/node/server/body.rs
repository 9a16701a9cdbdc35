//! A PUT's body: its declared length, reading it within the size, idle and rate limits, and
//! splitting it into proof and chunk.
//!
//! A body must keep up [`MIN_BODY_RATE`] bytes a second on average once [`BODY_RATE_GRACE`]
//! has passed (by `grace + bytes / rate` seconds after it started, `bytes` must be in), so a
//! sender trickling a few bytes a second holds a transfer slot for about the grace, not for
//! the request's whole time limit.

use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use bytes::{Bytes, BytesMut};
use futures::StreamExt;

use super::{ApiError, BODY_IDLE_TIMEOUT, MAX_PUT_BODY};

/// The slowest average rate a PUT body may arrive at, in bytes a second, after
/// [`BODY_RATE_GRACE`]: a full 4 MiB chunk in about 66 s.
pub const MIN_BODY_RATE: u64 = 64 * 1024;
/// How long a PUT body may take before [`MIN_BODY_RATE`] applies.
pub const BODY_RATE_GRACE: Duration = Duration::from_secs(2);

/// When `bytes` bytes of a body started at `started` are due at the latest.
fn due_by(started: tokio::time::Instant, bytes: usize) -> tokio::time::Instant {
    started
        + BODY_RATE_GRACE
        + Duration::from_micros((bytes as u64).saturating_mul(1_000_000) / MIN_BODY_RATE)
}
use crate::wire::http::{FramingError, decode_proof, split_put};
use crate::wire::signed::PaymentProof;
use crate::wire::types::{ChunkAddress, MAX_CHUNK_BYTES};

/// A PUT body split and checked: framing, size and address. Returns the proof, its bytes as
/// they came (what the store keeps) and the chunk.
pub(super) fn unpack_put(
    body: Bytes,
    address: ChunkAddress,
) -> Result<(PaymentProof, Bytes, Bytes), ApiError> {
    let malformed = |error: FramingError| ApiError::new(StatusCode::BAD_REQUEST, error.to_string());
    let (proof_bytes, chunk) = split_put(&body).map_err(malformed)?;
    let proof = decode_proof(proof_bytes).map_err(malformed)?;
    let proof_bytes = body.slice(4..4 + proof_bytes.len());
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
    Ok((proof, proof_bytes, chunk))
}

/// Reads a PUT body of at most [`MAX_PUT_BODY`] bytes, dropping a sender that stalls for
/// [`BODY_IDLE_TIMEOUT`] or falls below [`MIN_BODY_RATE`].
pub(super) async fn read_put_body(body: Body) -> Result<Bytes, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the PUT body is larger than the {MAX_PUT_BODY}-byte limit (a 4 MiB chunk, a 4-byte header and a 64 KiB proof)"
            ),
        )
    };
    let too_slow = |bytes: usize| {
        ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "the PUT body came too slowly: {bytes} bytes in, below {} KiB/s after the first {} s",
                MIN_BODY_RATE / 1024,
                BODY_RATE_GRACE.as_secs()
            ),
        )
    };
    let started = tokio::time::Instant::now();
    let mut stream = body.into_data_stream();
    let mut bytes = BytesMut::new();
    loop {
        let idle_until = tokio::time::Instant::now() + BODY_IDLE_TIMEOUT;
        let rate_until = due_by(started, bytes.len() + 1);
        match tokio::time::timeout_at(idle_until.min(rate_until), stream.next()).await {
            Err(_) if rate_until <= idle_until => return Err(too_slow(bytes.len())),
            Err(_) => {
                return Err(ApiError::new(
                    StatusCode::REQUEST_TIMEOUT,
                    format!(
                        "the PUT body stalled: no bytes for {} s",
                        BODY_IDLE_TIMEOUT.as_secs()
                    ),
                ));
            }
            Ok(None) => return Ok(bytes.freeze()),
            Ok(Some(Err(error))) => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    format!("cannot read the PUT body: {error}"),
                ));
            }
            Ok(Some(Ok(frame))) => {
                if bytes.len() + frame.len() > MAX_PUT_BODY {
                    return Err(too_large());
                }
                bytes.extend_from_slice(&frame);
                if tokio::time::Instant::now() > due_by(started, bytes.len()) {
                    return Err(too_slow(bytes.len()));
                }
            }
        }
    }
}

/// Reads a body to its end and drops it, giving up when the sender stalls for
/// [`BODY_IDLE_TIMEOUT`] or sends more than twice [`MAX_PUT_BODY`].
pub(super) async fn discard_body(body: Body) {
    let mut stream = body.into_data_stream();
    let mut seen = 0usize;
    while let Ok(Some(Ok(frame))) = tokio::time::timeout(BODY_IDLE_TIMEOUT, stream.next()).await {
        seen += frame.len();
        if seen > 2 * MAX_PUT_BODY {
            return;
        }
    }
}

pub(super) fn declared_length(request: &Request) -> Option<u64> {
    request
        .headers()
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}
