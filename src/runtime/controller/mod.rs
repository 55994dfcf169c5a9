//! `Controller`: reconcile objects through a work queue with client-go's
//! semantics.
//!
//! A controller watches one kind (the objects it reconciles), keeps them in
//! a [`Store`](crate::runtime::reflector::Store), and turns every change into its object's key on a work
//! queue. Changes of objects it [`owns`](Controller::owns) (found by their
//! controller ownerReference) and of objects it
//! [`watches`](Controller::watches) (mapped by a function) queue the keys of
//! the objects they belong to. The queue:
//!
//! - never runs two reconciles of one key at once, and runs a key again
//!   after its reconcile when it changed meanwhile (once, however often);
//! - runs a key again later when the reconcile asks for it
//!   ([`Action::requeue`]), or after its per-key backoff when the error
//!   policy asks for it ([`Action::backoff`]: 5 ms doubling up to 1000 s);
//! - runs at most [`concurrency`](Controller::concurrency) reconciles at once;
//! - on the shutdown signal starts no more, lets the running ones finish,
//!   and ends.

mod action;
mod backoff;
mod queue;
mod run;
mod runner;
mod triggers;

pub use action::Action;
pub use backoff::{BACKOFF_BASE, BACKOFF_CAP};
pub use run::{Controller, DEFAULT_CONCURRENCY, ReconcileError};
