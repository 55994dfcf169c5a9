//! rudder-testkit: test code written against rudder's traits with no cluster.
//!
//! [`FakeCluster`] is an in-memory API server that implements `Rest`;
//! [`cassette`] records a session through any `Rest` and replays it with no
//! cluster; the crate also re-exports the mocks of rudder's traits.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod cassette;
pub mod cluster;
pub mod patch;
pub mod server;

pub use cluster::FakeCluster;

/// mockall mocks of rudder's traits.
pub mod mock {
    pub use rudder::rest::MockRest;
}
