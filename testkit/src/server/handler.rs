//! One HTTP request in, one response out: authentication, the server's own
//! endpoints (health, OpenAPI), then the `Rest` behind the server, with
//! `Table` negotiation and streaming for watches and log follows.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use futures::{FutureExt, StreamExt};
use http_body_util::{BodyExt, Limited, StreamBody};
use hyper::body::{Frame, Incoming};
use jiff::Timestamp;
use rudder::Rest;
use tokio::sync::watch;

use super::auth::{Authentication, Presented, unauthorized};
use super::negotiate::{IncludeObject, negotiate};
use super::openapi::OpenApi;
use super::response::{ServerBody, failure, ok, status_response};
use super::table::{TableConversion, printer_for};

/// The largest request body the server reads (kube-apiserver's limit is 3 MiB
/// for an object; a little more leaves room for a patch's framing).
const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// Where the time comes from (the AGE column), so a fake cluster with a
/// manual clock prints ages from that clock.
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// What every connection of one server shares.
pub(crate) struct Handler {
    pub rest: Arc<dyn Rest>,
    pub auth: Authentication,
    pub clock: Clock,
    pub openapi: OpenApi,
    /// Becomes `true` when the server shuts down: open streams then end.
    pub shutdown: watch::Receiver<bool>,
}

impl Handler {
    /// Answers one request and logs it on one line.
    pub async fn serve(
        self: Arc<Self>,
        request: hyper::Request<Incoming>,
        client_certificate: bool,
    ) -> Result<http::Response<ServerBody>, std::convert::Infallible> {
        let started = Instant::now();
        let method = request.method().clone();
        let target = request
            .uri()
            .path_and_query()
            .map_or_else(|| request.uri().path().to_owned(), ToString::to_string);
        let response = AssertUnwindSafe(self.answer(request, client_certificate))
            .catch_unwind()
            .await
            .unwrap_or_else(|_| failure(500, "the server panicked while answering the request"));
        tracing::info!(
            target: "rudder_testkit::server",
            "{method} {target} {} {}ms",
            response.status().as_u16(),
            started.elapsed().as_millis()
        );
        Ok(response)
    }

    async fn answer(
        &self,
        request: hyper::Request<Incoming>,
        client_certificate: bool,
    ) -> http::Response<ServerBody> {
        let presented = Presented {
            authorization: request
                .headers()
                .get(http::header::AUTHORIZATION)
                .and_then(|value| value.to_str().ok()),
            client_certificate,
        };
        if !self.auth.admits(presented) {
            return status_response(&unauthorized());
        }
        let path = request.uri().path().to_owned();
        if matches!(path.as_str(), "/healthz" | "/readyz" | "/livez")
            || path.starts_with("/healthz/")
            || path.starts_with("/readyz/")
            || path.starts_with("/livez/")
        {
            return ok("text/plain; charset=utf-8", "ok");
        }
        let method = request.method().clone();
        if !is_api_method(&method) {
            return failure(405, format!("the server does not allow the method {method}"));
        }
        if path == "/openapi/v2" || path.starts_with("/openapi/v3") {
            return self.openapi.answer(self.rest.as_ref(), &path).await;
        }
        let (parts, body) = request.into_parts();
        let body = match Limited::new(body, MAX_BODY_BYTES).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(error) if error.is::<http_body_util::LengthLimitError>() => {
                return failure(
                    413,
                    format!("the request body is larger than {MAX_BODY_BYTES} bytes"),
                );
            }
            Err(error) => return failure(400, format!("cannot read the request body: {error}")),
        };
        let (mut parts, mut body) = (parts, body);
        if is_protobuf(&parts.headers) {
            match super::protobuf::to_json(&body) {
                Ok(object) => {
                    body = Bytes::from(object.to_string());
                    parts.headers.insert(
                        http::header::CONTENT_TYPE,
                        http::HeaderValue::from_static("application/json"),
                    );
                    parts.headers.remove(http::header::CONTENT_LENGTH);
                }
                Err(reason) => return failure(415, reason),
            }
        }
        let query = parts.uri.query().map(str::to_owned);
        let negotiation = negotiate(
            parts
                .headers
                .get(http::header::ACCEPT)
                .and_then(|value| value.to_str().ok()),
        );
        let uri = parts
            .uri
            .path_and_query()
            .map_or_else(|| path.clone(), ToString::to_string);
        let mut forwarded = http::Request::new(body);
        *forwarded.method_mut() = parts.method;
        *forwarded.headers_mut() = parts.headers;
        forwarded.headers_mut().remove(http::header::AUTHORIZATION);
        forwarded.headers_mut().remove(http::header::HOST);
        if let Some(accept) = negotiation
            .forwarded_accept
            .as_deref()
            .and_then(|accept| http::HeaderValue::from_str(accept).ok())
        {
            forwarded.headers_mut().insert(http::header::ACCEPT, accept);
        }
        match uri.parse() {
            Ok(uri) => *forwarded.uri_mut() = uri,
            Err(error) => return failure(400, format!("the request path {uri:?} is not valid: {error}")),
        }
        let table = match negotiation.table_api_version {
            Some(api_version) => Some(TableConversion {
                api_version,
                include: IncludeObject::from_query(query.as_deref()),
                printer: printer_for(self.rest.as_ref(), &path).await,
                clock: self.clock.clone(),
            }),
            None => None,
        };
        if is_stream(&path, query.as_deref()) {
            self.stream(forwarded, table).await
        } else {
            self.whole(forwarded, table).await
        }
    }

    async fn whole(
        &self,
        request: rudder::rest::Request,
        table: Option<TableConversion>,
    ) -> http::Response<ServerBody> {
        let response = match self.rest.send(request).await {
            Ok(response) => response,
            Err(error) => return failure(500, error.to_string()),
        };
        let (mut parts, body) = response.into_parts();
        let body = match table {
            Some(table) if parts.status.is_success() => {
                match serde_json::from_slice(&body)
                    .ok()
                    .and_then(|value| table.table_of(&value))
                {
                    Some(converted) => {
                        parts.headers.insert(
                            http::header::CONTENT_TYPE,
                            http::HeaderValue::from_static("application/json"),
                        );
                        parts.headers.remove(http::header::CONTENT_LENGTH);
                        Bytes::from(serde_json::to_vec(&converted).unwrap_or_default())
                    }
                    None => body,
                }
            }
            _ => body,
        };
        http::Response::from_parts(parts, super::response::full(body))
    }

    async fn stream(
        &self,
        request: rudder::rest::Request,
        table: Option<TableConversion>,
    ) -> http::Response<ServerBody> {
        let response = match self.rest.send_stream(request).await {
            Ok(response) => response,
            Err(error) => return failure(500, error.to_string()),
        };
        let (mut parts, body) = response.into_parts();
        parts.headers.remove(http::header::CONTENT_LENGTH);
        let chunks = match table {
            Some(table) if parts.status.is_success() => lines(body)
                .map(move |line| line.map(|line| table.convert_watch_line(&line)))
                .boxed(),
            _ => body,
        };
        let mut shutdown = self.shutdown.clone();
        let ended = async move {
            // An error means the server is gone: end the stream as well.
            let _ = shutdown.wait_for(|stopping| *stopping).await;
        };
        let frames = chunks
            .take_until(Box::pin(ended))
            .take_while(|chunk| {
                if let Err(error) = chunk {
                    tracing::warn!(target: "rudder_testkit::server", "stream ended by an error: {error}");
                }
                std::future::ready(chunk.is_ok())
            })
            .filter_map(|chunk| std::future::ready(chunk.ok().map(|bytes| Ok(Frame::data(bytes)))));
        http::Response::from_parts(parts, BodyExt::boxed_unsync(StreamBody::new(frames)))
    }
}

/// Whether a request body is Kubernetes protobuf.
fn is_protobuf(headers: &http::HeaderMap) -> bool {
    headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/vnd.kubernetes.protobuf"))
}

/// The methods the API answers; anything else is 405 before the `Rest` sees it.
fn is_api_method(method: &http::Method) -> bool {
    matches!(
        *method,
        http::Method::GET
            | http::Method::HEAD
            | http::Method::POST
            | http::Method::PUT
            | http::Method::PATCH
            | http::Method::DELETE
    )
}

/// Whether the answer to a request is a stream: a watch (`watch=true` or a
/// `/watch/` path) or a followed log.
pub(crate) fn is_stream(path: &str, query: Option<&str>) -> bool {
    let flag = |name: &str| {
        url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
            .any(|(key, value)| key == name && matches!(value.as_ref(), "true" | "1"))
    };
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    let watch_path = matches!(
        segments.as_slice(),
        ["api", _, "watch", ..] | ["apis", _, _, "watch", ..]
    );
    watch_path || flag("watch") || (path.ends_with("/log") && flag("follow"))
}

/// A byte stream cut into lines (each with its `\n`), whatever the chunking.
fn lines(body: rudder::rest::ByteStream) -> rudder::rest::ByteStream {
    futures::stream::unfold(
        (body, Vec::<u8>::new(), false),
        |(mut body, mut buffer, mut done)| async move {
            loop {
                if let Some(end) = buffer.iter().position(|byte| *byte == b'\n') {
                    let line: Vec<u8> = buffer.drain(..=end).collect();
                    return Some((Ok(Bytes::from(line)), (body, buffer, done)));
                }
                if done {
                    if buffer.is_empty() {
                        return None;
                    }
                    let rest = std::mem::take(&mut buffer);
                    return Some((Ok(Bytes::from(rest)), (body, buffer, true)));
                }
                match body.next().await {
                    Some(Ok(chunk)) => buffer.extend_from_slice(&chunk),
                    Some(Err(error)) => return Some((Err(error), (body, buffer, true))),
                    None => done = true,
                }
            }
        },
    )
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watches_and_log_follows_are_streams() {
        assert!(is_stream("/api/v1/pods", Some("watch=true")));
        assert!(is_stream("/api/v1/pods", Some("watch=1&resourceVersion=5")));
        assert!(is_stream("/api/v1/watch/namespaces/default/pods", None));
        assert!(is_stream("/apis/apps/v1/watch/deployments", None));
        assert!(is_stream(
            "/api/v1/namespaces/default/pods/x/log",
            Some("follow=true")
        ));
        assert!(!is_stream("/api/v1/namespaces/default/pods/x/log", None));
        assert!(!is_stream("/api/v1/pods", Some("watch=false")));
        assert!(!is_stream("/api/v1/namespaces/watch/pods", None));
    }

    #[tokio::test]
    async fn lines_are_whole_whatever_the_chunking() {
        let chunks: Vec<rudder::Result<Bytes>> = vec![
            Ok(Bytes::from_static(b"{\"a\"")),
            Ok(Bytes::from_static(b":1}\n{\"b\":2}\n{\"c")),
            Ok(Bytes::from_static(b"\":3}")),
        ];
        let collected: Vec<Bytes> = lines(futures::stream::iter(chunks).boxed())
            .map(|line| line.expect("a line"))
            .collect()
            .await;
        assert_eq!(
            collected,
            vec![
                Bytes::from_static(b"{\"a\":1}\n"),
                Bytes::from_static(b"{\"b\":2}\n"),
                Bytes::from_static(b"{\"c\":3}"),
            ]
        );
    }
}
