//! Closing connections that do nothing: a connection with no request in
//! flight for [`IDLE_TIMEOUT`] is dropped, whether it never sent a byte,
//! stopped half-way through a request head (slowloris), or finished its
//! last request and keeps the socket open. A request counts as in flight
//! until its response body ends, so a long watch is never idle.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::{Body, Frame, SizeHint};
use tokio::sync::watch;

use super::response::ServerBody;

/// How long a connection may sit with no request in flight (as
/// kube-apiserver's HTTP/2 idle timeout).
pub(crate) const IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// The requests in flight on one connection.
pub(crate) struct Activity(watch::Sender<usize>);

impl Activity {
    pub(crate) fn new() -> Self {
        Activity(watch::Sender::new(0))
    }

    /// Marks a request in flight until the guard is dropped; hand it to
    /// [`InFlight::until_end_of`] to keep it for the response body.
    pub(crate) fn start(&self) -> InFlight {
        self.0.send_modify(|in_flight| *in_flight += 1);
        InFlight(self.0.clone())
    }

    /// Resolves once no request has been in flight for `timeout`.
    pub(crate) async fn idle_for(&self, timeout: Duration) {
        let mut changes = self.0.subscribe();
        loop {
            if *changes.borrow_and_update() == 0 {
                tokio::select! {
                    () = tokio::time::sleep(timeout) => return,
                    _ = changes.changed() => continue,
                }
            }
            if changes.changed().await.is_err() {
                return;
            }
        }
    }
}

/// One request in flight, until dropped.
pub(crate) struct InFlight(watch::Sender<usize>);

impl InFlight {
    /// Keeps the request in flight until `body` ends or is dropped.
    pub(crate) fn until_end_of(self, body: ServerBody) -> ServerBody {
        TrackedBody {
            body,
            _in_flight: self,
        }
        .boxed_unsync()
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0
            .send_modify(|in_flight| *in_flight = in_flight.saturating_sub(1));
    }
}

/// A response body whose request stays in flight while it lives.
struct TrackedBody {
    body: ServerBody,
    _in_flight: InFlight,
}

impl Body for TrackedBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::response::full;

    #[tokio::test(start_paused = true)]
    async fn a_connection_is_idle_only_when_no_response_is_open() {
        let activity = Activity::new();
        let started = tokio::time::Instant::now();
        activity.idle_for(IDLE_TIMEOUT).await;
        assert_eq!(started.elapsed(), IDLE_TIMEOUT, "idle from the start");

        let open = activity.start().until_end_of(full("watching"));
        let idle = activity.idle_for(IDLE_TIMEOUT);
        tokio::pin!(idle);
        let waited = tokio::time::timeout(IDLE_TIMEOUT * 3, idle.as_mut()).await;
        assert!(waited.is_err(), "an open response keeps the connection busy");
        let closed_at = tokio::time::Instant::now();
        drop(open);
        idle.await;
        assert_eq!(
            closed_at.elapsed(),
            IDLE_TIMEOUT,
            "idle again once the body is gone"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_still_being_answered_is_not_idle() {
        let activity = Activity::new();
        let answering = activity.start();
        let waited = tokio::time::timeout(IDLE_TIMEOUT * 3, activity.idle_for(IDLE_TIMEOUT)).await;
        assert!(waited.is_err());
        drop(answering);
        let started = tokio::time::Instant::now();
        activity.idle_for(IDLE_TIMEOUT).await;
        assert_eq!(started.elapsed(), IDLE_TIMEOUT);
    }
}
