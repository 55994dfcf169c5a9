//! `Action`: what a reconcile asks the work queue to do with its key next.

use std::time::Duration;

/// What happens to an object's key after a reconcile (or its error policy).
///
/// A change to the object (or to an object it owns or watches) always runs
/// the key again, whatever the action said; the action only adds a
/// scheduled run.
///
/// ```
/// use std::time::Duration;
/// use rudder::runtime::controller::Action;
///
/// // Check again in five minutes, even if nothing changes.
/// let _ = Action::requeue(Duration::from_secs(300));
/// // Nothing to do until something changes.
/// let _ = Action::await_change();
/// // For an error policy: retry with the key's exponential backoff.
/// let _ = Action::backoff();
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Action(pub(crate) Next);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Next {
    After(Duration),
    AwaitChange,
    Backoff,
}

impl Action {
    /// Runs the key again after `delay` (a resync for this object).
    ///
    /// Resets the key's error backoff, as a success does.
    pub const fn requeue(delay: Duration) -> Self {
        Action(Next::After(delay))
    }

    /// Runs the key again only when a watched object changes.
    ///
    /// Resets the key's error backoff, as a success does.
    pub const fn await_change() -> Self {
        Action(Next::AwaitChange)
    }

    /// Runs the key again after its per-key exponential backoff: 5 ms after
    /// the first failure, doubling with each failure in a row up to 1000 s,
    /// back to 5 ms once a reconcile of the key succeeds (client-go's
    /// `ItemExponentialFailureRateLimiter` defaults). Meant for error policies.
    pub const fn backoff() -> Self {
        Action(Next::Backoff)
    }

    /// The delay of a [`requeue`](Self::requeue), if this is one.
    pub fn requeue_after(&self) -> Option<Duration> {
        match self.0 {
            Next::After(delay) => Some(delay),
            Next::AwaitChange | Next::Backoff => None,
        }
    }

    /// Whether this is a [`backoff`](Self::backoff).
    pub fn is_backoff(&self) -> bool {
        self.0 == Next::Backoff
    }
}
