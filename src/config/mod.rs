//! Client configuration: where the API server is and how to talk to it.
//!
//! A [`Config`] comes from a kubeconfig (explicit path, `KUBECONFIG`,
//! `~/.kube/config`) or, inside a pod, from the service-account files.

mod client_config;
mod error;
mod exec;
mod secret;

pub use client_config::{Auth, ClientIdentity, Config, Impersonation, RateLimit, RetryPolicy, TlsConfig};
pub use error::{AuthError, ConfigError};
pub use exec::{ExecConfig, ExecCredential, ExecInteractiveMode};
pub use secret::SecretString;
