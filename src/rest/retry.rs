//! Which failed requests are tried again, and after how long.
//!
//! - An answer of 429, or a 5xx, that carries `Retry-After` (seconds, or an
//!   HTTP date) is retried after that wait. A request that may change state (POST,
//!   PUT, PATCH, DELETE) is retried only on 429 and 503: the answers that say
//!   the request was not processed.
//! - A connection refused, reset or aborted is retried for reads (GET, HEAD,
//!   OPTIONS) only, after 0.5 s, 1 s, 2 s ... (at most 8 s): a write that lost
//!   its connection may have been applied, so it is never sent twice.
//! - Everything is bounded by [`RetryPolicy`]: a number of retries and a total
//!   wait, and no single wait exceeds [`LONGEST_RETRY_AFTER`]. When the budget
//!   is spent the last answer (or error) is returned.

use std::time::Duration;

use http::{HeaderMap, Method, StatusCode};

use crate::config::RetryPolicy;

/// The first wait after a connection failure; it doubles each time.
const FIRST_RECONNECT_WAIT: Duration = Duration::from_millis(500);
/// The longest wait after a connection failure.
const LONGEST_RECONNECT_WAIT: Duration = Duration::from_secs(8);

/// The longest single wait honoured, whatever the policy allows in all: a
/// server asking for more means "not soon", and the answer is returned.
pub(crate) const LONGEST_RETRY_AFTER: Duration = Duration::from_secs(600);

/// What is left of one request's retry budget.
#[derive(Debug)]
pub(crate) struct RetryBudget {
    policy: RetryPolicy,
    retries: u32,
    waited: Duration,
}

impl RetryBudget {
    pub(crate) fn new(policy: RetryPolicy) -> Self {
        RetryBudget {
            policy,
            retries: 0,
            waited: Duration::ZERO,
        }
    }

    /// How long to wait before sending again after the server answered
    /// `status`, or `None` when the answer is final.
    pub(crate) fn after_answer(
        &mut self,
        method: &Method,
        status: StatusCode,
        headers: &HeaderMap,
    ) -> Option<Duration> {
        let retryable = status == StatusCode::TOO_MANY_REQUESTS
            || status == StatusCode::SERVICE_UNAVAILABLE
            || (status.is_server_error() && is_read(method));
        if !retryable {
            return None;
        }
        self.spend(retry_after(headers, jiff::Timestamp::now())?)
    }

    /// How long to wait before sending again after `error` left the request
    /// without an answer, or `None` when it must not be sent again.
    pub(crate) fn after_connection_failure(
        &mut self,
        method: &Method,
        error: &(dyn std::error::Error + 'static),
    ) -> Option<Duration> {
        if !is_read(method) || !is_refused_or_reset(error) {
            return None;
        }
        let doublings = self.retries.min(5);
        let wait = (FIRST_RECONNECT_WAIT * 2u32.pow(doublings)).min(LONGEST_RECONNECT_WAIT);
        self.spend(wait)
    }

    /// Takes `wait` from the budget, or `None` when it does not fit: past
    /// the retry count, the total wait, or [`LONGEST_RETRY_AFTER`]. The sum is
    /// checked, so no `Retry-After` a server sends can overflow it.
    fn spend(&mut self, wait: Duration) -> Option<Duration> {
        if self.retries >= self.policy.max_retries || wait > LONGEST_RETRY_AFTER {
            return None;
        }
        let waited = self
            .waited
            .checked_add(wait)
            .filter(|waited| *waited <= self.policy.max_total_wait)?;
        self.retries += 1;
        self.waited = waited;
        Some(wait)
    }
}

/// Requests that do not change state, so sending one twice is harmless.
fn is_read(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// `Retry-After`, read at `now`: whole seconds (the form the API server
/// sends), or an HTTP date (as a proxy or load balancer in front of it may
/// send; a date already past means now). Garbage counts as absent.
///
/// client-go reads only seconds; a date is honoured here because RFC 9110
/// allows it and the budget bounds the wait either way.
fn retry_after(headers: &HeaderMap, now: jiff::Timestamp) -> Option<Duration> {
    let value = headers.get(http::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    let until = now.duration_until(date);
    Some(Duration::try_from(until).unwrap_or(Duration::ZERO))
}

/// Whether the connection was refused, reset or aborted, somewhere in the
/// chain of causes. TLS and DNS failures are not retried: they do not heal.
fn is_refused_or_reset(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(current) = cause {
        if let Some(io) = current.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionRefused
                    | std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
            )
        {
            return true;
        }
        cause = current.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn retry_after_header(seconds: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(http::header::RETRY_AFTER, seconds.parse().unwrap());
        headers
    }

    fn budget(max_retries: u32, max_total_wait_secs: u64) -> RetryBudget {
        RetryBudget::new(RetryPolicy {
            max_retries,
            max_total_wait: Duration::from_secs(max_total_wait_secs),
        })
    }

    #[test]
    fn a_read_is_retried_on_429_and_5xx_with_retry_after() {
        let mut budget = budget(5, 60);
        let headers = retry_after_header("2");
        for status in [429, 500, 502, 503, 504] {
            let status = StatusCode::from_u16(status).unwrap();
            assert_eq!(
                budget.after_answer(&Method::GET, status, &headers),
                Some(Duration::from_secs(2))
            );
        }
    }

    #[test]
    fn nothing_is_retried_without_retry_after() {
        let mut budget = budget(5, 60);
        assert_eq!(
            budget.after_answer(&Method::GET, StatusCode::TOO_MANY_REQUESTS, &HeaderMap::new()),
            None
        );
        let garbage = retry_after_header("soon");
        assert_eq!(
            budget.after_answer(&Method::GET, StatusCode::SERVICE_UNAVAILABLE, &garbage),
            None
        );
    }

    #[test]
    fn retry_after_may_be_an_http_date() {
        let now: jiff::Timestamp = "2015-10-21T07:27:30Z".parse().unwrap();
        let date = retry_after_header("Wed, 21 Oct 2015 07:28:00 GMT");
        assert_eq!(retry_after(&date, now), Some(Duration::from_secs(30)));
        let later: jiff::Timestamp = "2015-10-21T08:00:00Z".parse().unwrap();
        assert_eq!(retry_after(&date, later), Some(Duration::ZERO));
        // A date in the past is "now": the request is retried at once.
        let mut budget = budget(5, 60);
        assert_eq!(
            budget.after_answer(&Method::GET, StatusCode::SERVICE_UNAVAILABLE, &date),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn a_write_is_retried_only_on_429_and_503() {
        let headers = retry_after_header("1");
        for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
            let mut budget = budget(5, 60);
            assert!(
                budget
                    .after_answer(&method, StatusCode::TOO_MANY_REQUESTS, &headers)
                    .is_some()
            );
            assert!(
                budget
                    .after_answer(&method, StatusCode::SERVICE_UNAVAILABLE, &headers)
                    .is_some()
            );
            assert!(
                budget
                    .after_answer(&method, StatusCode::INTERNAL_SERVER_ERROR, &headers)
                    .is_none()
            );
            assert!(
                budget
                    .after_answer(&method, StatusCode::BAD_GATEWAY, &headers)
                    .is_none()
            );
        }
    }

    #[test]
    fn a_success_or_client_error_is_final() {
        let mut budget = budget(5, 60);
        let headers = retry_after_header("1");
        for status in [200, 201, 404, 409] {
            let status = StatusCode::from_u16(status).unwrap();
            assert_eq!(budget.after_answer(&Method::GET, status, &headers), None);
        }
    }

    #[test]
    fn the_retry_count_and_the_total_wait_are_bounded() {
        let headers = retry_after_header("10");
        let mut by_count = budget(2, 600);
        let waits: Vec<_> = (0..4)
            .map(|_| by_count.after_answer(&Method::GET, StatusCode::TOO_MANY_REQUESTS, &headers))
            .collect();
        assert_eq!(waits.iter().filter(|wait| wait.is_some()).count(), 2);
        let mut by_time = budget(100, 25);
        let waits: Vec<_> = (0..4)
            .map(|_| by_time.after_answer(&Method::GET, StatusCode::TOO_MANY_REQUESTS, &headers))
            .collect();
        assert_eq!(waits.iter().filter(|wait| wait.is_some()).count(), 2);
    }

    #[test]
    fn a_refused_connection_is_retried_for_reads_only_with_growing_waits() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        let mut reads = budget(10, 600);
        let waits: Vec<_> = (0..6)
            .map(|_| {
                reads
                    .after_connection_failure(&Method::GET, &refused)
                    .unwrap()
                    .as_millis()
            })
            .collect();
        assert_eq!(waits, vec![500, 1000, 2000, 4000, 8000, 8000]);
        let mut writes = budget(10, 600);
        assert_eq!(writes.after_connection_failure(&Method::POST, &refused), None);
    }

    #[test]
    fn a_retry_after_longer_than_the_cap_is_final() {
        let mut budget = RetryBudget::new(RetryPolicy {
            max_retries: 5,
            max_total_wait: Duration::MAX,
        });
        let over = retry_after_header(&(LONGEST_RETRY_AFTER.as_secs() + 1).to_string());
        assert_eq!(
            budget.after_answer(&Method::GET, StatusCode::TOO_MANY_REQUESTS, &over),
            None
        );
        let at = retry_after_header(&LONGEST_RETRY_AFTER.as_secs().to_string());
        assert_eq!(
            budget.after_answer(&Method::GET, StatusCode::TOO_MANY_REQUESTS, &at),
            Some(LONGEST_RETRY_AFTER)
        );
    }

    #[test]
    fn a_huge_retry_after_after_an_earlier_retry_ends_the_retries_without_overflow() {
        let mut budget = budget(5, 60);
        let short = retry_after_header("1");
        assert!(
            budget
                .after_answer(&Method::GET, StatusCode::TOO_MANY_REQUESTS, &short)
                .is_some()
        );
        let huge = retry_after_header("18446744073709551615");
        assert_eq!(
            budget.after_answer(&Method::GET, StatusCode::TOO_MANY_REQUESTS, &huge),
            None
        );
    }

    #[test]
    fn a_huge_retry_after_is_refused_even_with_an_unbounded_total() {
        let mut budget = RetryBudget::new(RetryPolicy {
            max_retries: 5,
            max_total_wait: Duration::MAX,
        });
        let short = retry_after_header("1");
        budget.after_answer(&Method::GET, StatusCode::TOO_MANY_REQUESTS, &short);
        let huge = retry_after_header("18446744073709551615");
        assert_eq!(
            budget.after_answer(&Method::GET, StatusCode::TOO_MANY_REQUESTS, &huge),
            None
        );
    }

    #[test]
    fn other_transport_failures_are_not_retried() {
        let other = std::io::Error::other("invalid peer certificate: UnknownIssuer");
        assert_eq!(
            budget(10, 600).after_connection_failure(&Method::GET, &other),
            None
        );
    }
}
