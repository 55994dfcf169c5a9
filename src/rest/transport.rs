use std::sync::Arc;

use bytes::Bytes;
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
