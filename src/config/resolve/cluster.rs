//! A kubeconfig cluster entry as the server's URL, TLS trust and proxy.

use std::path::Path;

use rustls_pki_types::CertificateDer;

use super::selection::Selection;
use crate::config::error::{ConfigError, Field};
use crate::config::kubeconfig::NamedCluster;
use crate::config::{pem, unsupported_proxy_scheme};

/// The name of the cluster extension passed on to exec plugins.
const EXEC_EXTENSION: &str = "client.authentication.k8s.io/exec";

/// What a cluster entry says about the server.
pub(super) struct ClusterSettings {
    pub url: url::Url,
    /// The server string the URL was parsed from, as written.
    pub server_as_written: String,
    pub root_certificates: Vec<CertificateDer<'static>>,
    pub insecure_skip_verify: bool,
    pub server_name: Option<String>,
    pub proxy_url: Option<url::Url>,
    /// The `client.authentication.k8s.io/exec` extension, for exec plugins.
    pub exec_extension: Option<serde_json::Value>,
}

/// Reads the selected cluster; `server` (the `--server` flag) replaces its URL.
pub(super) fn resolve_cluster(
    selection: &Selection<'_>,
    server: Option<&str>,
) -> Result<ClusterSettings, ConfigError> {
    let Some(named) = selection.cluster else {
        let (url, server_as_written) = match server {
            Some(server) => (
                parse_server(server, &Field::new(Some(Path::new("<options>")), "server"))?,
                server.to_owned(),
            ),
            None => return Err(missing_cluster(selection)),
        };
        return Ok(ClusterSettings {
            url,
            server_as_written,
            root_certificates: Vec::new(),
            insecure_skip_verify: false,
            server_name: None,
            proxy_url: None,
            exec_extension: None,
        });
    };
    let cluster = &named.cluster;
    let field = Field::new(
        named.origin.as_deref(),
        format!("clusters[{}].cluster", named.name),
    );
    let (url, server_as_written) = match (server, &cluster.server) {
        (Some(server), _) => (
            parse_server(server, &Field::new(Some(Path::new("<options>")), "server"))?,
            server.to_owned(),
        ),
        (None, Some(server)) => (parse_server(server, &field.child("server"))?, server.clone()),
        (None, None) => return Err(field.child("server").invalid("is missing")),
    };
    let has_ca = cluster.certificate_authority.is_some() || cluster.certificate_authority_data.is_some();
    if cluster.insecure_skip_tls_verify && has_ca {
        return Err(field.child("insecure-skip-tls-verify").invalid(INSECURE_WITH_CA));
    }
    let proxy_url = cluster
        .proxy_url
        .as_deref()
        .map(|proxy| parse_proxy(proxy, &field.child("proxy-url")))
        .transpose()?;
    Ok(ClusterSettings {
        url,
        server_as_written,
        root_certificates: root_certificates(named, &field)?,
        insecure_skip_verify: cluster.insecure_skip_tls_verify,
        server_name: cluster.tls_server_name.clone(),
        proxy_url,
        exec_extension: cluster
            .extensions
            .iter()
            .find(|extension| extension.name == EXEC_EXTENSION)
            .map(|extension| extension.extension.clone()),
    })
}

/// client-go's words for a CA beside `insecure-skip-tls-verify`: the CA
/// would be silently ignored, which is never what was meant.
const INSECURE_WITH_CA: &str = "specifying a root certificates file with the insecure flag is not allowed";

/// A context that names no cluster, and no `--server`: nothing says where the server is.
fn missing_cluster(selection: &Selection<'_>) -> ConfigError {
    match selection.context {
        Some(context) => Field::new(
            context.origin.as_deref(),
            format!("contexts[{}].context.cluster", context.name),
        )
        .invalid("is not set, so nothing says where the API server is"),
        None => Field::new(Some(Path::new("<options>")), "server")
            .invalid("is not set and no context was selected"),
    }
}

/// The API server URL; like kubectl, a bare `host:port` means `https://host:port`.
fn parse_server(server: &str, field: &Field) -> Result<url::Url, ConfigError> {
    let with_scheme = if server.contains("://") {
        server.to_owned()
    } else {
        format!("https://{server}")
    };
    // The URL is not quoted: it may carry a user name and password.
    let url = url::Url::parse(&with_scheme)
        .map_err(|error| field.invalid(format!("is not a valid URL: {error}")))?;
    match url.scheme() {
        "https" | "http" if url.host().is_some() => Ok(url),
        "https" | "http" => Err(field.invalid("is not a valid URL: it has no host")),
        other => Err(field.invalid(format!(
            "has the scheme {other:?}; the API server needs https or http"
        ))),
    }
}

fn parse_proxy(proxy: &str, field: &Field) -> Result<url::Url, ConfigError> {
    let url =
        url::Url::parse(proxy).map_err(|error| field.invalid(format!("is not a valid URL: {error}")))?;
    match unsupported_proxy_scheme(&url) {
        Some(message) => Err(field.invalid(message)),
        None => Ok(url),
    }
}

/// The CA certificates of `certificate-authority-data` or `certificate-authority`,
/// each checked to be a certificate rustls can trust.
fn root_certificates(
    named: &NamedCluster,
    field: &Field,
) -> Result<Vec<CertificateDer<'static>>, ConfigError> {
    let cluster = &named.cluster;
    let data_field = field.child("certificate-authority-data");
    let file_field = field.child("certificate-authority");
    let pem = pem::data_or_file(
        cluster
            .certificate_authority_data
            .as_deref()
            .map(|data| (data, &data_field)),
        cluster
            .certificate_authority
            .as_deref()
            .map(|path| (path, &file_field)),
    )?;
    let Some((pem, what)) = pem else {
        return Ok(Vec::new());
    };
    let used_field = if cluster.certificate_authority_data.is_some() {
        &data_field
    } else {
        &file_field
    };
    let certificates = pem::certificates(&pem, used_field, &what)?;
    let mut store = rustls::RootCertStore::empty();
    for (index, certificate) in certificates.iter().enumerate() {
        store.add(certificate.clone()).map_err(|error| {
            used_field.invalid(format!(
                "{what}: certificate {} cannot be trusted: {error}",
                index + 1
            ))
        })?;
    }
    Ok(certificates)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field() -> Field {
        Field::new(None, "clusters[c].cluster.server")
    }

    #[test]
    fn a_server_without_a_scheme_means_https() {
        assert_eq!(
            parse_server("10.0.0.1:6443", &field()).unwrap().as_str(),
            "https://10.0.0.1:6443/"
        );
    }

    #[test]
    fn plain_http_servers_are_allowed() {
        assert_eq!(
            parse_server("http://127.0.0.1:8080", &field()).unwrap().scheme(),
            "http"
        );
    }

    #[test]
    fn a_bad_server_url_is_not_quoted() {
        let error = parse_server("https://user:SECRET@[bad", &field())
            .unwrap_err()
            .to_string();
        assert!(!error.contains("SECRET"), "{error}");
        assert!(
            error.starts_with("<in-memory>: clusters[c].cluster.server: is not a valid URL"),
            "{error}"
        );
    }

    #[test]
    fn proxies_may_have_every_scheme_kubectl_accepts() {
        for proxy in [
            "http://p:3128",
            "https://p:3129",
            "socks5://p:1080",
            "socks5h://p:1080",
        ] {
            assert!(parse_proxy(proxy, &field()).is_ok(), "{proxy}");
        }
        assert!(parse_proxy("socks4://p:1080", &field()).is_err());
    }
}
