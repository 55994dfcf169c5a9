//! A small HTTPS server on 127.0.0.1 with certificates made in the test: a
//! CA, a server certificate for `127.0.0.1` and `kubernetes.test`, and a
//! client certificate. It answers `/sni` with the server name the client sent
//! (SNI, `-` for none), `/authorization` with the `Authorization` header (`-`
//! for none), and every other path with the HTTP version and whether the
//! client presented a certificate.

use std::convert::Infallible;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose, SanType,
};
use rudder::config::ClientIdentity;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;

/// The name in the server certificate besides `127.0.0.1`.
pub const SERVER_NAME: &str = "kubernetes.test";

/// The certificates of one test.
pub struct TestPki {
    pub ca: CertificateDer<'static>,
    pub server_chain: Vec<CertificateDer<'static>>,
    pub server_key_pem: String,
    pub client_certificate_pem: String,
    pub client_key_pem: String,
}

impl TestPki {
    /// A server certificate for [`SERVER_NAME`] and `127.0.0.1`.
    pub fn generate() -> Self {
        Self::for_server_names(&[SERVER_NAME, "127.0.0.1"])
    }

    /// A server certificate valid for `names` only (DNS names or IP addresses).
    pub fn for_server_names(names: &[&str]) -> Self {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "rudder test CA");
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::CrlSign,
        ];
        let ca =
            CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("CA key")).expect("CA cert");

        let server_key = KeyPair::generate().expect("server key");
        let mut server_params = CertificateParams::new(Vec::<String>::new()).expect("server params");
        server_params.subject_alt_names = names
            .iter()
            .map(|name| match name.parse::<IpAddr>() {
                Ok(ip) => SanType::IpAddress(ip),
                Err(_) => SanType::DnsName((*name).try_into().expect("a DNS name")),
            })
            .collect();
        server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let server_cert = server_params.signed_by(&server_key, &ca).expect("server cert");

        let client_key = KeyPair::generate().expect("client key");
        let mut client_params = CertificateParams::new(Vec::<String>::new()).expect("client params");
        client_params.distinguished_name.push(DnType::CommonName, "jane");
        client_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let client_cert = client_params.signed_by(&client_key, &ca).expect("client cert");

        TestPki {
            ca: ca.der().clone(),
            server_chain: vec![server_cert.der().clone()],
            server_key_pem: server_key.serialize_pem(),
            client_certificate_pem: client_cert.pem(),
            client_key_pem: client_key.serialize_pem(),
        }
    }

    /// The client certificate as a config's `ClientIdentity`.
    pub fn client_identity(&self) -> ClientIdentity {
        ClientIdentity::new(
            CertificateDer::pem_slice_iter(self.client_certificate_pem.as_bytes())
                .collect::<Result<_, _>>()
                .expect("client cert PEM"),
            PrivateKeyDer::from_pem_slice(self.client_key_pem.as_bytes()).expect("client key PEM"),
        )
    }
}

/// Whether the server asks for a client certificate.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    None,
    Required,
}

/// Serves HTTPS (HTTP/1.1 and HTTP/2) on 127.0.0.1; returns its URL.
pub async fn serve_https(pki: &TestPki, client_auth: ClientAuth) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let port = listener.local_addr().expect("the port").port();
    serve_tls(listener, server_config(pki, client_auth), |peer, request| {
        Some(match request.uri().path() {
            "/sni" => peer.sni.clone(),
            "/authorization" => request
                .headers()
                .get(hyper::header::AUTHORIZATION)
                .map_or("-".to_owned(), |value| {
                    String::from_utf8_lossy(value.as_bytes()).into_owned()
                }),
            _ => format!("{:?} client_cert={}", request.version(), peer.client_cert),
        })
    });
    format!("https://127.0.0.1:{port}")
}

/// The server's TLS configuration for `pki`'s server certificate, offering
/// `h2` and `http/1.1` by ALPN.
pub fn server_config(pki: &TestPki, client_auth: ClientAuth) -> rustls::ServerConfig {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("TLS versions");
    let builder = match client_auth {
        ClientAuth::None => builder.with_no_client_auth(),
        ClientAuth::Required => {
            let mut roots = rustls::RootCertStore::empty();
            roots.add(pki.ca.clone()).expect("CA in the store");
            let verifier =
                rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                    .build()
                    .expect("client verifier");
            builder.with_client_cert_verifier(verifier)
        }
    };
    let key = PrivateKeyDer::from_pem_slice(pki.server_key_pem.as_bytes()).expect("server key PEM");
    let mut config = builder
        .with_single_cert(pki.server_chain.clone(), key)
        .expect("server TLS config");
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    config
}

/// What the server knows of the client's connection.
pub struct Peer {
    /// The SNI the client sent, `-` for none.
    pub sni: String,
    /// Whether the client presented a certificate.
    pub client_cert: bool,
}

/// The TLS connections a server accepted, by the protocol ALPN chose.
#[derive(Default)]
pub struct Connections {
    pub http2: AtomicUsize,
    pub http1: AtomicUsize,
}

impl Connections {
    /// (HTTP/2, HTTP/1.1) connections so far.
    pub fn counts(&self) -> (usize, usize) {
        (
            self.http2.load(Ordering::SeqCst),
            self.http1.load(Ordering::SeqCst),
        )
    }
}

/// Serves TLS connections on `listener` with `config`, HTTP/1.1 or HTTP/2
/// as ALPN decides, answering each request with the body `answer` gives, or
/// never when it gives `None`; returns the count of connections accepted.
pub fn serve_tls<F>(listener: TcpListener, config: rustls::ServerConfig, answer: F) -> Arc<Connections>
where
    F: Fn(&Peer, &hyper::Request<hyper::body::Incoming>) -> Option<String> + Clone + Send + Sync + 'static,
{
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let connections = Arc::new(Connections::default());
    let counted = connections.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let answer = answer.clone();
            let counted = counted.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let connection = tls.get_ref().1;
                let protocol = match connection.alpn_protocol() {
                    Some(b"h2") => &counted.http2,
                    _ => &counted.http1,
                };
                protocol.fetch_add(1, Ordering::SeqCst);
                let peer = Arc::new(Peer {
                    sni: connection.server_name().unwrap_or("-").to_owned(),
                    client_cert: connection
                        .peer_certificates()
                        .is_some_and(|chain| !chain.is_empty()),
                });
                let service = service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                    let body = answer(&peer, &request);
                    async move {
                        let Some(body) = body else {
                            return std::future::pending().await;
                        };
                        Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from(body))))
                    }
                });
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    connections
}
