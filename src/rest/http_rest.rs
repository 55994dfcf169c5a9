use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures::TryStreamExt;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use rustls_pki_types::CertificateDer;
use tracing::Instrument;

use crate::config::{Auth, ClientIdentity, Config, Environment, EnvironmentProxies};
use crate::{Error, Result};

use super::auth::{Credentials, RequestCredentials, TOKEN_FILE_REREAD_INTERVAL};
use super::http_client::{Answer, HttpClient};
use super::http_exchange_task::{InFlight, on_own_task};
use super::impersonation::impersonation_headers;
use super::rate_limit::RateLimiter;
use super::retry::RetryBudget;
use super::transport::{BoundedBody, ByteStream, Request, Response, Rest, StreamResponse};
use super::transport_failure::TransportFailure;
use super::warning::WarningLog;

/// The live [`Rest`] implementation: reqwest over rustls (hyper's client over
/// our own connector when `tls-server-name` must be sent as SNI).
///
/// ```no_run
/// # async fn run() -> rudder::Result<()> {
/// use rudder::config::{Auth, SecretString};
/// use rudder::{Config, HttpRest, Rest};
///
/// let mut config = Config::new("https://127.0.0.1:6443".parse().unwrap());
/// config.auth = Auth::Bearer(SecretString::new("token"));
/// let rest = HttpRest::new(config)?;
/// let request = http::Request::get("/version").body(bytes::Bytes::new()).unwrap();
/// let response = rest.send(request).await?;
/// for warning in rudder::rest::warnings(&response) {
///     eprintln!("warning: {warning}");
/// }
/// # Ok(())
/// # }
/// ```
///
/// # Per request
/// - Credentials: basic, bearer, a token file read again every
///   [`TOKEN_FILE_REREAD_INTERVAL`] (a failed read keeps the last good
///   token), or an exec plugin's credential, cached until shortly before it
///   expires and fetched again, once, when the server answers 401. A client
///   certificate from the plugin replaces the configured one.
/// - The `Impersonate-*` headers, and `User-Agent: rudder/<version>` unless
///   the config names another.
/// - The client-side rate limiter ([`RateLimit`](crate::config::RateLimit)),
///   for every request and every retry, streams included.
/// - The connect timeout, and the request timeout for [`Rest::send`] and for
///   streams marked [`BoundedBody`](super::BoundedBody) (lists; reading the
///   body included); other streams have no request timeout.
/// - A `rudder_request` tracing span with the verb, path, status and duration.
///   Headers are never logged.
/// - [`Rest::send`] runs the exchange in the caller's future when no other
///   request of the client is in flight, else as a task of its own (aborted
///   when the caller's future is dropped), so that many requests awaited
///   from one future do not all run on one thread.
///
/// # Retries
/// Bounded by [`RetryPolicy`](crate::config::RetryPolicy) (a count and a
/// total wait): 429, and 5xx for reads, when the answer carries
/// `Retry-After` (seconds or an HTTP date); for writes (POST, PUT, PATCH, DELETE) only 429
/// and 503, which say the request was not processed. A refused or reset
/// connection is retried for reads only, never for writes. A stream is
/// retried only until its headers arrive. When retries run out, the last
/// answer is returned as it is.
///
/// # TLS and proxies
/// TLS trusts the configured CAs (else the webpki roots), checks the
/// certificate against `tls.server_name` when set and sends that name as the
/// SNI, directly and through a proxy, while `Host` (`:authority`) stays the
/// URL's, as in client-go; presents the client certificate, and offers
/// HTTP/2 (`h2` by ALPN). Requests sent while the first one waits for its
/// answer wait with it, so that a burst to an HTTP/2 server shares its one
/// connection rather than opening one each. With a `tls.server_name` an https proxy is not
/// supported yet (an error from [`HttpRest::new`]). `proxy_url` may be http,
/// https, socks5 or socks5h, and is used for every request; with none,
/// `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` (or lower case) apply by Go's rules,
/// as for kubectl: `NO_PROXY` entries are hosts, domain suffixes, IPs or
/// CIDRs, each with an optional port, and loopback is always direct.
///
/// # Responses
/// Every status is an `Ok` response; [`check_status`](super::check_status)
/// makes a non-2xx one an error. `Warning` headers are logged once per text
/// per client; read them with [`warnings`](super::warnings).
///
/// Clones share the connection pool, credentials, rate limiter and warning log.
#[derive(Clone)]
pub struct HttpRest {
    shared: Arc<Shared>,
}

struct Shared {
    config: Config,
    /// The server's URL without a trailing `/`; request paths are appended.
    base_url: String,
    /// The same without user name and password, for errors and logs.
    shown_base_url: String,
    /// The HTTP client with the configured TLS identity.
    client: HttpClient,
    /// The client built for the exec plugin's client certificate, once one was handed out.
    exec_client: Mutex<Option<ExecClient>>,
    credentials: Credentials,
    impersonation: Vec<(HeaderName, HeaderValue)>,
    rate_limiter: Option<RateLimiter>,
    warnings: WarningLog,
    /// `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` as they were when the client was built.
    env_proxies: EnvironmentProxies,
    /// The requests sent with [`Rest::send`] not answered yet.
    in_flight: InFlight,
}

/// An HTTP client and the exec-plugin certificate it was built with: a
/// new certificate needs a new TLS configuration, so a new client.
struct ExecClient {
    certificate: Vec<CertificateDer<'static>>,
    client: HttpClient,
}

impl std::fmt::Debug for HttpRest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpRest")
            .field("cluster_url", &self.shared.shown_base_url)
            .field("auth", &auth_kind(&self.shared.config.auth))
            .finish_non_exhaustive()
    }
}

impl HttpRest {
    /// A client for the server and user `config` describes.
    ///
    /// ```no_run
    /// // The usual pairing: the kubeconfig or in-cluster configuration.
    /// let rest = rudder::HttpRest::new(rudder::Config::infer()?)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] when the TLS settings, proxy, token, impersonation or rate-limit
    /// values cannot be used. Credentials are not fetched yet: an exec plugin
    /// runs, and a token file is read, on the first request.
    pub fn new(config: Config) -> Result<Self> {
        Self::with_token_reread_interval(config, TOKEN_FILE_REREAD_INTERVAL)
    }

    /// Like [`HttpRest::new`], with a token file read again every `interval`
    /// instead of every [`TOKEN_FILE_REREAD_INTERVAL`].
    pub fn with_token_reread_interval(config: Config, interval: Duration) -> Result<Self> {
        let env_proxies = EnvironmentProxies::from_environment(&Environment::process())?;
        let client = HttpClient::new(&config, &env_proxies, None)?;
        let base_url = config.cluster_url.as_str().trim_end_matches('/').to_owned();
        let mut shown = config.cluster_url.clone();
        // Both only fail for URLs that cannot have credentials, which then have none.
        let _ = shown.set_username("");
        let _ = shown.set_password(None);
        let shown_base_url = shown.as_str().trim_end_matches('/').to_owned();
        let impersonation = match &config.impersonate {
            Some(impersonation) => impersonation_headers(impersonation)?,
            None => Vec::new(),
        };
        Ok(HttpRest {
            shared: Arc::new(Shared {
                credentials: Credentials::new(&config, interval)?,
                rate_limiter: RateLimiter::new(config.rate_limit)?,
                client,
                exec_client: Mutex::new(None),
                impersonation,
                base_url,
                shown_base_url,
                warnings: WarningLog::default(),
                env_proxies,
                config,
                in_flight: InFlight::default(),
            }),
        })
    }

    /// The configuration this client was built from.
    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    /// Sends `request`, retrying where safe, and returns the final answer's head.
    async fn execute(&self, request: Request, streaming: bool) -> Result<Answer> {
        let shared = &self.shared;
        let (parts, body) = request.into_parts();
        // Checked before anything is spent on the request; moved into the
        // first try, and parsed again for a retry (cheaper than a clone for
        // every request, and a request is seldom sent twice).
        let mut first_url = Some(self.url_for(&parts)?);
        // Lists are streamed, yet bounded: they keep the request timeout.
        let timed = !streaming || parts.extensions.get::<BoundedBody>().is_some();
        let mut budget = RetryBudget::new(shared.config.retry);
        let mut refreshed_after_unauthorized = false;
        loop {
            // Every start is throttled, streams included (as client-go): a
            // relist/rewatch storm is load on the server like any other.
            if let Some(limiter) = &shared.rate_limiter {
                limiter.acquire().await;
            }
            let credentials = shared.credentials.for_request().await?;
            let client = self.client_for(credentials.exec_identity.as_ref())?;
            let headers = self.headers(&parts.headers, &credentials);
            let url = match first_url.take() {
                Some(url) => url,
                None => self.url_for(&parts)?,
            };
            let timeout = if timed {
                shared.config.request_timeout
            } else {
                None
            };
            let response = match client
                .send(&parts.method, url, headers, body.clone(), timeout)
                .await
            {
                Ok(response) => response,
                Err(error) => match budget.after_connection_failure(&parts.method, error.cause()) {
                    Some(wait) => {
                        tracing::debug!(wait_ms = wait.as_millis() as u64, error = %error, "retrying after a connection failure");
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    None => return Err(self.transport_error(&parts.method, &parts.uri, error)),
                },
            };
            let status = response.status();
            if status == http::StatusCode::UNAUTHORIZED
                && !refreshed_after_unauthorized
                && shared.credentials.refresh_after_unauthorized(&credentials).await
            {
                tracing::debug!("401 Unauthorized: fetching a new exec credential and retrying once");
                refreshed_after_unauthorized = true;
                continue;
            }
            if let Some(wait) = budget.after_answer(&parts.method, status, response.headers()) {
                tracing::debug!(
                    status = status.as_u16(),
                    wait_ms = wait.as_millis() as u64,
                    "retrying after Retry-After"
                );
                tokio::time::sleep(wait).await;
                continue;
            }
            shared.warnings.record(response.headers());
            return Ok(response);
        }
    }

    /// Where the request goes: the server's URL followed by the request's path and query.
    fn url_for(&self, parts: &http::request::Parts) -> Result<reqwest::Url> {
        request_url(&self.shared.base_url, &parts.uri).map_err(|error| Error::Transport {
            verb: parts.method.to_string(),
            url: format!("{}{}", self.shared.shown_base_url, parts.uri),
            source: Box::new(error),
        })
    }

    /// The request's own headers, with the impersonation headers added and
    /// the configured `Authorization` in place of any the request carried.
    ///
    /// Built with room for the header reqwest adds (`User-Agent`) rather than
    /// cloned: a clone has no room to spare, so reqwest's insert would grow it.
    fn headers(&self, request_headers: &HeaderMap, credentials: &RequestCredentials) -> HeaderMap {
        let room = request_headers.len() + self.shared.impersonation.len() + 2;
        let mut headers = HeaderMap::with_capacity(room);
        for (name, value) in request_headers {
            headers.append(name, value.clone());
        }
        for (name, value) in &self.shared.impersonation {
            headers.append(name, value.clone());
        }
        if let Some(authorization) = &credentials.authorization {
            headers.insert(http::header::AUTHORIZATION, authorization.clone());
        }
        headers
    }

    /// The client to send with: without an exec plugin's certificate the one
    /// built with the configuration (no lock taken); with one, the client
    /// built for that certificate, built again when the plugin hands out another.
    fn client_for(&self, exec_identity: Option<&ClientIdentity>) -> Result<HttpClient> {
        let Some(identity) = exec_identity else {
            return Ok(self.shared.client.clone());
        };
        let mut slot = match self.shared.exec_client.lock() {
            Ok(slot) => slot,
            Err(poisoned) => poisoned.into_inner(),
        };
        match &*slot {
            Some(built) if built.certificate == identity.certificate_chain => Ok(built.client.clone()),
            _ => {
                let client = HttpClient::new(&self.shared.config, &self.shared.env_proxies, Some(identity))?;
                *slot = Some(ExecClient {
                    certificate: identity.certificate_chain.clone(),
                    client: client.clone(),
                });
                Ok(client)
            }
        }
    }

    fn transport_error(&self, method: &Method, uri: &http::Uri, failure: TransportFailure) -> Error {
        Error::Transport {
            verb: method.to_string(),
            url: format!("{}{uri}", self.shared.shown_base_url),
            source: Box::new(failure),
        }
    }
}

/// Which kind of auth, and nothing more: an exec plugin's env may hold secrets.
fn auth_kind(auth: &Auth) -> &'static str {
    match auth {
        Auth::None => "none",
        Auth::Basic { .. } => "basic",
        Auth::Bearer(_) => "bearer",
        Auth::BearerFile { .. } => "bearer token file",
        Auth::Exec(_) => "exec plugin",
        Auth::Oidc(_) => "oidc",
    }
}

/// `base_url` (no trailing `/`) followed by the request's URI, written into
/// a string of the right size (`format!` would grow it piece by piece) and
/// parsed once, here, rather than by reqwest on every try.
fn request_url(base_url: &str, uri: &http::Uri) -> std::result::Result<reqwest::Url, url::ParseError> {
    use std::fmt::Write as _;
    let uri_len = uri.scheme_str().map_or(0, |scheme| scheme.len() + 3)
        + uri.authority().map_or(0, |authority| authority.as_str().len())
        + uri.path().len()
        + uri.query().map_or(0, |query| query.len() + 1);
    let mut url = String::with_capacity(base_url.len() + uri_len);
    url.push_str(base_url);
    // Writing to a String cannot fail.
    let _ = write!(url, "{uri}");
    reqwest::Url::parse(&url)
}

/// The span of one request; `status` and `duration_ms` are filled in at the end.
fn request_span(request: &Request) -> tracing::Span {
    tracing::debug_span!(
        "rudder_request",
        verb = %request.method(),
        path = request.uri().path(),
        status = tracing::field::Empty,
        duration_ms = tracing::field::Empty,
    )
}

fn record_outcome(span: &tracing::Span, started: tokio::time::Instant, status: Option<http::StatusCode>) {
    if let Some(status) = status {
        span.record("status", status.as_u16());
    }
    span.record("duration_ms", started.elapsed().as_millis() as u64);
}

impl HttpRest {
    /// Sends `request` and reads the whole answer, in `span`.
    async fn exchange(&self, request: Request, span: tracing::Span) -> Result<Response> {
        let started = tokio::time::Instant::now();
        let (method, uri) = (request.method().clone(), request.uri().clone());
        let outcome = async {
            let (head, body) = self.execute(request, false).await?.into_parts();
            let body: Bytes = body
                .bytes()
                .await
                .map_err(|failure| self.transport_error(&method, &uri, failure))?;
            Ok(head.map(|()| body))
        }
        .instrument(span.clone())
        .await;
        record_outcome(&span, started, outcome.as_ref().ok().map(http::Response::status));
        outcome
    }
}

#[async_trait::async_trait]
impl Rest for HttpRest {
    /// Inline while no other request of this client is in flight; beside
    /// others, as a task of its own (see `http_exchange_task`), aborted if
    /// this future is dropped.
    async fn send(&self, request: Request) -> Result<Response> {
        // Made here, so that the caller's span is its parent on either path.
        let span = request_span(&request);
        let (_counted, others_in_flight) = self.shared.in_flight.enter();
        if !others_in_flight {
            return self.exchange(request, span).await;
        }
        let (method, uri) = (request.method().clone(), request.uri().clone());
        let this = self.clone();
        on_own_task(async move { this.exchange(request, span).await })
            .await
            .unwrap_or_else(|cancelled| {
                let failure = TransportFailure::from_hyper(Box::new(cancelled), false, false);
                Err(self.transport_error(&method, &uri, failure))
            })
    }

    async fn send_stream(&self, request: Request) -> Result<StreamResponse> {
        let span = request_span(&request);
        let started = tokio::time::Instant::now();
        let (method, uri) = (request.method().clone(), request.uri().clone());
        let outcome = self.execute(request, true).instrument(span.clone()).await;
        record_outcome(&span, started, outcome.as_ref().ok().map(Answer::status));
        let (head, body) = outcome?.into_parts();
        let this = self.clone();
        let stream = body
            .into_stream()
            .map_err(move |failure| this.transport_error(&method, &uri, failure));
        Ok(head.map(|()| Box::pin(stream) as ByteStream))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every move of a request's future copies it whole (into the
    /// async-trait box among others): the exec-plugin and OIDC refreshes,
    /// 18 KB of state, are boxed apart so that a GET does not carry them.
    #[test]
    fn a_request_future_stays_small() {
        let rest = HttpRest::new(Config::new("http://127.0.0.1:1".parse().unwrap())).unwrap();
        let request = http::Request::get("/api").body(Bytes::new()).unwrap();
        let send = rest.send(request);
        let size = std::mem::size_of_val(&*send);
        // 2.5 KB in a debug build when written; 20 KB with the refreshes inline.
        assert!(size < 6 * 1024, "HttpRest::send's future weighs {size} bytes");
    }
}
