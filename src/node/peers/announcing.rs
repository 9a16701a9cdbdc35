//! Announcements: this node's signed statement of where it is, sent to the bootstrap nodes
//! (to a few random seeds with SWIM attached), and the admission of a node another announced:
//! checked against the network's reach, its prefix's limits and its own `/info` before it
//! joins the view.

use std::time::Instant;

use futures::StreamExt;

use super::{PARALLEL_QUERIES, Peers, Recorded, liveness};
use crate::node::gossip;
use crate::node::outbound::Forbidden;
use crate::node::prefixes::{ADMISSIONS_PER_PREFIX, PEERS_PER_PREFIX, prefix_of_url};
use crate::wire::announce::Announcement;
use crate::wire::network::NodeInfo;
use crate::wire::signed::unix_now;

/// Why an announced node was not added to the view.
#[derive(Debug, thiserror::Error)]
pub enum AdmitError {
    /// Too many announcements are being checked already.
    #[error("too many announcements are being checked; announce again in a few seconds")]
    Busy,
    /// Too many URLs of the announced URL's network prefix were announced lately.
    #[error(
        "more than {ADMISSIONS_PER_PREFIX} announced URLs in {prefix} this minute; announce again later"
    )]
    PrefixBusy {
        /// The prefix.
        prefix: String,
    },
    /// The table holds as many peers of the announced URL's network prefix as it takes.
    #[error("this node knows {PEERS_PER_PREFIX} peers in {prefix} already")]
    PrefixFull {
        /// The prefix.
        prefix: String,
    },
    /// The announced URL's address is one this network's nodes never connect to.
    #[error("the announced URL {url} is not one this network's nodes connect to")]
    Forbidden {
        /// The URL.
        url: String,
        /// Its address and what kind it is.
        #[source]
        reason: Forbidden,
    },
    /// The announced URL did not answer `/info`, or answered as another node. What it did
    /// answer is logged, never sent back: the announcer learns nothing about what the URL
    /// reaches.
    #[error("the announced URL {url} did not answer /info as the announced node")]
    NotTheNode {
        /// The URL.
        url: String,
    },
}

impl Peers {
    /// Sends a fresh signed announcement of this node to every bootstrap node (unless the
    /// node does not announce).
    pub(super) async fn announce(&self) {
        let Some(signer) = &self.signer else {
            return;
        };
        let announcement = Announcement::sign(&self.me.url, self.me.id, signer, unix_now());
        let mut bootstrap = self.bootstrap().await;
        if self.swim.get().is_some() {
            bootstrap = liveness::sample(bootstrap, liveness::SEEDS);
        }
        let answers: Vec<_> = futures::stream::iter(bootstrap)
            .map(|url| {
                let announcement = announcement.clone();
                async move {
                    let answer = gossip::announce(&self.http, &url, &announcement).await;
                    (url, answer)
                }
            })
            .buffer_unordered(PARALLEL_QUERIES)
            .collect()
            .await;
        for (url, answer) in answers {
            if let Err(error) = answer {
                tracing::debug!(%url, %error, "announcement not taken");
            }
        }
    }

    /// Adds an announced node (its announcement already verified) once its URL answers
    /// `/info` as that node. A node already in the view at that URL is left as it is.
    ///
    /// An announcement lifts a drop ([`MAX_STRIKES`]). Unless the URL is a bootstrap URL,
    /// its network prefix must be under [`ADMISSIONS_PER_PREFIX`] probes this minute and
    /// under [`PEERS_PER_PREFIX`] peers in the table.
    pub async fn admit(&self, announced: NodeInfo) -> Result<(), AdmitError> {
        if announced.id == self.me.id || self.in_view_at(&announced) {
            return Ok(());
        }
        let url = announced.url.clone();
        self.strikes.forgive(&url);
        let _slot = self
            .admissions
            .try_acquire()
            .map_err(|_| AdmitError::Busy)?;
        let prefix = prefix_of_url(&url, &self.diversity).await;
        if !self.is_bootstrap(&url) {
            let Some(prefix) = prefix else {
                tracing::info!(%url, "an announced URL's host does not resolve");
                return Err(AdmitError::NotTheNode { url });
            };
            if !self.admissions_by_prefix.take(prefix, Instant::now()) {
                return Err(AdmitError::PrefixBusy {
                    prefix: prefix.to_string(),
                });
            }
        }
        let answered = match gossip::info(&self.http, &url).await {
            Ok(answered) => answered,
            Err(error) => {
                if let Some(reason) = error.forbidden() {
                    return Err(AdmitError::Forbidden {
                        url,
                        reason: reason.clone(),
                    });
                }
                let error = crate::exit::with_causes(&error);
                tracing::info!(%url, %error, "an announced URL did not answer /info");
                return Err(AdmitError::NotTheNode { url });
            }
        };
        if answered != announced {
            tracing::info!(%url, answered = %answered.id, announced = %announced.id, "an announced URL answered as another node");
            return Err(AdmitError::NotTheNode { url });
        }
        match self.record(&url, Ok(answered), prefix) {
            Recorded::PrefixFull => Err(AdmitError::PrefixFull {
                prefix: prefix.map(|p| p.to_string()).unwrap_or_default(),
            }),
            _ => {
                tracing::info!(%url, id = %announced.id, "admitted an announced peer");
                Ok(())
            }
        }
    }
}
