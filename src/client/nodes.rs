//! The client side of the node protocol: quotes, PUTs, GETs and peer discovery over HTTP.
//!
//! Nothing a node sends is trusted by size or by shape:
//! - every request has a deadline sized to it (a quote a few seconds; a chunk a few seconds
//!   plus its size at a pessimistic rate), so a node that accepts connections and never answers
//!   costs seconds, and the caller can route around it;
//! - every answer is read in pieces up to a cap ([`MAX_JSON_BYTES`], [`MAX_PEERS_BYTES`],
//!   [`MAX_CHUNK_BYTES`]); what a node claims (`Content-Length`) is never allocated;
//! - `/peers` entries that the vault's registry does not list (an unstaked key, or an id that
//!   is not the position the vault gave the address) are dropped, and a node counts once, by
//!   id, however many URLs point at it;
//! - an error status or error text is reported, never interpreted: it is that node's failure
//!   for that request, nothing more.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::stream::FuturesUnordered;

use crate::client::chunking::MAX_CHUNK_BYTES;
pub use crate::client::lookup::Swarm;
use crate::client::race::Grace;
use crate::wire::answer::{Overflow, PeerError, read_capped};
use crate::wire::challenge::MAX_BATCH_ANSWER_BYTES;
use crate::wire::http::{
    BatchAnswer, ChallengeAnswer, ChallengeBatch, ChallengeRequest, ErrorBody, FORWARD_BUDGET,
    FORWARDED_HEADER, MAX_PEERS_BYTES, MAX_PROOF_BYTES, PutResponse, QuoteRequest, QuoteResponse,
    audit_deadline,
};
use crate::wire::network::{Diversity, NodeInfo};
use crate::wire::registry::Registry;
use crate::wire::routes::Route;
use crate::wire::types::ChunkAddress;

/// The largest JSON answer (quote, info, PUT) read from a node.
pub const MAX_JSON_BYTES: usize = 256 * 1024;
/// The most of an error answer's text kept for the message.
const MAX_ERROR_TEXT: usize = 4 * 1024;
/// The deadline of a `/peers` request (a node may ask its own peers before answering).
pub const DISCOVERY_DEADLINE: Duration = Duration::from_secs(10);
/// The most bootstrap nodes discovery asks (picked at random from a longer list).
pub const DISCOVERY_ASKS: usize = 16;
/// How long discovery waits for the other bootstrap nodes once one has answered.
pub const DISCOVERY_GRACE: Duration = Duration::from_secs(1);
/// The slowest transfer rate a chunk request is given time for, bytes per second.
pub const PESSIMISTIC_BYTES_PER_SECOND: u64 = 512 * 1024;

/// Why a request to a node failed.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// No connection, or the connection broke.
    #[error("node {url} is unreachable")]
    Unreachable {
        /// The node.
        url: String,
        /// The cause.
        source: reqwest::Error,
    },
    /// The node did not answer within the request's deadline.
    #[error("node {url} did not answer within {after:?}")]
    TimedOut {
        /// The node.
        url: String,
        /// The deadline it missed.
        after: Duration,
    },
    /// The node answered with an error status.
    #[error("node {url} refused ({status}): {message}")]
    Refused {
        /// The node.
        url: String,
        /// The HTTP status.
        status: u16,
        /// What the node said (reported, never interpreted).
        message: String,
    },
    /// The node's answer did not parse.
    #[error("node {url} sent an answer that does not parse")]
    BadAnswer {
        /// The node.
        url: String,
        /// The cause.
        source: serde_json::Error,
    },
    /// The node's answer was larger than such an answer can be.
    #[error("node {url} sent more than {}, the most such an answer can be", crate::sizes::format_size(*limit as u64))]
    TooLarge {
        /// The node.
        url: String,
        /// The cap for this kind of answer.
        limit: usize,
    },
    /// The chunk could not be read again from its sources to be sent to the node (a file
    /// changed or vanished since it was planned).
    #[error("the chunk for node {url} could not be read again: {reason}")]
    Unread {
        /// The node it was for.
        url: String,
        /// Why.
        reason: String,
    },
    /// No node from the network file answered.
    #[error(
        "none of the {count} bootstrap nodes answered; check the network file or run `ferry devnet status`"
    )]
    NoNodes {
        /// How many were tried.
        count: usize,
    },
}

impl RequestError {
    /// True when the same request to the same node may succeed soon (a dropped connection,
    /// an overloaded node). A node that timed out, lied or sent garbage is passed over instead.
    pub fn is_retryable(&self) -> bool {
        match self {
            RequestError::Unreachable { .. } | RequestError::NoNodes { .. } => true,
            RequestError::TimedOut { .. }
            | RequestError::BadAnswer { .. }
            | RequestError::TooLarge { .. }
            | RequestError::Unread { .. } => false,
            RequestError::Refused { status, .. } => *status >= 500 || *status == 429,
        }
    }

    /// The error for what the shared reader of answers ([`read_capped`]) met at `url`.
    fn from_reading(url: &str, error: PeerError, after: Duration) -> Self {
        match error {
            PeerError::TooLarge(limit) => RequestError::TooLarge {
                url: url.to_owned(),
                limit,
            },
            PeerError::Unreachable(source) => Self::from_reqwest(url, source, after),
            other => unreachable!("reading an answer fails only as too large or broken: {other}"),
        }
    }

    fn from_reqwest(url: &str, source: reqwest::Error, after: Duration) -> Self {
        if source.is_timeout() {
            RequestError::TimedOut {
                url: url.to_owned(),
                after,
            }
        } else {
            RequestError::Unreachable {
                url: url.to_owned(),
                source,
            }
        }
    }
}

/// Deadlines for node requests.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// To open a connection.
    pub connect: Duration,
    /// For a whole quote, info or peers request.
    pub small: Duration,
    /// For a chunk PUT or GET, on top of its size at [`PESSIMISTIC_BYTES_PER_SECOND`].
    pub chunk: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(2),
            small: Duration::from_secs(3),
            chunk: Duration::from_secs(4),
        }
    }
}

impl Timeouts {
    /// The deadline of a chunk request moving `bytes` bytes.
    pub fn for_chunk(&self, bytes: usize) -> Duration {
        self.chunk + Duration::from_millis(bytes as u64 * 1000 / PESSIMISTIC_BYTES_PER_SECOND)
    }
}

/// What a node is asked to do with a PUT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutMode {
    /// Store it and forward it to the chunk's next closest nodes (one send for all replicas).
    Forward,
    /// Store it only (the client is sending it to the other nodes itself).
    StoreOnly,
}

/// An HTTP client for nodes (cheap to clone; connections are pooled).
#[derive(Debug, Clone)]
pub struct NodeClient {
    http: reqwest::Client,
    timeouts: Timeouts,
}

impl NodeClient {
    /// A client with these timeouts.
    pub fn new(timeouts: Timeouts) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(timeouts.connect)
            .pool_max_idle_per_host(16)
            .tcp_nodelay(true)
            .build()
            .expect("the HTTP client builds");
        Self { http, timeouts }
    }

    /// Sends `request` with `deadline` for the whole exchange; returns the status and at most
    /// `limit` bytes of a successful answer (an error answer's text is cut short instead).
    async fn exchange(
        &self,
        url: &str,
        request: reqwest::RequestBuilder,
        deadline: Duration,
        limit: usize,
    ) -> Result<(reqwest::StatusCode, Bytes), RequestError> {
        let mut response = request
            .timeout(deadline)
            .send()
            .await
            .map_err(|e| RequestError::from_reqwest(url, e, deadline))?;
        let status = response.status();
        let body = if status.is_success() {
            read_capped(&mut response, limit, Overflow::Fail).await
        } else {
            read_capped(&mut response, MAX_ERROR_TEXT, Overflow::Cut).await
        };
        let body = body.map_err(|error| RequestError::from_reading(url, error, deadline))?;
        Ok((status, body))
    }

    /// Like [`Self::exchange`], then parses a successful answer as JSON.
    async fn exchange_json<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        request: reqwest::RequestBuilder,
        deadline: Duration,
        limit: usize,
    ) -> Result<T, RequestError> {
        let (status, body) = self.exchange(url, request, deadline, limit).await?;
        if !status.is_success() {
            return Err(refused(url, status, &body));
        }
        serde_json::from_slice(&body).map_err(|source| RequestError::BadAnswer {
            url: url.to_owned(),
            source,
        })
    }

    /// A request of `route`'s method to `target` (a URL [`Route`] built).
    fn request(&self, route: Route, target: String) -> reqwest::RequestBuilder {
        self.http.request(route.method(), target)
    }

    /// The node's id, URL and rewards address.
    pub async fn info(&self, url: &str) -> Result<NodeInfo, RequestError> {
        let request = self.request(Route::Info, Route::Info.url(url));
        self.exchange_json(url, request, self.timeouts.small, MAX_JSON_BYTES)
            .await
    }

    /// The nodes the node at `url` knows closest to `address`, closest first, unchecked.
    pub async fn closest(
        &self,
        url: &str,
        address: &ChunkAddress,
    ) -> Result<Vec<NodeInfo>, RequestError> {
        let request = self.request(Route::Closest, Route::Closest.url_for(url, address));
        self.exchange_json(url, request, self.timeouts.small, MAX_JSON_BYTES)
            .await
    }

    /// The peers the node says it knows (itself included), unchecked. A node may ask its own
    /// peers before answering, so this gets [`DISCOVERY_DEADLINE`].
    pub async fn peers(&self, url: &str) -> Result<Vec<NodeInfo>, RequestError> {
        let request = self.request(Route::Peers, Route::Peers.url(url));
        let deadline = self.timeouts.small.max(DISCOVERY_DEADLINE);
        self.exchange_json(url, request, deadline, MAX_PEERS_BYTES)
            .await
    }

    /// Asks a node to quote a chunk.
    pub async fn quote(
        &self,
        node: &NodeInfo,
        chunk: ChunkAddress,
        size: u32,
        payer: alloy::primitives::Address,
    ) -> Result<QuoteResponse, RequestError> {
        let request = self
            .request(Route::Quote, Route::Quote.url(&node.url))
            .json(&QuoteRequest { chunk, size, payer });
        self.exchange_json(&node.url, request, self.timeouts.small, MAX_JSON_BYTES)
            .await
    }

    /// PUTs a chunk with its proof; `body` is [`crate::wire::http::encode_put`]'s framing.
    /// With [`PutMode::Forward`] the node also sends it on to the chunk's next closest nodes
    /// and answers with their storage receipts too, so the request gets
    /// [`FORWARD_BUDGET`] more time.
    pub async fn put(
        &self,
        node: &NodeInfo,
        chunk: ChunkAddress,
        body: Bytes,
        mode: PutMode,
    ) -> Result<PutResponse, RequestError> {
        let len = body.len() as u64;
        self.put_streamed(node, chunk, (body.into(), len), mode)
            .await
    }

    /// [`Self::put`] of a body of `len` bytes streamed to the node (see
    /// [`crate::client::bodies::ChunkBody::transmit`]).
    pub async fn put_streamed(
        &self,
        node: &NodeInfo,
        chunk: ChunkAddress,
        (body, len): (reqwest::Body, u64),
        mode: PutMode,
    ) -> Result<PutResponse, RequestError> {
        let mut deadline = self.timeouts.for_chunk(len as usize);
        let mut request = self.request(Route::PutChunk, Route::PutChunk.url_for(&node.url, &chunk));
        match mode {
            PutMode::Forward => deadline += FORWARD_BUDGET,
            PutMode::StoreOnly => request = request.header(FORWARDED_HEADER, "1"),
        }
        let request = request
            .header(reqwest::header::CONTENT_LENGTH, len)
            .body(body);
        self.exchange_json(&node.url, request, deadline, MAX_JSON_BYTES)
            .await
    }

    /// PUTs a replica of a chunk already paid for (`PUT /replica/{chunk}`); `body` carries the
    /// proof the chunk was first admitted with, in [`crate::wire::http::encode_put`]'s framing.
    pub async fn put_replica(
        &self,
        node: &NodeInfo,
        chunk: ChunkAddress,
        body: Bytes,
    ) -> Result<PutResponse, RequestError> {
        let deadline = self.timeouts.for_chunk(body.len());
        let request = self
            .request(Route::Replica, Route::Replica.url_for(&node.url, &chunk))
            .body(body);
        self.exchange_json(&node.url, request, deadline, MAX_JSON_BYTES)
            .await
    }

    /// Asks a node to prove it holds a chunk of `size` bytes; `None` when it says it does
    /// not. The answer must be in within [`audit_deadline`]`(size)`, a local read: a later one
    /// is [`RequestError::TimedOut`] (it does not count). The answer is the node's word: the
    /// caller checks it against the chunk's bytes.
    pub async fn challenge(
        &self,
        node: &NodeInfo,
        request: &ChallengeRequest,
        size: u64,
    ) -> Result<Option<ChallengeAnswer>, RequestError> {
        let url = &node.url;
        let http = self
            .request(Route::Challenge, Route::Challenge.url(url))
            .json(request);
        let deadline = audit_deadline(size);
        let Some(body) = self
            .exchange_optional(url, http, deadline, MAX_JSON_BYTES)
            .await?
        else {
            return Ok(None);
        };
        serde_json::from_slice(&body)
            .map(Some)
            .map_err(|source| RequestError::BadAnswer {
                url: url.clone(),
                source,
            })
    }

    /// Asks a node to prove it holds many chunks in one request (`POST /challenges`), whose
    /// chunks are `bytes` long in all (at most [`crate::wire::challenge::MAX_BATCH_BYTES`],
    /// see [`crate::wire::challenge::pack_batches`]); the answers must be in within
    /// [`audit_deadline`]`(bytes)`. One answer per chunk the node says it holds, unchecked.
    pub async fn challenge_batch(
        &self,
        node: &NodeInfo,
        challenges: Vec<ChallengeRequest>,
        bytes: u64,
    ) -> Result<Vec<ChallengeAnswer>, RequestError> {
        let url = &node.url;
        let request = self
            .request(Route::Challenges, Route::Challenges.url(url))
            .json(&ChallengeBatch { challenges });
        let answer: BatchAnswer = self
            .exchange_json(url, request, audit_deadline(bytes), MAX_BATCH_ANSWER_BYTES)
            .await?;
        Ok(answer.answers)
    }

    /// The bytes of the payment proof a node keeps for a chunk (at most
    /// [`MAX_PROOF_BYTES`]); `None` when it keeps none.
    pub async fn proof(
        &self,
        node: &NodeInfo,
        chunk: ChunkAddress,
    ) -> Result<Option<Bytes>, RequestError> {
        let request = self.request(Route::Proof, Route::Proof.url_for(&node.url, &chunk));
        self.exchange_optional(&node.url, request, self.timeouts.small, MAX_PROOF_BYTES)
            .await
    }

    /// Fetches a chunk's bytes (at most [`MAX_CHUNK_BYTES`]); `None` when the node does not
    /// have it. The bytes are the node's word: the caller checks them against the address.
    pub async fn get(
        &self,
        node: &NodeInfo,
        chunk: ChunkAddress,
    ) -> Result<Option<Bytes>, RequestError> {
        let request = self.request(Route::GetChunk, Route::GetChunk.url_for(&node.url, &chunk));
        let deadline = self.timeouts.for_chunk(MAX_CHUNK_BYTES);
        self.exchange_optional(&node.url, request, deadline, MAX_CHUNK_BYTES)
            .await
    }

    /// Like [`Self::exchange`], with 404 meaning `None` and any other error status an error.
    async fn exchange_optional(
        &self,
        url: &str,
        request: reqwest::RequestBuilder,
        deadline: Duration,
        limit: usize,
    ) -> Result<Option<Bytes>, RequestError> {
        let (status, body) = self.exchange(url, request, deadline, limit).await?;
        match status {
            reqwest::StatusCode::NOT_FOUND => Ok(None),
            status if status.is_success() => Ok(Some(body)),
            status => Err(refused(url, status, &body)),
        }
    }

    /// Learns the network from its bootstrap URLs: each one's `/peers`, checked against the
    /// vault's `registry` and merged by node id. An entry the registry does not admit is
    /// dropped (and logged); when several URLs name one id, the node's own entry (the URL
    /// that was asked) wins, else the first heard. Close groups follow `diversity`.
    pub async fn discover(
        &self,
        bootstrap: &[String],
        registry: &Registry,
        diversity: Diversity,
    ) -> Result<Swarm, RequestError> {
        let asked: Vec<String> = if bootstrap.len() > DISCOVERY_ASKS {
            use rand::seq::IndexedRandom;
            bootstrap
                .choose_multiple(&mut rand::rng(), DISCOVERY_ASKS)
                .cloned()
                .collect()
        } else {
            bootstrap.to_vec()
        };
        let answers = self.ask_bootstrap(&asked).await;
        let mut own = Vec::new();
        let mut heard = Vec::new();
        for (url, answer) in answers {
            let entries = match answer {
                Ok(entries) => entries,
                Err(error) => {
                    tracing::warn!("peer discovery: {error}");
                    continue;
                }
            };
            let before = entries.len();
            let (mine, others): (Vec<_>, Vec<_>) = entries
                .into_iter()
                .filter(|entry| is_genuine_entry(entry, registry))
                .partition(|entry| entry.url == *url);
            let dropped = before - mine.len() - others.len();
            if dropped > 0 {
                tracing::warn!(
                    "dropped {dropped} peer entries from {url} that the vault's registry does not list at their id or whose URL is not http(s)"
                );
            }
            own.extend(mine);
            heard.extend(others);
        }
        let mut nodes: HashMap<_, NodeInfo> = HashMap::new();
        for entry in own.into_iter().chain(heard) {
            nodes.entry(entry.id).or_insert(entry);
        }
        if nodes.is_empty() {
            return Err(RequestError::NoNodes {
                count: bootstrap.len(),
            });
        }
        let mut nodes: Vec<NodeInfo> = nodes.into_values().collect();
        nodes.sort_by_key(|n| n.id);
        tracing::info!(
            "discovery: {} requests (/peers of bootstrap nodes) found {} of the {} registered nodes",
            asked.len(),
            nodes.len(),
            registry.len()
        );
        let listed: HashSet<&String> = bootstrap.iter().collect();
        Ok(Swarm {
            // The registry is the network's true size: a peer list naming few nodes (or
            // lying) never lowers the quotes or replicas a chunk needs.
            size: nodes.len().max(listed.len()).max(registry.len()),
            nodes,
            diversity,
            registry: Some(Arc::new(registry.clone())),
            located: Arc::default(),
        })
    }
}

impl NodeClient {
    /// Every bootstrap node's `/peers`; once one has answered, the rest get only
    /// [`DISCOVERY_GRACE`], so a stalled bootstrap node costs no more than that.
    async fn ask_bootstrap<'a>(
        &self,
        bootstrap: &'a [String],
    ) -> Vec<(&'a String, Result<Vec<NodeInfo>, RequestError>)> {
        let mut pending: FuturesUnordered<_> = bootstrap
            .iter()
            .map(|url| async move { (url, self.peers(url).await) })
            .collect();
        let mut answers = Vec::with_capacity(bootstrap.len());
        let mut grace = Grace::new(DISCOVERY_GRACE);
        while let Some((url, answer)) = grace.next(&mut pending).await {
            if answer.is_ok() {
                grace.start();
            }
            answers.push((url, answer));
        }
        answers
    }
}

/// A peer entry the client may use: the vault's registry lists its rewards address at its id,
/// and its URL is plain HTTP(S).
fn is_genuine_entry(entry: &NodeInfo, registry: &Registry) -> bool {
    registry.admits(entry)
        && (entry.url.starts_with("http://") || entry.url.starts_with("https://"))
}

/// The error for an error status; the node's text is kept for the message only.
fn refused(url: &str, status: reqwest::StatusCode, body: &[u8]) -> RequestError {
    let message = serde_json::from_slice::<ErrorBody>(body)
        .map(|body| body.error)
        .unwrap_or_else(|_| String::from_utf8_lossy(body).into_owned());
    RequestError::Refused {
        url: url.to_owned(),
        status: status.as_u16(),
        message: message.chars().take(300).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::Address;

    #[test]
    fn a_peer_entry_counts_only_at_the_position_the_registry_gave_it() {
        let rewards = Address::repeat_byte(3);
        let genuine = NodeInfo {
            id: crate::wire::types::NodeId([4; 32]),
            url: "http://127.0.0.1:1".into(),
            rewards,
        };
        let registry = Registry::new(1, [(rewards, genuine.id)]);
        assert!(is_genuine_entry(&genuine, &registry));
        assert!(!is_genuine_entry(&genuine, &Registry::default()));
        let forged = NodeInfo {
            id: crate::wire::types::NodeId([9; 32]),
            ..genuine.clone()
        };
        assert!(!is_genuine_entry(&forged, &registry));
        let odd_url = NodeInfo {
            url: "file:///etc/passwd".into(),
            ..genuine
        };
        assert!(!is_genuine_entry(&odd_url, &registry));
    }

    #[test]
    fn a_chunk_request_gets_time_for_its_size_at_the_pessimistic_rate() {
        let timeouts = Timeouts::default();
        assert_eq!(timeouts.for_chunk(0), timeouts.chunk);
        assert_eq!(
            timeouts.for_chunk(MAX_CHUNK_BYTES),
            timeouts.chunk + Duration::from_secs(8)
        );
    }
}
