//! The client-side rate limiter: a token bucket, as client-go's.

use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::config::RateLimit;

/// A token bucket holding up to `burst` tokens, refilled at `qps` a second.
/// Each request takes one token; when none is left it waits for its turn.
///
/// A waiting request reserves its token before it sleeps (the count goes
/// below zero), so callers are served in the order they arrived and no wake-up
/// is wasted. Time is tokio's, so tests can pause it.
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
    /// The limiter for `limit`, or `None` when `qps` is zero or less (no limit).
    pub(crate) fn new(limit: RateLimit) -> Option<Self> {
        if limit.qps <= 0.0 || limit.qps.is_nan() {
            return None;
        }
        // A burst of 0 would never let anything through; one is the least that works.
        let burst = f64::from(limit.burst.max(1));
        Some(RateLimiter {
            qps: f64::from(limit.qps),
            burst,
            bucket: Mutex::new(Bucket {
                tokens: burst,
                refilled_at: Instant::now(),
            }),
        })
    }

    /// Waits until the caller may send one request.
    pub(crate) async fn acquire(&self) {
        let wait = {
            let mut bucket = self.bucket.lock().await;
            let now = Instant::now();
            let elapsed = now.saturating_duration_since(bucket.refilled_at).as_secs_f64();
            bucket.tokens = (bucket.tokens + elapsed * self.qps).min(self.burst);
            bucket.refilled_at = now;
            bucket.tokens -= 1.0;
            if bucket.tokens >= 0.0 {
                return;
            }
            Duration::from_secs_f64(-bucket.tokens / self.qps)
        };
        tokio::time::sleep(wait).await;
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
        let limiter = RateLimiter::new(RateLimit { qps: 10.0, burst: 3 }).unwrap();
        let times = time_of_each(&limiter, 5).await;
        let millis: Vec<u128> = times.iter().map(Duration::as_millis).collect();
        assert_eq!(millis, vec![0, 0, 0, 100, 200]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_quiet_spell_refills_the_bucket_up_to_the_burst() {
        let limiter = RateLimiter::new(RateLimit { qps: 1.0, burst: 2 }).unwrap();
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
    fn qps_of_zero_or_less_turns_the_limiter_off() {
        assert!(RateLimiter::new(RateLimit { qps: 0.0, burst: 10 }).is_none());
        assert!(RateLimiter::new(RateLimit { qps: -1.0, burst: 10 }).is_none());
        assert!(RateLimiter::new(RateLimit::unlimited()).is_none());
    }
}
