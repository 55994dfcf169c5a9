//! The Rest layer: one HTTP request to the API server, raw bytes in and out.
//!
//! [`Rest`] is the only layer that touches the network. Requests are built
//! without IO by [`RequestBuilder`] (so every path and query string is
//! testable on its own) and sent by an implementation: [`HttpRest`] over
//! reqwest (hyper's client when `tls-server-name` must be the SNI), or a
//! fake cluster, a cassette, a mock.

mod auth;
mod http_client;
mod http_exchange_task;
mod http_rest;
mod impersonation;
mod rate_limit;
mod request;
mod response;
mod retry;
mod tls;
mod transport;
mod transport_failure;
mod warning;

pub use auth::TOKEN_FILE_REREAD_INTERVAL;
pub use http_rest::HttpRest;
pub(crate) use request::PathSegments;
pub(crate) use request::validate_path_segment;
pub use request::{Query, RequestBuilder, RequestError, ResourcePath};
pub use response::{check_status, describe};
pub(crate) use response::{decode_body, decode_json};
pub use transport::{BoundedBody, ByteStream, Request, Response, Rest, StreamResponse, stream_of};
pub use transport_failure::TransportFailure;
pub use warning::warnings;

#[cfg(feature = "mock")]
pub use transport::MockRest;
