//! Work bounded per source: how many requests one source has under way at once, and how
//! often it may ask for a storage challenge.
//!
//! A source is the address a connection comes from: an IPv4 address, or the /64 an IPv6
//! address is in (one host usually holds a whole /64). The source comes from axum's
//! `ConnectInfo<SocketAddr>`; a request served without it (none in the node) is not limited.
//!
//! Invariants:
//! - at most [`MAX_REQUESTS_PER_SOURCE`] requests of one source are under way at once; more are
//!   answered 429 at once, before any of their body is read;
//! - a source may start [`CHALLENGE_RATE`] `/challenge` or `/challenges` calls (a batch reads
//!   at most one chunk's worth of bytes) a second on average, in bursts of up to
//!   [`CHALLENGE_BURST`] (a token bucket); more are answered 429;
//! - a source may post [`SWIM_RATE`] SWIM messages (`/swim`) a second on average, in bursts of
//!   up to [`SWIM_BURST`]; more are answered 429. A member sends a peer a few a second, so
//!   one source's flood cannot fill the membership's inbox and starve the others;
//! - the tables hold only sources with requests under way or tokens spent, so they stay as
//!   small as the traffic that fills them.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use axum::extract::{ConnectInfo, Request};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::ApiError;
use crate::wire::routes::Route;

/// Requests one source may have under way at once. A client uploading has up to 8 PUTs and
/// 16 quotes at one node; on a devnet every node and client also share 127.0.0.1.
pub const MAX_REQUESTS_PER_SOURCE: usize = 64;
/// `/challenge` calls one source may make a second, on average.
pub const CHALLENGE_RATE: f64 = 50.0;
/// `/challenge` calls one source may make at once after a quiet spell.
pub const CHALLENGE_BURST: f64 = 100.0;

/// SWIM messages one source may post a second, on average.
pub const SWIM_RATE: f64 = 20.0;
/// SWIM messages one source may post at once after a quiet spell.
pub const SWIM_BURST: f64 = 40.0;

/// Where a request comes from, as far as limits go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Source {
    /// An IPv4 address.
    V4([u8; 4]),
    /// The first 64 bits of an IPv6 address.
    V6([u8; 8]),
}

impl Source {
    /// The source a connection from `ip` counts as.
    pub(crate) fn of(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(ip) => Source::V4(ip.octets()),
            IpAddr::V6(ip) => match ip.to_ipv4_mapped() {
                Some(v4) => Source::V4(v4.octets()),
                None => {
                    let mut prefix = [0; 8];
                    prefix.copy_from_slice(&ip.octets()[..8]);
                    Source::V6(prefix)
                }
            },
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// The per-source counts every request passes through.
#[derive(Debug, Default)]
pub(crate) struct SourceLimits {
    under_way: Mutex<HashMap<Source, usize>>,
    challenges: Mutex<HashMap<Source, Bucket>>,
    swims: Mutex<HashMap<Source, Bucket>>,
}

/// A request counted as under way for its source until dropped.
#[derive(Debug)]
pub(crate) struct UnderWay<'a> {
    limits: &'a SourceLimits,
    source: Source,
}

impl Drop for UnderWay<'_> {
    fn drop(&mut self) {
        let mut under_way = self
            .limits
            .under_way
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = under_way.get_mut(&self.source) {
            *count -= 1;
            if *count == 0 {
                under_way.remove(&self.source);
            }
        }
    }
}

impl SourceLimits {
    /// Counts a request of `source` as under way, unless it has [`MAX_REQUESTS_PER_SOURCE`]
    /// already.
    pub(crate) fn start(&self, source: Source) -> Option<UnderWay<'_>> {
        let mut under_way = self
            .under_way
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let count = under_way.entry(source).or_insert(0);
        if *count >= MAX_REQUESTS_PER_SOURCE {
            return None;
        }
        *count += 1;
        Some(UnderWay {
            limits: self,
            source,
        })
    }

    /// Takes a token from `source`'s challenge bucket at `now`; `false` when it is empty.
    pub(crate) fn take_challenge(&self, source: Source, now: Instant) -> bool {
        take(
            &self.challenges,
            source,
            now,
            CHALLENGE_RATE,
            CHALLENGE_BURST,
        )
    }

    /// Takes a token from `source`'s SWIM bucket at `now`; `false` when it is empty.
    pub(crate) fn take_swim(&self, source: Source, now: Instant) -> bool {
        take(&self.swims, source, now, SWIM_RATE, SWIM_BURST)
    }
}

fn take(
    table: &Mutex<HashMap<Source, Bucket>>,
    source: Source,
    now: Instant,
    rate: f64,
    burst: f64,
) -> bool {
    let mut buckets = table.lock().unwrap_or_else(PoisonError::into_inner);
    if buckets.len() > 4096 {
        // Forget the sources whose buckets have refilled: they would start full anyway.
        buckets.retain(|_, bucket| refilled(*bucket, now, rate, burst) < burst);
    }
    let bucket = buckets.entry(source).or_insert(Bucket {
        tokens: burst,
        updated: now,
    });
    bucket.tokens = refilled(*bucket, now, rate, burst);
    bucket.updated = now;
    if bucket.tokens < 1.0 {
        return false;
    }
    bucket.tokens -= 1.0;
    true
}

fn refilled(bucket: Bucket, now: Instant, rate: f64, burst: f64) -> f64 {
    let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
    (bucket.tokens + elapsed * rate).min(burst)
}

/// The middleware: refuses a request over its source's limits with 429, and counts it as
/// under way while it runs.
pub(super) async fn limit(
    axum::extract::State(state): axum::extract::State<crate::node::state::Shared>,
    request: Request,
    next: Next,
) -> Response {
    let Some(ConnectInfo(peer)) = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .copied()
    else {
        return next.run(request).await;
    };
    let source = Source::of(peer.ip());
    let route = Route::of_request(request.method(), request.uri().path());
    let challenge = matches!(route, Some(Route::Challenge | Route::Challenges));
    if challenge && !state.sources.take_challenge(source, Instant::now()) {
        return ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "more than {CHALLENGE_RATE} challenges a second from {}; slow down",
                peer.ip()
            ),
        )
        .into_response();
    }
    if route == Some(Route::Swim) && !state.sources.take_swim(source, Instant::now()) {
        return ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "more than {SWIM_RATE} SWIM messages a second from {}; slow down",
                peer.ip()
            ),
        )
        .into_response();
    }
    let Some(_under_way) = state.sources.start(source) else {
        return ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "{} has {MAX_REQUESTS_PER_SOURCE} requests under way at this node already; wait for them",
                peer.ip()
            ),
        )
        .into_response();
    };
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_source_is_an_ipv4_address_or_an_ipv6_64() {
        let ip = |text: &str| text.parse::<IpAddr>().unwrap();
        assert_eq!(
            Source::of(ip("10.0.0.1")),
            Source::of(ip("::ffff:10.0.0.1"))
        );
        assert_ne!(Source::of(ip("10.0.0.1")), Source::of(ip("10.0.0.2")));
        assert_eq!(
            Source::of(ip("2001:db8:1:2::1")),
            Source::of(ip("2001:db8:1:2:ffff::9"))
        );
        assert_ne!(
            Source::of(ip("2001:db8:1:2::1")),
            Source::of(ip("2001:db8:1:3::1"))
        );
    }

    #[test]
    fn requests_under_way_are_capped_per_source_and_freed_when_done() {
        let limits = SourceLimits::default();
        let (a, b) = (Source::V4([10, 0, 0, 1]), Source::V4([10, 0, 0, 2]));
        let held: Vec<_> = (0..MAX_REQUESTS_PER_SOURCE)
            .map(|_| limits.start(a).expect("under the cap"))
            .collect();
        assert!(limits.start(a).is_none(), "over the cap");
        assert!(limits.start(b).is_some(), "another source is not affected");
        drop(held);
        assert!(limits.start(a).is_some());
        assert!(limits.under_way.lock().unwrap().is_empty());
    }

    #[test]
    fn challenges_are_a_token_bucket_per_source() {
        let limits = SourceLimits::default();
        let (a, b) = (Source::V4([10, 0, 0, 1]), Source::V4([10, 0, 0, 2]));
        let now = Instant::now();
        let burst = (0..1000)
            .take_while(|_| limits.take_challenge(a, now))
            .count();
        assert_eq!(burst, CHALLENGE_BURST as usize);
        assert!(limits.take_challenge(b, now));
        let later = now + Duration::from_secs(1);
        let refilled = (0..1000)
            .take_while(|_| limits.take_challenge(a, later))
            .count();
        assert_eq!(refilled, CHALLENGE_RATE as usize);
    }

    #[test]
    fn swim_messages_are_a_token_bucket_per_source_apart_from_challenges() {
        let limits = SourceLimits::default();
        let (a, b) = (Source::V4([10, 0, 0, 1]), Source::V4([10, 0, 0, 2]));
        let now = Instant::now();
        let burst = (0..1000).take_while(|_| limits.take_swim(a, now)).count();
        assert_eq!(burst, SWIM_BURST as usize);
        assert!(limits.take_swim(b, now), "another source is not affected");
        assert!(limits.take_challenge(a, now), "challenges count apart");
        let later = now + Duration::from_secs(1);
        let refilled = (0..1000).take_while(|_| limits.take_swim(a, later)).count();
        assert_eq!(refilled, SWIM_RATE as usize);
    }
}
