//! Holding a client's requests back while its first connection is made, so
//! that a burst of requests to an HTTP/2 server shares one connection.
//!
//! hyper-util's pool (under reqwest, and under the `tls-server-name` client)
//! learns that a connection speaks HTTP/2 only when ALPN has chosen it, at
//! the end of the TLS handshake. Until then every request that finds no idle
//! connection dials one of its own: 64 requests sent at once opened 64 TLS
//! connections to a server that would have carried them all on one. The
//! pool cannot be told in advance (`http2_prior_knowledge` would break
//! servers that speak HTTP/1.1 only), so the client waits for the answer.

use std::time::Duration;

use tokio::sync::{Semaphore, SemaphorePermit};

/// Lets a client's first request through and holds the others until it has
/// its response head (its connection exists, and the pool knows the
/// protocol), then opens for good: passing an open gate is one atomic load.
///
/// A first request that fails, or whose future is dropped, hands its turn to
/// the next waiter. A request that has waited `patience` goes anyway: a first
/// request slow to answer for reasons other than its connection must not
/// hold the others back longer than a connection takes to make.
pub(crate) struct FirstConnectionGate {
    /// One permit, held by the request that goes first; closed once the
    /// gate is open, which wakes every waiter at once.
    first: Semaphore,
    patience: Duration,
}

/// The turn of the request that goes first. Dropped without
/// [`answered`](FirstRequest::answered), it passes to the next waiter.
pub(crate) struct FirstRequest<'a> {
    gate: &'a FirstConnectionGate,
    _turn: SemaphorePermit<'a>,
}

impl FirstConnectionGate {
    /// A gate holding requests back until the first is answered.
    pub(crate) fn closed(patience: Duration) -> Self {
        FirstConnectionGate {
            first: Semaphore::new(1),
            patience,
        }
    }

    /// A gate that holds nothing back: for a server reached without TLS,
    /// where there is no ALPN and so no HTTP/2 to learn of.
    pub(crate) fn open() -> Self {
        let gate = Self::closed(Duration::ZERO);
        gate.first.close();
        gate
    }

    pub(crate) fn is_open(&self) -> bool {
        self.first.is_closed()
    }

    /// Waits for this request's turn: `Some` when it goes first, `None` when
    /// the gate opened (or patience ran out) while it waited.
    pub(crate) async fn wait(&self) -> Option<FirstRequest<'_>> {
        match tokio::time::timeout(self.patience, self.first.acquire()).await {
            Ok(Ok(turn)) => Some(FirstRequest {
                gate: self,
                _turn: turn,
            }),
            // Closed: the first request was answered.
            Ok(Err(_)) => None,
            Err(_) => {
                tracing::debug!(
                    patience_ms = self.patience.as_millis() as u64,
                    "the first request has no answer yet; sending without waiting for its connection"
                );
                None
            }
        }
    }
}

impl FirstRequest<'_> {
    /// The first request has its response head: the gate opens for good.
    pub(crate) fn answered(self) {
        self.gate.first.close();
    }
}

#[cfg(test)]
mod tests {
    use std::pin::pin;
    use std::task::Poll;

    use futures::poll;

    use super::*;

    const PATIENCE: Duration = Duration::from_secs(30);

    #[tokio::test]
    async fn the_first_request_goes_and_the_others_wait_until_it_is_answered() {
        let gate = FirstConnectionGate::closed(PATIENCE);
        let first = gate.wait().await.expect("the first request goes first");
        let mut waiter = pin!(gate.wait());
        assert!(poll!(&mut waiter).is_pending(), "the second request waits");
        first.answered();
        assert!(matches!(poll!(&mut waiter), Poll::Ready(None)));
        assert!(gate.is_open());
    }

    #[tokio::test]
    async fn a_failed_or_dropped_first_request_hands_its_turn_to_the_next() {
        let gate = FirstConnectionGate::closed(PATIENCE);
        let first = gate.wait().await.expect("the first request goes first");
        let mut second = pin!(gate.wait());
        let mut third = pin!(gate.wait());
        assert!(poll!(&mut second).is_pending());
        assert!(poll!(&mut third).is_pending());
        drop(first);
        let Poll::Ready(Some(second_turn)) = poll!(&mut second) else {
            panic!("the next waiter goes first once the first request failed");
        };
        assert!(poll!(&mut third).is_pending(), "one request goes first at a time");
        assert!(!gate.is_open());
        second_turn.answered();
        assert!(matches!(poll!(&mut third), Poll::Ready(None)));
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_waits_no_longer_than_its_patience() {
        let gate = FirstConnectionGate::closed(PATIENCE);
        let _first = gate.wait().await.expect("the first request goes first");
        let waited = tokio::time::Instant::now();
        assert!(gate.wait().await.is_none(), "the waiter goes without a turn");
        assert_eq!(waited.elapsed(), PATIENCE);
        assert!(
            !gate.is_open(),
            "the gate stays closed for the first request to open"
        );
    }

    #[test]
    fn an_open_gate_holds_nothing_back() {
        assert!(FirstConnectionGate::open().is_open());
    }
}
