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
use super::impersonation::impersonation_headers;
use super::rate_limit::RateLimiter;
use super::reqwest_client::build_client;
use super::retry::RetryBudget;
use super::server_name::ServerNameRoute;
use super::transport::{BoundedBody, ByteStream, Request, Response, Rest, StreamResponse};
use super::transport_failure::TransportFailure;
use super::warning::WarningLog;

/// The live [`Rest`] implementation: reqwest over rustls.
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
/// SNI (then also in `Host`; through a proxy the SNI stays the URL's host),
/// presents the client
/// certificate, and offers HTTP/2 (`h2` by ALPN). `proxy_url` may be http,
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
    /// Where requests go, without a trailing `/`; request paths are appended.
    /// The server's URL, with `tls-server-name` as its host when that name
    /// must be sent as SNI (see `server_name.rs`).
    base_url: String,
    /// The same without user name and password, for errors and logs.
    shown_base_url: String,
    clients: Mutex<ClientSlot>,
    credentials: Credentials,
    impersonation: Vec<(HeaderName, HeaderValue)>,
    rate_limiter: Option<RateLimiter>,
    warnings: WarningLog,
    /// `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` as they were when the client was built.
    env_proxies: EnvironmentProxies,
}

/// The reqwest client and the exec-plugin certificate it was built with: a
/// new certificate needs a new TLS configuration, so a new client.
struct ClientSlot {
    exec_certificate: Option<Vec<CertificateDer<'static>>>,
    client: reqwest::Client,
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
        let client = build_client(&config, &env_proxies, None)?;
        let request_url = match ServerNameRoute::for_config(&config) {
            Some(route) => route.request_url(&config.cluster_url),
            None => config.cluster_url.clone(),
        };
        let base_url = request_url.as_str().trim_end_matches('/').to_owned();
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
                clients: Mutex::new(ClientSlot {
                    exec_certificate: None,
                    client,
                }),
                impersonation,
                base_url,
                shown_base_url,
                warnings: WarningLog::default(),
                env_proxies,
                config,
            }),
        })
    }

    /// The configuration this client was built from.
    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    /// Sends `request`, retrying where safe, and returns the final answer's head.
    async fn execute(&self, request: Request, streaming: bool) -> Result<reqwest::Response> {
        let shared = &self.shared;
        let (parts, body) = request.into_parts();
        let timed = !streaming || parts.extensions.get::<BoundedBody>().is_some();
        let url = request_url(&shared.base_url, &parts.uri).map_err(|error| Error::Transport {
            verb: parts.method.to_string(),
            url: format!("{}{}", shared.shown_base_url, parts.uri),
            source: Box::new(error),
        })?;
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
            let mut try_request = reqwest_request(&client, &parts.method, &url, headers)
                .map_err(|error| self.transport_error(&parts.method, &parts.uri, error))?;
            *try_request.body_mut() = Some(body.clone().into());
            if timed {
                *try_request.timeout_mut() = shared.config.request_timeout;
            }
            let response = match client.execute(try_request).await {
                Ok(response) => response,
                Err(error) => match budget.after_connection_failure(&parts.method, &error) {
                    Some(wait) => {
                        tracing::debug!(wait_ms = wait.as_millis() as u64, error = %TransportFailure::new(error), "retrying after a connection failure");
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

    /// The request's own headers, with the impersonation headers added and
    /// the configured `Authorization` in place of any the request carried.
    fn headers(&self, request_headers: &HeaderMap, credentials: &RequestCredentials) -> HeaderMap {
        let mut headers = request_headers.clone();
        for (name, value) in &self.shared.impersonation {
            headers.append(name, value.clone());
        }
        if let Some(authorization) = &credentials.authorization {
            headers.insert(http::header::AUTHORIZATION, authorization.clone());
        }
        headers
    }

    /// The client to send with: the current one, or a new one when an exec
    /// plugin handed out a different client certificate.
    fn client_for(&self, exec_identity: Option<&ClientIdentity>) -> Result<reqwest::Client> {
        let mut slot = match self.shared.clients.lock() {
            Ok(slot) => slot,
            Err(poisoned) => poisoned.into_inner(),
        };
        let wanted = exec_identity.map(|identity| &identity.certificate_chain);
        if slot.exec_certificate.as_ref() != wanted {
            slot.client = build_client(&self.shared.config, &self.shared.env_proxies, exec_identity)?;
            slot.exec_certificate = wanted.cloned();
        }
        Ok(slot.client.clone())
    }

    fn transport_error(&self, method: &Method, uri: &http::Uri, error: reqwest::Error) -> Error {
        Error::Transport {
            verb: method.to_string(),
            url: format!("{}{uri}", self.shared.shown_base_url),
            source: Box::new(TransportFailure::new(error)),
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

/// The request reqwest sends. Built directly, not through
/// `RequestBuilder`, whose `headers()` copies the map entry by entry into a
/// new one; except when the URL carries a user name or password, which only
/// `RequestBuilder` moves into a `Basic` `Authorization` header (replaced by
/// the configured one, if any) and out of the URL.
fn reqwest_request(
    client: &reqwest::Client,
    method: &Method,
    url: &reqwest::Url,
    headers: HeaderMap,
) -> std::result::Result<reqwest::Request, reqwest::Error> {
    if url.username().is_empty() && url.password().is_none() {
        let mut request = reqwest::Request::new(method.clone(), url.clone());
        *request.headers_mut() = headers;
        return Ok(request);
    }
    client
        .request(method.clone(), url.clone())
        .headers(headers)
        .build()
}

/// The head of `response`; its headers are moved out, not copied (reading
/// the body does not need them).
fn into_http_response<B>(response: &mut reqwest::Response, body: B) -> http::Response<B> {
    let mut http_response = http::Response::new(body);
    *http_response.status_mut() = response.status();
    *http_response.headers_mut() = std::mem::take(response.headers_mut());
    *http_response.version_mut() = response.version();
    http_response
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

#[async_trait::async_trait]
impl Rest for HttpRest {
    async fn send(&self, request: Request) -> Result<Response> {
        let span = request_span(&request);
        let started = tokio::time::Instant::now();
        let (method, uri) = (request.method().clone(), request.uri().clone());
        let outcome = async {
            let mut response = self.execute(request, false).await?;
            let head = into_http_response(&mut response, ());
            let body: Bytes = response
                .bytes()
                .await
                .map_err(|error| self.transport_error(&method, &uri, error))?;
            Ok(head.map(|()| body))
        }
        .instrument(span.clone())
        .await;
        record_outcome(&span, started, outcome.as_ref().ok().map(http::Response::status));
        outcome
    }

    async fn send_stream(&self, request: Request) -> Result<StreamResponse> {
        let span = request_span(&request);
        let started = tokio::time::Instant::now();
        let (method, uri) = (request.method().clone(), request.uri().clone());
        let outcome = self.execute(request, true).instrument(span.clone()).await;
        record_outcome(
            &span,
            started,
            outcome.as_ref().ok().map(reqwest::Response::status),
        );
        let mut response = outcome?;
        let head = into_http_response(&mut response, ());
        let this = self.clone();
        let stream = response
            .bytes_stream()
            .map_err(move |error| this.transport_error(&method, &uri, error));
        Ok(head.map(|()| Box::pin(stream) as ByteStream))
    }
}
