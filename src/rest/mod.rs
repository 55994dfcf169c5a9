//! The Rest layer: one HTTP request to the API server, raw bytes in and out.
//!
//! [`Rest`] is the only layer that touches the network. Requests are built
//! without IO by [`RequestBuilder`] (so every path and query string is
//! testable on its own) and sent by an implementation: [`HttpRest`] over
//! reqwest, or a fake cluster, a cassette, a mock.

mod http_rest;
mod request;
mod response;
mod transport;

pub use http_rest::HttpRest;
pub(crate) use request::validate_path_segment;
pub use request::{Query, RequestBuilder, RequestError, ResourcePath};
pub use response::{check_status, describe};
pub use transport::{ByteStream, Request, Response, Rest, StreamResponse};

#[cfg(feature = "mock")]
pub use transport::MockRest;
