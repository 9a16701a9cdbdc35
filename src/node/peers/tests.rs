//! The peer view's unit tests: close-group membership, learning, aging and refresh turns.

use super::*;
use crate::node::outbound::Reach;
use crate::wire::answer::PeerError;
use crate::wire::network::NetworkConfig;
use alloy::primitives::Address;

fn node(byte: u8) -> NodeInfo {
    let rewards = Address::repeat_byte(byte);
    NodeInfo {
        id: NodeId(*blake3::hash(&[byte]).as_bytes()),
        url: format!("http://127.0.{byte}.1:{}", 9000 + byte as u16),
        rewards,
    }
}

/// A registry listing nodes 1 to 20 at their positions.
fn registry() -> Registry {
    Registry::new(1, (1..=20).map(|byte| (node(byte).rewards, node(byte).id)))
}

fn peers(me: NodeInfo, network_file: &str) -> Peers {
    Peers::new(
        me,
        None,
        PathBuf::from(network_file),
        registry(),
        Diversity::default(),
        Outbound::new(Reach::Private, std::time::Duration::from_secs(2), None),
    )
}

/// Records `answers` as a refresh would.
fn learn(peers: &Peers, answers: Vec<(String, Result<NodeInfo, PeerError>)>) {
    for (url, answer) in answers {
        let host = reqwest::Url::parse(&url)
            .unwrap()
            .host_str()
            .unwrap()
            .to_owned();
        let prefix = crate::node::prefixes::prefix_of(host.parse().unwrap(), &Diversity::default());
        peers.record(&url, answer, Some(prefix));
    }
}

#[test]
fn only_the_k_closest_known_nodes_are_in_a_chunks_close_group() {
    let nodes: Vec<NodeInfo> = (1..=10).map(node).collect();
    let chunk = ChunkAddress::of(b"some chunk");
    let order = Diversity::default().order(&chunk, &nodes);
    let (closest, fourth) = (order[0].id, order[3].id);
    assert_eq!(
        standing(&Diversity::default(), &nodes, &chunk, &closest, 3),
        Standing::Close
    );
    assert_eq!(
        standing(&Diversity::default(), &nodes, &chunk, &order[2].id, 3),
        Standing::Close
    );
    assert_eq!(
        standing(&Diversity::default(), &nodes, &chunk, &fourth, 3),
        Standing::NotClose
    );
    assert_eq!(
        standing(&Diversity::default(), &nodes, &chunk, &fourth, 7),
        Standing::Close
    );
    assert_eq!(
        standing(&Diversity::default(), &nodes, &chunk, &node(99).id, 7),
        Standing::Unknown
    );
}

#[test]
fn a_small_network_puts_every_node_in_every_close_group() {
    let nodes: Vec<NodeInfo> = (1..=3).map(node).collect();
    for text in ["a", "b", "c", "d"] {
        let chunk = ChunkAddress::of(text.as_bytes());
        for n in &nodes {
            assert_eq!(
                standing(&Diversity::default(), &nodes, &chunk, &n.id, 7),
                Standing::Close
            );
        }
    }
}

#[test]
fn peers_learned_from_their_own_info_join_the_view_and_forgers_do_not() {
    let peers = peers(node(1), "/nonexistent");
    assert!(peers.knows_only_itself());
    let mut forger = node(3);
    forger.id = NodeId([0; 32]);
    learn(
        &peers,
        vec![
            (node(2).url, Ok(node(2))),
            (forger.url.clone(), Ok(forger)),
            (node(1).url, Ok(node(1))),
        ],
    );
    let ids: Vec<NodeId> = peers.all().iter().map(|n| n.id).collect();
    assert_eq!(ids, vec![node(1).id, node(2).id]);
    let chunk = ChunkAddress::of(b"x");
    assert_eq!(peers.standing(&chunk, &node(2).id, 7), Standing::Close);
    assert_eq!(peers.standing(&chunk, &node(3).id, 7), Standing::Unknown);
}

#[test]
fn a_silent_peer_leaves_the_view_but_is_remembered_for_its_quotes() {
    let peers = peers(node(1), "/nonexistent");
    learn(
        &peers,
        vec![(node(2).url, Ok(node(2))), (node(3).url, Ok(node(3)))],
    );
    let long_ago = Instant::now()
        .checked_sub(PEER_EXPIRY + Duration::from_secs(1))
        .expect("the clock is past the expiry");
    peers
        .known
        .write()
        .unwrap()
        .get_mut(&node(3).url)
        .unwrap()
        .last_seen = long_ago;
    let in_view: Vec<NodeId> = peers.all().iter().map(|n| n.id).collect();
    assert_eq!(in_view, vec![node(1).id, node(2).id]);
    assert_eq!(peers.view_for(&[node(3).id]).len(), 3);
    assert_eq!(peers.view_for(&[node(4).id]).len(), 2);
    let chunk = ChunkAddress::of(b"y");
    assert_eq!(peers.standing(&chunk, &node(3).id, 7), Standing::Close);
    assert_eq!(
        standing(
            &Diversity::default(),
            &peers.view_for(&[node(2).id]),
            &chunk,
            &node(3).id,
            7
        ),
        Standing::Unknown,
        "a silent node that did not quote takes no place"
    );
    learn(&peers, vec![(node(3).url, Ok(node(3)))]);
    assert_eq!(peers.all().len(), 3, "it is back once it answers");
}

#[tokio::test]
async fn refreshes_are_spaced_coalesced_and_survive_a_missing_network_file() {
    let peers = peers(node(1), "/nonexistent/network.json");
    assert!(peers.refresh().await);
    let first = peers.turns.last_started().expect("refreshed");
    let concurrent = futures::future::join_all((0..5).map(|_| peers.refresh())).await;
    let ran = concurrent.iter().filter(|ran| **ran).count();
    assert!(
        (1..=2).contains(&ran),
        "{ran} refreshes for 5 concurrent callers"
    );
    let latest = peers.turns.last_started().expect("refreshed");
    assert!(latest - first >= MIN_REFRESH_GAP);
    assert!(peers.knows_only_itself());
}

#[tokio::test]
async fn on_demand_refreshes_are_rate_limited_and_refused_at_once() {
    let peers = peers(node(1), "/nonexistent/network.json");
    assert!(peers.refresh_on_demand(&[]).await);
    let started = Instant::now();
    assert!(!peers.refresh_on_demand(&[]).await);
    assert!(
        started.elapsed() < MIN_REFRESH_GAP,
        "a refused caller does not wait"
    );
}

/// Serves the router `script` makes for its own base URL on a free loopback port; returns
/// that URL.
async fn serve(script: impl FnOnce(&str) -> axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let router = script(&url);
    tokio::spawn(async move { axum::serve(listener, router).await });
    url
}

/// A router answering `/closest/{address}` with `nodes` and `/info` with `me`.
fn scripted(me: Option<NodeInfo>, nodes: Vec<NodeInfo>) -> axum::Router {
    use axum::routing::get;
    axum::Router::new()
        .route(
            crate::wire::routes::Route::Closest.path(),
            get(move || async move { axum::Json(nodes) }),
        )
        .route(
            crate::wire::routes::Route::Info.path(),
            get(move || async move { axum::Json(me) }),
        )
}

/// `node(byte)` at `url`.
fn at(byte: u8, url: &str) -> NodeInfo {
    NodeInfo {
        url: url.to_owned(),
        ..node(byte)
    }
}

#[tokio::test]
async fn an_unknown_issuer_is_looked_up_through_the_seeds_and_the_nodes_they_name() {
    // The issuer (node 7) is known only to node 8, which only the seed knows of.
    let issuer = at(
        7,
        &serve(|url| scripted(Some(at(7, url)), Vec::new())).await,
    );
    let neighbour = at(8, &serve(|_| scripted(None, vec![issuer.clone()])).await);
    let seed = serve(|_| scripted(None, vec![neighbour])).await;
    let dir = tempfile::tempdir().unwrap();
    let network = NetworkConfig {
        chain_id: 31337,
        rpc_url: "http://127.0.0.1:1".into(),
        vault: Address::ZERO,
        vault_block: None,
        bootstrap: vec![seed],
        funded_key: None,
        native_unit: None,
        private: true,
        diversity: Diversity::default(),
    };
    let file = dir.path().join("network.json");
    std::fs::write(&file, network.to_json()).unwrap();
    let peers = peers(node(1), file.to_str().unwrap());
    assert!(!peers.all().iter().any(|node| node.id == issuer.id));

    let deadline = tokio::time::Instant::now() + REFRESH_BUDGET;
    peers.locate(&[issuer.id], deadline).await;
    let view = peers.all();
    let found = view.iter().find(|node| node.id == issuer.id);
    assert_eq!(
        found.map(|node| node.url.as_str()),
        Some(issuer.url.as_str())
    );
}
