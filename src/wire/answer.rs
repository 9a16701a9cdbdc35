//! Reading a node's HTTP answer, for whoever asks (a client, or a node asking a peer): the one
//! capped body reader, and [`PeerError`], why a request to a node gave nothing usable.
//!
//! Invariants: an answer's body is read in pieces and never past its cap, whatever the node
//! claims in `Content-Length` (a claim over the cap fails before any byte is read); an
//! answer's status and text are reported, never interpreted.

use bytes::{Bytes, BytesMut};
use serde::de::DeserializeOwned;

/// Why a request to a node gave nothing usable.
#[derive(Debug, thiserror::Error)]
pub enum PeerError {
    /// Not asked: the request was refused before connecting (the asker's own rules).
    #[error("not asked")]
    NotAsked(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
    /// No connection, or no answer in time, or the answer broke off.
    #[error("no answer")]
    Unreachable(#[source] reqwest::Error),
    /// An error status.
    #[error("answered {0}")]
    Status(reqwest::StatusCode),
    /// An answer longer than its cap.
    #[error("answered more than {0} bytes")]
    TooLarge(usize),
    /// An answer that is not what was asked for.
    #[error("answered something that does not parse")]
    BadAnswer(#[source] serde_json::Error),
    /// A storage receipt not signed by the node asked, or not for the chunk sent.
    #[error("answered with a storage receipt that is not its own for this chunk")]
    BadReceipt,
}

/// What to do with an answer longer than its cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overflow {
    /// It is the node's failure: [`PeerError::TooLarge`].
    Fail,
    /// Keep the start (an error answer's text, only reported).
    Cut,
}

/// Reads `response`'s body in pieces, never more than `limit` bytes, whatever the node claims.
pub async fn read_capped(
    response: &mut reqwest::Response,
    limit: usize,
    overflow: Overflow,
) -> Result<Bytes, PeerError> {
    let claimed = response.content_length().unwrap_or(0);
    if overflow == Overflow::Fail && claimed > limit as u64 {
        return Err(PeerError::TooLarge(limit));
    }
    let mut body = BytesMut::with_capacity((claimed as usize).min(limit));
    while let Some(piece) = response.chunk().await.map_err(PeerError::Unreachable)? {
        let room = limit - body.len();
        if piece.len() > room {
            if overflow == Overflow::Fail {
                return Err(PeerError::TooLarge(limit));
            }
            body.extend_from_slice(&piece[..room]);
            break;
        }
        body.extend_from_slice(&piece);
    }
    Ok(body.freeze())
}

/// A successful answer of at most `limit` bytes, parsed as JSON; an error status is
/// [`PeerError::Status`].
pub async fn read_json<T: DeserializeOwned>(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<T, PeerError> {
    if !response.status().is_success() {
        return Err(PeerError::Status(response.status()));
    }
    let body = read_capped(&mut response, limit, Overflow::Fail).await?;
    serde_json::from_slice(&body).map_err(PeerError::BadAnswer)
}
