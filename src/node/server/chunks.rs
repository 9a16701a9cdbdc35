//! The chunk routes: `POST /quote`, `PUT /chunk/{address}` (a client's first PUT, or a peer's
//! forwarded copy), `PUT /replica/{address}` and `GET /chunk/{address}`, and the order of a
//! PUT's checks.
//!
//! A client's PUT (one without [`FORWARDED_HEADER`]) of a chunk the node does not hold yet is
//! stored and, once its proof is admitted, at the same time forwarded to the chunk's next
//! closest nodes ([`crate::node::forward`]); a PUT of a chunk already held is answered from the
//! store and never forwarded, whatever its proof. Its transfer slot is held only while it is
//! read, checked and stored, never while peers are waited on, so nodes forwarding to each
//! other cannot wait on each other's slots. A replica (from a peer's upkeep or `ferry repair`)
//! passes the same checks as a first PUT save the quote's age ([`Arrival`]) and is never
//! forwarded; either way the proof's bytes are kept beside the chunk.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::SemaphorePermit;

use super::body::{declared_length, discard_body, read_put_body, unpack_put};
use super::{ApiError, MAX_PUT_BODY, not_held, parse_address, put_slot, transfer_slot};
use crate::blocking::blocking;
use crate::node::admission::{Arrival, NetworkView, Rejection};
use crate::node::pricing;
use crate::node::state::{NodeState, Shared, count};
use crate::node::store::StoreError;
use crate::wire::http::{
    FORWARDED_HEADER, NodeInfo, PutOutcome, PutResponse, QuoteRequest, QuoteResponse,
};
use crate::wire::network::REPLICAS;
use crate::wire::registry::Registry;
use crate::wire::signed::{PaymentProof, QuoteBody, SignedQuote, StorageReceipt, unix_now};
use crate::wire::types::{ChunkAddress, MAX_CHUNK_BYTES, NodeId};
use crate::wire::wave::WaveMembership;

/// `POST /quote`: a signed price for storing a chunk, or the node's storage receipt when it
/// holds the chunk already.
pub(super) async fn quote(
    State(state): State<Shared>,
    request: Result<Json<QuoteRequest>, JsonRejection>,
) -> Result<Json<QuoteResponse>, ApiError> {
    count(&state.requests.quotes, 1);
    let Json(request) =
        request.map_err(|rejection| ApiError::bad_json("quote request", rejection))?;
    let size = u64::from(request.size);
    if size > MAX_CHUNK_BYTES as u64 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("a chunk of {size} bytes is larger than the {MAX_CHUNK_BYTES}-byte maximum"),
        ));
    }
    if state.store.holds(&request.chunk) {
        let receipt = StorageReceipt::sign(request.chunk, &state.signer);
        return Ok(Json(QuoteResponse::AlreadyHeld { receipt }));
    }
    if !state.store.fits(size) {
        return Err(StoreError::Full {
            needed: size,
            free: state.store.capacity().saturating_sub(state.store.used()),
        }
        .into());
    }
    let price = pricing::price(
        state.base_price,
        state.store.used(),
        size,
        state.store.capacity(),
    );
    let body = QuoteBody {
        chunk: request.chunk,
        size: request.size,
        price,
        rewards: state.signer.address(),
        issued_at: unix_now(),
        payer: request.payer,
    };
    let quote = SignedQuote::sign(body, &state.signer);
    state.metrics.quote();
    Ok(Json(QuoteResponse::Quote { quote }))
}

fn refusal(rejection: Rejection) -> ApiError {
    let status = if rejection.is_unavailable() {
        StatusCode::SERVICE_UNAVAILABLE
    } else if rejection.is_too_early() {
        StatusCode::TOO_EARLY
    } else if matches!(rejection, Rejection::NotResponsible { .. }) {
        StatusCode::MISDIRECTED_REQUEST
    } else {
        StatusCode::PAYMENT_REQUIRED
    };
    ApiError::new(status, crate::exit::with_causes(&rejection))
}

/// `PUT /chunk/{address}`: a client's chunk (forwarded on unless marked
/// [`FORWARDED_HEADER`]), or a peer's forwarded copy.
pub(super) async fn put_chunk(
    State(state): State<Shared>,
    Path(address): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    count(&state.requests.puts, 1);
    accept_put(state, address, request, Arrival::First).await
}

/// `PUT /replica/{address}`: a copy of a chunk already paid for.
pub(super) async fn put_replica(
    State(state): State<Shared>,
    Path(address): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    count(&state.requests.replica_puts, 1);
    accept_put(state, address, request, Arrival::Replica).await
}

/// A chunk PUT, first or replica: read, checked, stored with its proof's bytes, and (a
/// client's first PUT only) forwarded to the chunk's next closest nodes meanwhile.
async fn accept_put(
    state: Shared,
    address: String,
    request: Request,
    arrival: Arrival,
) -> Result<Response, ApiError> {
    let address = parse_address(&address)?;
    let forwards = arrival == Arrival::First && !request.headers().contains_key(FORWARDED_HEADER);
    if let Some(length) = declared_length(&request).filter(|&n| n > MAX_PUT_BODY as u64) {
        // Read and discard a body that is not much too large (no slot, no memory kept), so the
        // sender sees the 413 instead of a connection reset mid-send; a larger one is cut.
        if length <= 2 * MAX_PUT_BODY as u64 {
            discard_body(request.into_body()).await;
        }
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the PUT body is larger than the {MAX_PUT_BODY}-byte limit (a 4 MiB chunk, a 4-byte header and a 64 KiB proof)"
            ),
        ));
    }
    let slot = put_slot(&state).await?;
    let body = read_put_body(request.into_body()).await?;
    count(&state.requests.put_bytes, body.len() as u64);
    let (unpacked, store) = (body.clone(), state.store.clone());
    let (proof, proof_bytes, chunk, held) = blocking(move || {
        unpack_put(unpacked, address)
            .map(|(proof, bytes, chunk)| (proof, bytes, chunk, store.holds_on_disk(&address)))
    })
    .await?;
    let slot = if held {
        slot
    } else {
        admit_put(&state, slot, proof, address, chunk.len(), arrival).await?
    };
    // Only a proof this node admitted just now is forwarded: a chunk it held already was not
    // checked again, and anyone can read a held chunk and its proof.
    let forwards = forwards && !held;
    let store = state.store.clone();
    let stored = async move {
        let outcome = blocking(move || {
            if held {
                store.put(&address, &chunk)
            } else {
                store.put_with_proof(&address, &chunk, &proof_bytes)
            }
        })
        .await;
        drop(slot);
        outcome
    };
    let (outcome, peer_receipts) = if forwards {
        let view = state.peers.all();
        let targets: Vec<NodeInfo> = state
            .peers
            .diversity()
            .close_group(&address, &view, state.close_group)
            .into_iter()
            .filter(|node| node.id != state.peers.me().id)
            .cloned()
            .collect();
        let forwarding = state
            .forwarder
            .forward(address, body, &targets, REPLICAS - 1);
        let (outcome, peer_receipts) = tokio::join!(stored, forwarding);
        (outcome?, peer_receipts)
    } else {
        (stored.await?, Vec::new())
    };
    let status = match outcome {
        PutOutcome::Stored => StatusCode::CREATED,
        PutOutcome::AlreadyExists => StatusCode::OK,
    };
    tracing::debug!(%address, ?outcome, ?arrival, forwards, peers = peer_receipts.len(), "PUT answered");
    let receipt = StorageReceipt::sign(address, &state.signer);
    let answer = PutResponse {
        outcome,
        receipt,
        peer_receipts,
    };
    Ok((status, Json(answer)).into_response())
}

/// A PUT's proof checks (for a chunk not held yet): the cheap ones, a peer refresh for an
/// unknown issuer (with the transfer slot given back meanwhile), then the chain. Returns the
/// transfer slot, held again.
async fn admit_put<'s>(
    state: &'s NodeState,
    mut slot: SemaphorePermit<'s>,
    proof: PaymentProof,
    address: ChunkAddress,
    size: usize,
    arrival: Arrival,
) -> Result<SemaphorePermit<'s>, ApiError> {
    let refuse = |rejection: Rejection| {
        state.metrics.rejected(&rejection);
        refusal(rejection)
    };
    let check = || {
        let registry = state.peers.registry();
        let nodes = state.peers.view_for(&issuer_ids(&proof, &registry));
        let view = NetworkView {
            nodes: &nodes,
            registry: &registry,
            diversity: state.peers.diversity(),
        };
        state
            .admission
            .check_cheap(&proof, address, size, view, arrival)
            .map(drop)
    };
    match check() {
        Ok(()) => {}
        Err(unknown @ (Rejection::UnknownIssuer { .. } | Rejection::UnregisteredIssuer { .. })) => {
            // A node that joined or registered since the last refresh: look again, at most
            // once per gap, and never while holding a transfer slot.
            drop(slot);
            let issuers = issuer_ids(&proof, &state.peers.registry());
            if !state.peers.refresh_on_demand(&issuers).await {
                return Err(refuse(Rejection::RefreshPending {
                    issuer: unknown.to_string(),
                }));
            }
            crate::node::read_registry(state).await;
            check().map_err(&refuse)?;
            slot = put_slot(state).await?;
        }
        Err(rejection) => return Err(refuse(rejection)),
    }
    let earned = (proof.wave.leaf.rewards == state.signer.address()).then(|| {
        let payer = proof.paid_quote().map(|q| q.body.payer).unwrap_or_default();
        (payer, proof.wave.clone())
    });
    state.admission.check_paid(proof).await.map_err(refuse)?;
    if let Some((payer, leaf)) = earned {
        record_earning(state, payer, leaf).await;
    }
    Ok(slot)
}

/// Records a leaf paying this node (admitted just now) so `ferry-node rewards` can claim it.
/// A failure is logged, not fatal to the PUT: the wave's leaves stay in its transaction's
/// calldata, so the path can be rebuilt from the chain.
async fn record_earning(
    state: &NodeState,
    payer: alloy::primitives::Address,
    leaf: WaveMembership,
) {
    let earnings = state.earnings.clone();
    let root = leaf.root;
    match blocking(move || earnings.record(payer, &leaf)).await {
        Ok(()) => state.ops.earned.notify_one(),
        Err(error) => tracing::warn!(%error, %root, "cannot record an earned leaf"),
    }
}

/// `GET /chunk/{address}`: the chunk's bytes, verified on read; a known peer's GET is paced.
pub(super) async fn get_chunk(
    State(state): State<Shared>,
    axum::extract::ConnectInfo(source): axum::extract::ConnectInfo<std::net::SocketAddr>,
    Path(address): Path<String>,
) -> Result<Response, ApiError> {
    count(&state.requests.gets, 1);
    let address = parse_address(&address)?;
    // A known peer's GET is paced and held back past every audit deadline (no slot held).
    let peers = state.peers.all();
    let paced = state
        .pacing
        .wait(source.ip(), &peers, state.peers.diversity());
    paced
        .await
        .map_err(|full| ApiError::new(StatusCode::TOO_MANY_REQUESTS, full.to_string()))?;
    let _slot = transfer_slot(&state).await?;
    let store = state.store.clone();
    match blocking(move || store.get(&address)).await? {
        Some(bytes) => {
            Ok(([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response())
        }
        None => Err(not_held(address)),
    }
}

/// The registry's ids of the nodes that issued `proof`'s quotes.
fn issuer_ids(proof: &PaymentProof, registry: &Registry) -> Vec<NodeId> {
    proof
        .quotes
        .iter()
        .filter_map(|quote| registry.id_of(&quote.body.rewards))
        .collect()
}
