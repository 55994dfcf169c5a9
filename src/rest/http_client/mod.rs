//! The HTTP client `HttpRest` sends through: reqwest, or, when
//! `tls-server-name` must be sent as SNI in place of the URL's host (see
//! [`ServerNameRoute`]), hyper's client over a connector of ours, since
//! reqwest cannot set the SNI apart from the URL. Both are built from the
//! same rustls configuration and the same proxy rules, and answer alike.

mod connector;
mod first_connection;
mod proxy_tunnel;
mod reqwest_client;
mod server_name_client;
mod server_name_route;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::future::Either;
use futures::{Stream, TryStreamExt};
use http::{HeaderMap, Method, StatusCode};

use crate::config::{ClientIdentity, Config, ConfigError, EnvironmentProxies};

use super::transport_failure::TransportFailure;

use first_connection::FirstConnectionGate;
use reqwest_client::build_client;
use server_name_client::{ServerNameBody, ServerNameClient};
use server_name_route::ServerNameRoute;

/// The client for one server and user; cheap to clone (clones share the
/// pool, and the gate that holds requests back while the first connection is made).
#[derive(Clone)]
pub(crate) struct HttpClient {
    shared: Arc<Shared>,
}

struct Shared {
    sender: Sender,
    gate: FirstConnectionGate,
}

enum Sender {
    /// With the configured request timeout as the client's default, when one is set.
    Reqwest {
        client: reqwest::Client,
        default_timeout: bool,
    },
    /// Boxed: hyper's client is large, and most clients are reqwest's.
    ServerName(Box<ServerNameClient>),
}

/// How long a request waits for the client's first connection when no
/// connect timeout is configured: client-go's dial timeout.
const DEFAULT_FIRST_CONNECTION_PATIENCE: Duration = Duration::from_secs(30);

impl HttpClient {
    /// The client for `config`, presenting `exec_identity` when an exec
    /// plugin gave one, else the configured client certificate. Without a
    /// `proxy_url`, `env_proxies` (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`)
    /// decide, by Go's rules, as for kubectl.
    pub(crate) fn new(
        config: &Config,
        env_proxies: &EnvironmentProxies,
        exec_identity: Option<&ClientIdentity>,
    ) -> Result<Self, ConfigError> {
        let sender = match ServerNameRoute::for_config(config) {
            Some(route) => ServerNameClient::new(config, env_proxies, &route, exec_identity)
                .map(|client| Sender::ServerName(Box::new(client)))?,
            None => build_client(config, env_proxies, exec_identity).map(|client| Sender::Reqwest {
                client,
                default_timeout: config.request_timeout.is_some(),
            })?,
        };
        // Only TLS has ALPN, so only https can turn out to be HTTP/2.
        let gate = if config.cluster_url.scheme() == "https" {
            FirstConnectionGate::closed(
                config
                    .connect_timeout
                    .unwrap_or(DEFAULT_FIRST_CONNECTION_PATIENCE),
            )
        } else {
            FirstConnectionGate::open()
        };
        Ok(HttpClient {
            shared: Arc::new(Shared { sender, gate }),
        })
    }

    /// Sends one request. `timeout` is the configured request timeout (the
    /// reqwest client's default too), bounding the request until the body has
    /// been read with [`AnswerBody::bytes`]; `None` for streams, which have none.
    ///
    /// Until the client's first request has its answer, the others wait for
    /// it ([`FirstConnectionGate`]), so that they share its connection when
    /// the server speaks HTTP/2.
    pub(crate) async fn send(
        &self,
        method: &Method,
        url: url::Url,
        headers: HeaderMap,
        body: Bytes,
        timeout: Option<Duration>,
    ) -> Result<Answer, TransportFailure> {
        let gate = &self.shared.gate;
        // Boxed: the wait happens only while the first connection is made,
        // and would otherwise weigh on every request's future.
        let first = if gate.is_open() {
            None
        } else {
            Box::pin(gate.wait()).await
        };
        let answer = self.send_now(method, url, headers, body, timeout).await;
        if let (Some(first), Ok(_)) = (first, &answer) {
            first.answered();
        }
        answer
    }

    async fn send_now(
        &self,
        method: &Method,
        url: url::Url,
        headers: HeaderMap,
        body: Bytes,
        timeout: Option<Duration>,
    ) -> Result<Answer, TransportFailure> {
        match &self.shared.sender {
            Sender::Reqwest {
                client,
                default_timeout,
            } => {
                let mut request =
                    reqwest_request(client, method, url, headers).map_err(TransportFailure::new)?;
                *request.body_mut() = Some(body.into());
                // The configured timeout is the client's default (no
                // per-request copy); a stream replaces it with one it never reaches.
                if timeout.is_none() && *default_timeout {
                    *request.timeout_mut() = Some(STREAM_TIMEOUT);
                }
                client
                    .execute(request)
                    .await
                    .map(Answer::Reqwest)
                    .map_err(TransportFailure::new)
            }
            Sender::ServerName(client) => client
                .send(method, &url, headers, body, timeout)
                .await
                .map(Answer::ServerName),
        }
    }
}

/// A stream's request timeout on the reqwest path: one no stream reaches.
/// The configured request timeout is the reqwest client's default, and
/// reqwest cannot unset a default for one request, only replace it.
const STREAM_TIMEOUT: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);

/// An answer whose head has arrived.
pub(crate) enum Answer {
    Reqwest(reqwest::Response),
    ServerName(http::Response<ServerNameBody>),
}

impl Answer {
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Answer::Reqwest(response) => response.status(),
            Answer::ServerName(response) => response.status(),
        }
    }

    pub(crate) fn headers(&self) -> &HeaderMap {
        match self {
            Answer::Reqwest(response) => response.headers(),
            Answer::ServerName(response) => response.headers(),
        }
    }

    /// The head (status, version and headers, moved rather than copied) and
    /// the body still to read.
    pub(crate) fn into_parts(self) -> (http::Response<()>, AnswerBody) {
        match self {
            Answer::Reqwest(mut response) => {
                let mut head = http::Response::new(());
                *head.status_mut() = response.status();
                *head.headers_mut() = std::mem::take(response.headers_mut());
                *head.version_mut() = response.version();
                (head, AnswerBody::Reqwest(response))
            }
            Answer::ServerName(response) => {
                let (parts, body) = response.into_parts();
                (
                    http::Response::from_parts(parts, ()),
                    AnswerBody::ServerName(body),
                )
            }
        }
    }
}

/// The body of an [`Answer`].
pub(crate) enum AnswerBody {
    Reqwest(reqwest::Response),
    ServerName(ServerNameBody),
}

impl AnswerBody {
    /// The whole body, within the request's timeout.
    pub(crate) async fn bytes(self) -> Result<Bytes, TransportFailure> {
        match self {
            AnswerBody::Reqwest(response) => response.bytes().await.map_err(TransportFailure::new),
            AnswerBody::ServerName(body) => body.bytes().await,
        }
    }

    /// The body as it arrives.
    pub(crate) fn into_stream(self) -> impl Stream<Item = Result<Bytes, TransportFailure>> + Send + 'static {
        match self {
            AnswerBody::Reqwest(response) => {
                Either::Left(response.bytes_stream().map_err(TransportFailure::new))
            }
            AnswerBody::ServerName(body) => Either::Right(body.into_stream()),
        }
    }
}

/// The request reqwest sends. Built directly, not through
/// `RequestBuilder`, whose `headers()` copies the map entry by entry into a
/// new one; except when the URL carries a user name or password, which only
/// `RequestBuilder` moves into a `Basic` `Authorization` header (replaced by
/// the configured one, if any) and out of the URL.
fn reqwest_request(
    client: &reqwest::Client,
    method: &Method,
    url: reqwest::Url,
    headers: HeaderMap,
) -> Result<reqwest::Request, reqwest::Error> {
    if url.username().is_empty() && url.password().is_none() {
        let mut request = reqwest::Request::new(method.clone(), url);
        *request.headers_mut() = headers;
        return Ok(request);
    }
    client.request(method.clone(), url).headers(headers).build()
}

/// The configured user agent, else `rudder/<version>`.
fn user_agent(config: &Config) -> String {
    config
        .user_agent
        .clone()
        .unwrap_or_else(|| format!("rudder/{}", env!("CARGO_PKG_VERSION")))
}
