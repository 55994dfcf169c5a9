//! The test controls of a [`FakeCluster`]: its clock, history, reactors,
//! action log, latency and watch faults.

pub(super) mod actions;
pub(super) mod clock;
pub(super) mod reactor;
pub(super) mod seed;

use std::time::Duration;

use rudder::Status;

use crate::cluster::controls::actions::ActionLog;
use crate::cluster::controls::clock::Clock;
use crate::cluster::controls::reactor::Reactor;
use crate::cluster::fake_cluster::{FakeCluster, lock};
use crate::cluster::gc;
use crate::cluster::registry::ResourceKind;
use crate::cluster::watch::PendingFault;

impl FakeCluster {
    /// The clock the cluster reads.
    pub fn clock(&self) -> Clock {
        self.state().clock.clone()
    }

    /// Moves a manual clock forward, then sends the bookmarks that fell
    /// due, ends watches whose `timeoutSeconds` passed and removes pods
    /// whose grace period ended.
    pub fn advance(&self, by: Duration) {
        let mut state = self.state();
        state.clock.advance(by);
        let now = state.clock.now();
        let revision = state.store.revision();
        let interval =
            jiff::SignedDuration::try_from(self.inner.bookmark_interval).unwrap_or(jiff::SignedDuration::MAX);
        state.watches.bookmark_due(now, interval, revision);
        state.watches.expire(now);
        gc::settle(&mut state);
    }

    /// The current resourceVersion (the cluster-wide revision).
    pub fn resource_version(&self) -> u64 {
        self.state().store.revision()
    }

    /// Forgets the change history, as an etcd compaction does: watches and
    /// continue tokens from before now get 410 Gone.
    pub fn compact(&self) {
        self.state().store.compact();
    }

    /// Serves `kind` from now on (replacing a kind with the same group and plural).
    pub fn register(&self, kind: ResourceKind) {
        self.state().registry.register(kind);
    }

    /// Adds a reactor; reactors are asked in the order they were added.
    pub fn react(&self, reactor: Reactor) {
        lock(&self.inner.reactors).push(reactor);
    }

    /// Removes every reactor.
    pub fn clear_reactors(&self) {
        lock(&self.inner.reactors).clear();
    }

    /// What the fake has served so far.
    pub fn actions(&self) -> ActionLog {
        ActionLog(lock(&self.inner.actions).clone())
    }

    /// Forgets the actions served so far.
    pub fn clear_actions(&self) {
        lock(&self.inner.actions).clear();
    }

    /// Delays every request by `latency` (or stops delaying with `None`).
    pub fn set_latency(&self, latency: Option<Duration>) {
        *lock(&self.inner.latency) = latency;
    }

    /// Ends every open watch now, sending `error` as an ERROR event first when given.
    pub fn close_watches(&self, error: Option<Status>) {
        self.state().watches.close_all(error.as_ref());
    }

    /// Makes the next `count` watches end as soon as they open, with `error`
    /// as their only event when given.
    pub fn fail_next_watches(&self, count: usize, error: Option<Status>) {
        let mut state = self.state();
        for _ in 0..count {
            state
                .watches
                .pending_faults
                .push_back(PendingFault { error: error.clone() });
        }
    }

    /// How many watches are open.
    pub fn open_watches(&self) -> usize {
        self.state().watches.open_count()
    }
}
