//! The node's requests to other nodes about the network: `GET /info`, `GET /peers` and
//! `POST /announce`, each with a deadline and a cap on what is read, so a peer that stalls or
//! sends without end costs seconds and bounded memory.

use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::wire::announce::Announcement;
use crate::wire::network::NodeInfo;

/// How long a peer has to accept a connection.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a peer has to answer `/info` or an announcement.
const INFO_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a bootstrap node has to answer `/peers`.
const PEERS_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest `/info` or announcement answer read from a peer.
const MAX_INFO_BYTES: usize = 16 * 1024;
/// The largest `/peers` answer read from a peer.
const MAX_PEERS_BYTES: usize = 1024 * 1024;

/// Why a request to a peer gave nothing usable.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ProbeError {
    /// No connection or no answer in time.
    #[error("no answer")]
    Unreachable(#[source] reqwest::Error),
    /// An error status.
    #[error("answered {0}")]
    Status(reqwest::StatusCode),
    /// Longer than the cap.
    #[error("answered more than {0} bytes")]
    TooLarge(usize),
    /// Not what was asked for.
    #[error("answered something that does not parse")]
    BadAnswer(#[source] serde_json::Error),
}

/// Sends `request` with the deadline `timeout` and reads the answer as JSON of at most `limit`
/// bytes.
async fn ask<T: DeserializeOwned>(
    request: reqwest::RequestBuilder,
    timeout: Duration,
    limit: usize,
) -> Result<T, ProbeError> {
    let mut response = request
        .timeout(timeout)
        .send()
        .await
        .map_err(ProbeError::Unreachable)?;
    if !response.status().is_success() {
        return Err(ProbeError::Status(response.status()));
    }
    let mut body = Vec::new();
    while let Some(piece) = response.chunk().await.map_err(ProbeError::Unreachable)? {
        if body.len() + piece.len() > limit {
            return Err(ProbeError::TooLarge(limit));
        }
        body.extend_from_slice(&piece);
    }
    serde_json::from_slice(&body).map_err(ProbeError::BadAnswer)
}

/// Asks `url` for its `/info`.
pub(crate) async fn info(http: &reqwest::Client, url: &str) -> Result<NodeInfo, ProbeError> {
    ask(
        http.get(format!("{url}/info")),
        INFO_TIMEOUT,
        MAX_INFO_BYTES,
    )
    .await
}

/// Asks `url` for the peers it knows (its word only: each is confirmed by its own `/info`).
pub(crate) async fn peers(http: &reqwest::Client, url: &str) -> Result<Vec<NodeInfo>, ProbeError> {
    ask(
        http.get(format!("{url}/peers")),
        PEERS_TIMEOUT,
        MAX_PEERS_BYTES,
    )
    .await
}

/// Sends `announcement` to the node at `url`.
pub(crate) async fn announce(
    http: &reqwest::Client,
    url: &str,
    announcement: &Announcement,
) -> Result<(), ProbeError> {
    let request = http.post(format!("{url}/announce")).json(announcement);
    ask::<serde_json::Value>(request, INFO_TIMEOUT, MAX_INFO_BYTES)
        .await
        .map(drop)
}
