//! The bookkeeping of peer refreshes, apart from the network calls they make: whose turn it
//! is to refresh ([`Turns`]), and which URLs keep failing ([`Strikes`]).
//!
//! Invariants:
//! - at most one refresh runs at a time, and one starts no sooner than [`MIN_REFRESH_GAP`]
//!   after the previous one started; no lock is held while it runs (a refresh is a turn
//!   taken and given back, and callers that arrive meanwhile wait on a watch channel);
//! - a refresh that is cancelled gives its turn back, and the callers waiting on it try again;
//! - a URL that failed [`MAX_STRIKES`] refreshes in a row is dropped: the view forgets it and
//!   no refresh asks it again until it is announced again ([`Strikes::forgive`]). Both tables
//!   are bounded.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::watch;

/// The shortest time between the starts of two refreshes.
pub const MIN_REFRESH_GAP: Duration = Duration::from_secs(1);
/// Refreshes in a row a URL may fail before it is dropped.
pub const MAX_STRIKES: u32 = 3;
/// The most URLs with strikes, or dropped, remembered (the oldest drops are forgotten first).
const MAX_TRACKED: usize = 8192;

#[derive(Debug, Default)]
struct TurnState {
    running: bool,
    /// Callers waiting for their turn.
    waiting: usize,
    last_start: Option<Instant>,
}

/// Whose turn it is to refresh.
#[derive(Debug)]
pub(crate) struct Turns {
    state: Mutex<TurnState>,
    /// When the last completed refresh started.
    done: watch::Sender<Option<Instant>>,
}

impl Default for Turns {
    fn default() -> Self {
        Self {
            state: Mutex::default(),
            done: watch::Sender::new(None),
        }
    }
}

/// A caller counted as waiting for its turn while this lives.
struct Waiting<'a>(&'a Turns);

impl<'a> Waiting<'a> {
    fn count(turns: &'a Turns) -> Self {
        turns
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .waiting += 1;
        Waiting(turns)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .waiting -= 1;
    }
}

/// The turn to run a refresh; given back when dropped.
#[derive(Debug)]
pub(crate) struct Turn<'a> {
    turns: &'a Turns,
    started: Instant,
    completed: bool,
}

impl Turn<'_> {
    /// Marks the refresh done: callers waiting for a refresh that began after they asked
    /// are released.
    pub(crate) fn complete(mut self) {
        self.completed = true;
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        self.turns
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .running = false;
        if self.completed {
            self.turns.done.send_replace(Some(self.started));
        } else {
            // Wake the waiters so one of them takes the turn.
            self.turns.done.send_modify(|_| {});
        }
    }
}

impl Turns {
    /// The turn to refresh, once no other refresh runs and [`MIN_REFRESH_GAP`] has passed;
    /// `None` once a refresh that began after this call completed (another caller's).
    pub(crate) async fn take(&self) -> Option<Turn<'_>> {
        let requested = Instant::now();
        let mut done = self.done.subscribe();
        loop {
            if done
                .borrow_and_update()
                .is_some_and(|started| started >= requested)
            {
                return None;
            }
            let wait = {
                let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
                let since = state.last_start.map(|start| start.elapsed());
                match since {
                    _ if state.running => None,
                    Some(since) if since < MIN_REFRESH_GAP => Some(MIN_REFRESH_GAP - since),
                    _ => {
                        let started = Instant::now();
                        (state.running, state.last_start) = (true, Some(started));
                        return Some(Turn {
                            turns: self,
                            started,
                            completed: false,
                        });
                    }
                }
            };
            let _waiting = Waiting::count(self);
            match wait {
                Some(gap) => tokio::time::sleep(gap).await,
                None => {
                    let _ = done.changed().await;
                }
            }
        }
    }

    /// Waits (at most `limit`) for the end of the refresh under way, or of the next one when
    /// a caller waits for its turn; returns `false` at once when neither is so, and whether
    /// one ended otherwise.
    pub(crate) async fn share_next(&self, limit: Duration) -> bool {
        let mut done = self.done.subscribe();
        {
            let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            if !state.running && state.waiting == 0 {
                return false;
            }
        }
        matches!(
            tokio::time::timeout(limit, done.changed()).await,
            Ok(Ok(()))
        )
    }

    /// True while a refresh runs.
    pub(crate) fn running(&self) -> bool {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .running
    }

    /// When the last refresh started.
    #[cfg(test)]
    pub(crate) fn last_started(&self) -> Option<Instant> {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .last_start
    }
}

/// The URLs that failed the last refreshes in a row, and those dropped for it.
#[derive(Debug, Default)]
pub(crate) struct Strikes {
    counts: Mutex<HashMap<String, u32>>,
    dropped: Mutex<HashMap<String, Instant>>,
}

impl Strikes {
    /// Counts a failure of `url`; returns `true` when this drops it.
    pub(crate) fn strike(&self, url: &str) -> bool {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if counts.len() >= MAX_TRACKED {
            counts.clear();
        }
        let count = counts.entry(url.to_owned()).or_insert(0);
        *count += 1;
        if *count < MAX_STRIKES {
            return false;
        }
        counts.remove(url);
        drop(counts);
        let mut dropped = self.dropped.lock().unwrap_or_else(PoisonError::into_inner);
        if dropped.len() >= MAX_TRACKED {
            let mut by_age: Vec<Instant> = dropped.values().copied().collect();
            by_age.sort();
            let cutoff = by_age[by_age.len() / 2];
            dropped.retain(|_, when| *when > cutoff);
        }
        dropped.insert(url.to_owned(), Instant::now());
        true
    }

    /// `url` answered: its strikes are cleared.
    pub(crate) fn clear(&self, url: &str) {
        self.counts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(url);
    }

    /// `url` was announced again: it may be asked again, with a clean slate.
    pub(crate) fn forgive(&self, url: &str) {
        self.clear(url);
        self.dropped
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(url);
    }

    /// The failures in a row counted against `url`.
    pub(crate) fn count(&self, url: &str) -> u32 {
        let counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        counts.get(url).copied().unwrap_or(0)
    }

    /// True when `url` was dropped and not announced since.
    pub(crate) fn is_dropped(&self, url: &str) -> bool {
        self.dropped
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains_key(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_failing_three_refreshes_in_a_row_is_dropped_until_announced() {
        let strikes = Strikes::default();
        let url = "http://198.51.100.1:1";
        assert!(!strikes.strike(url));
        strikes.clear(url);
        assert!(!strikes.strike(url));
        assert!(!strikes.strike(url));
        assert_eq!(strikes.count(url), 2);
        assert!(strikes.strike(url), "the third in a row drops it");
        assert!(strikes.is_dropped(url));
        strikes.forgive(url);
        assert!(!strikes.is_dropped(url));
        assert_eq!(strikes.count(url), 0);
    }

    #[tokio::test]
    async fn a_cancelled_refresh_gives_its_turn_back() {
        let turns = Turns::default();
        let turn = turns.take().await.expect("the first caller refreshes");
        assert!(turns.running());
        drop(turn);
        assert!(!turns.running());
        let again = tokio::time::timeout(MIN_REFRESH_GAP * 3, turns.take())
            .await
            .expect("the turn is free again");
        assert!(
            again.is_some(),
            "nothing completed, so this caller runs one"
        );
    }
}
