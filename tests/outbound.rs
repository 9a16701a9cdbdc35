//! A node's own requests are safe: an announcement cannot make a node on a public network
//! connect to a loopback service, a redirect is never followed, and what a probed URL answers
//! never reaches the announcer.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use alloy::signers::local::PrivateKeySigner;
use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use ferry::client::nodes::{NodeClient, Timeouts};
use ferry::wire::network::NodeInfo;

use crate::support::node_process::NodeProcess;
use crate::support::scripted::{ScriptedPeer, announce};
use crate::support::{Devnet, runtime};

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
const SECRET: &str = "internal-secret-4471";

/// A loopback service that answers every request with `SECRET` (as an internal admin page
/// would).
fn internal_service() -> ScriptedPeer {
    ScriptedPeer::start(LOOPBACK, |_| {
        Router::new().fallback(|| async { format!("{{\"secret\":\"{SECRET}\"}}") })
    })
}

#[test]
fn an_announced_loopback_url_on_a_public_network_is_refused_without_connecting() {
    let devnet = Devnet::shared();
    let dir = tempfile::tempdir().unwrap();
    let public = devnet.network_file_with(dir.path(), |network| {
        network.private = false;
        network.bootstrap.clear();
    });
    let listen = format!("{}:0", crate::support::fresh_loopback());
    let node = NodeProcess::start(&public, &["--listen", &listen]);
    let service = internal_service();
    // A staked announcer: an unregistered one is refused before its URL is looked at.
    let key = PrivateKeySigner::random();
    let id = devnet.register(&key);
    let port = service.url.rsplit(':').next().unwrap().to_owned();
    for url in [
        service.url.clone(),
        format!("http://localhost:{port}"),
        format!("http://[::ffff:7f00:1]:{port}"),
    ] {
        let (status, body) = announce(&node.url, &url, &key, id);
        assert_eq!(status, 422, "{url}: {body}");
        assert!(body.contains("loopback address"), "{url}: {body}");
        assert!(!body.contains(SECRET), "{url}: {body}");
    }
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        service.connections(),
        0,
        "the node connected to the loopback service"
    );

    // The devnet's own network file says private: its nodes reach loopback peers.
    let (status, body) = announce(&devnet.network.bootstrap[0], &service.url, &key, id);
    assert_eq!(status, 422, "{body}");
    assert!(!body.contains(SECRET), "{body}");
    assert!(service.connections() > 0, "a private network's node asks");
}

#[test]
fn a_redirect_is_not_followed_and_its_target_never_reaches_the_announcer() {
    let devnet = Devnet::shared();
    let key = PrivateKeySigner::random();
    let id = devnet.register(&key);
    // The target answers as the announced node would, plus a secret: a node that followed the
    // redirect would admit the announcement and could pass the secret on.
    let target = {
        let rewards = key.address();
        ScriptedPeer::start(LOOPBACK, move |url| {
            let info = NodeInfo {
                id,
                url: url.to_owned(),
                rewards,
            };
            let mut body = serde_json::to_value(&info).unwrap();
            body["secret"] = SECRET.into();
            Router::new().fallback(move || {
                let body = body.clone();
                async move { axum::Json(body) }
            })
        })
    };
    let target_info = format!("{}/info", target.url);
    let redirector = ScriptedPeer::start(LOOPBACK, move |_| {
        Router::new().fallback(move || {
            let location = target_info.clone();
            async move { (StatusCode::FOUND, [(header::LOCATION, location)]).into_response() }
        })
    });
    let node = &devnet.network.bootstrap[1];
    let (status, body) = announce(node, &redirector.url, &key, id);
    assert_eq!(status, 422, "{body}");
    assert!(
        body.contains("did not answer /info as the announced node"),
        "{body}"
    );
    assert!(!body.contains(SECRET), "{body}");
    assert!(!body.contains(&target.url), "{body}");
    assert!(
        !body.contains("302"),
        "the probe's outcome is not echoed: {body}"
    );
    assert!(redirector.connections() > 0, "the announced URL was asked");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(target.connections(), 0, "the redirect was followed");
    let peers = runtime()
        .block_on(NodeClient::new(Timeouts::default()).peers(node))
        .unwrap();
    assert!(
        peers.iter().all(|peer| peer.rewards != key.address()),
        "the redirected announcement joined the view"
    );
}
