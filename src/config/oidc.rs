//! The `oidc` auth provider (`users[].user.auth-provider` named `oidc`), as
//! client-go and kubectl still support it.

use std::fmt;

use rustls_pki_types::CertificateDer;

use super::secret::{RedactedUrl, SecretString};

/// An OpenID Connect identity: the id-token is sent as the bearer token;
/// once it has expired it is refreshed with the refresh-token at the token
/// endpoint of `issuer_url`'s discovery document, and the new tokens are
/// kept in memory (the kubeconfig is not rewritten).
///
/// `Debug` never shows the tokens or the client secret.
#[derive(Clone, Default, PartialEq)]
pub struct OidcConfig {
    /// `idp-issuer-url`: where `/.well-known/openid-configuration` is found.
    pub issuer_url: String,
    /// `client-id`.
    pub client_id: String,
    /// `client-secret`, sent with the refresh request when set.
    pub client_secret: Option<SecretString>,
    /// `id-token`: the bearer token while it is valid.
    pub id_token: Option<SecretString>,
    /// `refresh-token`: used to get a new id-token.
    pub refresh_token: Option<SecretString>,
    /// `idp-certificate-authority[-data]`: the CAs trusted for the issuer;
    /// empty means the system's roots.
    pub issuer_root_certificates: Vec<CertificateDer<'static>>,
}

impl fmt::Debug for OidcConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OidcConfig")
            .field("issuer_url", &RedactedUrl(&self.issuer_url))
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("id_token", &self.id_token)
            .field("refresh_token", &self.refresh_token)
            .field("issuer_root_certificates", &self.issuer_root_certificates.len())
            .finish()
    }
}
