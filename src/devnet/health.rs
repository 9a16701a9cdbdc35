//! Is a recorded devnet alive? Its chain answers `eth_chainId` and every node answers
//! `GET /health` with `serving` (or `starting`: up, still learning its peers).

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use super::anvil::{self, CHAIN_ID};
use super::isolated::IsolatedNetwork;
use super::state::DevnetState;
use crate::wire::routes::Route;

/// How long one health request may take.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(3);

/// What `ferry devnet status` reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum DevnetStatus {
    /// No devnet is recorded in this data dir.
    NotRunning,
    /// A devnet is recorded; how healthy it is.
    Running(DevnetHealth),
}

/// The health of a recorded devnet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DevnetHealth {
    /// Its network file.
    pub network_file: PathBuf,
    /// When it was started, in seconds since the Unix epoch.
    pub started_at: u64,
    /// Its chain.
    pub chain: ChainHealth,
    /// Its nodes, in order.
    pub nodes: Vec<NodeHealth>,
    /// Its namespaces and links, when isolated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub isolated: Option<IsolatedNetwork>,
}

impl DevnetHealth {
    /// True when the chain and every node answer.
    pub fn is_healthy(&self) -> bool {
        self.chain.reachable && !self.nodes.is_empty() && self.nodes.iter().all(|node| node.healthy)
    }

    /// True when the chain and at least one node answer: uploads route around the dead nodes,
    /// and replacing the devnet would wipe its chain, and every payment recorded on it.
    pub fn is_usable(&self) -> bool {
        self.chain.reachable && self.nodes.iter().any(|node| node.healthy)
    }
}

/// The devnet chain's health.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainHealth {
    /// Its JSON-RPC URL, once anvil said where it listens.
    pub rpc_url: Option<String>,
    /// The anvil process.
    pub pid: Option<u32>,
    /// True when it answers with the devnet's chain id.
    pub reachable: bool,
    /// The chain id it must answer.
    pub chain_id: u64,
}

/// One devnet node's health.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeHealth {
    /// `node 3`.
    pub name: String,
    /// Its base URL, once it said where it listens.
    pub url: Option<String>,
    /// Its process.
    pub pid: u32,
    /// True when `GET /health` answers `serving`, or `starting` (up, still learning its peers).
    pub healthy: bool,
}

/// Checks the chain and all nodes of `state` concurrently.
pub async fn assess(state: &DevnetState) -> DevnetHealth {
    let http = reqwest::Client::builder()
        .connect_timeout(HEALTH_TIMEOUT)
        .timeout(HEALTH_TIMEOUT)
        .build()
        .expect("the HTTP client builds");
    let anvil = state.anvil();
    let rpc_url = anvil.and_then(|record| record.url.clone());
    let chain = async {
        match &rpc_url {
            Some(url) => anvil::chain_id(&http, url)
                .await
                .is_ok_and(|id| id == CHAIN_ID),
            None => false,
        }
    };
    let nodes = futures::future::join_all(state.nodes().map(|record| {
        let http = &http;
        async move {
            let healthy = match &record.url {
                Some(url) => node_answers(http, url).await,
                None => false,
            };
            NodeHealth {
                name: record.name.clone(),
                url: record.url.clone(),
                pid: record.pid,
                healthy,
            }
        }
    }));
    let (reachable, nodes) = futures::join!(chain, nodes);
    DevnetHealth {
        network_file: state.network_file.clone(),
        started_at: state.started_at,
        chain: ChainHealth {
            rpc_url,
            pid: anvil.map(|record| record.pid),
            reachable,
            chain_id: CHAIN_ID,
        },
        nodes,
        isolated: state.isolated.clone(),
    }
}

async fn node_answers(http: &reqwest::Client, url: &str) -> bool {
    let Ok(response) = http.get(Route::Health.url(url)).send().await else {
        return false;
    };
    // A node answers `serving` when ready and `starting: …` (503) while it learns its peers:
    // both are up; `ok` is a ferry-node from before readiness was told apart.
    let status = response.status();
    response.text().await.is_ok_and(|body| {
        let body = body.trim();
        (status.is_success() && matches!(body, "serving" | "ok"))
            || (status == reqwest::StatusCode::SERVICE_UNAVAILABLE && body.starts_with("starting"))
    })
}
