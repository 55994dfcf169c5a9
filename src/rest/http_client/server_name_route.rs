//! When `tls-server-name` changes what is sent, and so which client sends.
//!
//! client-go sends `tls-server-name` as the TLS SNI and checks the server's
//! certificate against it, and changes nothing else: the connection (or the
//! proxy's `CONNECT`) goes to the URL's host and the `Host` header (HTTP/2
//! `:authority`) is the URL's. reqwest takes the SNI from the URL's host and
//! cannot be told otherwise, so requests that need another SNI go through
//! hyper's client over our own connector instead (see the parent module).

use std::net::IpAddr;

use url::Host;

use crate::config::Config;

/// The name to send as SNI in place of the URL's host.
#[derive(Clone, Debug)]
pub(crate) struct ServerNameRoute {
    server_name: String,
}

impl ServerNameRoute {
    /// The route for `config`, or `None` when the URL's host is already the
    /// name to send (no `tls-server-name`, the same name, an IP address as the
    /// name, which SNI cannot carry, or plain HTTP).
    pub(crate) fn for_config(config: &Config) -> Option<Self> {
        let server_name = config.tls.server_name.as_deref()?.to_ascii_lowercase();
        let sends_sni = server_name.parse::<IpAddr>().is_err();
        let differs = match config.cluster_url.host()? {
            Host::Domain(domain) => !domain.eq_ignore_ascii_case(&server_name),
            Host::Ipv4(_) | Host::Ipv6(_) => true,
        };
        let https = config.cluster_url.scheme() == "https";
        (sends_sni && differs && https).then_some(ServerNameRoute { server_name })
    }

    /// The name sent as SNI, lower case.
    pub(crate) fn server_name(&self) -> &str {
        &self.server_name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: &str, server_name: Option<&str>) -> Config {
        let mut config = Config::new(url.parse().unwrap());
        config.tls.server_name = server_name.map(str::to_owned);
        config
    }

    #[test]
    fn a_server_name_other_than_the_host_is_routed_lower_cased() {
        let route =
            ServerNameRoute::for_config(&config("https://10.0.0.1:6443/prefix", Some("Kubernetes.Test")));
        assert_eq!(route.expect("a route").server_name(), "kubernetes.test");
    }

    #[test]
    fn no_route_when_the_url_already_names_the_server_or_sni_cannot_carry_it() {
        let routed = |url, name| ServerNameRoute::for_config(&config(url, name)).is_some();
        assert!(!routed("https://10.0.0.1:6443", None));
        assert!(!routed("https://kubernetes.test:6443", Some("KUBERNETES.test")));
        assert!(!routed("https://kubernetes.test:6443", Some("10.0.0.1")));
        assert!(!routed("http://10.0.0.1:8080", Some("kubernetes.test")));
    }

    #[test]
    fn a_proxy_does_not_change_the_route() {
        let mut proxied = config("https://10.0.0.1:6443", Some("kubernetes.test"));
        proxied.proxy_url = Some("http://127.0.0.1:3128".parse().unwrap());
        assert!(ServerNameRoute::for_config(&proxied).is_some());
    }
}
