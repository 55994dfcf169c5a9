//! The reqwest client for one server and user: TLS, proxy, user agent,
//! connect timeout, and the resolver that sends `tls-server-name` as SNI.

use crate::config::{ClientIdentity, Config, ConfigError};

use super::server_name::ServerNameRoute;
use super::tls::client_tls_config;
use super::transport_failure::TransportFailure;

/// The reqwest client for `config`, presenting `exec_identity` when an exec
/// plugin gave one, else the configured client certificate.
pub(crate) fn build_client(
    config: &Config,
    exec_identity: Option<&ClientIdentity>,
) -> Result<reqwest::Client, ConfigError> {
    let identity = exec_identity.or(config.tls.client_identity.as_ref());
    let tls = client_tls_config(&config.tls, identity)?;
    let user_agent = config.user_agent.clone().unwrap_or_else(default_user_agent);
    let mut builder = reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .user_agent(user_agent);
    if let Some(route) = ServerNameRoute::for_config(config) {
        builder = builder.dns_resolver(route.resolver());
    }
    if let Some(timeout) = config.connect_timeout {
        builder = builder.connect_timeout(timeout);
    }
    if let Some(proxy_url) = &config.proxy_url {
        if !PROXY_SCHEMES.contains(&proxy_url.scheme()) {
            let message = format!(
                "unsupported scheme {:?}; use http, https or socks5",
                proxy_url.scheme()
            );
            return Err(ConfigError::invalid_in_memory("proxy_url", message));
        }
        let proxy = reqwest::Proxy::all(proxy_url.as_str())
            .map_err(|error| ConfigError::invalid_in_memory("proxy_url", error))?;
        builder = builder.proxy(proxy);
    }
    builder
        .build()
        .map_err(|error| ConfigError::invalid_in_memory("tls", TransportFailure::new(error)))
}

/// The proxies kubectl supports (`socks5h` resolves names at the proxy).
const PROXY_SCHEMES: [&str; 4] = ["http", "https", "socks5", "socks5h"];

/// `rudder/<version>`.
fn default_user_agent() -> String {
    format!("rudder/{}", env!("CARGO_PKG_VERSION"))
}
