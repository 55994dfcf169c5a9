//! The credential of an exec plugin, kept until shortly before it expires
//! (or until the server answers 401), so the plugin runs once per credential
//! rather than once per request.

use std::time::Duration;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::sync::Mutex;

use crate::config::{AuthError, ClientIdentity, Config, ExecConfig, SecretString};

use super::exec_plugin::ExecPlugin;

/// A credential this close to its expiry is fetched again rather than sent.
const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(10);

/// What one run of the plugin gave, ready to use.
#[derive(Clone, Debug)]
pub(crate) struct IssuedCredential {
    /// A bearer token.
    pub(crate) token: Option<SecretString>,
    /// A client certificate for TLS.
    pub(crate) identity: Option<ClientIdentity>,
    /// Which run of the plugin this came from (see [`ExecCache::invalidate`]).
    pub(crate) generation: u64,
    expires: Option<jiff::Timestamp>,
}

/// The plugin and its last credential.
#[derive(Debug)]
pub(crate) struct ExecCache {
    plugin: ExecPlugin,
    command: String,
    state: Mutex<CacheState>,
}

#[derive(Debug, Default)]
struct CacheState {
    current: Option<IssuedCredential>,
    runs: u64,
}

impl ExecCache {
    pub(crate) fn new(exec: &ExecConfig, config: &Config) -> Self {
        ExecCache {
            plugin: ExecPlugin::new(exec, config),
            command: exec.command.clone(),
            state: Mutex::new(CacheState::default()),
        }
    }

    /// The plugin's command, for error messages.
    pub(crate) fn command(&self) -> &str {
        &self.command
    }

    /// The cached credential, or a new one from the plugin when there is none
    /// or it is about to expire. Concurrent callers wait for one run.
    pub(crate) async fn credential(&self) -> Result<IssuedCredential, AuthError> {
        let mut state = self.state.lock().await;
        if let Some(current) = &state.current
            && is_fresh(current.expires)
        {
            return Ok(current.clone());
        }
        tracing::debug!(command = %self.command, "running the exec credential plugin");
        let credential = self.plugin.run().await?;
        state.runs += 1;
        let identity = match (&credential.client_certificate_data, &credential.client_key_data) {
            (Some(certificate), Some(key)) => Some(self.identity(certificate, key)?),
            _ => None,
        };
        let issued = IssuedCredential {
            token: credential.token,
            identity,
            generation: state.runs,
            expires: credential.expiration_timestamp,
        };
        state.current = Some(issued.clone());
        Ok(issued)
    }

    /// Forgets the credential of run `generation` (the server refused it), so
    /// the next request runs the plugin again. A newer credential, fetched by
    /// a concurrent request meanwhile, is kept.
    pub(crate) async fn invalidate(&self, generation: u64) {
        let mut state = self.state.lock().await;
        if state
            .current
            .as_ref()
            .is_some_and(|current| current.generation == generation)
        {
            state.current = None;
        }
    }

    fn identity(&self, certificate: &str, key: &SecretString) -> Result<ClientIdentity, AuthError> {
        let certificate_chain = CertificateDer::pem_slice_iter(certificate.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| self.error(format!("status.clientCertificateData is not PEM: {error}")))?;
        if certificate_chain.is_empty() {
            return Err(self.error("status.clientCertificateData holds no PEM certificate".into()));
        }
        // The key's own parse error is not quoted: it could describe the key.
        let private_key = PrivateKeyDer::from_pem_slice(key.expose().as_bytes())
            .map_err(|_| self.error("status.clientKeyData is not a PEM private key".into()))?;
        Ok(ClientIdentity {
            certificate_chain,
            private_key,
        })
    }

    fn error(&self, message: String) -> AuthError {
        AuthError::Exec {
            command: self.command.clone(),
            message,
        }
    }
}

/// Whether a credential expiring at `expires` may still be sent.
fn is_fresh(expires: Option<jiff::Timestamp>) -> bool {
    match expires {
        None => true,
        Some(expires) => {
            let refresh_at = expires
                .checked_sub(jiff::SignedDuration::try_from(REFRESH_BEFORE_EXPIRY).unwrap_or_default())
                .unwrap_or(expires);
            jiff::Timestamp::now() < refresh_at
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_credential_without_expiry_is_fresh_until_a_401() {
        assert!(is_fresh(None));
    }

    #[test]
    fn a_credential_is_refreshed_a_little_before_it_expires() {
        let now = jiff::Timestamp::now();
        assert!(is_fresh(Some(now + jiff::SignedDuration::from_secs(3600))));
        assert!(!is_fresh(Some(now + jiff::SignedDuration::from_secs(5))));
        assert!(!is_fresh(Some(now - jiff::SignedDuration::from_secs(1))));
    }
}
