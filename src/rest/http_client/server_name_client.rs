//! hyper's client over [`ServerNameConnector`]: what sends requests when
//! `tls-server-name` must go in the SNI in place of the URL's host.

use std::time::Duration;

use bytes::Bytes;
use http::header::{ACCEPT, AUTHORIZATION, USER_AGENT};
use http::{HeaderMap, HeaderValue, Method, Uri};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use percent_encoding::percent_decode_str;
use rustls_pki_types::ServerName;
use tokio::time::Instant;

use crate::config::{ClientIdentity, Config, ConfigError, EnvironmentProxies};
use crate::rest::auth::basic_authorization;
use crate::rest::tls::client_tls_config;
use crate::rest::transport_failure::TransportFailure;

use super::connector::ServerNameConnector;
use super::proxy_tunnel::ProxyTunnel;
use super::server_name_route::ServerNameRoute;
use super::user_agent;

/// How long an idle pooled connection is kept, as reqwest keeps them.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// Sends requests over connections that present `tls-server-name`.
pub(crate) struct ServerNameClient {
    client: Client<ServerNameConnector, Full<Bytes>>,
    user_agent: HeaderValue,
}

impl ServerNameClient {
    /// The client for `config` with `route`'s server name, presenting
    /// `identity` (as [`build_client`](super::reqwest_client::build_client)).
    pub(crate) fn new(
        config: &Config,
        env_proxies: &EnvironmentProxies,
        route: &ServerNameRoute,
        identity: Option<&ClientIdentity>,
    ) -> Result<Self, ConfigError> {
        let tls = client_tls_config(&config.tls, identity.or(config.tls.client_identity.as_ref()))?;
        let server_name = ServerName::try_from(route.server_name().to_owned())
            .map_err(|error| ConfigError::invalid_in_memory("tls.server_name", error))?;
        let tunnel = ProxyTunnel::for_config(config, env_proxies)?;
        let connector = ServerNameConnector::new(tls, server_name, tunnel, config.connect_timeout);
        let user_agent = HeaderValue::try_from(user_agent(config)).map_err(|_| {
            ConfigError::invalid_in_memory("user_agent", "holds characters an HTTP header cannot carry")
        })?;
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .build(connector);
        Ok(ServerNameClient { client, user_agent })
    }

    /// Sends one request; `timeout` bounds it until its body has been read
    /// through [`ServerNameBody::bytes`].
    pub(crate) async fn send(
        &self,
        method: &Method,
        url: &url::Url,
        mut headers: HeaderMap,
        body: Bytes,
        timeout: Option<Duration>,
    ) -> Result<http::Response<ServerNameBody>, TransportFailure> {
        let uri = request_uri(url, &mut headers)?;
        headers
            .entry(USER_AGENT)
            .or_insert_with(|| self.user_agent.clone());
        headers.entry(ACCEPT).or_insert(HeaderValue::from_static("*/*"));
        let mut request = http::Request::new(Full::new(body));
        *request.method_mut() = method.clone();
        *request.uri_mut() = uri;
        *request.headers_mut() = headers;
        // A timeout too long to add to now is no timeout.
        let deadline = timeout.and_then(|timeout| Instant::now().checked_add(timeout));
        let response = match deadline {
            Some(deadline) => tokio::time::timeout_at(deadline, self.client.request(request))
                .await
                .map_err(|_| timed_out(timeout))?,
            None => self.client.request(request).await,
        }
        .map_err(|error| {
            let connect = error.is_connect();
            TransportFailure::from_hyper(Box::new(error), connect, false)
        })?;
        Ok(response.map(|body| ServerNameBody {
            body,
            deadline,
            timeout,
        }))
    }
}

/// A response body, with what is left of the request timeout.
pub(crate) struct ServerNameBody {
    body: Incoming,
    deadline: Option<Instant>,
    timeout: Option<Duration>,
}

impl ServerNameBody {
    /// The whole body, read before the request's deadline.
    pub(crate) async fn bytes(self) -> Result<Bytes, TransportFailure> {
        let collected = match self.deadline {
            Some(deadline) => tokio::time::timeout_at(deadline, self.body.collect())
                .await
                .map_err(|_| timed_out(self.timeout))?,
            None => self.body.collect().await,
        };
        collected
            .map(|collected| collected.to_bytes())
            .map_err(|error| TransportFailure::from_hyper(Box::new(error), false, false))
    }

    /// The body's data frames as they arrive (no timeout: streams have none).
    pub(crate) fn into_stream(
        self,
    ) -> impl futures::Stream<Item = Result<Bytes, TransportFailure>> + Send + 'static {
        use futures::TryStreamExt;
        http_body_util::BodyDataStream::new(self.body)
            .map_err(|error| TransportFailure::from_hyper(Box::new(error), false, false))
    }
}

fn timed_out(timeout: Option<Duration>) -> TransportFailure {
    let limit = timeout.unwrap_or_default();
    TransportFailure::from_hyper(
        format!("no complete answer within the request timeout of {limit:?}").into(),
        false,
        true,
    )
}

/// `url` as hyper's URI. User info moves out of it, as reqwest moves it: into
/// a `Basic` `Authorization` header unless the request already has one.
fn request_uri(url: &url::Url, headers: &mut HeaderMap) -> Result<Uri, TransportFailure> {
    let invalid = |message: &str| TransportFailure::from_hyper(message.to_owned().into(), false, false);
    if url.username().is_empty() && url.password().is_none() {
        return url
            .as_str()
            .parse()
            .map_err(|_| invalid("the request URL is not a valid URI"));
    }
    if !headers.contains_key(AUTHORIZATION) {
        let decode = |text: &str| percent_decode_str(text).decode_utf8_lossy().into_owned();
        let authorization =
            basic_authorization(&decode(url.username()), &decode(url.password().unwrap_or("")))
                .ok_or_else(|| invalid("the server URL's user info cannot be sent in a header"))?;
        headers.insert(AUTHORIZATION, authorization);
    }
    let mut bare = url.clone();
    // Both only fail for URLs that cannot have user info, which this one has.
    let _ = bare.set_username("");
    let _ = bare.set_password(None);
    bare.as_str()
        .parse()
        .map_err(|_| invalid("the request URL is not a valid URI"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_info_becomes_basic_authorization_unless_one_is_set() {
        let url: url::Url = "https://jane:s%3Acret@127.0.0.1:6443/api".parse().unwrap();
        let mut headers = HeaderMap::new();
        let uri = request_uri(&url, &mut headers).unwrap();
        assert_eq!(uri, "https://127.0.0.1:6443/api");
        // base64("jane:s:cret")
        assert_eq!(headers[AUTHORIZATION], "Basic amFuZTpzOmNyZXQ=");
        let mut configured = HeaderMap::new();
        configured.insert(AUTHORIZATION, HeaderValue::from_static("Bearer t"));
        request_uri(&url, &mut configured).unwrap();
        assert_eq!(configured[AUTHORIZATION], "Bearer t");
    }
}
