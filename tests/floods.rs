//! Peer lists survive floods: hundreds of announced URLs that answer `/info` while they are
//! admitted and then stall leave every node's `/peers` answering at once with the honest
//! nodes, and uploads working; many URLs of one network prefix get only a few places.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use alloy::signers::local::PrivateKeySigner;
use axum::Router;
use ferry::node::peers::{PEER_EXPIRY, PEERS_PER_PREFIX};
use ferry::wire::announce::Announcement;
use ferry::wire::network::NodeInfo;
use ferry::wire::signed::unix_now;
use ferry::wire::types::NodeId;
use futures::StreamExt;

use crate::support::scripted::ScriptedPeer;
use crate::support::{Devnet, runtime};

/// Attackers on a /24 each.
const SPREAD: u8 = 160;
/// Attackers on one /24.
const CROWDED: usize = 24;

/// An attacker's node.
struct Attacker {
    peer: ScriptedPeer,
    key: PrivateKeySigner,
    id: NodeId,
}

/// A scripted node on `ip` with its own key, staked in the vault's registry as one operator
/// with many identities would: answers `/info` as that node until `stall` is set, then never
/// answers anything again.
fn stalling_node(devnet: &Devnet, ip: Ipv4Addr, stall: Arc<AtomicBool>) -> Attacker {
    let key = PrivateKeySigner::random();
    let rewards = key.address();
    let id = devnet.register(&key);
    let peer = ScriptedPeer::start(IpAddr::V4(ip), move |url| {
        let info = NodeInfo {
            id,
            url: url.to_owned(),
            rewards,
        };
        Router::new().fallback(move |uri: axum::http::Uri| {
            let (info, stall) = (info.clone(), stall.clone());
            async move {
                if stall.load(Ordering::SeqCst) || uri.path() != "/info" {
                    std::future::pending::<()>().await;
                }
                axum::Json(info)
            }
        })
    });
    Attacker { peer, key, id }
}

/// Announces every attacker to every node (retrying while a node is busy checking others);
/// returns the statuses of the last tries.
fn announce_all(nodes: &[String], attackers: &[Attacker]) -> Vec<u16> {
    let http = reqwest::Client::new();
    let tries = nodes.iter().flat_map(|node| {
        attackers.iter().map(move |attacker| {
            let announcement =
                Announcement::sign(&attacker.peer.url, attacker.id, &attacker.key, unix_now());
            (node.clone(), announcement)
        })
    });
    runtime().block_on(
        futures::stream::iter(tries)
            .map(|(node, announcement)| {
                let http = http.clone();
                async move {
                    loop {
                        let Ok(response) = http
                            .post(format!("{node}/announce"))
                            .json(&announcement)
                            .send()
                            .await
                        else {
                            return 0;
                        };
                        let status = response.status().as_u16();
                        let text = response.text().await.unwrap_or_default();
                        // Busy checking other announcements: try again. A prefix over its
                        // limits stays refused.
                        if status != 429 || !text.contains("being checked") {
                            return status;
                        }
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                }
            })
            .buffer_unordered(40)
            .collect(),
    )
}

/// Node `url`'s `/peers`, and how long it took; `None` when it did not answer within 1 s.
fn peers_within_a_second(http: &reqwest::Client, url: &str) -> (Option<Vec<NodeInfo>>, Duration) {
    let started = Instant::now();
    let peers = runtime().block_on(async {
        let response = http
            .get(format!("{url}/peers"))
            .timeout(Duration::from_secs(1))
            .send()
            .await
            .ok()?;
        response.json::<Vec<NodeInfo>>().await.ok()
    });
    (peers, started.elapsed())
}

#[test]
fn stalling_announced_urls_leave_peers_answering_at_once_and_uploads_working() {
    let devnet = Devnet::start(10);
    let registry = devnet.registry();
    let honest: HashSet<_> = (0..10)
        .map(|i| registry.id_of(&devnet.node_key(i).address()).unwrap())
        .collect();
    let stall = Arc::new(AtomicBool::new(false));
    let mut attackers: Vec<_> = (1..=SPREAD)
        .map(|i| stalling_node(&devnet, Ipv4Addr::new(127, 9, i, 1), stall.clone()))
        .collect();
    attackers.extend(
        (0..CROWDED).map(|_| stalling_node(&devnet, Ipv4Addr::new(127, 8, 0, 1), stall.clone())),
    );
    // Every node reads the registry again within a refresh interval: then all are staked.
    std::thread::sleep(ferry::node::peers::REFRESH_INTERVAL + Duration::from_secs(1));
    let statuses = announce_all(&devnet.network.bootstrap, &attackers);
    let admitted = statuses.iter().filter(|&&status| status == 200).count();
    println!("{admitted} of {} announcements admitted", statuses.len());

    let http = reqwest::Client::new();
    let attacker_ids: HashSet<_> = attackers.iter().map(|attacker| attacker.id).collect();
    let crowded_ids: HashSet<_> = attackers[SPREAD as usize..]
        .iter()
        .map(|attacker| attacker.id)
        .collect();
    for url in &devnet.network.bootstrap {
        let (peers, _) = peers_within_a_second(&http, url);
        let peers = peers.expect("/peers answers");
        let listed = peers
            .iter()
            .filter(|p| attacker_ids.contains(&p.id))
            .count();
        let crowded = peers.iter().filter(|p| crowded_ids.contains(&p.id)).count();
        assert!(
            listed >= SPREAD as usize,
            "the flood landed: {listed} attackers listed"
        );
        assert!(
            crowded <= PEERS_PER_PREFIX,
            "{crowded} peers of one /24 in the table"
        );
    }

    // Now every attacker stalls. Watch every node's /peers past the time a peer that stopped
    // answering leaves the view.
    let registry = devnet.registry();
    let neighbours: std::collections::HashMap<&String, HashSet<_>> = (0..10)
        .map(|i| {
            let id = registry.id_of(&devnet.node_key(i).address()).unwrap();
            let hood = ferry::node::membership::Neighbourhood::of(id, registry.positions());
            let ids = hood.members().copied().collect();
            (&devnet.network.bootstrap[i], ids)
        })
        .collect();
    stall.store(true, Ordering::SeqCst);
    let flood = Instant::now();
    let mut slowest = Duration::ZERO;
    while flood.elapsed() < PEER_EXPIRY + Duration::from_secs(3) {
        for url in &devnet.network.bootstrap {
            let (peers, took) = peers_within_a_second(&http, url);
            slowest = slowest.max(took);
            let peers = peers.unwrap_or_else(|| {
                panic!(
                    "{url} did not answer /peers within 1 s, {:?} into the flood",
                    flood.elapsed()
                )
            });
            let listed: HashSet<_> = peers.iter().map(|p| p.id).collect();
            // A node's view is its neighbourhood of the registry (SWIM): its honest members.
            let honest = neighbours[url]
                .intersection(&honest)
                .copied()
                .collect::<HashSet<_>>();
            assert!(
                honest.is_subset(&listed),
                "{url} lost honest peers {:?} into the flood: lists {} nodes",
                flood.elapsed(),
                listed.len()
            );
        }
        std::thread::sleep(Duration::from_millis(1500));
    }
    println!("slowest /peers answer during the flood: {slowest:?}");

    let key = devnet.funded_account();
    let (dir, file, bytes) = crate::support::random_file("flooded.bin", 300_000);
    let reference = devnet.upload_reference(dir.path(), &key, &file);
    crate::support::runs::assert_reference_downloads(&devnet, dir.path(), &key, &reference, &bytes);
    drop(attackers);
}
