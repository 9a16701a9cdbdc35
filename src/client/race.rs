//! Waiting on several nodes at once without letting a slow one set the pace: a grace period
//! that starts once enough answers are in, and a hedge that asks the next node when the ones
//! asked are slow.

use std::pin::Pin;
use std::time::Duration;

use futures::{Stream, StreamExt};
use tokio::time::Sleep;

/// A deadline that starts once enough answers are in; after it, the rest are not waited for.
pub(crate) struct Grace {
    length: Duration,
    timer: Option<Pin<Box<Sleep>>>,
}

impl Grace {
    /// A grace period of `length`, not started.
    pub(crate) fn new(length: Duration) -> Self {
        Self {
            length,
            timer: None,
        }
    }

    /// Starts the period (once; later calls change nothing).
    pub(crate) fn start(&mut self) {
        if self.timer.is_none() {
            self.timer = Some(Box::pin(tokio::time::sleep(self.length)));
        }
    }

    /// The next answer from `pending`; `None` when none are left or the period ran out.
    pub(crate) async fn next<S: Stream + Unpin>(&mut self, pending: &mut S) -> Option<S::Item> {
        match self.timer.as_mut() {
            Some(timer) => tokio::select! {
                answer = pending.next() => answer,
                () = timer => None,
            },
            None => pending.next().await,
        }
    }
}

/// What waiting on the running requests gave.
pub(crate) enum Next<T> {
    /// An answer, or `None` when nothing is running.
    Answer(Option<T>),
    /// The hedge delay passed first: time to ask the next node too.
    Hedge,
}

/// The next answer from `running`, or [`Next::Hedge`] once `hedge_after` (when given) passes
/// first.
pub(crate) async fn next_or_hedge<S: Stream + Unpin>(
    running: &mut S,
    hedge_after: Option<Duration>,
) -> Next<S::Item> {
    match hedge_after {
        Some(delay) => tokio::select! {
            answer = running.next() => Next::Answer(answer),
            () = tokio::time::sleep(delay) => Next::Hedge,
        },
        None => Next::Answer(running.next().await),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::stream::FuturesUnordered;

    #[tokio::test(start_paused = true)]
    async fn a_started_grace_stops_waiting_for_a_slow_answer() {
        let mut pending: FuturesUnordered<_> = [0u64, 10, 3600]
            .into_iter()
            .map(|secs| async move {
                tokio::time::sleep(Duration::from_secs(secs)).await;
                secs
            })
            .collect();
        let mut grace = Grace::new(Duration::from_secs(30));
        assert_eq!(grace.next(&mut pending).await, Some(0));
        grace.start();
        assert_eq!(grace.next(&mut pending).await, Some(10));
        assert_eq!(
            grace.next(&mut pending).await,
            None,
            "the hour-long one is not waited for"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_request_is_hedged_and_a_fast_one_answers() {
        let mut slow: FuturesUnordered<_> =
            [async { tokio::time::sleep(Duration::from_secs(60)).await }]
                .into_iter()
                .collect();
        let hedged = next_or_hedge(&mut slow, Some(Duration::from_secs(3))).await;
        assert!(matches!(hedged, Next::Hedge));
        let mut fast: FuturesUnordered<_> = [async { 7 }].into_iter().collect();
        assert!(matches!(
            next_or_hedge(&mut fast, Some(Duration::from_secs(3))).await,
            Next::Answer(Some(7))
        ));
        assert!(matches!(
            next_or_hedge(&mut fast, None).await,
            Next::Answer(None)
        ));
    }
}
