//! The fake cluster's sense of time and of randomness, both injectable so a
//! test can make every response deterministic.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;

/// Where the fake cluster reads the time from.
///
/// The system clock is the default; a manual clock only moves when the test
/// calls [`FakeCluster::advance`](super::FakeCluster::advance), which is also
/// what fires bookmarks, watch timeouts and the end of pods' grace periods.
#[derive(Clone, Debug)]
pub enum Clock {
    /// The wall clock.
    System,
    /// A clock that starts at the given time and moves only when advanced.
    Manual(Arc<Mutex<Timestamp>>),
}

impl Clock {
    /// A manual clock starting at `start`.
    pub fn manual(start: Timestamp) -> Self {
        Clock::Manual(Arc::new(Mutex::new(start)))
    }

    /// The current time, to the second as the API server stores it.
    pub fn now(&self) -> Timestamp {
        let now = match self {
            Clock::System => Timestamp::now(),
            Clock::Manual(time) => *lock(time),
        };
        Timestamp::from_second(now.as_second()).unwrap_or(now)
    }

    /// Moves a manual clock forward; the system clock ignores it.
    pub(crate) fn advance(&self, by: Duration) {
        if let Clock::Manual(time) = self {
            let mut time = lock(time);
            let span = jiff::SignedDuration::try_from(by).unwrap_or(jiff::SignedDuration::MAX);
            *time = time.checked_add(span).unwrap_or(Timestamp::MAX);
        }
    }

    /// Whether the test drives this clock.
    pub fn is_manual(&self) -> bool {
        matches!(self, Clock::Manual(_))
    }
}

/// Formats a timestamp as the API server does (`2024-01-02T03:04:05Z`).
pub(crate) fn rfc3339(time: Timestamp) -> String {
    time.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The characters of a generated name suffix: the API server's alphabet,
/// with no vowels (no words) and no look-alikes.
const SUFFIX_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// The length of a `generateName` suffix, as the API server makes it.
pub(crate) const SUFFIX_LENGTH: usize = 5;

/// Generates uids and name suffixes; seeded, it repeats the same sequence.
#[derive(Clone, Debug)]
pub struct IdGenerator {
    state: u64,
}

impl IdGenerator {
    /// A generator that always produces the same sequence for `seed`.
    pub fn seeded(seed: u64) -> Self {
        IdGenerator { state: seed }
    }

    /// A generator seeded from the time, for tests that do not snapshot ids.
    pub fn from_entropy() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.as_nanos() as u64)
            .unwrap_or(0);
        IdGenerator::seeded(nanos ^ (std::process::id() as u64) << 32)
    }

    /// splitmix64: tiny, good enough for ids that only need to be unique.
    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A version-4 UUID, as the API server gives `metadata.uid`.
    pub fn uid(&mut self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let high = self.next_u64().to_be_bytes();
        let low = self.next_u64().to_be_bytes();
        let mut uid = String::with_capacity(36);
        for (index, byte) in high.into_iter().chain(low).enumerate() {
            let byte = match index {
                6 => (byte & 0x0f) | 0x40,
                8 => (byte & 0x3f) | 0x80,
                _ => byte,
            };
            if matches!(index, 4 | 6 | 8 | 10) {
                uid.push('-');
            }
            uid.push(char::from(HEX[usize::from(byte >> 4)]));
            uid.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
        uid
    }

    /// A 5-character suffix for `generateName`.
    pub fn name_suffix(&mut self) -> String {
        (0..SUFFIX_LENGTH)
            .map(|_| {
                let index = (self.next_u64() % SUFFIX_ALPHABET.len() as u64) as usize;
                char::from(SUFFIX_ALPHABET[index])
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seeded_generator_repeats_its_sequence() {
        let mut first = IdGenerator::seeded(7);
        let mut second = IdGenerator::seeded(7);
        assert_eq!(first.uid(), second.uid());
        assert_eq!(first.name_suffix(), second.name_suffix());
    }

    #[test]
    fn uids_look_like_version_4_uuids() {
        let uid = IdGenerator::seeded(1).uid();
        assert_eq!(uid.len(), 36);
        assert_eq!(&uid[14..15], "4");
        assert!(matches!(&uid[19..20], "8" | "9" | "a" | "b"));
        let dashes: Vec<usize> = uid.match_indices('-').map(|(at, _)| at).collect();
        assert_eq!(dashes, [8, 13, 18, 23]);
    }

    #[test]
    fn suffixes_have_five_characters_of_the_alphabet() {
        let suffix = IdGenerator::seeded(3).name_suffix();
        assert_eq!(suffix.len(), SUFFIX_LENGTH);
        assert!(suffix.bytes().all(|byte| SUFFIX_ALPHABET.contains(&byte)));
    }

    #[test]
    fn a_manual_clock_moves_only_when_advanced() {
        let clock = Clock::manual(Timestamp::from_second(1_700_000_000).unwrap());
        let before = clock.now();
        clock.advance(Duration::from_secs(30));
        assert_eq!(clock.now().as_second() - before.as_second(), 30);
        assert_eq!(rfc3339(before), "2023-11-14T22:13:20Z");
    }
}
