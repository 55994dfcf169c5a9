//! Exponential backoff with jitter, as client-go's reflector waits between
//! failed lists and watches.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::time::Duration;

use tokio::time::Instant;

/// How long to wait after failures: `initial`, times `factor` after each
/// failure in a row, at most `max`, plus up to `jitter` × that at random;
/// back to `initial` once `reset_after` has passed with no failure.
///
/// The defaults are client-go's reflector's: 800 ms, ×2, 30 s, jitter 1.0,
/// reset after 2 minutes. As in client-go, `max` caps the delay before the
/// jitter is added, so the longest wait is `max × (1 + jitter)`.
///
/// ```
/// use std::time::Duration;
/// use rudder::runtime::BackoffConfig;
/// let quick = BackoffConfig::default().initial(Duration::from_millis(10)).max(Duration::from_secs(1));
/// assert_eq!(quick.factor, 2.0);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct BackoffConfig {
    /// The first delay. Default 800 ms.
    pub initial: Duration,
    /// What each failure in a row multiplies the delay by. Default 2.
    pub factor: f64,
    /// The longest delay before jitter. Default 30 s.
    pub max: Duration,
    /// The random part: up to this fraction of the delay is added. Default 1.0.
    pub jitter: f64,
    /// A failure this long after the previous one starts again from `initial`. Default 2 minutes.
    pub reset_after: Duration,
    /// Seeds the jitter, for reproducible tests; random when `None`.
    pub seed: Option<u64>,
}

impl Default for BackoffConfig {
    fn default() -> Self {
        BackoffConfig {
            initial: Duration::from_millis(800),
            factor: 2.0,
            max: Duration::from_secs(30),
            jitter: 1.0,
            reset_after: Duration::from_secs(120),
            seed: None,
        }
    }
}

impl BackoffConfig {
    /// The first delay.
    pub fn initial(mut self, initial: Duration) -> Self {
        self.initial = initial;
        self
    }

    /// The longest delay before jitter.
    pub fn max(mut self, max: Duration) -> Self {
        self.max = max;
        self
    }

    /// The random fraction added (0 for none).
    pub fn jitter(mut self, jitter: f64) -> Self {
        self.jitter = jitter;
        self
    }

    /// How long without failure resets the delay.
    pub fn reset_after(mut self, reset_after: Duration) -> Self {
        self.reset_after = reset_after;
        self
    }

    /// A fixed seed for the jitter.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// A running backoff with these settings.
    pub fn start(&self) -> Backoff {
        let seed = self
            .seed
            .unwrap_or_else(|| RandomState::new().hash_one(Instant::now()));
        Backoff {
            config: self.clone(),
            next: self.initial,
            last_failure: None,
            random: SplitMix64(seed),
        }
    }
}

/// A running backoff: each [`next_delay`](Self::next_delay) is a failure.
#[derive(Clone, Debug)]
pub struct Backoff {
    config: BackoffConfig,
    next: Duration,
    last_failure: Option<Instant>,
    random: SplitMix64,
}

impl Backoff {
    /// The delay to wait after a failure now.
    pub fn next_delay(&mut self) -> Duration {
        let now = Instant::now();
        if self
            .last_failure
            .is_some_and(|last| now.saturating_duration_since(last) >= self.config.reset_after)
        {
            self.next = self.config.initial;
        }
        self.last_failure = Some(now);
        let base = self.next.min(self.config.max);
        self.next = base.mul_f64(self.config.factor.max(1.0)).min(self.config.max);
        let jitter = self.config.jitter.max(0.0) * self.random.unit();
        base + base.mul_f64(jitter)
    }
}

/// A small, seedable generator: jitter needs spread, not cryptography.
#[derive(Clone, Debug)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_jitter() -> BackoffConfig {
        BackoffConfig::default().jitter(0.0)
    }

    #[tokio::test(start_paused = true)]
    async fn delays_double_up_to_the_cap() {
        let mut backoff = no_jitter().start();
        let delays: Vec<u64> = (0..8).map(|_| backoff.next_delay().as_millis() as u64).collect();
        assert_eq!(delays, [800, 1600, 3200, 6400, 12800, 25600, 30000, 30000]);
    }

    #[tokio::test(start_paused = true)]
    async fn two_healthy_minutes_reset_the_delay() {
        let mut backoff = no_jitter().start();
        backoff.next_delay();
        backoff.next_delay();
        tokio::time::advance(Duration::from_secs(119)).await;
        assert_eq!(backoff.next_delay(), Duration::from_millis(3200));
        tokio::time::advance(Duration::from_secs(120)).await;
        assert_eq!(backoff.next_delay(), Duration::from_millis(800));
    }

    #[tokio::test(start_paused = true)]
    async fn jitter_adds_at_most_the_jitter_fraction_and_is_seeded() {
        let config = BackoffConfig::default().seed(7);
        let (mut one, mut same_seed) = (config.start(), config.start());
        let mut spread = std::collections::BTreeSet::new();
        for _ in 0..20 {
            let base = one.next.min(one.config.max);
            let delay = one.next_delay();
            assert!(
                delay >= base && delay <= base * 2,
                "{delay:?} for a base of {base:?}"
            );
            assert_eq!(same_seed.next_delay(), delay, "the same seed, the same delays");
            spread.insert(delay.as_nanos() * 1000 / base.as_nanos());
        }
        assert!(spread.len() > 10, "the jitter varies: {spread:?}");
    }
}
