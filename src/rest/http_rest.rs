use std::sync::Arc;

use bytes::Bytes;
use futures::TryStreamExt;

use crate::config::{Auth, Config};
use crate::{Error, Result};

use super::transport::{Request, Response, Rest, StreamResponse};

/// The live [`Rest`] implementation: reqwest over rustls.
#[derive(Clone)]
pub struct HttpRest {
    client: reqwest::Client,
    config: Arc<Config>,
}

impl std::fmt::Debug for HttpRest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpRest")
            .field("cluster_url", &self.config.cluster_url.as_str())
            .finish()
    }
}

impl HttpRest {
    /// A client for the server and user `config` describes.
    pub fn new(config: Config) -> Result<Self> {
        let tls = tls_client_config(&config)?;
        let mut builder = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .user_agent(config.user_agent.clone().unwrap_or_else(default_user_agent));
        if let Some(timeout) = config.connect_timeout {
            builder = builder.connect_timeout(timeout);
        }
        let client = builder
            .build()
            .map_err(|error| transport_error("BUILD", config.cluster_url.as_str(), error))?;
        Ok(HttpRest {
            client,
            config: Arc::new(config),
        })
    }

    /// The configuration this client was built from.
    pub fn config(&self) -> &Config {
        &self.config
    }

    fn absolute_url(&self, request: &Request) -> String {
        let base = self.config.cluster_url.as_str().trim_end_matches('/');
        format!("{base}{}", request.uri())
    }

    fn to_reqwest(&self, request: Request, streaming: bool) -> reqwest::RequestBuilder {
        let url = self.absolute_url(&request);
        let (parts, body) = request.into_parts();
        let mut builder = self
            .client
            .request(parts.method, url)
            .headers(parts.headers)
            .body(body);
        if !streaming && let Some(timeout) = self.config.request_timeout {
            builder = builder.timeout(timeout);
        }
        match &self.config.auth {
            Auth::Bearer(token) => builder.bearer_auth(token.expose()),
            Auth::Basic { username, password } => builder.basic_auth(username, Some(password.expose())),
            _ => builder,
        }
    }
}

/// `rudder/<version>`.
fn default_user_agent() -> String {
    format!("rudder/{}", env!("CARGO_PKG_VERSION"))
}

fn transport_error(verb: &str, url: &str, error: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::Transport {
        verb: verb.to_owned(),
        url: url.to_owned(),
        source: Box::new(error),
    }
}

fn tls_client_config(config: &Config) -> Result<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    if config.tls.root_certificates.is_empty() {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    for certificate in &config.tls.root_certificates {
        roots
            .add(certificate.clone())
            .map_err(|error| transport_error("TLS", config.cluster_url.as_str(), error))?;
    }
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| transport_error("TLS", config.cluster_url.as_str(), error))?
        .with_root_certificates(roots);
    let mut tls = match &config.tls.client_identity {
        Some(identity) => builder
            .with_client_auth_cert(
                identity.certificate_chain.clone(),
                identity.private_key.clone_key(),
            )
            .map_err(|error| transport_error("TLS", config.cluster_url.as_str(), error))?,
        None => builder.with_no_client_auth(),
    };
    tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(tls)
}

fn into_http_response<B>(response: &reqwest::Response, body: B) -> http::Response<B> {
    let mut http_response = http::Response::new(body);
    *http_response.status_mut() = response.status();
    *http_response.headers_mut() = response.headers().clone();
    *http_response.version_mut() = response.version();
    http_response
}

#[async_trait::async_trait]
impl Rest for HttpRest {
    async fn send(&self, request: Request) -> Result<Response> {
        let verb = request.method().to_string();
        let url = self.absolute_url(&request);
        let response = self
            .to_reqwest(request, false)
            .send()
            .await
            .map_err(|error| transport_error(&verb, &url, error))?;
        let head = into_http_response(&response, ());
        let body: Bytes = response
            .bytes()
            .await
            .map_err(|error| transport_error(&verb, &url, error))?;
        Ok(head.map(|()| body))
    }

    async fn send_stream(&self, request: Request) -> Result<StreamResponse> {
        let verb = request.method().to_string();
        let url = self.absolute_url(&request);
        let response = self
            .to_reqwest(request, true)
            .send()
            .await
            .map_err(|error| transport_error(&verb, &url, error))?;
        let head = into_http_response(&response, ());
        let stream = response
            .bytes_stream()
            .map_err(move |error| transport_error(&verb, &url, error));
        Ok(head.map(|()| Box::pin(stream) as super::transport::ByteStream))
    }
}
