//! Scripted peers: small HTTP servers written in a test (an axum router), served from the test
//! process on a loopback address of the test's choosing (any of 127.0.0.0/8), that count the
//! TCP connections they accept. They play the attacker's side: a URL announced to nodes, a
//! redirect, a service that must never be reached.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use alloy::signers::local::PrivateKeySigner;
use axum::Router;
use axum::serve::ListenerExt;
use ferry::wire::announce::Announcement;
use ferry::wire::signed::unix_now;
use ferry::wire::types::NodeId;

use super::runtime;

/// A running scripted peer; it stops accepting connections when dropped.
pub struct ScriptedPeer {
    /// Its base URL, `http://IP:PORT`.
    pub url: String,
    connections: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl ScriptedPeer {
    /// Serves the router `script(url)` on `ip` (a free port), on the tests' runtime.
    pub fn start(ip: IpAddr, script: impl FnOnce(&str) -> Router) -> ScriptedPeer {
        let listener = std::net::TcpListener::bind((ip, 0)).expect("a loopback port binds");
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let router = script(&url);
        let connections = Arc::new(AtomicUsize::new(0));
        let counted = connections.clone();
        let task = runtime().spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener)
                .unwrap()
                .tap_io(move |_| {
                    counted.fetch_add(1, Ordering::SeqCst);
                });
            let _ = axum::serve(listener, router).await;
        });
        ScriptedPeer {
            url,
            connections,
            task,
        }
    }

    /// The TCP connections it has accepted.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for ScriptedPeer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Posts a fresh announcement of `url` as the node at ring position `id`, signed by `key`, to
/// the node at `node`; returns the status and the answer's body.
pub fn announce(node: &str, url: &str, key: &PrivateKeySigner, id: NodeId) -> (u16, String) {
    let announcement = Announcement::sign(url, id, key, unix_now());
    runtime().block_on(async {
        let response = reqwest::Client::new()
            .post(format!("{node}/announce"))
            .json(&announcement)
            .send()
            .await
            .expect("the node answers an announcement");
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    })
}
