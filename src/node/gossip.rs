//! The node's requests to other nodes about the network: `GET /info`, `GET /peers`,
//! `POST /announce` and `GET /closest/{address}`, each with a deadline and a cap on what is
//! read ([`crate::wire::answer`]), so a peer that stalls or sends without end costs seconds and
//! bounded memory. Each goes through an [`Outbound`] client: no redirects, and no address the
//! network's reach does not allow (refused before connecting).

use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::node::outbound::{Outbound, Refused};
use crate::wire::announce::Announcement;
use crate::wire::answer::{PeerError, read_json};
use crate::wire::http::MAX_PEERS_BYTES;
use crate::wire::network::NodeInfo;
use crate::wire::routes::Route;
use crate::wire::types::ChunkAddress;

/// How long a peer has to accept a connection.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a peer has to answer `/info` or an announcement.
const INFO_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a bootstrap node has to answer `/peers`.
const PEERS_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest `/info` or announcement answer read from a peer.
const MAX_INFO_BYTES: usize = 16 * 1024;

/// Sends `request` with the deadline `timeout` and reads the answer as JSON of at most `limit`
/// bytes.
async fn ask<T: DeserializeOwned>(
    request: Result<reqwest::RequestBuilder, Refused>,
    timeout: Duration,
    limit: usize,
) -> Result<T, PeerError> {
    let response = request?
        .timeout(timeout)
        .send()
        .await
        .map_err(PeerError::Unreachable)?;
    read_json(response, limit).await
}

/// Asks `url` for its `/info`.
pub(crate) async fn info(http: &Outbound, url: &str) -> Result<NodeInfo, PeerError> {
    let route = Route::Info;
    ask(
        http.request(route.method(), &route.url(url)),
        INFO_TIMEOUT,
        MAX_INFO_BYTES,
    )
    .await
}

/// Asks `url` for the peers it knows (its word only: each is confirmed by its own `/info`).
pub(crate) async fn peers(http: &Outbound, url: &str) -> Result<Vec<NodeInfo>, PeerError> {
    let route = Route::Peers;
    ask(
        http.request(route.method(), &route.url(url)),
        PEERS_TIMEOUT,
        MAX_PEERS_BYTES,
    )
    .await
}

/// Sends `announcement` to the node at `url`.
pub(crate) async fn announce(
    http: &Outbound,
    url: &str,
    announcement: &Announcement,
) -> Result<(), PeerError> {
    let route = Route::Announce;
    let request = http
        .request(route.method(), &route.url(url))
        .map(|request| request.json(announcement));
    ask::<serde_json::Value>(request, INFO_TIMEOUT, MAX_INFO_BYTES)
        .await
        .map(drop)
}

/// What the node at `url` knows closest to `address`.
pub(crate) async fn closest(
    http: &Outbound,
    url: &str,
    address: &ChunkAddress,
) -> Result<Vec<NodeInfo>, PeerError> {
    let route = Route::Closest;
    ask(
        http.request(route.method(), &route.url_for(url, address)),
        INFO_TIMEOUT,
        MAX_INFO_BYTES,
    )
    .await
}
