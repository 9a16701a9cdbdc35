//! A PUT's body: its declared length, reading it within the size and idle limits, and
//! splitting it into proof and chunk.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use bytes::{Bytes, BytesMut};
use futures::StreamExt;

use super::{ApiError, BODY_IDLE_TIMEOUT, MAX_PUT_BODY};
use crate::wire::http::decode_put;
use crate::wire::signed::PaymentProof;
use crate::wire::types::{ChunkAddress, MAX_CHUNK_BYTES};

/// A PUT body split and checked: framing, size and address.
pub(super) fn unpack_put(
    body: Bytes,
    address: ChunkAddress,
) -> Result<(PaymentProof, Bytes), ApiError> {
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

/// Reads a PUT body of at most [`MAX_PUT_BODY`] bytes, dropping a sender that stalls for
/// [`BODY_IDLE_TIMEOUT`].
pub(super) async fn read_put_body(body: Body) -> Result<Bytes, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the PUT body is larger than the {MAX_PUT_BODY}-byte limit (a 4 MiB chunk, a 4-byte header and a 64 KiB proof)"
            ),
        )
    };
    let mut stream = body.into_data_stream();
    let mut bytes = BytesMut::new();
    loop {
        match tokio::time::timeout(BODY_IDLE_TIMEOUT, stream.next()).await {
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
