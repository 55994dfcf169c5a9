//! The reqwest client for one server and user: TLS, proxy, user agent and
//! connect timeout.

use crate::config::{ClientIdentity, Config, ConfigError, EnvironmentProxies, unsupported_proxy_scheme};
use crate::rest::tls::client_tls_config;
use crate::rest::transport_failure::TransportFailure;

use super::user_agent;

/// The reqwest client for `config`, presenting `exec_identity` when an exec
/// plugin gave one, else the configured client certificate. Without a
/// `proxy_url`, `env_proxies` (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`)
/// decide, by Go's rules rather than reqwest's, as for kubectl.
pub(crate) fn build_client(
    config: &Config,
    env_proxies: &EnvironmentProxies,
    exec_identity: Option<&ClientIdentity>,
) -> Result<reqwest::Client, ConfigError> {
    let identity = exec_identity.or(config.tls.client_identity.as_ref());
    let tls = client_tls_config(&config.tls, identity)?;
    let mut builder = reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .user_agent(user_agent(config));
    if let Some(timeout) = config.connect_timeout {
        builder = builder.connect_timeout(timeout);
    }
    // The request timeout is the client's default rather than set on each
    // request, which would give every request an extension map of its own
    // (two allocations); streams override it (`HttpRest::execute`).
    if let Some(timeout) = config.request_timeout {
        builder = builder.timeout(timeout);
    }
    // reqwest's own reading of the environment is off: its NO_PROXY rules are not Go's.
    builder = builder.no_proxy();
    if let Some(proxy_url) = &config.proxy_url {
        if let Some(message) = unsupported_proxy_scheme(proxy_url) {
            return Err(ConfigError::invalid_in_memory("proxy_url", message));
        }
        // As in client-go, an explicit proxy is used for every request; NO_PROXY does not apply.
        let proxy = reqwest::Proxy::all(proxy_url.as_str())
            .map_err(|error| ConfigError::invalid_in_memory("proxy_url", error))?;
        builder = builder.proxy(proxy);
    } else if !env_proxies.is_empty() {
        let env_proxies = env_proxies.clone();
        builder = builder.proxy(reqwest::Proxy::custom(move |url| {
            env_proxies.proxy_for(url).cloned()
        }));
    }
    builder
        .build()
        .map_err(|error| ConfigError::invalid_in_memory("tls", TransportFailure::new(error)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Environment;

    #[tokio::test]
    async fn an_environment_proxy_carries_requests_and_no_proxy_is_respected() {
        let proxy = wiremock::MockServer::start().await;
        wiremock::Mock::given(wiremock::matchers::any())
            .respond_with(wiremock::ResponseTemplate::new(200))
            .mount(&proxy)
            .await;
        let env = Environment::from_vars([
            ("HTTP_PROXY", proxy.uri()),
            ("NO_PROXY", "direct.example".to_owned()),
        ]);
        let env_proxies = EnvironmentProxies::from_environment(&env).unwrap();
        let config = Config::new("http://api.example:6443".parse().unwrap());
        let client = build_client(&config, &env_proxies, None).unwrap();
        let response = client.get("http://api.example:6443/api").send().await.unwrap();
        assert_eq!(response.status(), 200);
        let seen = proxy.received_requests().await.unwrap();
        assert_eq!(
            seen[0].url.host_str(),
            Some("api.example"),
            "the proxy is asked for the server"
        );
        assert!(
            env_proxies
                .proxy_for(&"http://direct.example".parse().unwrap())
                .is_none()
        );
    }
}
