//! The loopback API server: answers from bodies serialized before the first
//! request, so that serving costs either client the same (next to nothing).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;

/// What the server answers, per request kind; an empty one answers 404.
#[derive(Default)]
pub struct Bodies {
    /// `GET /api/v1/pods`: one list.
    pub list: Bytes,
    /// `GET /api/v1/pods?limit=..[&continue=page-N]`: page N.
    pub pages: Vec<Bytes>,
    /// `GET /api/v1/pods?watch=true`: the events, sent chunk by chunk, then the end.
    pub watch: Vec<Bytes>,
    /// `GET /api/v1/namespaces/bench/pods/<any name>`: one object.
    pub get: Bytes,
    /// `/api`, `/apis` and the group versions' documents.
    pub discovery: crate::discovery::Documents,
    /// What the server has seen so far.
    pub traffic: Traffic,
}

/// Requests, and connections by the protocol they spoke, counted by the
/// server (so each run's share is the difference across it).
#[derive(Default)]
pub struct Traffic {
    requests: AtomicU64,
    http1_connections: AtomicU64,
    http2_connections: AtomicU64,
}

/// [`Traffic`] at one moment, or between two.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TrafficCount {
    pub requests: u64,
    pub http1_connections: u64,
    pub http2_connections: u64,
}

impl Traffic {
    pub fn now(&self) -> TrafficCount {
        TrafficCount {
            requests: self.requests.load(Ordering::Relaxed),
            http1_connections: self.http1_connections.load(Ordering::Relaxed),
            http2_connections: self.http2_connections.load(Ordering::Relaxed),
        }
    }
}

impl TrafficCount {
    /// What happened between `earlier` and `self`.
    pub fn since(self, earlier: TrafficCount) -> TrafficCount {
        TrafficCount {
            requests: self.requests - earlier.requests,
            http1_connections: self.http1_connections - earlier.http1_connections,
            http2_connections: self.http2_connections - earlier.http2_connections,
        }
    }
}

pub type Body = BoxBody<Bytes, Infallible>;

/// Serves `bodies` on 127.0.0.1 (a free port) on the current runtime.
pub async fn serve(bodies: Arc<Bodies>) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let _ = stream.set_nodelay(true);
            bodies.traffic.http1_connections.fetch_add(1, Ordering::Relaxed);
            let bodies = bodies.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request| {
                    let bodies = bodies.clone();
                    async move { Ok::<_, Infallible>(answer(&bodies, &request)) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(address)
}

/// Serves `bodies` over TLS on 127.0.0.1 (a free port): HTTP/2 or HTTP/1.1,
/// whichever the client's ALPN chose, counted per connection.
pub async fn serve_tls(
    bodies: Arc<Bodies>,
    tls: Arc<tokio_rustls::rustls::ServerConfig>,
) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let _ = stream.set_nodelay(true);
            let (bodies, acceptor) = (bodies.clone(), acceptor.clone());
            tokio::spawn(async move {
                let Ok(stream) = acceptor.accept(stream).await else {
                    return;
                };
                let counter = match stream.get_ref().1.alpn_protocol() {
                    Some(b"h2") => &bodies.traffic.http2_connections,
                    _ => &bodies.traffic.http1_connections,
                };
                counter.fetch_add(1, Ordering::Relaxed);
                let service = hyper::service::service_fn(move |request| {
                    let bodies = bodies.clone();
                    async move { Ok::<_, Infallible>(answer(&bodies, &request)) }
                });
                let _ = hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(address)
}

fn answer(bodies: &Bodies, request: &Request<Incoming>) -> Response<Body> {
    bodies.traffic.requests.fetch_add(1, Ordering::Relaxed);
    let path = request.uri().path();
    let query = request.uri().query().unwrap_or("");
    let parameter = |name: &str| {
        query
            .split('&')
            .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
    };
    if path == "/api/v1/pods" {
        if matches!(parameter("watch"), Some("true" | "1")) {
            return streamed(&bodies.watch);
        }
        if let Some(token) = parameter("continue") {
            let page = token.strip_prefix("page-").and_then(|n| n.parse::<usize>().ok());
            return page
                .and_then(|n| bodies.pages.get(n))
                .map_or_else(not_found, whole);
        }
        if parameter("limit").is_some() {
            return bodies.pages.first().map_or_else(not_found, whole);
        }
        return whole_or_404(&bodies.list);
    }
    if path.starts_with("/api/v1/namespaces/bench/pods/") {
        return whole_or_404(&bodies.get);
    }
    crate::discovery::answer(&bodies.discovery, request).unwrap_or_else(not_found)
}

fn whole_or_404(body: &Bytes) -> Response<Body> {
    if body.is_empty() { not_found() } else { whole(body) }
}

fn whole(body: &Bytes) -> Response<Body> {
    json_response(Full::new(body.clone()).boxed())
}

fn streamed(chunks: &[Bytes]) -> Response<Body> {
    if chunks.is_empty() {
        return not_found();
    }
    let frames: Vec<Result<Frame<Bytes>, Infallible>> = chunks
        .iter()
        .map(|chunk| Ok(Frame::data(chunk.clone())))
        .collect();
    json_response(StreamBody::new(futures::stream::iter(frames)).boxed())
}

fn json_response(body: Body) -> Response<Body> {
    let mut response = Response::new(body);
    response.headers_mut().insert(
        "content-type",
        "application/json".parse().expect("a valid header"),
    );
    response
}

fn not_found() -> Response<Body> {
    let status = r#"{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}"#;
    let mut response = json_response(Full::new(Bytes::from_static(status.as_bytes())).boxed());
    *response.status_mut() = StatusCode::NOT_FOUND;
    response
}
