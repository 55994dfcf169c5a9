//! Proxies: the schemes accepted everywhere, and the `HTTPS_PROXY` /
//! `HTTP_PROXY` / `NO_PROXY` variables read as Go's `net/http` (and so
//! kubectl) reads them.

use std::net::IpAddr;

use super::environment::Environment;
use super::error::ConfigError;
use super::secret::RedactedUrl;

/// The proxy schemes kubectl accepts, for `proxy-url` and the environment
/// alike (`socks5h` resolves names at the proxy).
pub(crate) const PROXY_SCHEMES: [&str; 4] = ["http", "https", "socks5", "socks5h"];

/// `"has the scheme \"ftp\"; a proxy must be ..."` when `url`'s scheme is not one of [`PROXY_SCHEMES`].
pub(crate) fn unsupported_proxy_scheme(url: &url::Url) -> Option<String> {
    let scheme = url.scheme();
    (!PROXY_SCHEMES.contains(&scheme)).then(|| {
        format!(
            "has the scheme {scheme:?}; a proxy must be {}",
            PROXY_SCHEMES.join(", ")
        )
    })
}

/// The proxies the environment names, used when the config sets no `proxy_url`.
#[derive(Clone, Default)]
pub(crate) struct EnvironmentProxies {
    https: Option<url::Url>,
    http: Option<url::Url>,
    no_proxy: NoProxy,
}

impl std::fmt::Debug for EnvironmentProxies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnvironmentProxies")
            .field("https", &self.https.as_ref().map(|url| RedactedUrl(url.as_str())))
            .field("http", &self.http.as_ref().map(|url| RedactedUrl(url.as_str())))
            .finish_non_exhaustive()
    }
}

impl EnvironmentProxies {
    /// `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` (each upper case first, then
    /// lower case) from `env`.
    ///
    /// # Errors
    /// A proxy variable that is not a URL, or names an unsupported scheme.
    /// The value is not quoted: it may carry a password.
    pub(crate) fn from_environment(env: &Environment) -> Result<Self, ConfigError> {
        let either = |upper: &str, lower: &str| {
            env.var(upper)
                .map(|v| (upper.to_owned(), v))
                .or_else(|| env.var(lower).map(|v| (lower.to_owned(), v)))
        };
        let proxy = |upper: &str, lower: &str| {
            either(upper, lower)
                .map(|(name, value)| parse_env_proxy(&name, &value))
                .transpose()
        };
        Ok(EnvironmentProxies {
            https: proxy("HTTPS_PROXY", "https_proxy")?,
            http: proxy("HTTP_PROXY", "http_proxy")?,
            no_proxy: either("NO_PROXY", "no_proxy")
                .map(|(_, value)| NoProxy::parse(&value))
                .unwrap_or_default(),
        })
    }

    /// Whether any proxy is set.
    pub(crate) fn is_empty(&self) -> bool {
        self.https.is_none() && self.http.is_none()
    }

    /// The proxy for a request to `url`, or `None` to connect directly: by
    /// the URL's scheme, unless `NO_PROXY` matches or the host is loopback.
    pub(crate) fn proxy_for(&self, url: &url::Url) -> Option<&url::Url> {
        let proxy = match url.scheme() {
            "https" => self.https.as_ref(),
            "http" => self.http.as_ref(),
            _ => None,
        }?;
        let port = url.port_or_known_default().unwrap_or(0);
        let direct = match url.host()? {
            url::Host::Domain(name) => {
                let name = name.to_ascii_lowercase();
                name == "localhost" || self.no_proxy.matches_name(&name, port)
            }
            url::Host::Ipv4(ip) => self.no_proxy.matches_ip(IpAddr::V4(ip), port),
            url::Host::Ipv6(ip) => self.no_proxy.matches_ip(IpAddr::V6(ip), port),
        };
        (!direct).then_some(proxy)
    }
}

/// A proxy variable's value; like Go, a value without a scheme means `http://`.
fn parse_env_proxy(variable: &str, value: &str) -> Result<url::Url, ConfigError> {
    let parsed = url::Url::parse(value)
        .ok()
        .filter(|url| url.host().is_some())
        .or_else(|| url::Url::parse(&format!("http://{value}")).ok())
        .ok_or_else(|| ConfigError::invalid_in_memory(variable, "is not a valid proxy URL"))?;
    match unsupported_proxy_scheme(&parsed) {
        Some(message) => Err(ConfigError::invalid_in_memory(variable, message)),
        None => Ok(parsed),
    }
}

/// `NO_PROXY`: hosts to reach directly. Entries are separated by commas:
/// `*` (everything), an IP or CIDR, or a domain (`example.com` matches it
/// and its subdomains, `.example.com` and `*.example.com` only
/// subdomains), each optionally with `:port`. Loopback addresses are always
/// reached directly.
#[derive(Clone, Debug, Default)]
struct NoProxy {
    everything: bool,
    networks: Vec<ipnet::IpNet>,
    ips: Vec<(IpAddr, Option<u16>)>,
    domains: Vec<DomainEntry>,
}

#[derive(Clone, Debug)]
struct DomainEntry {
    /// With a leading `.`.
    suffix: String,
    /// Whether the domain itself matches too, not only its subdomains.
    itself: bool,
    port: Option<u16>,
}

impl NoProxy {
    fn parse(value: &str) -> NoProxy {
        let mut no_proxy = NoProxy::default();
        for entry in value.split(',').map(|entry| entry.trim().to_ascii_lowercase()) {
            if entry.is_empty() {
                continue;
            }
            if entry == "*" {
                no_proxy.everything = true;
                continue;
            }
            if let Ok(network) = entry.parse::<ipnet::IpNet>() {
                no_proxy.networks.push(network);
                continue;
            }
            let (host, port) = split_port(&entry);
            if let Ok(ip) = host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<IpAddr>()
            {
                no_proxy.ips.push((ip, port));
                continue;
            }
            let host = host.strip_prefix('*').unwrap_or(host);
            if host.is_empty() || host == "." {
                continue;
            }
            let (suffix, itself) = match host.strip_prefix('.') {
                Some(_) => (host.to_owned(), false),
                None => (format!(".{host}"), true),
            };
            no_proxy.domains.push(DomainEntry { suffix, itself, port });
        }
        no_proxy
    }

    fn matches_ip(&self, ip: IpAddr, port: u16) -> bool {
        self.everything
            || ip.is_loopback()
            || self.networks.iter().any(|network| network.contains(&ip))
            || self
                .ips
                .iter()
                .any(|(entry, entry_port)| *entry == ip && entry_port.is_none_or(|p| p == port))
    }

    fn matches_name(&self, name: &str, port: u16) -> bool {
        self.everything
            || self.domains.iter().any(|entry| {
                let host_matches =
                    name.ends_with(&entry.suffix) || (entry.itself && name == &entry.suffix[1..]);
                host_matches && entry.port.is_none_or(|p| p == port)
            })
    }
}

/// `host:port` as the host and the port, when the part after the last `:`
/// is a port (and the host is not a bare IPv6 address).
fn split_port(entry: &str) -> (&str, Option<u16>) {
    let Some((host, port)) = entry.rsplit_once(':') else {
        return (entry, None);
    };
    let bracketed = host.starts_with('[') && host.ends_with(']');
    if (bracketed || !host.contains(':'))
        && let Ok(port) = port.parse()
    {
        return (host, Some(port));
    }
    (entry, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(vars: &[(&str, &str)]) -> EnvironmentProxies {
        EnvironmentProxies::from_environment(&Environment::from_vars(vars.iter().copied())).unwrap()
    }

    /// Whether a request to `url` goes through the proxy, with `NO_PROXY=no_proxy`.
    fn proxied(no_proxy: &str, url: &str) -> bool {
        let proxies = proxies(&[
            ("HTTPS_PROXY", "http://proxy.internal:3128"),
            ("HTTP_PROXY", "http://proxy.internal:3128"),
            ("NO_PROXY", no_proxy),
        ]);
        proxies.proxy_for(&url.parse().unwrap()).is_some()
    }

    #[test]
    fn no_proxy_matches_a_host_and_its_subdomains() {
        assert!(!proxied("example.com", "https://example.com"));
        assert!(!proxied("example.com", "https://api.example.com:6443"));
        assert!(!proxied("EXAMPLE.com", "https://Api.Example.COM"));
        assert!(proxied("example.com", "https://notexample.com"));
        assert!(proxied("example.com", "https://example.org"));
    }

    #[test]
    fn a_leading_dot_or_star_matches_only_subdomains() {
        for entry in [".example.com", "*.example.com"] {
            assert!(!proxied(entry, "https://api.example.com"), "{entry}");
            assert!(proxied(entry, "https://example.com"), "{entry}");
        }
    }

    #[test]
    fn no_proxy_matches_ips_and_cidrs() {
        assert!(!proxied("10.0.0.0/8", "https://10.1.2.3:6443"));
        assert!(proxied("10.0.0.0/8", "https://11.1.2.3:6443"));
        assert!(!proxied("10.1.2.3", "https://10.1.2.3"));
        assert!(proxied("10.1.2.3", "https://10.1.2.4"));
        assert!(!proxied("fd00::/8", "https://[fd00::1]:6443"));
        assert!(proxied("fd00::/8", "https://[fe80::1]:6443"));
        // A CIDR says nothing about names.
        assert!(proxied("10.0.0.0/8", "https://ten.example"));
    }

    #[test]
    fn a_port_in_no_proxy_must_match_the_requests_port() {
        assert!(!proxied("example.com:6443", "https://api.example.com:6443"));
        assert!(proxied("example.com:6443", "https://api.example.com:443"));
        // The default port of the scheme counts.
        assert!(!proxied("example.com:443", "https://example.com"));
        assert!(!proxied("10.1.2.3:6443", "https://10.1.2.3:6443"));
        assert!(proxied("10.1.2.3:6443", "https://10.1.2.3:8443"));
        assert!(!proxied("[fd00::1]:6443", "https://[fd00::1]:6443"));
    }

    #[test]
    fn star_entries_lists_and_loopback() {
        assert!(!proxied("*", "https://anything.example"));
        assert!(!proxied(" a.example , b.example ", "https://b.example"));
        assert!(!proxied("", "https://localhost:6443"));
        assert!(!proxied("", "https://127.0.0.1:6443"));
        assert!(!proxied("", "https://[::1]:6443"));
        assert!(proxied("", "https://api.example"));
    }

    #[test]
    fn each_scheme_uses_its_own_variable_upper_case_first() {
        let proxies = proxies(&[
            ("https_proxy", "http://lower:1"),
            ("HTTPS_PROXY", "http://upper:2"),
            ("http_proxy", "plain:3"),
            ("no_proxy", "direct.example"),
        ]);
        let https = proxies.proxy_for(&"https://api.example".parse().unwrap());
        assert_eq!(https.map(url::Url::as_str), Some("http://upper:2/"));
        // No scheme means http://, as in Go.
        let http = proxies.proxy_for(&"http://api.example".parse().unwrap());
        assert_eq!(http.map(url::Url::as_str), Some("http://plain:3/"));
        assert!(
            proxies
                .proxy_for(&"https://direct.example".parse().unwrap())
                .is_none()
        );
    }

    #[test]
    fn every_supported_scheme_is_accepted_from_the_environment_and_others_are_not() {
        for scheme in PROXY_SCHEMES {
            let value = format!("{scheme}://proxy.internal:1080");
            let proxies = proxies(&[("HTTPS_PROXY", value.as_str())]);
            let chosen = proxies.proxy_for(&"https://api.example".parse().unwrap());
            assert_eq!(chosen.map(url::Url::scheme), Some(scheme));
        }
        let env = Environment::from_vars([("HTTPS_PROXY", "ftp://user:SECRET@proxy:21")]);
        let error = EnvironmentProxies::from_environment(&env)
            .unwrap_err()
            .to_string();
        assert!(error.contains("HTTPS_PROXY"), "{error}");
        assert!(!error.contains("SECRET"), "{error}");
    }
}
