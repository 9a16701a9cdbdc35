//! The node's routes, listed once: each route's method and path, the URL builders every
//! caller uses, and the match of a request back to its route.
//!
//! Invariants: [`Route::ALL`] is the whole HTTP surface of a node. The node's router is built
//! from it (one handler per route, by an exhaustive match), callers build URLs only with
//! [`Route::url`] and [`Route::url_for`], and `docs/protocol.md` lists exactly these routes
//! (a test compares both ways). A path's one parameter, when it has one, is a chunk address
//! written `{address}`.

use reqwest::Method;

use crate::wire::types::ChunkAddress;

/// The placeholder a path template names a chunk address with.
const ADDRESS: &str = "{address}";

/// One route a node answers: a method on a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// Readiness: serving, starting or stopping.
    Health,
    /// The Prometheus text exposition.
    Metrics,
    /// What the node tells its operator (`ferry-node status`).
    Status,
    /// Requests served since the node started, by kind (benchmarks count with it).
    Stats,
    /// The node's id, URL and rewards address.
    Info,
    /// The node's known peers and itself.
    Peers,
    /// A node's signed announcement of itself.
    Announce,
    /// A quote for storing a chunk.
    Quote,
    /// A chunk's bytes, verified on read.
    GetChunk,
    /// A chunk and its payment proof, stored (and a client's forwarded on).
    PutChunk,
    /// The payment proof a chunk was admitted with.
    Proof,
    /// A copy of a chunk already paid for, with its proof.
    Replica,
    /// One storage challenge.
    Challenge,
    /// Many storage challenges at once.
    Challenges,
    /// A SWIM message from a member of the neighbourhood.
    Swim,
    /// The nodes the node knows closest to an address.
    Closest,
}

impl Route {
    /// Every route a node answers.
    pub const ALL: [Route; 16] = [
        Route::Health,
        Route::Metrics,
        Route::Status,
        Route::Stats,
        Route::Info,
        Route::Peers,
        Route::Announce,
        Route::Quote,
        Route::GetChunk,
        Route::PutChunk,
        Route::Proof,
        Route::Replica,
        Route::Challenge,
        Route::Challenges,
        Route::Swim,
        Route::Closest,
    ];

    /// The route's HTTP method.
    pub fn method(self) -> Method {
        match self {
            Route::Health
            | Route::Metrics
            | Route::Status
            | Route::Stats
            | Route::Info
            | Route::Peers
            | Route::GetChunk
            | Route::Proof
            | Route::Closest => Method::GET,
            Route::PutChunk | Route::Replica => Method::PUT,
            Route::Announce | Route::Quote | Route::Challenge | Route::Challenges | Route::Swim => {
                Method::POST
            }
        }
    }

    /// The route's path template, as the router matches it.
    pub fn path(self) -> &'static str {
        match self {
            Route::Health => "/health",
            Route::Metrics => "/metrics",
            Route::Status => "/status",
            Route::Stats => "/stats",
            Route::Info => "/info",
            Route::Peers => "/peers",
            Route::Announce => "/announce",
            Route::Quote => "/quote",
            Route::GetChunk | Route::PutChunk => "/chunk/{address}",
            Route::Proof => "/chunk/{address}/proof",
            Route::Replica => "/replica/{address}",
            Route::Challenge => "/challenge",
            Route::Challenges => "/challenges",
            Route::Swim => "/swim",
            Route::Closest => "/closest/{address}",
        }
    }

    /// Whether the path names a chunk address.
    pub fn takes_address(self) -> bool {
        self.path().contains(ADDRESS)
    }

    /// The URL of this route (one without a parameter) at the node whose base URL is `base`.
    pub fn url(self, base: &str) -> String {
        debug_assert!(!self.takes_address(), "{self:?} needs an address");
        format!("{base}{}", self.path())
    }

    /// The URL of this route for chunk `address` at the node whose base URL is `base`.
    pub fn url_for(self, base: &str, address: &ChunkAddress) -> String {
        debug_assert!(self.takes_address(), "{self:?} takes no address");
        format!(
            "{base}{}",
            self.path().replace(ADDRESS, &address.to_string())
        )
    }

    /// The route a request of `method` on `path` is for, if any (a template's `{address}`
    /// matches any one segment).
    pub fn of_request(method: &Method, path: &str) -> Option<Route> {
        Route::ALL
            .into_iter()
            .find(|route| route.method() == method && route.matches(path))
    }

    /// Whether `path` is this route's path.
    pub fn matches(self, path: &str) -> bool {
        let mut asked = path.split('/');
        let mut template = self.path().split('/');
        loop {
            match (asked.next(), template.next()) {
                (None, None) => return true,
                (Some(segment), Some(ADDRESS)) if !segment.is_empty() => {}
                (Some(segment), Some(expected)) if segment == expected => {}
                _ => return false,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_fill_the_address_into_the_template() {
        let address = ChunkAddress([0xab; 32]);
        let hex = address.to_string();
        assert_eq!(Route::Info.url("http://n:1"), "http://n:1/info");
        assert_eq!(
            Route::Proof.url_for("http://n:1", &address),
            format!("http://n:1/chunk/{hex}/proof")
        );
        assert_eq!(
            Route::of_request(&Method::GET, &format!("/chunk/{hex}/proof")),
            Some(Route::Proof)
        );
    }

    #[test]
    fn a_request_matches_its_route_by_method_and_path() {
        assert_eq!(
            Route::of_request(&Method::PUT, "/chunk/ab"),
            Some(Route::PutChunk)
        );
        assert_eq!(
            Route::of_request(&Method::GET, "/chunk/ab"),
            Some(Route::GetChunk)
        );
        assert_eq!(
            Route::of_request(&Method::PUT, "/replica/ab"),
            Some(Route::Replica)
        );
        assert_eq!(Route::of_request(&Method::GET, "/chunk/"), None);
        assert_eq!(Route::of_request(&Method::GET, "/chunk/ab/c"), None);
        assert_eq!(Route::of_request(&Method::GET, "/quote"), None);
        assert_eq!(
            Route::of_request(&Method::POST, "/challenges"),
            Some(Route::Challenges)
        );
    }

    #[test]
    fn every_route_is_one_method_on_one_path() {
        let mut seen = std::collections::HashSet::new();
        for route in Route::ALL {
            assert!(
                seen.insert((route.method(), route.path())),
                "{route:?} twice"
            );
            assert!(route.path().starts_with('/'));
        }
    }

    /// The rows of the route table in `docs/protocol.md`: (method, path).
    fn documented_routes() -> Vec<(String, String)> {
        let page = include_str!("../../docs/protocol.md");
        let section = page
            .split("\n## Routes\n")
            .nth(1)
            .expect("docs/protocol.md has a Routes section");
        let section = section.split("\n## ").next().unwrap_or(section);
        section
            .lines()
            .filter_map(|line| {
                let mut cells = line.split('|').map(str::trim).skip(1);
                let method = cells.next()?;
                let path = cells.next()?.strip_prefix('`')?.strip_suffix('`')?;
                ["GET", "PUT", "POST"]
                    .contains(&method)
                    .then(|| (method.to_owned(), path.to_owned()))
            })
            .collect()
    }

    #[test]
    fn the_protocol_page_lists_exactly_the_routes_the_router_serves() {
        let documented = documented_routes();
        let served: Vec<(String, String)> = Route::ALL
            .iter()
            .map(|route| (route.method().to_string(), route.path().to_owned()))
            .collect();
        for route in &served {
            assert!(
                documented.contains(route),
                "{route:?} is served but docs/protocol.md does not list it"
            );
        }
        for route in &documented {
            assert!(
                served.contains(route),
                "docs/protocol.md lists {route:?}, which the router does not serve"
            );
        }
        assert_eq!(documented.len(), served.len(), "a route listed twice");
    }
}
