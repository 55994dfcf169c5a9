//! `FakeCluster`: an in-memory Kubernetes API server that implements
//! [`rudder::Rest`], so the whole SDK works on it unchanged.
//!
//! The folders follow the server: `request` turns a path and query into a
//! call, `handlers` (read, write, patching, scale, delete, pod logs) serve it
//! on the `store` under one lock, `strategy` holds each kind's rules
//! (validation, immutable fields, field selectors), `watch` fans changes
//! out, `registry` knows the kinds served and describes them (discovery),
//! `gc` plays the controllers (garbage collector, namespace and CRD
//! cleanup), and `controls` are what a test steers: clock, reactors,
//! action log, seeding.
//!
//! ```
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use rudder_testkit::FakeCluster;
//!
//! let cluster = FakeCluster::builder().deterministic().build();
//! cluster.seed_yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: default}\n")?;
//! assert_eq!(cluster.actions().count("*", "*"), 0, "seeding is not an action");
//! # Ok(())
//! # }
//! ```

// Handlers answer with the API server's `Status` as their error, as the
// server does; it is large, but these are not hot paths and boxing it
// everywhere would only add noise.
#![allow(clippy::result_large_err)]

mod builder;
mod controls;
mod crd;
mod fake_cluster;
mod gc;
mod handlers;
pub(crate) mod meta;
mod registry;
mod request;
mod store;
mod strategy;
mod transport;
mod watch;

pub use builder::FakeClusterBuilder;
pub use controls::actions::{Action, ActionLog};
pub use controls::clock::{Clock, IdGenerator};
pub use controls::reactor::{Reaction, Reactor};
pub use controls::seed::SeedError;
pub use fake_cluster::FakeCluster;
pub use registry::{Registry, ResourceKind, ScalePaths, ScopeOf};
