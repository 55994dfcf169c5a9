//! Accepting connections without spinning: when `accept` fails (out of file
//! descriptors, most often), the loop waits 10 ms, doubling up to 1 s,
//! before it tries again, and logs the first failure of an episode and its
//! end rather than every attempt.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};

/// The first wait after a failed accept.
const FIRST_WAIT: Duration = Duration::from_millis(10);
/// The longest wait between two attempts.
const LONGEST_WAIT: Duration = Duration::from_secs(1);

/// Where connections come from: a TCP listener, or in tests one that fails.
pub(crate) trait Listener {
    /// The connection accepted.
    type Connection;

    /// The next connection, as `TcpListener::accept` (cancel-safe).
    fn accept(&self) -> impl Future<Output = io::Result<(Self::Connection, SocketAddr)>> + Send;
}

impl Listener for TcpListener {
    type Connection = TcpStream;

    fn accept(&self) -> impl Future<Output = io::Result<(TcpStream, SocketAddr)>> + Send {
        TcpListener::accept(self)
    }
}

/// The state of one run of failed accepts.
#[derive(Debug, Default)]
pub(crate) struct AcceptBackoff {
    failures: u64,
    wait: Option<Duration>,
}

impl AcceptBackoff {
    /// Records a failure: how long to wait, and whether it opens an episode
    /// (and so is worth a log line).
    pub(crate) fn failed(&mut self) -> (Duration, bool) {
        self.failures += 1;
        let wait = self.wait.map_or(FIRST_WAIT, |last| (last * 2).min(LONGEST_WAIT));
        self.wait = Some(wait);
        (wait, self.failures == 1)
    }

    /// Records a success: how many accepts had failed in the episode it
    /// ends, if one was running.
    pub(crate) fn succeeded(&mut self) -> Option<u64> {
        let failures = std::mem::take(&mut self.failures);
        self.wait = None;
        (failures > 0).then_some(failures)
    }
}

/// The next connection, waiting out accept failures with `backoff`.
/// Cancel-safe: dropping it in a wait loses nothing.
pub(crate) async fn next_connection<L: Listener>(
    listener: &L,
    backoff: &mut AcceptBackoff,
) -> (L::Connection, SocketAddr) {
    loop {
        match listener.accept().await {
            Ok(accepted) => {
                if let Some(failures) = backoff.succeeded() {
                    tracing::info!(
                        target: "rudder_testkit::server",
                        "accepting connections again after {failures} failed attempts"
                    );
                }
                return accepted;
            }
            Err(error) => {
                let (wait, first) = backoff.failed();
                if first {
                    tracing::warn!(
                        target: "rudder_testkit::server",
                        "accept failed: {error}; retrying with backoff up to {LONGEST_WAIT:?}, quietly until it succeeds"
                    );
                }
                tokio::time::sleep(wait).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// Fails `failures` times (as a process out of file descriptors does),
    /// then accepts, recording the time of each attempt.
    struct ExhaustedListener {
        failures: usize,
        attempts: Mutex<Vec<tokio::time::Instant>>,
    }

    impl Listener for ExhaustedListener {
        type Connection = ();

        async fn accept(&self) -> io::Result<((), SocketAddr)> {
            let mut attempts = self.attempts.lock().map_err(|_| io::Error::other("poisoned"))?;
            attempts.push(tokio::time::Instant::now());
            if attempts.len() <= self.failures {
                return Err(io::Error::from_raw_os_error(24));
            }
            Ok(((), SocketAddr::from(([127, 0, 0, 1], 1))))
        }
    }

    #[tokio::test(start_paused = true)]
    async fn failed_accepts_wait_10ms_doubling_to_1s() {
        let listener = ExhaustedListener {
            failures: 10,
            attempts: Mutex::default(),
        };
        let mut backoff = AcceptBackoff::default();
        next_connection(&listener, &mut backoff).await;
        let attempts = listener.attempts.into_inner().unwrap_or_default();
        let waits: Vec<u128> = attempts
            .windows(2)
            .map(|pair| (pair[1] - pair[0]).as_millis())
            .collect();
        assert_eq!(waits, [10, 20, 40, 80, 160, 320, 640, 1000, 1000, 1000]);
        assert_eq!(backoff.succeeded(), None, "a success ends the episode");
    }

    #[test]
    fn only_the_first_failure_of_an_episode_is_reported() {
        let mut backoff = AcceptBackoff::default();
        let reported: Vec<bool> = (0..5).map(|_| backoff.failed().1).collect();
        assert_eq!(reported, [true, false, false, false, false]);
        assert_eq!(backoff.succeeded(), Some(5));
        assert_eq!(backoff.failed(), (FIRST_WAIT, true), "a new episode starts over");
    }
}
