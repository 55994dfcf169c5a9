//! The HTTP(S) server: any [`Rest`](rudder::Rest) (the fake cluster, a
//! replayer) served on loopback with kube-apiserver's wire behaviour, so the
//! live client and kubectl can talk to it.
//!
//! The server itself adds what is HTTP-level: TLS and authentication, a
//! kubeconfig, health endpoints, OpenAPI documents, `Table` answers for
//! kubectl, streamed watches and one log line per request.

mod accept;
mod auth;
mod error;
mod fake;
mod handler;
mod idle;
mod kubeconfig;
mod negotiate;
mod openapi;
mod protobuf;
mod request_head;
mod response;
mod serve;
mod table;
mod tls;

pub use auth::Authentication;
pub use error::ServeError;
pub use handler::Clock;
pub(crate) use handler::is_stream;
pub use kubeconfig::CONTEXT_NAME;
pub use serve::{Server, ServerBuilder};
pub use tls::{CLIENT_GROUP, CLIENT_USER, PemIdentity, ServerPki};
