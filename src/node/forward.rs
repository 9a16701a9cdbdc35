//! Sending chunks to peers: a client's PUT forwarded (the node that received it sends the
//! same body, same framing and proof, to the chunk's next closest nodes in its view, in
//! parallel, until enough hold it, and collects their storage receipts for the client), and
//! the replicas the upkeep pass sends (`PUT /replica/{address}`). Both go through one
//! bounded, deadline-sized peer PUT.
//!
//! Invariants:
//! - forwarded PUTs carry [`FORWARDED_HEADER`], so the nodes that receive them store and
//!   answer and never forward again (no loops, no amplification);
//! - every peer request has a deadline sized to the body, a peer that has not answered within
//!   [`PEER_HEDGE`] has the next closest asked too, and the whole forward ends within
//!   [`FORWARD_BUDGET`] with whatever receipts are in: a frozen peer costs seconds;
//! - at most [`MAX_FORWARDS`] chunks are forwarded at once (their bodies are what forwarding
//!   holds in memory); a PUT that cannot get a slot within [`SLOT_WAIT`] is answered with the
//!   node's own receipt only, and the client stores the chunk on the others itself;
//! - only a receipt signed by the peer asked, for this chunk, is passed on.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use tokio::sync::Semaphore;

use crate::node::outbound::Outbound;
use crate::wire::answer::{PeerError, read_json};
use crate::wire::http::{FORWARD_BUDGET, FORWARDED_HEADER, PutResponse};
use crate::wire::network::NodeInfo;
use crate::wire::routes::Route;
use crate::wire::signed::StorageReceipt;
use crate::wire::types::ChunkAddress;

/// Chunks forwarded at once.
pub(crate) const MAX_FORWARDS: usize = 16;
/// How long a PUT waits for a forwarding slot before it is answered without forwarding.
pub(crate) const SLOT_WAIT: Duration = Duration::from_secs(2);
/// How long the peers asked may go without any answer before the next closest is asked.
pub(crate) const PEER_HEDGE: Duration = Duration::from_secs(2);
/// The slowest rate a peer PUT is given time for, bytes per second.
const PEER_BYTES_PER_SECOND: u64 = 2 * 1024 * 1024;
/// The largest PUT answer read from a peer.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// Sends client PUTs on to peers, and replicas to peers that lack them.
#[derive(Debug)]
pub(crate) struct Forwarder {
    http: Outbound,
    slots: Semaphore,
    /// PUTs sent to peers (forwarded and replicas), and their body bytes (for `/stats`).
    pub(crate) puts: AtomicU64,
    pub(crate) bytes: AtomicU64,
}

impl Forwarder {
    /// A forwarder sending through `http`, the node's client for requests to peers.
    pub(crate) fn new(http: Outbound) -> Self {
        Self {
            http,
            slots: Semaphore::new(MAX_FORWARDS),
            puts: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
        }
    }

    /// Sends `body` (a PUT of `chunk`) to `targets`, closest first, until `wanted` of them
    /// answer with their storage receipt; returns the receipts collected within
    /// [`FORWARD_BUDGET`] (fewer when peers fail, are slow, or no slot was free).
    pub(crate) async fn forward(
        &self,
        chunk: ChunkAddress,
        body: Bytes,
        targets: &[NodeInfo],
        wanted: usize,
    ) -> Vec<StorageReceipt> {
        let wanted = wanted.min(targets.len());
        if wanted == 0 {
            return Vec::new();
        }
        let Ok(Ok(_slot)) = tokio::time::timeout(SLOT_WAIT, self.slots.acquire()).await else {
            tracing::info!(%chunk, "no forwarding slot free; answering with this node's receipt only");
            return Vec::new();
        };
        let deadline = tokio::time::Instant::now() + FORWARD_BUDGET;
        let mut receipts = Vec::with_capacity(wanted);
        let mut running = FuturesUnordered::new();
        let mut next = 0;
        loop {
            while receipts.len() + running.len() < wanted && next < targets.len() {
                running.push(self.put_to(&targets[next], chunk, body.clone(), Route::PutChunk));
                next += 1;
            }
            if running.is_empty() {
                break;
            }
            let may_hedge = next < targets.len();
            tokio::select! {
                answer = running.next() => match answer {
                    Some((_, Ok(receipt))) => receipts.push(receipt),
                    Some((peer, Err(error))) => {
                        tracing::info!(%chunk, peer = %peer.url, %error, "forwarding to a peer failed");
                    }
                    None => break,
                },
                () = tokio::time::sleep(PEER_HEDGE), if may_hedge => {
                    running.push(self.put_to(&targets[next], chunk, body.clone(), Route::PutChunk));
                    next += 1;
                }
                () = tokio::time::sleep_until(deadline) => {
                    tracing::info!(%chunk, held = receipts.len(), wanted, "forwarding ran out of time");
                    break;
                }
            }
            if receipts.len() >= wanted {
                break;
            }
        }
        receipts
    }

    /// Sends `body` (a chunk and its kept proof, PUT framing) to `peer` as a replica; returns
    /// the peer's storage receipt for it.
    pub(crate) async fn replica(
        &self,
        peer: &NodeInfo,
        chunk: ChunkAddress,
        body: Bytes,
    ) -> Result<StorageReceipt, PeerError> {
        self.put_to(peer, chunk, body, Route::Replica).await.1
    }

    /// One PUT to `peer` ([`Route::PutChunk`] marked [`FORWARDED_HEADER`], a copy of a
    /// client's PUT; or [`Route::Replica`], a chunk kept up with its original proof), with a
    /// deadline for its size.
    async fn put_to<'a>(
        &self,
        peer: &'a NodeInfo,
        chunk: ChunkAddress,
        body: Bytes,
        route: Route,
    ) -> (&'a NodeInfo, Result<StorageReceipt, PeerError>) {
        self.puts.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(body.len() as u64, Ordering::Relaxed);
        let deadline = Duration::from_secs(3)
            + Duration::from_millis(body.len() as u64 * 1000 / PEER_BYTES_PER_SECOND);
        let answer = async {
            let mut request = self
                .http
                .request(route.method(), &route.url_for(&peer.url, &chunk))?;
            if route == Route::PutChunk {
                request = request.header(FORWARDED_HEADER, "1");
            }
            let response = request
                .body(body)
                .timeout(deadline)
                .send()
                .await
                .map_err(PeerError::Unreachable)?;
            let answer: PutResponse = read_json(response, MAX_ANSWER_BYTES).await?;
            let receipt = answer.receipt;
            if receipt.chunk == chunk && receipt.node == peer.rewards && receipt.is_valid() {
                Ok(receipt)
            } else {
                Err(PeerError::BadReceipt)
            }
        };
        (peer, answer.await)
    }
}
