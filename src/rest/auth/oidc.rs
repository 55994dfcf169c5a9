//! The `oidc` auth provider at request time: the id-token while it is valid,
//! else a new one from the issuer's token endpoint, kept in memory.

use std::time::Duration;

use base64::Engine;
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::config::{AuthError, ConfigError, OidcConfig, SecretString, TlsConfig, userinfo_redacted};
use crate::rest::TransportFailure;
use crate::rest::tls::client_tls_config;

/// An id-token this close to its expiry is refreshed already, as client-go does.
const EXPIRY_MARGIN: Duration = Duration::from_secs(10);

/// How long the issuer has to answer one request.
const ISSUER_TIMEOUT: Duration = Duration::from_secs(30);

/// One user's OpenID Connect tokens.
pub(crate) struct OidcToken {
    issuer_url: String,
    client_id: String,
    client_secret: Option<SecretString>,
    /// Held across a refresh, so concurrent requests wait for one refresh.
    tokens: Mutex<Tokens>,
    client: reqwest::Client,
}

impl std::fmt::Debug for OidcToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcToken")
            .field("issuer_url", &userinfo_redacted(&self.issuer_url))
            .finish_non_exhaustive()
    }
}

struct Tokens {
    id_token: Option<SecretString>,
    refresh_token: Option<SecretString>,
}

/// The part of the issuer's discovery document used here.
#[derive(Deserialize)]
struct DiscoveryDocument {
    token_endpoint: String,
}

/// The token endpoint's answer to a refresh.
#[derive(Deserialize)]
struct TokenResponse {
    id_token: Option<SecretString>,
    refresh_token: Option<SecretString>,
}

impl OidcToken {
    /// The tokens of `config`, with a client for its issuer.
    pub(crate) fn new(config: &OidcConfig) -> Result<Self, ConfigError> {
        let tls = TlsConfig {
            root_certificates: config.issuer_root_certificates.clone(),
            ..TlsConfig::default()
        };
        let client = reqwest::Client::builder()
            .use_preconfigured_tls(client_tls_config(&tls, None)?)
            .timeout(ISSUER_TIMEOUT)
            .build()
            .map_err(|error| ConfigError::invalid_in_memory("auth.oidc", error))?;
        Ok(OidcToken {
            issuer_url: config.issuer_url.clone(),
            client_id: config.client_id.clone(),
            client_secret: config.client_secret.clone(),
            tokens: Mutex::new(Tokens {
                id_token: config.id_token.clone(),
                refresh_token: config.refresh_token.clone(),
            }),
            client,
        })
    }

    /// The id-token to send now, refreshed first when it has expired.
    pub(crate) async fn id_token(&self) -> Result<SecretString, AuthError> {
        let mut tokens = self.tokens.lock().await;
        if let Some(token) = &tokens.id_token
            && !has_expired(token.expose(), jiff::Timestamp::now())
        {
            return Ok(token.clone());
        }
        let Some(refresh_token) = tokens.refresh_token.clone() else {
            return Err(self.error("the id-token has expired (or is missing) and there is no refresh-token"));
        };
        let refreshed = self.refresh(&refresh_token).await?;
        let id_token = refreshed
            .id_token
            .filter(|token| !token.is_empty())
            .ok_or_else(|| self.error("the token endpoint's answer has no id_token"))?;
        tokens.id_token = Some(id_token.clone());
        if let Some(rotated) = refreshed.refresh_token.filter(|token| !token.is_empty()) {
            tokens.refresh_token = Some(rotated);
        }
        tracing::debug!(issuer = %userinfo_redacted(&self.issuer_url), "refreshed the OIDC id-token");
        Ok(id_token)
    }

    /// Asks the issuer's token endpoint for new tokens.
    async fn refresh(&self, refresh_token: &SecretString) -> Result<TokenResponse, AuthError> {
        let discovery_url = format!(
            "{}/.well-known/openid-configuration",
            self.issuer_url.trim_end_matches('/')
        );
        let document: DiscoveryDocument = self
            .get_json(self.client.get(&discovery_url), "the discovery document")
            .await?;
        let request = self
            .client
            .post(&document.token_endpoint)
            .header(http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(http::header::ACCEPT, "application/json")
            .body(self.refresh_form(refresh_token));
        self.get_json(request, "the token endpoint").await
    }

    /// The refresh request's body. The client's credentials go in the body
    /// (`client_secret_post`), which identity providers accept alongside basic auth.
    fn refresh_form(&self, refresh_token: &SecretString) -> String {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", "refresh_token")
            .append_pair("refresh_token", refresh_token.expose())
            .append_pair("client_id", &self.client_id);
        if let Some(secret) = &self.client_secret {
            form.append_pair("client_secret", secret.expose());
        }
        form.finish()
    }

    /// Sends `request` and decodes its JSON answer; errors say which step
    /// failed and the HTTP status, never the body (it may hold tokens).
    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
        what: &str,
    ) -> Result<T, AuthError> {
        let response = request
            .send()
            .await
            .map_err(|error| self.error(&format!("cannot reach {what}: {}", TransportFailure::new(error))))?;
        let status = response.status();
        if !status.is_success() {
            return Err(self.error(&format!("{what} answered {status}")));
        }
        let body = response
            .bytes()
            .await
            .map_err(|error| self.error(&format!("cannot read {what}: {}", TransportFailure::new(error))))?;
        serde_json::from_slice(&body).map_err(|_| self.error(&format!("{what} is not the JSON expected")))
    }

    fn error(&self, message: &str) -> AuthError {
        AuthError::Oidc {
            issuer: userinfo_redacted(&self.issuer_url).into_owned(),
            message: message.to_owned(),
        }
    }
}

/// Whether the JWT `token` expires within [`EXPIRY_MARGIN`] of `now`. A token
/// that is not a JWT with an `exp` counts as expired, so it gets refreshed.
fn has_expired(token: &str, now: jiff::Timestamp) -> bool {
    #[derive(Deserialize)]
    struct Claims {
        exp: f64,
    }
    let mut parts = token.split('.');
    let (Some(_), Some(payload), Some(_), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return true;
    };
    let Ok(json) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('='))
    else {
        return true;
    };
    let Ok(claims) = serde_json::from_slice::<Claims>(&json) else {
        return true;
    };
    let margin = EXPIRY_MARGIN.as_secs_f64();
    (now.as_millisecond() as f64) / 1000.0 + margin >= claims.exp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: &str) -> String {
        let encode = |text: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text);
        format!("{}.{}.sig", encode(r#"{"alg":"none"}"#), encode(claims))
    }

    #[test]
    fn a_token_is_expired_within_ten_seconds_of_its_exp() {
        let now = jiff::Timestamp::from_second(1_000_000).unwrap();
        assert!(!has_expired(&jwt(r#"{"exp":1000011}"#), now));
        assert!(has_expired(&jwt(r#"{"exp":1000010}"#), now));
        assert!(has_expired(&jwt(r#"{"exp":999999}"#), now));
    }

    #[test]
    fn a_token_that_is_not_a_jwt_with_exp_is_refreshed() {
        let now = jiff::Timestamp::from_second(1_000_000).unwrap();
        for token in ["opaque", "a.b", "a.%%%.c", &jwt(r#"{"sub":"x"}"#), "a.b.c.d"] {
            assert!(has_expired(token, now), "{token}");
        }
    }
}
