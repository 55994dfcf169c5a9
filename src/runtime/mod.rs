//! The controller runtime, written only against the client traits so that
//! it runs unchanged on a cluster, the testkit's fake, a mock or a cassette.

pub mod controller;
pub mod events;
pub mod leader_election;
pub mod finalizer;
