//! The controller runtime: what client-go's informers and kube-rs's
//! `kube-runtime` give, written only against the client traits, so it runs
//! unchanged on the live client, the testkit's fake cluster, a mock or a
//! cassette.
//!
//! - [`watcher`](watcher()): list, then watch, resuming and relisting on its own.
//! - [`reflector`](reflector()): a watcher's events kept in a shared, indexed [`Store`](reflector::Store).

mod backoff;
mod object;
pub mod reflector;
mod source;
pub mod watcher;

pub use backoff::{Backoff, BackoffConfig};
pub use object::{Object, ObjectKey};
pub use reflector::reflector;
pub use source::ListWatch;
pub use watcher::watcher;
