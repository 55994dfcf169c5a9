//! The work queue, with client-go's semantics, as a state machine with no IO:
//! the runner feeds it triggers, the clock and finished reconciles, and asks
//! it which key to start next.
//!
//! - a key is queued at most once, however many times it is added;
//! - a key is never handed out while it is running; added meanwhile, it is
//!   run again once the running reconcile finishes;
//! - a key may be scheduled for later; one schedule per key, the earliest
//!   wins, and adding it now cancels the schedule;
//! - a failed key is scheduled after its exponential backoff.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::hash::Hash;

use tokio::time::Instant;

use super::action::{Action, Next};
use super::backoff::ItemBackoff;

#[derive(Debug)]
pub(crate) struct WorkQueue<Q> {
    /// Keys waiting for a worker, oldest first; `queued` holds the same keys.
    ready: VecDeque<Q>,
    queued: HashSet<Q>,
    running: HashSet<Q>,
    /// Running keys that were added again while they ran.
    changed_while_running: HashSet<Q>,
    /// Each scheduled key's deadline, and the same entries by deadline (with
    /// a sequence number so that equal deadlines keep their order).
    scheduled: HashMap<Q, (Instant, u64)>,
    by_deadline: BTreeMap<(Instant, u64), Q>,
    sequence: u64,
    backoff: ItemBackoff<Q>,
}

impl<Q: Clone + Eq + Hash> WorkQueue<Q> {
    pub(crate) fn new() -> Self {
        WorkQueue {
            ready: VecDeque::new(),
            queued: HashSet::new(),
            running: HashSet::new(),
            changed_while_running: HashSet::new(),
            scheduled: HashMap::new(),
            by_deadline: BTreeMap::new(),
            sequence: 0,
            backoff: ItemBackoff::new(),
        }
    }

    /// Asks for `key` to be reconciled as soon as a worker is free.
    pub(crate) fn add(&mut self, key: Q) {
        self.unschedule(&key);
        if self.running.contains(&key) {
            self.changed_while_running.insert(key);
        } else if self.queued.insert(key.clone()) {
            self.ready.push_back(key);
        }
    }

    /// Asks for `key` to be reconciled at `deadline`, unless it is queued
    /// already or scheduled earlier.
    pub(crate) fn add_at(&mut self, key: Q, deadline: Instant) {
        if self.queued.contains(&key) {
            return;
        }
        if let Some(&(current, _)) = self.scheduled.get(&key) {
            if current <= deadline {
                return;
            }
            self.unschedule(&key);
        }
        self.sequence += 1;
        self.scheduled.insert(key.clone(), (deadline, self.sequence));
        self.by_deadline.insert((deadline, self.sequence), key);
    }

    /// Queues every scheduled key whose deadline is `now` or earlier.
    pub(crate) fn promote_due(&mut self, now: Instant) {
        while let Some(entry) = self.by_deadline.first_entry() {
            if entry.key().0 > now {
                return;
            }
            let key = entry.remove();
            self.scheduled.remove(&key);
            self.add(key);
        }
    }

    /// The earliest deadline of a scheduled key.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.by_deadline.keys().next().map(|(deadline, _)| *deadline)
    }

    /// The next key to reconcile, if one is ready and fewer than
    /// `concurrency` are running; it counts as running until [`finish`](Self::finish).
    pub(crate) fn start(&mut self, concurrency: usize) -> Option<Q> {
        if self.running.len() >= concurrency {
            return None;
        }
        let key = self.ready.pop_front()?;
        self.queued.remove(&key);
        self.running.insert(key.clone());
        Some(key)
    }

    /// Records that `key`'s reconcile finished at `now` and asked for `action`.
    pub(crate) fn finish(&mut self, key: Q, action: Action, now: Instant) {
        self.running.remove(&key);
        match action.0 {
            Next::Backoff => {
                let delay = self.backoff.next_delay(&key);
                self.add_at(key.clone(), now + delay);
            }
            Next::After(delay) => {
                self.backoff.forget(&key);
                self.add_at(key.clone(), now + delay);
            }
            Next::AwaitChange => self.backoff.forget(&key),
        }
        if self.changed_while_running.remove(&key) {
            self.add(key);
        }
    }

    /// How many keys are running.
    pub(crate) fn running(&self) -> usize {
        self.running.len()
    }

    /// Whether no key is ready to start (scheduled ones aside).
    pub(crate) fn nothing_ready(&self) -> bool {
        self.ready.is_empty()
    }

    fn unschedule(&mut self, key: &Q) {
        if let Some(entry) = self.scheduled.remove(key) {
            self.by_deadline.remove(&entry);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn started(queue: &mut WorkQueue<&'static str>, concurrency: usize) -> Vec<&'static str> {
        std::iter::from_fn(|| queue.start(concurrency)).collect()
    }

    #[test]
    fn a_key_added_many_times_is_queued_once() {
        let mut queue = WorkQueue::new();
        queue.add("a");
        queue.add("b");
        queue.add("a");
        assert_eq!(started(&mut queue, 10), ["a", "b"]);
    }

    #[test]
    fn a_running_key_is_not_handed_out_again_but_runs_after_it_finishes() {
        let mut queue = WorkQueue::new();
        let now = Instant::now();
        queue.add("a");
        assert_eq!(queue.start(10), Some("a"));
        queue.add("a");
        queue.add("a");
        assert_eq!(queue.start(10), None, "a is running");
        queue.finish("a", Action::await_change(), now);
        assert_eq!(started(&mut queue, 10), ["a"], "once, for both changes");
        queue.finish("a", Action::await_change(), now);
        assert_eq!(queue.start(10), None);
    }

    #[test]
    fn no_more_than_concurrency_keys_run_at_once() {
        let mut queue = WorkQueue::new();
        for key in ["a", "b", "c"] {
            queue.add(key);
        }
        assert_eq!(started(&mut queue, 2), ["a", "b"]);
        queue.finish("a", Action::await_change(), Instant::now());
        assert_eq!(started(&mut queue, 2), ["c"]);
    }

    #[test]
    fn a_requeue_comes_due_at_its_deadline() {
        let mut queue = WorkQueue::new();
        let now = Instant::now();
        queue.add("a");
        queue.start(1);
        queue.finish("a", Action::requeue(Duration::from_secs(60)), now);
        assert_eq!(queue.next_deadline(), Some(now + Duration::from_secs(60)));
        queue.promote_due(now + Duration::from_secs(59));
        assert_eq!(queue.start(1), None);
        queue.promote_due(now + Duration::from_secs(60));
        assert_eq!(queue.start(1), Some("a"));
        assert_eq!(queue.next_deadline(), None);
    }

    #[test]
    fn the_earliest_schedule_of_a_key_wins_and_adding_it_now_cancels_it() {
        let mut queue = WorkQueue::new();
        let now = Instant::now();
        queue.add_at("a", now + Duration::from_secs(10));
        queue.add_at("a", now + Duration::from_secs(30));
        assert_eq!(queue.next_deadline(), Some(now + Duration::from_secs(10)));
        queue.add_at("a", now + Duration::from_secs(5));
        assert_eq!(queue.next_deadline(), Some(now + Duration::from_secs(5)));
        queue.add("a");
        assert_eq!(queue.next_deadline(), None);
        assert_eq!(started(&mut queue, 1), ["a"]);
    }

    #[test]
    fn failures_back_off_exponentially_until_a_success() {
        let mut queue = WorkQueue::new();
        let now = Instant::now();
        let mut delays = Vec::new();
        for action in [Action::backoff(), Action::backoff(), Action::backoff()] {
            queue.add("a");
            queue.start(1);
            queue.finish("a", action, now);
            delays.push(queue.next_deadline().map(|deadline| deadline - now));
            queue.add("a"); // cancels the retry
        }
        let millis: Vec<_> = delays.iter().flatten().map(Duration::as_millis).collect();
        assert_eq!(millis, [5, 10, 20]);
        queue.start(1);
        queue.finish("a", Action::await_change(), now);
        queue.add("a");
        queue.start(1);
        queue.finish("a", Action::backoff(), now);
        assert_eq!(queue.next_deadline(), Some(now + Duration::from_millis(5)));
    }

    #[test]
    fn a_change_during_a_failed_reconcile_runs_it_again_at_once() {
        let mut queue = WorkQueue::new();
        let now = Instant::now();
        queue.add("a");
        queue.start(1);
        queue.add("a");
        queue.finish("a", Action::backoff(), now);
        assert_eq!(queue.start(1), Some("a"));
        assert_eq!(queue.next_deadline(), None, "the retry is the run now");
    }
}
