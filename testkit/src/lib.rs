//! rudder-testkit: test code written against rudder's traits with no cluster.
//!
//! This crate will hold the in-memory fake cluster, its HTTP server and
//! cassettes; today it re-exports the mocks of rudder's traits.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod patch;
pub mod server;

/// mockall mocks of rudder's traits.
pub mod mock {
    pub use rudder::rest::MockRest;
}
