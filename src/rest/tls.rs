//! The rustls client configuration for one API server: which server
//! certificates are trusted, under which name, and the client's own identity.

use std::sync::Arc;

use rustls::DigitallySignedStruct;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

use crate::config::{ClientIdentity, ConfigError, TlsConfig};

/// Builds the rustls configuration for `tls`. `identity` is the client
/// certificate to present: an exec plugin's when it returned one, else the
/// configured one.
///
/// ALPN offers `h2` then `http/1.1`, so HTTP/2 is used when the server offers it.
pub(crate) fn client_tls_config(
    tls: &TlsConfig,
    identity: Option<&ClientIdentity>,
) -> Result<rustls::ClientConfig, ConfigError> {
    if tls.insecure_skip_verify && !tls.root_certificates.is_empty() {
        return Err(ConfigError::invalid_in_memory(
            "tls.insecure_skip_verify",
            "specifying root certificates with the insecure flag is not allowed",
        ));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|error| ConfigError::invalid_in_memory("tls", error))?;
    let verifier: Arc<dyn ServerCertVerifier> = if tls.insecure_skip_verify {
        Arc::new(AcceptAnyServerCert { provider })
    } else {
        let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(root_store(tls)?), provider)
            .build()
            .map_err(|error| ConfigError::invalid_in_memory("tls.root_certificates", error))?;
        match &tls.server_name {
            Some(name) => Arc::new(NamedServerVerifier::new(webpki, name)?),
            None => webpki,
        }
    };
    let builder = builder.dangerous().with_custom_certificate_verifier(verifier);
    let mut config = match identity {
        Some(identity) => builder
            .with_client_auth_cert(
                identity.certificate_chain.clone(),
                identity.private_key.clone_key(),
            )
            .map_err(|error| ConfigError::invalid_in_memory("tls.client_identity", error))?,
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// The configured CAs, or the webpki roots when none is configured.
fn root_store(tls: &TlsConfig) -> Result<rustls::RootCertStore, ConfigError> {
    let mut roots = rustls::RootCertStore::empty();
    if tls.root_certificates.is_empty() {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    for certificate in &tls.root_certificates {
        roots
            .add(certificate.clone())
            .map_err(|error| ConfigError::invalid_in_memory("tls.root_certificates", error))?;
    }
    Ok(roots)
}

/// Verifies the server's certificate against a fixed name (`tls-server-name`)
/// instead of the host in the URL, which is often an IP address or a tunnel.
#[derive(Debug)]
struct NamedServerVerifier {
    inner: Arc<WebPkiServerVerifier>,
    name: ServerName<'static>,
}

impl NamedServerVerifier {
    fn new(inner: Arc<WebPkiServerVerifier>, name: &str) -> Result<Self, ConfigError> {
        let name = ServerName::try_from(name.to_owned())
            .map_err(|error| ConfigError::invalid_in_memory("tls.server_name", error))?;
        Ok(NamedServerVerifier { inner, name })
    }
}

impl ServerCertVerifier for NamedServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.inner
            .verify_server_cert(end_entity, intermediates, &self.name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// `insecure-skip-tls-verify`: any certificate is accepted. The handshake
/// signatures are still checked, so the connection is at least consistent
/// with the certificate the server showed.
#[derive(Debug)]
struct AcceptAnyServerCert {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for AcceptAnyServerCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
