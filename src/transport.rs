//! The client side of the node protocol: quotes, PUTs, GETs and peer discovery over HTTP.
//!
//! Every request has a timeout, so a slow node is an error the caller can route around,
//! never a hang. Errors say which node failed and whether trying again may help.

use std::collections::HashMap;
use std::time::Duration;

use bytes::Bytes;
use futures::future::join_all;

use crate::network::NodeInfo;
use crate::protocol::{ErrorBody, QuoteRequest, QuoteResponse, StoreResponse};
use crate::types::ChunkAddress;

/// Why a request to a node failed.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// No connection, or the request timed out.
    #[error("node {url} is unreachable")]
    Unreachable {
        /// The node.
        url: String,
        /// The cause.
        source: reqwest::Error,
    },
    /// The node answered with an error status.
    #[error("node {url} refused ({status}): {message}")]
    Refused {
        /// The node.
        url: String,
        /// The HTTP status.
        status: u16,
        /// What the node said.
        message: String,
    },
    /// The node's answer did not parse.
    #[error("node {url} sent an answer that does not parse")]
    BadAnswer {
        /// The node.
        url: String,
        /// The cause.
        source: reqwest::Error,
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

impl NodeError {
    /// True when the same request may succeed later (the node was down, slow or overloaded).
    pub fn is_retryable(&self) -> bool {
        match self {
            NodeError::Unreachable { .. }
            | NodeError::BadAnswer { .. }
            | NodeError::NoNodes { .. } => true,
            NodeError::Refused { status, .. } => *status >= 500 || *status == 429,
        }
    }
}

/// Timeouts for node requests.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// To open a connection.
    pub connect: Duration,
    /// For a quote, info or peers request.
    pub small: Duration,
    /// For a chunk PUT or GET.
    pub chunk: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(3),
            small: Duration::from_secs(10),
            chunk: Duration::from_secs(60),
        }
    }
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

    async fn check(url: &str, response: reqwest::Response) -> Result<reqwest::Response, NodeError> {
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let text = response.text().await.unwrap_or_default();
        let message = serde_json::from_str::<ErrorBody>(&text)
            .map(|body| body.error)
            .unwrap_or(text);
        Err(NodeError::Refused {
            url: url.to_owned(),
            status: status.as_u16(),
            message,
        })
    }

    /// Sends a request to the node at `url` and parses its JSON answer.
    async fn send_json<T: serde::de::DeserializeOwned>(
        url: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<T, NodeError> {
        let response = request
            .send()
            .await
            .map_err(|source| NodeError::Unreachable {
                url: url.to_owned(),
                source,
            })?;
        Self::check(url, response)
            .await?
            .json()
            .await
            .map_err(|source| NodeError::BadAnswer {
                url: url.to_owned(),
                source,
            })
    }

    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        path: &str,
    ) -> Result<T, NodeError> {
        let request = self
            .http
            .get(format!("{url}{path}"))
            .timeout(self.timeouts.small);
        Self::send_json(url, request).await
    }

    /// The node's id, URL and rewards address.
    pub async fn info(&self, url: &str) -> Result<NodeInfo, NodeError> {
        self.get_json(url, "/info").await
    }

    /// The peers the node knows (itself included).
    pub async fn peers(&self, url: &str) -> Result<Vec<NodeInfo>, NodeError> {
        self.get_json(url, "/peers").await
    }

    /// Asks a node to quote a chunk.
    pub async fn quote(
        &self,
        node: &NodeInfo,
        chunk: ChunkAddress,
        size: u32,
        payer: alloy::primitives::Address,
    ) -> Result<QuoteResponse, NodeError> {
        let request = self
            .http
            .post(format!("{}/quote", node.url))
            .timeout(self.timeouts.small)
            .json(&QuoteRequest { chunk, size, payer });
        Self::send_json(&node.url, request).await
    }

    /// PUTs a chunk with its proof; `body` is [`crate::protocol::encode_put`]'s framing.
    pub async fn put(
        &self,
        node: &NodeInfo,
        chunk: ChunkAddress,
        body: Bytes,
    ) -> Result<StoreResponse, NodeError> {
        let request = self
            .http
            .put(format!("{}/chunk/{chunk}", node.url))
            .timeout(self.timeouts.chunk)
            .body(body);
        Self::send_json(&node.url, request).await
    }

    /// Fetches a chunk's bytes; `None` when the node does not have it.
    pub async fn get(
        &self,
        node: &NodeInfo,
        chunk: ChunkAddress,
    ) -> Result<Option<Bytes>, NodeError> {
        let url = &node.url;
        let unreachable = |source| NodeError::Unreachable {
            url: url.clone(),
            source,
        };
        let response = self
            .http
            .get(format!("{url}/chunk/{chunk}"))
            .timeout(self.timeouts.chunk)
            .send()
            .await
            .map_err(unreachable)?;
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let response = Self::check(url, response).await?;
        response.bytes().await.map(Some).map_err(unreachable)
    }

    /// Learns the network from its bootstrap URLs: each one's `/peers`, merged by node id.
    pub async fn discover(&self, bootstrap: &[String]) -> Result<Swarm, NodeError> {
        let answers = join_all(bootstrap.iter().map(|url| self.peers(url))).await;
        let mut nodes: HashMap<_, NodeInfo> = HashMap::new();
        for node in answers.into_iter().flatten().flatten() {
            nodes.entry(node.id).or_insert(node);
        }
        if nodes.is_empty() {
            return Err(NodeError::NoNodes {
                count: bootstrap.len(),
            });
        }
        let mut nodes: Vec<NodeInfo> = nodes.into_values().collect();
        nodes.sort_by_key(|n| n.id);
        let listed: std::collections::HashSet<&String> = bootstrap.iter().collect();
        Ok(Swarm {
            size: nodes.len().max(listed.len()),
            nodes,
        })
    }
}

/// The nodes a client found, and how many the network is known to have. Nodes that did not
/// answer discovery still count in `size`, so a network that is partly down never lowers the
/// bar: quotes need a majority of the full close group, and chunks the full replica count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Swarm {
    /// The nodes that answered (with the peers they know), by id.
    pub nodes: Vec<NodeInfo>,
    /// Nodes the network has: the bootstrap list or the discovered set, whichever is larger.
    pub size: usize,
}

impl Swarm {
    /// Quotes needed for a chunk: a majority of a close group of `k` (or of the whole
    /// network when it is smaller).
    pub fn quote_majority(&self, k: usize) -> usize {
        k.min(self.size) / 2 + 1
    }

    /// Nodes that must hold a chunk: `wanted`, or every node on a smaller network.
    pub fn replicas(&self, wanted: usize) -> usize {
        wanted.min(self.size).max(1)
    }
}
