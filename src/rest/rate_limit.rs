//! The client-side rate limiter: a token bucket, as client-go's.

use std::time::Duration;

use std::sync::Mutex;

use tokio::time::Instant;

use crate::config::{ConfigError, RateLimit};

/// The lowest rate accepted: one request an hour. Anything slower is a
/// mistake (a unit error, a float that underflowed), and its waits would not
/// fit a `Duration`.
pub(crate) const LOWEST_QPS: f64 = 1.0 / 3600.0;

/// A token bucket holding up to `burst` tokens, refilled at `qps` a second.
/// Each request takes one token; when none is left it waits for its turn.
///
/// A waiting request reserves its token before it sleeps (the count goes
/// below zero), so callers are served in the order they arrived and no wake-up
/// is wasted; a wait that is dropped (a timeout, a `select!`) gives its token
/// back. Time is tokio's, so tests can pause it.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    qps: f64,
    burst: f64,
    bucket: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    refilled_at: Instant,
}

impl RateLimiter {
    /// The limiter for `limit`, or `None` when `qps` is exactly zero (no limit).
    ///
    /// # Errors
    /// A `qps` that is negative, NaN, infinite or below [`LOWEST_QPS`], or a
    /// `burst` of 0 with a limit (nothing could ever be sent).
    pub(crate) fn new(limit: RateLimit) -> Result<Option<Self>, ConfigError> {
        let qps = f64::from(limit.qps);
        if qps == 0.0 {
            return Ok(None);
        }
        if !qps.is_finite() || qps < LOWEST_QPS {
            return Err(ConfigError::invalid_in_memory(
                "rate_limit.qps",
                format_args!(
                    "{qps} requests a second cannot be used: give at least {LOWEST_QPS:.6} (one an hour), or 0 for no limit"
                ),
            ));
        }
        if limit.burst == 0 {
            return Err(ConfigError::invalid_in_memory(
                "rate_limit.burst",
                "a burst of 0 would never let a request through: give at least 1",
            ));
        }
        let burst = f64::from(limit.burst);
        Ok(Some(RateLimiter {
            qps,
            burst,
            bucket: Mutex::new(Bucket {
                tokens: burst,
                refilled_at: Instant::now(),
            }),
        }))
    }

    /// Waits until the caller may send one request.
    pub(crate) async fn acquire(&self) {
        let Some(wait) = self.reserve() else {
            return;
        };
        let reservation = Reservation {
            limiter: self,
            kept: false,
        };
        tokio::time::sleep(wait).await;
        reservation.keep();
    }

    /// Takes a token: `None` when one was there, else how long until the
    /// one reserved is due.
    fn reserve(&self) -> Option<Duration> {
        let mut bucket = self.bucket();
        let now = Instant::now();
        let elapsed = now.saturating_duration_since(bucket.refilled_at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.qps).min(self.burst);
        bucket.refilled_at = now;
        bucket.tokens -= 1.0;
        if bucket.tokens >= 0.0 {
            return None;
        }
        // At LOWEST_QPS or more the debt is short; the fallback only keeps this panic-free.
        Some(Duration::try_from_secs_f64(-bucket.tokens / self.qps).unwrap_or(Duration::MAX))
    }

    /// The bucket; a panic elsewhere while it was held left it consistent
    /// (every update is one assignment), so a poisoned lock is used as is.
    fn bucket(&self) -> std::sync::MutexGuard<'_, Bucket> {
        self.bucket
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A token reserved by a waiting request, given back unless kept.
struct Reservation<'a> {
    limiter: &'a RateLimiter,
    kept: bool,
}

impl Reservation<'_> {
    fn keep(mut self) {
        self.kept = true;
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        if !self.kept {
            let mut bucket = self.limiter.bucket();
            bucket.tokens = (bucket.tokens + 1.0).min(self.limiter.burst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn time_of_each(limiter: &RateLimiter, count: usize) -> Vec<Duration> {
        let start = Instant::now();
        let mut times = Vec::new();
        for _ in 0..count {
            limiter.acquire().await;
            times.push(start.elapsed());
        }
        times
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_goes_at_once_then_requests_are_spaced_by_one_over_qps() {
        let limiter = RateLimiter::new(RateLimit { qps: 10.0, burst: 3 })
            .unwrap()
            .unwrap();
        let times = time_of_each(&limiter, 5).await;
        let millis: Vec<u128> = times.iter().map(Duration::as_millis).collect();
        assert_eq!(millis, vec![0, 0, 0, 100, 200]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_wait_that_is_dropped_gives_its_token_back() {
        let limiter = RateLimiter::new(RateLimit { qps: 1.0, burst: 1 })
            .unwrap()
            .unwrap();
        limiter.acquire().await;
        // The bucket is empty: this wait would take a second, and is given up.
        let gave_up = tokio::time::timeout(Duration::from_millis(100), limiter.acquire()).await;
        assert!(gave_up.is_err());
        tokio::time::advance(Duration::from_millis(900)).await;
        // A second after the first request one token is back, and no one else holds it.
        let millis: Vec<u128> = time_of_each(&limiter, 2)
            .await
            .iter()
            .map(Duration::as_millis)
            .collect();
        assert_eq!(millis, vec![0, 1000]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_quiet_spell_refills_the_bucket_up_to_the_burst() {
        let limiter = RateLimiter::new(RateLimit { qps: 1.0, burst: 2 })
            .unwrap()
            .unwrap();
        time_of_each(&limiter, 2).await;
        tokio::time::advance(Duration::from_secs(60)).await;
        let millis: Vec<u128> = time_of_each(&limiter, 3)
            .await
            .iter()
            .map(Duration::as_millis)
            .collect();
        assert_eq!(millis, vec![0, 0, 1000]);
    }

    #[test]
    fn a_qps_of_zero_turns_the_limiter_off() {
        assert!(
            RateLimiter::new(RateLimit { qps: 0.0, burst: 10 })
                .unwrap()
                .is_none()
        );
        assert!(RateLimiter::new(RateLimit::unlimited()).unwrap().is_none());
    }

    #[test]
    fn the_lowest_accepted_rate_is_one_an_hour() {
        let hourly = RateLimit {
            qps: LOWEST_QPS as f32 * 1.001,
            burst: 1,
        };
        assert!(RateLimiter::new(hourly).unwrap().is_some());
        let slower = RateLimit {
            qps: LOWEST_QPS as f32 / 2.0,
            burst: 1,
        };
        assert!(RateLimiter::new(slower).is_err());
    }
}
