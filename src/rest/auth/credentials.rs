//! What each request carries to prove who it is, for every kind of [`Auth`].

use std::time::Duration;

use base64::Engine;
use http::HeaderValue;

use crate::config::{Auth, AuthError, ClientIdentity, Config, ConfigError, SecretString};

use super::exec_cache::ExecCache;
use super::oidc::OidcToken;
use super::token_file::TokenFile;

/// The credentials of one client, resolved per request.
#[derive(Debug)]
pub(crate) enum Credentials {
    /// Nothing (a configured client certificate may still identify the user).
    None,
    /// A fixed `Authorization` value (basic or bearer).
    Fixed(HeaderValue),
    /// A bearer token from a file, re-read now and then.
    TokenFile(TokenFile),
    /// A token or client certificate from an exec plugin.
    Exec(Box<ExecCache>),
    /// An OpenID Connect id-token, refreshed when it expires.
    Oidc(Box<OidcToken>),
}

/// What one request is sent with.
#[derive(Debug, Default)]
pub(crate) struct RequestCredentials {
    /// The `Authorization` header, marked sensitive.
    pub(crate) authorization: Option<HeaderValue>,
    /// A client certificate from an exec plugin, which replaces the configured one.
    pub(crate) exec_identity: Option<ClientIdentity>,
    /// Which exec credential was used, to drop it on a 401.
    exec_generation: Option<u64>,
}

impl Credentials {
    /// The credentials `config.auth` describes; a token file is re-read every
    /// `token_reread_interval`.
    pub(crate) fn new(config: &Config, token_reread_interval: Duration) -> Result<Self, ConfigError> {
        Ok(match &config.auth {
            Auth::None => Credentials::None,
            Auth::Basic { username, password } => Credentials::Fixed(
                basic_authorization(username, password.expose()).ok_or_else(|| unsendable("auth.basic"))?,
            ),
            Auth::Bearer(token) => Credentials::Fixed(bearer(token).ok_or_else(|| unsendable("auth.token"))?),
            Auth::BearerFile { path, fallback } => {
                Credentials::TokenFile(TokenFile::new(path, fallback.clone(), token_reread_interval))
            }
            Auth::Exec(exec) => Credentials::Exec(Box::new(ExecCache::new(exec, config))),
            Auth::Oidc(oidc) => Credentials::Oidc(Box::new(OidcToken::new(oidc)?)),
        })
    }

    /// The credentials to send one request with.
    ///
    /// An exec plugin's or an OIDC token's future is awaited in a box of its
    /// own: it is large (a refresh holds a whole process run or HTTP
    /// exchange, 18 KB in all), and a future awaited inline is part of every
    /// request's future, copied whole each time that future is moved. A token
    /// file's is small and stays inline.
    pub(crate) async fn for_request(&self) -> Result<RequestCredentials, AuthError> {
        match self {
            Credentials::None => Ok(RequestCredentials::default()),
            Credentials::Fixed(value) => Ok(RequestCredentials {
                authorization: Some(value.clone()),
                ..RequestCredentials::default()
            }),
            Credentials::TokenFile(file) => token_file_credentials(file).await,
            Credentials::Oidc(oidc) => Box::pin(oidc_credentials(oidc)).await,
            Credentials::Exec(cache) => Box::pin(exec_credentials(cache)).await,
        }
    }

    /// The server answered 401 to a request sent with `used`. Returns whether
    /// fresh credentials may help, that is, whether to send the request once more.
    pub(crate) async fn refresh_after_unauthorized(&self, used: &RequestCredentials) -> bool {
        match (self, used.exec_generation) {
            (Credentials::Exec(cache), Some(generation)) => {
                cache.invalidate(generation).await;
                true
            }
            _ => false,
        }
    }
}

async fn token_file_credentials(file: &TokenFile) -> Result<RequestCredentials, AuthError> {
    let token = file.token().await?;
    let authorization = bearer(&token).ok_or_else(|| AuthError::TokenFile {
        path: file.path().to_owned(),
        source: std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "the token holds characters an HTTP header cannot carry",
        ),
    })?;
    Ok(RequestCredentials {
        authorization: Some(authorization),
        ..RequestCredentials::default()
    })
}

async fn oidc_credentials(oidc: &OidcToken) -> Result<RequestCredentials, AuthError> {
    let token = oidc.id_token().await?;
    let authorization = bearer(&token).ok_or_else(|| AuthError::Oidc {
        issuer: String::new(),
        message: "the id-token holds characters an HTTP header cannot carry".into(),
    })?;
    Ok(RequestCredentials {
        authorization: Some(authorization),
        ..RequestCredentials::default()
    })
}

async fn exec_credentials(cache: &ExecCache) -> Result<RequestCredentials, AuthError> {
    let issued = cache.credential().await?;
    let authorization = match &issued.token {
        Some(token) => Some(bearer(token).ok_or_else(|| AuthError::Exec {
            command: cache.command().to_owned(),
            message: "its output's status.token holds characters an HTTP header cannot carry".into(),
        })?),
        None => None,
    };
    Ok(RequestCredentials {
        authorization,
        exec_identity: issued.identity,
        exec_generation: Some(issued.generation),
    })
}

/// `Bearer <token>`, or `None` when the token cannot be a header value.
fn bearer(token: &SecretString) -> Option<HeaderValue> {
    sensitive_header(&format!("Bearer {}", token.expose()))
}

/// A header value that HTTP/2 never indexes and reqwest never shows.
/// `Basic base64(username:password)`, marked sensitive; `None` when the
/// pair cannot be a header value. Also the `Proxy-Authorization` of a proxy
/// URL's user info.
pub(crate) fn basic_authorization(username: &str, password: &str) -> Option<HeaderValue> {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
    sensitive_header(&format!("Basic {encoded}"))
}

fn sensitive_header(value: &str) -> Option<HeaderValue> {
    let mut header = HeaderValue::from_str(value).ok()?;
    header.set_sensitive(true);
    Some(header)
}

/// The error for a secret that cannot be sent; the secret itself is not quoted.
fn unsendable(field: &str) -> ConfigError {
    ConfigError::invalid_in_memory(field, "holds characters an HTTP header cannot carry")
}
