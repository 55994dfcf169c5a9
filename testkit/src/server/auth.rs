//! Which credentials a request must carry, checked as kube-apiserver checks
//! them: any configured authenticator that accepts the request lets it in;
//! none does → `401 Unauthorized` with a `Status` body.

use rudder::Status;

/// The credentials a [`Server`](super::Server) requires. By default none:
/// every request is let in, as with an API server that allows anonymous access.
#[derive(Clone, Default)]
pub struct Authentication {
    token: Option<String>,
    client_certificate: bool,
}

impl std::fmt::Debug for Authentication {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authentication")
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("client_certificate", &self.client_certificate)
            .finish()
    }
}

/// What a request presented, as the connection and its headers show it.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Presented<'a> {
    /// The `Authorization` header.
    pub authorization: Option<&'a str>,
    /// Whether the TLS connection carried a client certificate the server's CA issued.
    pub client_certificate: bool,
}

impl Authentication {
    /// Requires `Authorization: Bearer <token>` (or a client certificate, when
    /// that is required too).
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Requires a client certificate issued by the server's CA (or the token,
    /// when one is required too). Only meaningful over TLS.
    pub fn client_certificate(mut self) -> Self {
        self.client_certificate = true;
        self
    }

    /// The required bearer token, if any.
    pub fn required_token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// Whether a client certificate is accepted as credentials.
    pub fn requires_client_certificate(&self) -> bool {
        self.client_certificate
    }

    fn is_open(&self) -> bool {
        self.token.is_none() && !self.client_certificate
    }

    /// Whether a request that presented this may go on.
    pub(crate) fn admits(&self, presented: Presented<'_>) -> bool {
        if self.is_open() || (self.client_certificate && presented.client_certificate) {
            return true;
        }
        matches!(
            (&self.token, presented.authorization.and_then(|header| header.strip_prefix("Bearer "))),
            (Some(expected), Some(token)) if token.trim() == expected
        )
    }
}

/// What kube-apiserver answers a request no authenticator accepted.
pub(crate) fn unauthorized() -> Status {
    Status::failure(401, "Unauthorized", "Unauthorized")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn presented(authorization: Option<&str>, client_certificate: bool) -> Presented<'_> {
        Presented {
            authorization,
            client_certificate,
        }
    }

    #[test]
    fn an_open_server_lets_anonymous_requests_in() {
        assert!(Authentication::default().admits(presented(None, false)));
    }

    #[test]
    fn a_required_token_must_match() {
        let auth = Authentication::default().token("s3cret");
        assert!(auth.admits(presented(Some("Bearer s3cret"), false)));
        assert!(!auth.admits(presented(Some("Bearer wrong"), false)));
        assert!(!auth.admits(presented(None, false)));
        assert!(!auth.admits(presented(Some("Basic czNjcmV0"), false)));
    }

    #[test]
    fn a_client_certificate_or_the_token_is_enough_when_both_are_accepted() {
        let auth = Authentication::default().token("t").client_certificate();
        assert!(auth.admits(presented(None, true)));
        assert!(auth.admits(presented(Some("Bearer t"), false)));
        assert!(!auth.admits(presented(None, false)));
    }

    #[test]
    fn debug_never_shows_the_token() {
        let shown = format!("{:?}", Authentication::default().token("s3cret"));
        assert!(!shown.contains("s3cret"));
    }
}
