//! The controller runtime: what client-go's informers and kube-rs's
//! `kube-runtime` give, written only against the client traits, so it runs
//! unchanged on the live client, the testkit's fake cluster, a mock or a
//! cassette.
//!
//! - [`watcher`](watcher()): list, then watch, resuming and relisting on its own.
//! - [`reflector`](reflector()): a watcher's events kept in a shared, indexed [`Store`](reflector::Store).
//! - [`WatchStreamExt`] and [`PredicateExt`]: the objects out of the events,
//!   and only the changes that matter ([`predicates`]).
//! - [`SharedWatch`]: one watch per resource, read by many.
//! - [`metadata::MetadataApi`]: metadata-only lists and watches (`PartialObjectMetadata`).
//! - [`controller`]: reconcile objects through a work queue with client-go's semantics.
//! - [`finalizer`](finalizer::finalizer): cleanup before an object goes away.
//! - [`await_condition`](conditions::await_condition): wait for an object to reach a state.
//! - [`leader_election`]: one active instance among several, on a Lease.
//! - [`events`]: `events.k8s.io/v1` Events, repeats aggregated.

mod adapters;
mod backoff;
pub mod conditions;
pub mod controller;
pub mod events;
pub mod finalizer;
pub mod leader_election;
pub mod metadata;
mod object;
pub mod reflector;
mod shared;
mod source;
pub mod watcher;

pub use adapters::{PredicateExt, PredicateFilter, WatchStreamExt, predicates};
pub use backoff::{Backoff, BackoffConfig};
pub use object::{Object, ObjectKey};
pub use reflector::reflector;
pub use shared::SharedWatch;
pub use source::ListWatch;
pub use watcher::watcher;
