//! Building the HTTP responses the server writes itself.

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, combinators::UnsyncBoxBody};
use rudder::Status;

/// The body of every response the server writes: whole or streamed.
pub(crate) type ServerBody = UnsyncBoxBody<Bytes, std::io::Error>;

/// A whole body.
pub(crate) fn full(bytes: impl Into<Bytes>) -> ServerBody {
    Full::new(bytes.into())
        .map_err(|never: Infallible| match never {})
        .boxed_unsync()
}

/// A response with a `Status` body and its code, as kube-apiserver writes errors.
pub(crate) fn status_response(status: &Status) -> http::Response<ServerBody> {
    let body = serde_json::to_vec(&status.to_wire_json()).unwrap_or_default();
    let mut response = http::Response::new(full(body));
    *response.status_mut() =
        http::StatusCode::from_u16(status.code).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}

/// A failure `Status` response with the code's usual reason.
pub(crate) fn failure(code: u16, message: impl Into<String>) -> http::Response<ServerBody> {
    status_response(&Status::failure(
        code,
        rudder::error::reason_for_code(code),
        message,
    ))
}

/// A 200 response with `body` of `content_type`.
pub(crate) fn ok(content_type: &'static str, body: impl Into<Bytes>) -> http::Response<ServerBody> {
    let mut response = http::Response::new(full(body));
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(content_type),
    );
    response
}
