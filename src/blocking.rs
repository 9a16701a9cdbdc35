//! Blocking work (file and disk calls, CPU-bound hashing) run off the async worker threads:
//! the one helper every module uses.
//!
//! A panic in the work is not swallowed nor turned into an error value: it resumes in the
//! caller, as if the work had run inline, so a bug stays a bug wherever it ran.

/// Runs `work` on tokio's blocking pool and returns what it returns; a panic in `work`
/// resumes in the caller.
pub async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(work).await {
        Ok(value) => value,
        Err(error) => std::panic::resume_unwind(error.into_panic()),
    }
}

/// Starts `work` on tokio's blocking pool at once (not when first polled) and returns what
/// waits for its result; a panic in `work` resumes in whoever awaits it.
pub fn started<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> impl std::future::Future<Output = T> + Send + 'static {
    let task = tokio::task::spawn_blocking(work);
    async move {
        match task.await {
            Ok(value) => value,
            Err(error) => std::panic::resume_unwind(error.into_panic()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::blocking;

    #[tokio::test]
    async fn returns_what_the_work_returns() {
        assert_eq!(blocking(|| 6 * 7).await, 42);
    }

    #[tokio::test]
    async fn started_work_runs_before_it_is_awaited() {
        let (sender, receiver) = std::sync::mpsc::channel();
        let result = super::started(move || sender.send(6 * 7).unwrap());
        assert_eq!(
            receiver.recv_timeout(std::time::Duration::from_secs(5)),
            Ok(42),
            "the work ran though nothing awaited it yet"
        );
        result.await;
    }

    #[tokio::test]
    #[should_panic(expected = "the work's own panic")]
    async fn a_panic_in_the_work_resumes_in_the_caller() {
        blocking(|| panic!("the work's own panic")).await
    }
}
