//! The way to the API server for the `tls-server-name` client: straight, or
//! through the proxy the reqwest client would take, chosen by the same rules
//! (`proxy_url` always, else `HTTPS_PROXY` unless `NO_PROXY` matches).

use std::future::poll_fn;

use http::{HeaderValue, Uri};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::proxy::{SocksV5, Tunnel};
use hyper_util::rt::TokioIo;
use percent_encoding::percent_decode_str;
use tokio::net::TcpStream;
use tower_service::Service;

use crate::config::{Config, ConfigError, EnvironmentProxies, unsupported_proxy_scheme};
use crate::rest::auth::basic_authorization;

use super::connector::ConnectError;

/// How a connection reaches the server. The proxy URIs hold no user info.
#[derive(Clone)]
pub(crate) enum ProxyTunnel {
    Direct,
    /// An HTTP proxy, asked to `CONNECT` to the server's host and port.
    Connect {
        proxy: Uri,
        authorization: Option<HeaderValue>,
    },
    /// A SOCKS5 proxy; `socks5` resolves the server's name here, `socks5h`
    /// at the proxy.
    Socks5 {
        proxy: Uri,
        credentials: Option<(String, String)>,
        resolve_locally: bool,
    },
}

/// The proxy, never its credentials.
impl std::fmt::Debug for ProxyTunnel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProxyTunnel::Direct => f.write_str("Direct"),
            ProxyTunnel::Connect { proxy, .. } => f
                .debug_struct("Connect")
                .field("proxy", proxy)
                .finish_non_exhaustive(),
            ProxyTunnel::Socks5 {
                proxy,
                resolve_locally,
                ..
            } => f
                .debug_struct("Socks5")
                .field("proxy", proxy)
                .field("resolve_locally", resolve_locally)
                .finish_non_exhaustive(),
        }
    }
}

impl ProxyTunnel {
    /// The tunnel to `config`'s server: through `proxy_url` when set, else
    /// through the environment's proxy for the server URL, if any.
    ///
    /// # Errors
    /// A proxy scheme that is not supported, or an `https` proxy, which this
    /// client cannot use yet (the reqwest client, which can, cannot send
    /// `tls-server-name` as SNI).
    pub(crate) fn for_config(config: &Config, env_proxies: &EnvironmentProxies) -> Result<Self, ConfigError> {
        let (field, proxy) = match &config.proxy_url {
            Some(proxy) => ("proxy_url", proxy),
            None => match env_proxies.proxy_for(&config.cluster_url) {
                Some(proxy) => ("HTTPS_PROXY", proxy),
                None => return Ok(ProxyTunnel::Direct),
            },
        };
        if let Some(message) = unsupported_proxy_scheme(proxy) {
            return Err(ConfigError::invalid_in_memory(field, message));
        }
        let proxy_uri =
            proxy_uri(proxy).ok_or_else(|| ConfigError::invalid_in_memory(field, "names no proxy host"))?;
        let credentials = credentials(proxy);
        match proxy.scheme() {
            "http" => Ok(ProxyTunnel::Connect {
                proxy: proxy_uri,
                authorization: credentials
                    .map(|(user, password)| {
                        basic_authorization(&user, &password).ok_or_else(|| {
                            ConfigError::invalid_in_memory(
                                field,
                                "has a user or password an HTTP header cannot carry",
                            )
                        })
                    })
                    .transpose()?,
            }),
            "socks5" | "socks5h" => Ok(ProxyTunnel::Socks5 {
                proxy: proxy_uri,
                credentials,
                resolve_locally: proxy.scheme() == "socks5",
            }),
            _ => Err(ConfigError::invalid_in_memory(
                field,
                "is an https proxy, which cannot be used together with tls-server-name yet; \
                 use an http or socks5 proxy, or leave tls-server-name out",
            )),
        }
    }

    /// A TCP connection to `target` (`https://host:port`), through the proxy
    /// if there is one. `tcp` connects to the server or the proxy.
    pub(crate) async fn open(&self, tcp: HttpConnector, target: Uri) -> Result<TcpStream, ConnectError> {
        let stream = match self {
            ProxyTunnel::Direct => call(tcp, target.clone()).await.map_err(|error| {
                ConnectError::new(format!("cannot connect to {}", authority(&target)), error)
            })?,
            ProxyTunnel::Connect { proxy, authorization } => {
                let mut tunnel = Tunnel::new(proxy.clone(), tcp);
                if let Some(authorization) = authorization {
                    tunnel = tunnel.with_auth(authorization.clone());
                }
                call(tunnel, target.clone()).await.map_err(|error| {
                    ConnectError::new(
                        format!(
                            "the proxy {} opened no tunnel (CONNECT) to {}",
                            authority(proxy),
                            authority(&target)
                        ),
                        error,
                    )
                })?
            }
            ProxyTunnel::Socks5 {
                proxy,
                credentials,
                resolve_locally,
            } => {
                let mut socks = SocksV5::new(proxy.clone(), tcp).local_dns(*resolve_locally);
                if let Some((user, password)) = credentials {
                    socks = socks.with_auth(user.clone(), password.clone());
                }
                // hyper-util's SOCKS error does not expose why the proxy could not be reached.
                call(socks, target.clone()).await.map_err(|error| {
                    ConnectError::new(
                        format!(
                            "the SOCKS5 proxy {proxy} opened no connection to {}",
                            authority(&target)
                        ),
                        error,
                    )
                })?
            }
        };
        Ok(TokioIo::into_inner(stream))
    }
}

/// Waits until `service` is ready, then calls it once.
async fn call<S: Service<Uri>>(mut service: S, target: Uri) -> Result<S::Response, S::Error> {
    poll_fn(|cx| service.poll_ready(cx)).await?;
    service.call(target).await
}

fn authority(uri: &Uri) -> &str {
    uri.authority().map_or("", |authority| authority.as_str())
}

/// `scheme://host:port` of `proxy`, without user info; SOCKS defaults to port 1080.
fn proxy_uri(proxy: &url::Url) -> Option<Uri> {
    let host = proxy.host_str()?;
    let port = proxy.port_or_known_default().unwrap_or(1080);
    format!("{}://{host}:{port}", proxy.scheme()).parse().ok()
}

/// The user name and password in `proxy`'s URL, percent-decoded.
fn credentials(proxy: &url::Url) -> Option<(String, String)> {
    if proxy.username().is_empty() && proxy.password().is_none() {
        return None;
    }
    let decode = |text: &str| percent_decode_str(text).decode_utf8_lossy().into_owned();
    Some((decode(proxy.username()), decode(proxy.password().unwrap_or(""))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Environment;

    fn config(proxy_url: Option<&str>) -> Config {
        let mut config = Config::new("https://10.0.0.1:6443".parse().unwrap());
        config.tls.server_name = Some("kubernetes.test".into());
        config.proxy_url = proxy_url.map(|url| url.parse().unwrap());
        config
    }

    fn tunnel(proxy_url: Option<&str>, env: &[(&str, &str)]) -> Result<ProxyTunnel, ConfigError> {
        let env = Environment::from_vars(env.iter().map(|(name, value)| (*name, value.to_string())));
        ProxyTunnel::for_config(
            &config(proxy_url),
            &EnvironmentProxies::from_environment(&env).unwrap(),
        )
    }

    #[test]
    fn an_http_proxy_url_tunnels_with_its_credentials_decoded() {
        let Ok(ProxyTunnel::Connect { proxy, authorization }) =
            tunnel(Some("http://jane:p%40ss@proxy.test:3128"), &[])
        else {
            panic!("an http tunnel");
        };
        assert_eq!(proxy, "http://proxy.test:3128/");
        // base64("jane:p@ss")
        assert_eq!(authorization.unwrap(), "Basic amFuZTpwQHNz");
    }

    /// Whether the server (`https://10.0.0.1:6443`) is reached through `HTTPS_PROXY` with `NO_PROXY=no_proxy`.
    fn proxied(no_proxy: &str) -> bool {
        let env = [("HTTPS_PROXY", "http://proxy.test:3128"), ("NO_PROXY", no_proxy)];
        match tunnel(None, &env) {
            Ok(ProxyTunnel::Connect { .. }) => true,
            Ok(ProxyTunnel::Direct) => false,
            other => panic!("an http tunnel or none, got {other:?}"),
        }
    }

    #[test]
    fn the_environment_proxy_applies_unless_no_proxy_matches_the_server() {
        assert!(proxied(""));
        assert!(proxied("example.com,10.0.0.2,10.0.0.1:443"));
        assert!(!proxied("10.0.0.0/8"));
        assert!(!proxied("10.0.0.1"));
        assert!(!proxied("10.0.0.1:6443"));
        assert!(!proxied("*"));
    }

    #[test]
    fn an_explicit_proxy_url_ignores_no_proxy() {
        let explicit = tunnel(Some("http://proxy.test:3128"), &[("NO_PROXY", "*")]);
        assert!(
            matches!(explicit, Ok(ProxyTunnel::Connect { .. })),
            "{explicit:?}"
        );
    }

    #[test]
    fn debug_shows_the_proxy_but_not_its_credentials() {
        for url in [
            "http://jane:s3cret@proxy.test:3128",
            "socks5h://jane:s3cret@proxy.test",
        ] {
            let shown = format!("{:?}", tunnel(Some(url), &[]).unwrap());
            assert!(
                shown.contains("proxy.test") && !shown.contains("s3cret") && !shown.contains("jane"),
                "{shown}"
            );
        }
    }

    #[test]
    fn socks5_resolves_locally_and_socks5h_at_the_proxy() {
        let Ok(ProxyTunnel::Socks5 {
            proxy,
            resolve_locally,
            ..
        }) = tunnel(Some("socks5://proxy.test"), &[])
        else {
            panic!("a SOCKS5 tunnel");
        };
        assert_eq!(proxy, "socks5://proxy.test:1080/");
        assert!(resolve_locally);
        let Ok(ProxyTunnel::Socks5 { resolve_locally, .. }) = tunnel(Some("socks5h://proxy.test:1081"), &[])
        else {
            panic!("a SOCKS5 tunnel");
        };
        assert!(!resolve_locally);
    }

    #[test]
    fn an_https_proxy_is_refused_naming_the_combination() {
        let error = tunnel(Some("https://proxy.test:3128"), &[])
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("proxy_url") && error.contains("tls-server-name"),
            "{error}"
        );
        let error = tunnel(None, &[("HTTPS_PROXY", "https://proxy.test")])
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("HTTPS_PROXY") && error.contains("https proxy"),
            "{error}"
        );
    }
}
