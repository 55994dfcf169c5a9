use std::sync::Arc;

use bytes::Bytes;
use futures::StreamExt;
use futures::stream::BoxStream;

use crate::Result;

/// A request to the API server. Its URI is a path and query relative to the
/// server (`/api/v1/namespaces/default/pods?limit=500`); the implementation
/// adds the server's address.
pub type Request = http::Request<Bytes>;

/// A whole response: status, headers and the body's bytes.
pub type Response = http::Response<Bytes>;

/// A body that arrives over time (a watch, a log follow).
pub type ByteStream = BoxStream<'static, Result<Bytes>>;

/// A response whose body is a stream.
pub type StreamResponse = http::Response<ByteStream>;

/// Marks a request sent with [`Rest::send_stream`] whose body is one
/// document of bounded size read as it arrives (a list, decoded item by item
/// so the whole body is never held), not an open-ended stream (a watch, a
/// log follow). [`HttpRest`](super::HttpRest) applies the request timeout to
/// it as to [`Rest::send`]; a cassette recorder stores its body whole.
///
/// ```
/// let mut request = http::Request::get("/api/v1/pods").body(bytes::Bytes::new()).unwrap();
/// request.extensions_mut().insert(rudder::rest::BoundedBody);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BoundedBody;

/// One HTTP exchange with an API server.
///
/// Every status the server sends, 2xx or not, is an `Ok` response: turning a
/// non-2xx answer into [`Error::Api`](crate::Error::Api) happens once, above
/// this trait, in [`check_status`](super::check_status). `Err` means there was
/// no answer at all (transport), or the request could not be sent
/// (credentials).
///
/// Anything that implements `Rest` gives the whole SDK: the live
/// [`HttpRest`](super::HttpRest), the testkit's fake cluster, a cassette
/// replayer, or a mock.
///
/// # Which method a request comes through
/// Lists (`list`, `list_all`, `list_stream`, a watcher's relists) come
/// through [`Rest::send_stream`], marked [`BoundedBody`], because their
/// items are decoded while the body arrives; so do watches and followed
/// logs. Every other request comes through [`Rest::send`]. An
/// implementation that has a whole body answers `send_stream` with it as a
/// stream of one chunk: [`stream_of`](super::stream_of) does that; a mock
/// that answers a list does the same:
///
/// ```
/// # #[cfg(feature = "mock")] {
/// let mut rest = rudder::rest::MockRest::new();
/// rest.expect_send_stream().returning(|_| {
///     let body = r#"{"metadata":{"resourceVersion":"7"},"items":[]}"#;
///     Ok(rudder::rest::stream_of(http::Response::new(body.into())))
/// });
/// # }
/// ```
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait::async_trait]
pub trait Rest: Send + Sync {
    /// Sends `request` and reads the whole response.
    async fn send(&self, request: Request) -> Result<Response>;

    /// Sends `request` and returns as soon as the headers arrive; the body is
    /// read as it comes. No request timeout applies; the start of the stream
    /// takes a rate-limiter token like any request, as in client-go.
    async fn send_stream(&self, request: Request) -> Result<StreamResponse>;
}

/// `response` with its whole body as a stream of one chunk: how a [`Rest`]
/// that has the body in hand answers [`Rest::send_stream`].
pub fn stream_of(response: Response) -> StreamResponse {
    response.map(|body| futures::stream::once(futures::future::ready(Ok(body))).boxed())
}

#[async_trait::async_trait]
impl<T: Rest + ?Sized> Rest for Arc<T> {
    async fn send(&self, request: Request) -> Result<Response> {
        (**self).send(request).await
    }

    async fn send_stream(&self, request: Request) -> Result<StreamResponse> {
        (**self).send_stream(request).await
    }
}

#[async_trait::async_trait]
impl<T: Rest + ?Sized> Rest for Box<T> {
    async fn send(&self, request: Request) -> Result<Response> {
        (**self).send(request).await
    }

    async fn send_stream(&self, request: Request) -> Result<StreamResponse> {
        (**self).send_stream(request).await
    }
}
