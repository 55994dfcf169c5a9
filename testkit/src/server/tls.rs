//! The server's certificate authority, generated at start: it signs the
//! server's certificate (127.0.0.1, ::1, localhost) and the client
//! certificate the generated kubeconfig carries.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;

use super::error::ServeError;

/// The user name the kubeconfig's client certificate is issued to.
pub const CLIENT_USER: &str = "rudder-testkit-admin";
/// The group (certificate organization) of that user, the one real clusters make all-powerful.
pub const CLIENT_GROUP: &str = "system:masters";

/// A PEM certificate and its PEM private key.
#[derive(Clone)]
#[non_exhaustive]
pub struct PemIdentity {
    /// The certificate, PEM.
    pub certificate_pem: String,
    /// The PKCS#8 private key, PEM.
    pub key_pem: String,
    certificate_der: CertificateDer<'static>,
    key_der: Vec<u8>,
}

impl std::fmt::Debug for PemIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PemIdentity").finish_non_exhaustive()
    }
}

impl PemIdentity {
    /// The certificate, DER.
    pub fn certificate_der(&self) -> CertificateDer<'static> {
        self.certificate_der.clone()
    }

    /// The private key, DER.
    pub fn key_der(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_der.clone()))
    }
}

/// The CA and the certificates it issued for one server.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ServerPki {
    /// The CA certificate, PEM (what a kubeconfig's `certificate-authority-data` holds).
    pub ca_pem: String,
    ca_der: CertificateDer<'static>,
    server: PemIdentity,
    /// A client certificate for [`CLIENT_USER`] in [`CLIENT_GROUP`].
    pub client: PemIdentity,
}

impl ServerPki {
    /// A new CA, a server certificate for loopback and a client certificate.
    pub fn generate() -> Result<Self, ServeError> {
        let ca_key = KeyPair::generate()?;
        let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "rudder-testkit CA");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca_params.self_signed(&ca_key)?;
        let issuer = Issuer::new(ca_params, ca_key);

        let mut server_params = CertificateParams::new(vec![
            "127.0.0.1".to_owned(),
            "::1".to_owned(),
            "localhost".to_owned(),
        ])?;
        server_params
            .distinguished_name
            .push(DnType::CommonName, "rudder-testkit apiserver");
        server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let server = issue(&server_params, &issuer)?;

        let mut client_params = CertificateParams::new(Vec::<String>::new())?;
        client_params
            .distinguished_name
            .push(DnType::CommonName, CLIENT_USER);
        client_params
            .distinguished_name
            .push(DnType::OrganizationName, CLIENT_GROUP);
        client_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let client = issue(&client_params, &issuer)?;

        Ok(ServerPki {
            ca_pem: ca_cert.pem(),
            ca_der: ca_cert.der().clone(),
            server,
            client,
        })
    }

    /// The CA certificate, DER.
    pub fn ca_der(&self) -> CertificateDer<'static> {
        self.ca_der.clone()
    }

    /// The rustls configuration of the server. A client certificate is asked
    /// for but never required at the TLS level: like kube-apiserver, the
    /// server answers a request without credentials with a 401 `Status`.
    pub fn rustls_config(&self) -> Result<Arc<rustls::ServerConfig>, ServeError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        roots.add(self.ca_der())?;
        let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .allow_unauthenticated()
            .build()?;
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_client_cert_verifier(verifier)
            .with_single_cert(vec![self.server.certificate_der()], self.server.key_der())?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

fn issue(params: &CertificateParams, issuer: &Issuer<'_, KeyPair>) -> Result<PemIdentity, ServeError> {
    let key = KeyPair::generate()?;
    let certificate = params.signed_by(&key, issuer)?;
    Ok(PemIdentity {
        certificate_pem: certificate.pem(),
        key_pem: key.serialize_pem(),
        certificate_der: certificate.der().clone(),
        key_der: key.serialize_der(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_certificates_make_a_rustls_server_config() {
        let pki = ServerPki::generate().expect("certificates");
        assert!(pki.ca_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(pki.client.key_pem.contains("PRIVATE KEY"));
        let config = pki.rustls_config().expect("a server config");
        assert_eq!(config.alpn_protocols[0], b"h2");
    }
}
