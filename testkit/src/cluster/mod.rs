//! `FakeCluster`: an in-memory Kubernetes API server that implements
//! [`rudder::Rest`], so the whole SDK works on it unchanged.
//!
//! The folder follows the server: `router` turns a path into a resource,
//! the handlers (`read`, `write`, `patching`, `scale`, `delete`) work on the
//! `store` under one lock, `watch` fans changes out, `gc` plays the
//! controllers (garbage collector, namespace and CRD cleanup), `discovery`
//! describes what is served.
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

mod actions;
mod builder;
mod call;
mod clock;
mod controls;
mod crd;
mod delete;
mod discovery;
mod errors;
mod fake_cluster;
mod fields;
mod gc;
mod immutable;
pub(crate) mod meta;
mod patching;
mod pod_logs;
mod query;
mod reactor;
mod read;
mod registry;
mod router;
mod scale;
mod seed;
mod selector;
mod spec_rules;
mod state;
mod store;
mod transport;
mod validation;
mod watch;
mod watch_start;
mod write;

pub use actions::{Action, ActionLog};
pub use builder::FakeClusterBuilder;
pub use clock::{Clock, IdGenerator};
pub use fake_cluster::FakeCluster;
pub use reactor::{Reaction, Reactor};
pub use registry::{Registry, ResourceKind, ScalePaths, ScopeOf};
pub use seed::SeedError;
