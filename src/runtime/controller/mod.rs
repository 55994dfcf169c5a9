//! `Controller`: reconcile objects through a work queue with client-go's
//! semantics (one reconcile per key at a time, a change during a reconcile
//! runs it again, requeue, per-key backoff, bounded concurrency, graceful
//! shutdown).

mod action;
mod backoff;
mod queue;
mod runner;

pub use action::Action;
pub use backoff::{BACKOFF_BASE, BACKOFF_CAP};
