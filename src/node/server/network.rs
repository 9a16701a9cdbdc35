//! The network routes: what the node says about itself and the network, and what it hears
//! from it. `GET /info`, `GET /peers`, `POST /announce` (a signed announcement, checked then
//! confirmed by the announced URL's own `/info`), `GET /closest/{address}` (the nodes this node
//! knows closest to an address, for clients and nodes finding a close group without a full
//! list) and `POST /swim` (a SWIM message from a member).
//!
//! Invariants: `/info`, `/peers` and `/closest` answer from memory at once; a SWIM body is at
//! most [`MAX_MESSAGE_BYTES`] (larger ones are refused before they are read whole), each
//! source may post [`super::sources::SWIM_RATE`] messages a second on average
//! ([`super::sources`]), and the membership queues a bounded number (503 beyond); at most
//! [`MAX_REGISTRY_LOOKUPS`] registry lookups for announcing addresses run at once.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;

#[cfg(doc)]
use super::MAX_REGISTRY_LOOKUPS;
use super::{ApiError, parse_address};
use crate::node::membership::MAX_MESSAGE_BYTES;
use crate::node::peers::AdmitError;
use crate::node::state::{NodeState, Shared, count};
use crate::wire::announce::{AnnounceError, Announcement};
use crate::wire::http::NodeInfo;
use crate::wire::signed::unix_now;

/// `GET /info`: this node's id, URL and rewards address.
pub(super) async fn info(State(state): State<Shared>) -> Json<NodeInfo> {
    Json(state.peers.me().clone())
}

/// `GET /peers`: answered at once from memory, never after a refresh; a node that knows only
/// itself starts one in the background.
pub(super) async fn peers(State(state): State<Shared>) -> Json<Vec<NodeInfo>> {
    if state.peers.wants_refresh() {
        let state = state.clone();
        tokio::spawn(async move { state.peers.refresh().await });
    }
    Json(state.peers.all())
}

/// `POST /announce`: a signed announcement is verified (403 for a forgery, 422 for a bad URL
/// or a stale one), then the announced URL must answer `/info` as that node (422 otherwise)
/// before it joins the view.
pub(super) async fn announce(
    State(state): State<Shared>,
    request: Result<Json<Announcement>, JsonRejection>,
) -> Result<Json<NodeInfo>, ApiError> {
    count(&state.requests.announcements, 1);
    let Json(announcement) =
        request.map_err(|rejection| ApiError::bad_json("announcement", rejection))?;
    let mut verified = announcement.verify(unix_now(), &state.peers.registry());
    if matches!(verified, Err(AnnounceError::WrongId { .. }))
        && registered_since(&state, &announcement).await
    {
        verified = announcement.verify(unix_now(), &state.peers.registry());
    }
    let announced = verified.map_err(|error| {
        let status = if error.is_forgery() {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        ApiError::new(status, crate::exit::with_causes(&error))
    })?;
    state
        .peers
        .admit(announced.clone())
        .await
        .map_err(|error| {
            let status = match error {
                AdmitError::Busy
                | AdmitError::PrefixBusy { .. }
                | AdmitError::PrefixFull { .. } => StatusCode::TOO_MANY_REQUESTS,
                AdmitError::Forbidden { .. } | AdmitError::NotTheNode { .. } => {
                    StatusCode::UNPROCESSABLE_ENTITY
                }
            };
            // The causes are this node's own words (never what the URL answered).
            ApiError::new(status, crate::exit::with_causes(&error))
        })?;
    Ok(Json(announced))
}

/// True when the announcing address is registered at the announced position on the chain,
/// though not in this node's registry yet (it registered since the last read): then the
/// registry is read again. At most [`MAX_REGISTRY_LOOKUPS`] such lookups run at once; a flood of
/// free keys finds them busy and is refused as unregistered.
async fn registered_since(state: &NodeState, announcement: &Announcement) -> bool {
    let Ok(_turn) = state.registry_lookups.try_acquire() else {
        return false;
    };
    match state.chain.position_of(announcement.rewards).await {
        Ok(Some(position)) if position == announcement.id => {
            crate::node::read_registry(state).await;
            true
        }
        Ok(_) => false,
        Err(error) => {
            tracing::debug!(%error, "cannot look up an announcing address in the registry");
            false
        }
    }
}

/// `POST /swim`: handed to the node's membership (503 before it runs or while it is busy).
pub(super) async fn swim(State(state): State<Shared>, body: Bytes) -> Result<StatusCode, ApiError> {
    if body.len() > MAX_MESSAGE_BYTES {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("a SWIM message is at most {MAX_MESSAGE_BYTES} bytes"),
        ));
    }
    let Some(membership) = state.peers.swim() else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "this node's membership is not running yet",
        ));
    };
    Ok(membership.deliver(&body))
}

/// `GET /closest/{address}`: the nodes this node knows closest to `address`, closest first.
pub(super) async fn closest(
    State(state): State<Shared>,
    Path(address): Path<String>,
) -> Result<Json<Vec<NodeInfo>>, ApiError> {
    let address = parse_address(&address)?;
    Ok(Json(state.peers.closest(&address)))
}
