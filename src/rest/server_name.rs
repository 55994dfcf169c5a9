//! Sending `tls-server-name` as the TLS SNI, as client-go does.
//!
//! reqwest takes the SNI from the request URL's host and offers no way to
//! set it for a client built from a rustls configuration. So when the name
//! must differ from the URL's host, requests go to
//! `https://<tls-server-name>:<port>/...` and a DNS resolver maps that name
//! back to the configured host. The connection, the SNI and the certificate
//! check then all agree with client-go; the one visible difference is that
//! the `Host` header (`:authority` on HTTP/2) carries the server name too.
//!
//! Not done through a proxy: an HTTP proxy would be asked to `CONNECT` to the
//! server name, which it cannot resolve. With `proxy_url` set, or an
//! `HTTPS_PROXY`/`ALL_PROXY` environment variable, the SNI stays the URL's
//! host and only the certificate is checked against the server name.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

use crate::config::Config;

/// Requests for one config go to `server_name`, which resolves to `host`.
#[derive(Clone, Debug)]
pub(crate) struct ServerNameRoute {
    server_name: String,
    host: Host<String>,
}

impl ServerNameRoute {
    /// The route for `config`, or `None` when the URL's host is already the
    /// name to send (no `tls-server-name`, the same name, an IP address as the
    /// name, plain HTTP, or a proxy in the way).
    pub(crate) fn for_config(config: &Config) -> Option<Self> {
        Self::new(config, |name| {
            std::env::var_os(name).is_some_and(|value| !value.is_empty())
        })
    }

    fn new(config: &Config, env_is_set: impl Fn(&str) -> bool) -> Option<Self> {
        let server_name = config.tls.server_name.as_deref()?.to_ascii_lowercase();
        let host = config.cluster_url.host()?.to_owned();
        let sends_sni = server_name.parse::<IpAddr>().is_err();
        let differs = match &host {
            Host::Domain(domain) => !domain.eq_ignore_ascii_case(&server_name),
            Host::Ipv4(_) | Host::Ipv6(_) => true,
        };
        let proxied = config.proxy_url.is_some() || PROXY_VARIABLES.iter().any(|name| env_is_set(name));
        let https = config.cluster_url.scheme() == "https";
        (sends_sni && differs && https && !proxied).then_some(ServerNameRoute { server_name, host })
    }

    /// `url` with the server name as its host; `url` itself when that name
    /// cannot be a URL host.
    pub(crate) fn request_url(&self, url: &Url) -> Url {
        let mut routed = url.clone();
        match routed.set_host(Some(&self.server_name)) {
            Ok(()) => routed,
            Err(_) => url.clone(),
        }
    }

    /// The resolver that sends the server name to the configured host.
    pub(crate) fn resolver(&self) -> Arc<dyn Resolve> {
        Arc::new(self.clone())
    }
}

/// The environment variables through which reqwest picks a proxy for HTTPS.
const PROXY_VARIABLES: [&str; 4] = ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"];

impl Resolve for ServerNameRoute {
    fn resolve(&self, name: Name) -> Resolving {
        let target = if name.as_str().eq_ignore_ascii_case(&self.server_name) {
            self.host.clone()
        } else {
            Host::Domain(name.as_str().to_owned())
        };
        Box::pin(async move {
            // The port is replaced by the URL's port when connecting.
            let addrs: Vec<SocketAddr> = match target {
                Host::Ipv4(ip) => vec![SocketAddr::new(ip.into(), 0)],
                Host::Ipv6(ip) => vec![SocketAddr::new(ip.into(), 0)],
                Host::Domain(domain) => tokio::net::lookup_host((domain.as_str(), 0)).await?.collect(),
            };
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
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

    fn route(config: &Config) -> Option<ServerNameRoute> {
        ServerNameRoute::new(config, |_| false)
    }

    #[test]
    fn a_server_name_other_than_the_host_routes_requests_through_it() {
        let config = config("https://10.0.0.1:6443/prefix", Some("Kubernetes.Test"));
        let route = route(&config).expect("a route");
        assert_eq!(
            route.request_url(&config.cluster_url).as_str(),
            "https://kubernetes.test:6443/prefix"
        );
    }

    #[test]
    fn no_route_when_the_url_already_names_the_server_or_sni_cannot_carry_it() {
        assert!(route(&config("https://10.0.0.1:6443", None)).is_none());
        assert!(route(&config("https://kubernetes.test:6443", Some("KUBERNETES.test"))).is_none());
        assert!(route(&config("https://kubernetes.test:6443", Some("10.0.0.1"))).is_none());
        assert!(route(&config("http://10.0.0.1:8080", Some("kubernetes.test"))).is_none());
    }

    #[test]
    fn no_route_through_a_proxy() {
        let mut proxied = config("https://10.0.0.1:6443", Some("kubernetes.test"));
        proxied.proxy_url = Some("http://127.0.0.1:3128".parse().unwrap());
        assert!(route(&proxied).is_none());
        let from_env = config("https://10.0.0.1:6443", Some("kubernetes.test"));
        assert!(ServerNameRoute::new(&from_env, |name| name == "https_proxy").is_none());
    }

    #[tokio::test]
    async fn the_server_name_resolves_to_the_configured_host_and_other_names_to_themselves() {
        let route = route(&config("https://[::1]:6443", Some("kubernetes.test"))).unwrap();
        let resolved: Vec<SocketAddr> = route
            .resolve("kubernetes.test".parse().unwrap())
            .await
            .unwrap()
            .collect();
        assert_eq!(resolved, vec!["[::1]:0".parse().unwrap()]);
        let other: Vec<SocketAddr> = route
            .resolve("127.0.0.1".parse().unwrap())
            .await
            .unwrap()
            .collect();
        assert_eq!(other, vec!["127.0.0.1:0".parse().unwrap()]);
    }
}
