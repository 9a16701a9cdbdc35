//! Asking peers for their `/info`: the bootstrap list (read from the network file only when
//! it changed), the probes of a refresh and what each answer records, strikes for URLs that do
//! not answer, and forgetting peers silent for too long.

use std::collections::HashSet;
use std::sync::PoisonError;
use std::time::Instant;

use futures::StreamExt;

use super::{
    Known, MAX_NEW_PER_REFRESH, MAX_PEERS, PARALLEL_QUERIES, PEER_EXPIRY, PEER_MEMORY, Peers,
    Recorded, normal,
};
use crate::blocking::blocking;
use crate::node::gossip;
use crate::node::prefixes::{PEERS_PER_PREFIX, prefix_of_url};
use crate::node::refreshing::MAX_STRIKES;
use crate::wire::answer::PeerError;
use crate::wire::network::{NetPrefix, NetworkConfig, NodeInfo, node_url};

/// What tells that a file changed without reading it: size, inode and modification time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct FileStamp {
    len: u64,
    inode: u64,
    modified: (i64, i64),
}

impl FileStamp {
    pub(super) fn of(meta: &std::fs::Metadata) -> Self {
        use std::os::unix::fs::MetadataExt;
        Self {
            len: meta.len(),
            inode: meta.ino(),
            modified: (meta.mtime(), meta.mtime_nsec()),
        }
    }
}

impl Peers {
    pub(super) fn bootstrap_set(&self) -> HashSet<String> {
        let bootstrap = self
            .bootstrap
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        bootstrap.clone()
    }

    pub(super) fn is_bootstrap(&self, url: &str) -> bool {
        let bootstrap = self
            .bootstrap
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        bootstrap.contains(url)
    }

    pub(super) fn in_view_at(&self, node: &NodeInfo) -> bool {
        let known = self.known.read().unwrap_or_else(PoisonError::into_inner);
        known
            .get(&node.url)
            .is_some_and(|peer| peer.info == *node && peer.last_seen.elapsed() <= PEER_EXPIRY)
    }

    /// The URLs a refresh asks, in order: the bootstrap URLs, then the remembered peers with
    /// the fewest failures in a row first, and of those the longest known first.
    pub(super) fn due_urls(&self, bootstrap: &[String]) -> Vec<String> {
        let known = self.known.read().unwrap_or_else(PoisonError::into_inner);
        let mut remembered: Vec<(u32, Instant, &String)> = known
            .iter()
            .filter(|(url, _)| !bootstrap.contains(url))
            .map(|(url, peer)| (self.strikes.count(url), peer.first_seen, url))
            .collect();
        remembered.sort();
        let remembered = remembered.into_iter().map(|(_, _, url)| url.clone());
        bootstrap.iter().cloned().chain(remembered).collect()
    }

    /// The bootstrap list, in normal form, without this node. The network file is read
    /// again only when it changed (its size, inode or modification time), so an idle node
    /// does not parse a long list every refresh.
    pub(super) async fn bootstrap(&self) -> Vec<String> {
        let path = self.network_file.clone();
        let stamp = {
            let path = path.clone();
            blocking(move || {
                std::fs::metadata(&path)
                    .ok()
                    .map(|meta| FileStamp::of(&meta))
            })
            .await
        };
        if let Some(stamp) = stamp {
            let read = self
                .bootstrap_read
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if let Some((known, listed)) = read.as_ref()
                && *known == stamp
            {
                return listed.clone();
            }
        }
        let listed = match blocking(move || NetworkConfig::load(&path)).await {
            Ok(network) => network.bootstrap,
            Err(error) => {
                tracing::warn!(%error, "cannot re-read the network file; keeping the known peers");
                Vec::new()
            }
        };
        let listed: Vec<String> = listed
            .iter()
            .map(|url| normal(url))
            .filter(|url| *url != self.me.url)
            .collect();
        *self
            .bootstrap
            .write()
            .unwrap_or_else(PoisonError::into_inner) = listed.iter().cloned().collect();
        if let Some(stamp) = stamp {
            *self
                .bootstrap_read
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Some((stamp, listed.clone()));
        }
        listed
    }

    /// Asks each of `urls` for its `/info`, [`PARALLEL_QUERIES`] at a time in their order,
    /// recording each answer as it arrives; the URLs not answered by `deadline` get a strike.
    pub(super) async fn probe_within(&self, urls: Vec<String>, deadline: tokio::time::Instant) {
        let mut unanswered: HashSet<String> = urls.iter().cloned().collect();
        let probes = futures::stream::iter(urls)
            .map(|url| async move {
                let answer = gossip::info(&self.http, &url).await;
                let prefix = match answer {
                    Ok(_) => prefix_of_url(&url, &self.diversity).await,
                    Err(_) => None,
                };
                (url, answer, prefix)
            })
            .buffer_unordered(PARALLEL_QUERIES)
            .for_each(|(url, answer, prefix)| {
                unanswered.remove(&url);
                self.record(&url, answer, prefix);
                std::future::ready(())
            });
        if tokio::time::timeout_at(deadline, probes).await.is_err() {
            tracing::info!(
                unanswered = unanswered.len(),
                "a peer refresh ran out of time; the URLs it did not hear from count as failed"
            );
        }
        for url in unanswered {
            self.strike(&url);
        }
    }

    /// The URLs the bootstrap nodes list that are not in this view yet (at most
    /// [`MAX_NEW_PER_REFRESH`]); each still has to answer `/info` itself.
    pub(super) async fn hear_from(&self, bootstrap: &[String]) -> Vec<String> {
        let lists: Vec<_> = futures::stream::iter(bootstrap.to_vec())
            .map(|url| async move {
                let list = gossip::peers(&self.http, &url).await;
                (url, list)
            })
            .buffer_unordered(PARALLEL_QUERIES)
            .collect()
            .await;
        let in_view: HashSet<String> = self.all().into_iter().map(|peer| peer.url).collect();
        let registry = self.registry();
        let mut heard = HashSet::new();
        for (url, list) in lists {
            match list {
                Ok(entries) => heard.extend(
                    entries
                        .into_iter()
                        .filter(|entry| registry.admits(entry))
                        .filter_map(|entry| node_url(&entry.url).ok())
                        .filter(|entry| *entry != self.me.url && !in_view.contains(entry))
                        .filter(|entry| !self.strikes.is_dropped(entry)),
                ),
                Err(error) => {
                    tracing::debug!(%url, %error, "bootstrap node did not list its peers")
                }
            }
        }
        heard.into_iter().take(MAX_NEW_PER_REFRESH).collect()
    }

    /// Records `url`'s answer: a node whose id is its rewards address's joins the view (or
    /// is seen again), unless it is new and its `prefix` is full; anything else is a strike.
    pub(super) fn record(
        &self,
        url: &str,
        answer: Result<NodeInfo, PeerError>,
        prefix: Option<NetPrefix>,
    ) -> Recorded {
        let info = match answer {
            Ok(info) if !self.registry().admits(&info) => {
                tracing::warn!(%url, id = %info.id, rewards = %info.rewards, "ignoring a peer the vault's registry does not list at that id");
                self.strike(url);
                return Recorded::Failed;
            }
            Ok(info) => info,
            Err(error) => {
                tracing::debug!(%url, %error, "peer did not answer");
                self.strike(url);
                return Recorded::Failed;
            }
        };
        let key = normal(url);
        let bootstrap = self
            .bootstrap
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let mut known = self.known.write().unwrap_or_else(PoisonError::into_inner);
        let first_seen = match known.get(&key) {
            Some(peer) => peer.first_seen,
            None if bootstrap.contains(&key) => Instant::now(),
            None => {
                let full = prefix.is_none_or(|prefix| {
                    let same = known.iter().filter(|(url, peer)| {
                        peer.prefix == Some(prefix) && !bootstrap.contains(*url)
                    });
                    same.count() >= PEERS_PER_PREFIX
                });
                if full {
                    tracing::debug!(%url, "not learned: its network prefix is full");
                    return Recorded::PrefixFull;
                }
                Instant::now()
            }
        };
        if known.get(&key).map(|peer| &peer.info) != Some(&info) {
            tracing::info!(%url, id = %info.id, "learned peer");
        }
        let last_seen = Instant::now();
        known.insert(
            key,
            Known {
                info,
                last_seen,
                first_seen,
                prefix,
            },
        );
        drop(known);
        self.strikes.clear(&normal(url));
        Recorded::Learned
    }

    /// Counts a failure of `url`, dropping it from the view at [`MAX_STRIKES`] in a row
    /// (never a bootstrap URL).
    pub(super) fn strike(&self, url: &str) {
        let key = normal(url);
        if self.is_bootstrap(&key) {
            return;
        }
        if self.strikes.strike(&key) {
            tracing::info!(url = %key, "dropped a peer that failed {MAX_STRIKES} refreshes in a row");
            let mut known = self.known.write().unwrap_or_else(PoisonError::into_inner);
            known.remove(&key);
        }
    }

    /// Forgets peers silent for [`PEER_MEMORY`], and the longest silent beyond [`MAX_PEERS`].
    pub(super) fn forget_the_long_silent(&self) {
        let mut known = self.known.write().unwrap_or_else(PoisonError::into_inner);
        known.retain(|_, peer| peer.last_seen.elapsed() <= PEER_MEMORY);
        if known.len() > MAX_PEERS {
            let mut by_age: Vec<(Instant, String)> = known
                .iter()
                .map(|(url, peer)| (peer.last_seen, url.clone()))
                .collect();
            by_age.sort();
            for (_, url) in by_age.into_iter().take(known.len() - MAX_PEERS) {
                known.remove(&url);
            }
        }
    }
}
