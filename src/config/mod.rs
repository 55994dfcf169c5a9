//! Client configuration: where the API server is and how to talk to it.
//!
//! A [`Config`] comes from a kubeconfig (explicit path, `KUBECONFIG`,
//! `~/.kube/config`) or, inside a pod, from the service-account files:
//! [`Config::infer`] tries them in that order.

mod client_config;
mod environment;
mod error;
mod exec;
mod in_cluster;
mod infer;
pub mod kubeconfig;
mod oidc;
mod pem;
mod proxy;
mod resolve;
mod secret;

pub use client_config::{Auth, ClientIdentity, Config, Impersonation, RateLimit, RetryPolicy, TlsConfig};
pub use environment::{Environment, SERVICE_ACCOUNT_DIR};
pub use error::{AuthError, ConfigError};
pub use exec::{ExecConfig, ExecCredential, ExecInteractiveMode};
pub use kubeconfig::Kubeconfig;
pub use oidc::OidcConfig;
pub(crate) use proxy::{EnvironmentProxies, unsupported_proxy_scheme};
pub use resolve::KubeconfigOptions;
pub use secret::SecretString;
pub(crate) use secret::{RedactedUrl, redact_known, userinfo_redacted};
