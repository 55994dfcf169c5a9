use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use super::exec::ExecConfig;
use super::oidc::OidcConfig;
use super::secret::{RedactedUrl, SecretString, userinfo_redacted};

/// Everything the live client needs to reach one API server as one user.
///
/// Build it with [`Config::infer`] (kubeconfig, then in-cluster), from a
/// kubeconfig, or by hand with [`Config::new`] and its fields.
///
/// Its `Debug` output never shows a secret: tokens, passwords and keys are
/// `[redacted]`, and a password inside the server or proxy URL becomes `redacted`.
#[derive(Clone)]
#[non_exhaustive]
pub struct Config {
    /// The API server's base URL, such as `https://127.0.0.1:6443`. It may carry
    /// a path prefix (`https://rancher.example/k8s/clusters/c-1`); request paths
    /// are appended to it.
    pub cluster_url: url::Url,
    /// The `server` exactly as the kubeconfig (or the in-cluster variables)
    /// wrote it, before URL parsing lower-cased it or dropped a default port.
    /// kubectl names its discovery cache folder from this string, so rudder
    /// does too ([`Config::discovery_cache_key`]). `None` for a config built
    /// by hand.
    pub server_as_written: Option<String>,
    /// The namespace namespaced handles use when none is given: the context's
    /// `namespace`, in-cluster the pod's namespace, else `default`.
    pub default_namespace: String,
    /// How the server is verified and how the client proves itself over TLS.
    pub tls: TlsConfig,
    /// How each request is authenticated (a header or nothing).
    pub auth: Auth,
    /// Act as another user (`Impersonate-*` headers).
    pub impersonate: Option<Impersonation>,
    /// An HTTP(S) or SOCKS5 proxy for every request (kubeconfig `proxy-url`).
    pub proxy_url: Option<url::Url>,
    /// How long to wait for a connection. Default 30 s.
    pub connect_timeout: Option<Duration>,
    /// How long one non-streaming request may take in all. Default 295 s, just
    /// under the API server's own limit; streams (watch, logs) have none.
    pub request_timeout: Option<Duration>,
    /// The client-side rate limit.
    pub rate_limit: RateLimit,
    /// Which failed requests are tried again, and for how long.
    pub retry: RetryPolicy,
    /// Replaces the default `User-Agent: rudder/<version>`.
    pub user_agent: Option<String>,
}

impl Config {
    /// A configuration for `cluster_url` with no credentials and the defaults.
    pub fn new(cluster_url: url::Url) -> Self {
        Config {
            cluster_url,
            server_as_written: None,
            default_namespace: "default".into(),
            tls: TlsConfig::default(),
            auth: Auth::None,
            impersonate: None,
            proxy_url: None,
            connect_timeout: Some(Duration::from_secs(30)),
            request_timeout: Some(Duration::from_secs(295)),
            rate_limit: RateLimit::default(),
            retry: RetryPolicy::default(),
            user_agent: None,
        }
    }
}

impl Config {
    /// The string that names this server's discovery cache folder, as
    /// kubectl computes it: `server_as_written` when known, else the URL.
    ///
    /// ```
    /// let mut config = rudder::Config::new("https://K8S.example:443".parse().unwrap());
    /// assert_eq!(config.discovery_cache_key(), "https://k8s.example/");
    /// config.server_as_written = Some("https://K8S.example:443".into());
    /// assert_eq!(config.discovery_cache_key(), "https://K8S.example:443");
    /// ```
    pub fn discovery_cache_key(&self) -> &str {
        self.server_as_written
            .as_deref()
            .unwrap_or(self.cluster_url.as_str())
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("cluster_url", &RedactedUrl(self.cluster_url.as_str()))
            .field(
                "server_as_written",
                &self.server_as_written.as_deref().map(userinfo_redacted),
            )
            .field("default_namespace", &self.default_namespace)
            .field("tls", &self.tls)
            .field("auth", &self.auth)
            .field("impersonate", &self.impersonate)
            .field(
                "proxy_url",
                &self.proxy_url.as_ref().map(|url| RedactedUrl(url.as_str())),
            )
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("rate_limit", &self.rate_limit)
            .field("retry", &self.retry)
            .field("user_agent", &self.user_agent)
            .finish()
    }
}

/// TLS settings: which server certificates are trusted, and the client's own.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct TlsConfig {
    /// Trusted CA certificates (kubeconfig `certificate-authority[-data]`,
    /// in-cluster `ca.crt`). Empty means the system's roots.
    pub root_certificates: Vec<CertificateDer<'static>>,
    /// Accept any server certificate (`insecure-skip-tls-verify`). Never the default.
    pub insecure_skip_verify: bool,
    /// Verify the server certificate against this name instead of the URL's host
    /// (`tls-server-name`).
    pub server_name: Option<String>,
    /// A client certificate and key (`client-certificate[-data]`, `client-key[-data]`).
    pub client_identity: Option<ClientIdentity>,
}

/// A client certificate chain and its private key (RSA, EC or Ed25519).
#[non_exhaustive]
pub struct ClientIdentity {
    /// The certificate chain, leaf first.
    pub certificate_chain: Vec<CertificateDer<'static>>,
    /// The private key.
    pub private_key: PrivateKeyDer<'static>,
}

impl ClientIdentity {
    /// A certificate chain (leaf first) and its private key.
    pub fn new(certificate_chain: Vec<CertificateDer<'static>>, private_key: PrivateKeyDer<'static>) -> Self {
        ClientIdentity {
            certificate_chain,
            private_key,
        }
    }
}

impl Clone for ClientIdentity {
    fn clone(&self) -> Self {
        ClientIdentity {
            certificate_chain: self.certificate_chain.clone(),
            private_key: self.private_key.clone_key(),
        }
    }
}

impl fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientIdentity")
            .field("certificates", &self.certificate_chain.len())
            .field("private_key", &"[redacted]")
            .finish()
    }
}

/// How each request is authenticated.
#[derive(Clone, Debug, Default)]
pub enum Auth {
    /// No `Authorization` header (a client certificate may still identify the user).
    #[default]
    None,
    /// HTTP basic authentication (`username`/`password`).
    Basic {
        /// The user name.
        username: String,
        /// The password.
        password: SecretString,
    },
    /// A fixed bearer token (`token`).
    Bearer(SecretString),
    /// A bearer token read from a file and re-read so a rotated token is picked
    /// up (`tokenFile`, the in-cluster service-account token). `fallback` is the
    /// kubeconfig's `token`, used while the file cannot be read.
    BearerFile {
        /// The token file.
        path: PathBuf,
        /// A token to use until the file has been read successfully.
        fallback: Option<SecretString>,
    },
    /// Credentials from an exec plugin (`exec`), cached until they expire.
    Exec(Box<ExecConfig>),
    /// An OpenID Connect id-token, refreshed when it expires (`auth-provider: oidc`).
    Oidc(Box<OidcConfig>),
}

/// Act as another user: the `Impersonate-User`, `-Group`, `-Uid` and `-Extra-*` headers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Impersonation {
    /// The user to act as (`as`).
    pub user: String,
    /// Groups to act as (`as-groups`).
    pub groups: Vec<String>,
    /// The uid to act as (`as-uid`).
    pub uid: Option<String>,
    /// Extra fields (`as-user-extra`).
    pub extra: BTreeMap<String, Vec<String>>,
}

/// A token bucket: `qps` requests a second on average, bursts of up to `burst`.
/// The start of every request counts, streams (watch, logs) included, as in client-go.
///
/// The default is 50 QPS with bursts of 100: client-go's 5/10 throttles
/// ordinary controllers and kubectl raised its own to 50/300.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct RateLimit {
    /// Average requests a second; `0` turns the limiter off. A negative,
    /// NaN or infinite rate, or one below one request an hour, is refused
    /// when the client is built.
    pub qps: f32,
    /// How many requests may go at once after a quiet spell; at least 1
    /// when there is a limit.
    pub burst: u32,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            qps: 50.0,
            burst: 100,
        }
    }
}

impl RateLimit {
    /// `qps` requests a second on average, bursts of up to `burst`; checked
    /// when the client is built.
    ///
    /// ```
    /// let limit = rudder::config::RateLimit::new(100.0, 200);
    /// assert_eq!(limit.burst, 200);
    /// ```
    pub fn new(qps: f32, burst: u32) -> Self {
        RateLimit { qps, burst }
    }

    /// No client-side limit.
    pub fn unlimited() -> Self {
        RateLimit { qps: 0.0, burst: 0 }
    }
}

/// Which failures are retried: 429 and 5xx with `Retry-After`, and, for reads
/// only, connections refused or reset before an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Tries after the first. Default 5.
    pub max_retries: u32,
    /// The longest the client waits in all across the retries of one request. Default 30 s.
    pub max_total_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 5,
            max_total_wait: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            max_total_wait: Duration::ZERO,
        }
    }
}
