//! Where `HttpRest` runs a request's exchange: in the caller's future when
//! it is the client's only request in flight, else as a task of its own.
//!
//! With many requests in flight from one future (`join_all`,
//! `buffer_unordered`), everything each exchange does (building the request,
//! reqwest's and hyper's per-request work) ran on the one thread polling that
//! future, while the runtime's other workers idled; a task per exchange
//! spreads the work. One task for a single request at a time would only add
//! a hand-off to another thread (10% slower sequential GETs when measured),
//! so a request alone stays inline.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::task::{JoinError, JoinHandle};

/// How many requests of one client are in flight.
#[derive(Default)]
pub(crate) struct InFlight(AtomicUsize);

/// One request counted in [`InFlight`] until it is dropped.
pub(crate) struct Counted<'a>(&'a AtomicUsize);

impl InFlight {
    /// Counts one more request, and tells whether another was in flight already.
    pub(crate) fn enter(&self) -> (Counted<'_>, bool) {
        let before = self.0.fetch_add(1, Ordering::Relaxed);
        (Counted(&self.0), before > 0)
    }
}

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Runs `exchange` as a task of its own and waits for it. Dropping the
/// returned future aborts the task, so that a cancelled request stops as it
/// would inline. A panic in the task goes on in the caller; the error is
/// the task cancelled by the runtime shutting down.
pub(crate) async fn on_own_task<T: Send + 'static>(
    exchange: impl Future<Output = T> + Send + 'static,
) -> Result<T, JoinError> {
    let mut task = AbortOnDrop(tokio::spawn(exchange));
    match (&mut task.0).await {
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        finished => finished,
    }
}

/// A task aborted when its handle is dropped.
struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_counted_until_it_is_dropped() {
        let in_flight = InFlight::default();
        let (first, others) = in_flight.enter();
        assert!(!others, "the first request is alone");
        let (second, others) = in_flight.enter();
        assert!(others, "the second is beside the first");
        drop((first, second));
        assert!(!in_flight.enter().1, "none is left in flight");
    }

    #[tokio::test]
    async fn dropping_the_wait_aborts_the_task() {
        let (sender, receiver) = tokio::sync::oneshot::channel::<()>();
        let waiting = on_own_task(async move {
            let _held = sender;
            std::future::pending::<()>().await
        });
        let mut waiting = Box::pin(waiting);
        assert!(futures::poll!(&mut waiting).is_pending());
        drop(waiting);
        // The task's future, and the sender it holds, are dropped when it is aborted.
        assert!(receiver.await.is_err(), "the task was aborted");
    }

    #[tokio::test]
    #[should_panic(expected = "inside the exchange")]
    async fn a_panic_in_the_task_goes_on_in_the_caller() {
        let _ = on_own_task(async { panic!("inside the exchange") }).await;
    }
}
