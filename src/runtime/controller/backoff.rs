//! Per-key exponential backoff for failed reconciles: client-go's
//! `ItemExponentialFailureRateLimiter` with its controller defaults.

use std::collections::HashMap;
use std::hash::Hash;
use std::time::Duration;

/// The delay after a key's first failure.
pub const BACKOFF_BASE: Duration = Duration::from_millis(5);
/// The longest delay, however many failures in a row.
pub const BACKOFF_CAP: Duration = Duration::from_secs(1000);

/// How many failures in a row each key has had.
#[derive(Debug)]
pub(crate) struct ItemBackoff<Q> {
    failures: HashMap<Q, u32>,
}

impl<Q: Clone + Eq + Hash> ItemBackoff<Q> {
    pub(crate) fn new() -> Self {
        ItemBackoff {
            failures: HashMap::new(),
        }
    }

    /// The delay before retrying `key`, counting this failure.
    pub(crate) fn next_delay(&mut self, key: &Q) -> Duration {
        let failures = self.failures.entry(key.clone()).or_insert(0);
        let delay = delay_after(*failures);
        *failures = failures.saturating_add(1);
        delay
    }

    /// Forgets `key`'s failures: its next failure waits [`BACKOFF_BASE`] again.
    pub(crate) fn forget(&mut self, key: &Q) {
        self.failures.remove(key);
    }
}

/// `BACKOFF_BASE * 2^failures`, capped at [`BACKOFF_CAP`].
fn delay_after(failures: u32) -> Duration {
    let factor = 2u32.checked_pow(failures).unwrap_or(u32::MAX);
    BACKOFF_BASE.saturating_mul(factor).min(BACKOFF_CAP)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_from_five_milliseconds_up_to_the_cap() {
        let mut backoff = ItemBackoff::new();
        let delays: Vec<Duration> = (0..4).map(|_| backoff.next_delay(&"a")).collect();
        let millis: Vec<u128> = delays.iter().map(Duration::as_millis).collect();
        assert_eq!(millis, [5, 10, 20, 40]);
        for _ in 0..100 {
            backoff.next_delay(&"a");
        }
        assert_eq!(backoff.next_delay(&"a"), BACKOFF_CAP);
    }

    #[test]
    fn keys_back_off_independently_and_forgetting_resets_one() {
        let mut backoff = ItemBackoff::new();
        backoff.next_delay(&"a");
        backoff.next_delay(&"a");
        assert_eq!(backoff.next_delay(&"b"), BACKOFF_BASE);
        backoff.forget(&"a");
        assert_eq!(backoff.next_delay(&"a"), BACKOFF_BASE);
    }

    #[test]
    fn eighteen_doublings_reach_the_cap() {
        // 5 ms * 2^17 = 655 s, * 2^18 = 1310 s: capped.
        assert_eq!(delay_after(17), Duration::from_millis(5 << 17));
        assert_eq!(delay_after(18), BACKOFF_CAP);
        assert_eq!(delay_after(u32::MAX), BACKOFF_CAP);
    }
}
