//! The kubeconfig file format (`apiVersion: v1`, `kind: Config`), as kubectl
//! reads it. Unknown fields are ignored, as kubectl ignores them, so a file
//! written by a newer kubectl still loads.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Deserializer};

use crate::config::secret::{RedactedArgs, RedactedUrl, SecretString};

/// A kubeconfig: named clusters, users and contexts, and the context in use.
///
/// Read one with [`Kubeconfig::read`] or [`Kubeconfig::from_yaml`], combine
/// several with [`Kubeconfig::merge`], and turn one into a
/// [`Config`](crate::Config) with
/// [`Config::from_custom_kubeconfig`](crate::Config::from_custom_kubeconfig).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub struct Kubeconfig {
    /// The clusters (API servers), by name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub clusters: Vec<NamedCluster>,
    /// The users (`AuthInfo`s: credentials), by name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub users: Vec<NamedAuthInfo>,
    /// The contexts (a cluster, a user and a namespace), by name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub contexts: Vec<NamedContext>,
    /// The context used when none is named.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub current_context: Option<String>,
    /// The files this kubeconfig was read from, first first; empty when it
    /// was parsed from memory.
    #[serde(skip)]
    pub sources: Vec<PathBuf>,
}

/// `clusters[]`: a cluster and its name.
#[derive(Clone, Debug, Default, Deserialize)]
#[non_exhaustive]
pub struct NamedCluster {
    /// The name contexts refer to it by.
    pub name: String,
    /// The cluster.
    #[serde(default, deserialize_with = "null_as_default")]
    pub cluster: Cluster,
    /// The file this entry was read from; relative paths in it are relative to its folder.
    #[serde(skip)]
    pub origin: Option<PathBuf>,
}

/// `clusters[].cluster`: where an API server is and how to trust it.
/// `Debug` hides a password inside `server` or `proxy-url`.
#[derive(Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub struct Cluster {
    /// The API server's URL.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub server: Option<String>,
    /// The name to verify the server certificate against, instead of the URL's host.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub tls_server_name: Option<String>,
    /// Accept any server certificate.
    #[serde(default, deserialize_with = "null_as_default")]
    pub insecure_skip_tls_verify: bool,
    /// A PEM file of CA certificates.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub certificate_authority: Option<PathBuf>,
    /// Base64 of PEM CA certificates; wins over `certificate-authority`.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub certificate_authority_data: Option<String>,
    /// An `http`, `https` or `socks5` proxy.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub proxy_url: Option<String>,
    /// Whether responses may be compressed (accepted, not used).
    #[serde(default, deserialize_with = "null_as_default")]
    pub disable_compression: bool,
    /// Named extensions; `client.authentication.k8s.io/exec` is passed to exec plugins.
    #[serde(default, deserialize_with = "null_as_default")]
    pub extensions: Vec<NamedExtension>,
}

impl fmt::Debug for Cluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cluster")
            .field("server", &self.server.as_deref().map(RedactedUrl))
            .field("tls_server_name", &self.tls_server_name)
            .field("insecure_skip_tls_verify", &self.insecure_skip_tls_verify)
            .field("certificate_authority", &self.certificate_authority)
            .field("certificate_authority_data", &self.certificate_authority_data)
            .field("proxy_url", &self.proxy_url.as_deref().map(RedactedUrl))
            .field("disable_compression", &self.disable_compression)
            .field("extensions", &self.extensions)
            .finish()
    }
}

/// `extensions[]`: a named, free-form extension.
#[derive(Clone, Debug, Default, Deserialize)]
#[non_exhaustive]
pub struct NamedExtension {
    /// Its name.
    pub name: String,
    /// Its value, as JSON.
    #[serde(default)]
    pub extension: serde_json::Value,
}

/// `users[]`: credentials and their name.
#[derive(Clone, Debug, Default, Deserialize)]
#[non_exhaustive]
pub struct NamedAuthInfo {
    /// The name contexts refer to it by.
    pub name: String,
    /// The credentials.
    #[serde(default, deserialize_with = "null_as_default")]
    pub user: AuthInfo,
    /// The file this entry was read from; relative paths in it are relative to its folder.
    #[serde(skip)]
    pub origin: Option<PathBuf>,
}

/// `users[].user`: how a user proves who they are. Secrets print as `[redacted]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub struct AuthInfo {
    /// A PEM client certificate file.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub client_certificate: Option<PathBuf>,
    /// Base64 of a PEM client certificate; wins over `client-certificate`.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub client_certificate_data: Option<String>,
    /// A PEM private key file.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub client_key: Option<PathBuf>,
    /// Base64 of a PEM private key; wins over `client-key`.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub client_key_data: Option<SecretString>,
    /// A bearer token.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub token: Option<SecretString>,
    /// A file holding a bearer token, re-read so a rotated token is used.
    #[serde(default, rename = "tokenFile", deserialize_with = "empty_as_none")]
    pub token_file: Option<PathBuf>,
    /// The user to impersonate.
    #[serde(default, rename = "as", deserialize_with = "empty_as_none")]
    pub impersonate: Option<String>,
    /// The uid to impersonate.
    #[serde(default, rename = "as-uid", deserialize_with = "empty_as_none")]
    pub impersonate_uid: Option<String>,
    /// The groups to impersonate.
    #[serde(default, rename = "as-groups", deserialize_with = "null_as_default")]
    pub impersonate_groups: Vec<String>,
    /// Extra fields of the impersonated user.
    #[serde(default, rename = "as-user-extra", deserialize_with = "null_as_default")]
    pub impersonate_user_extra: BTreeMap<String, Vec<String>>,
    /// The basic-authentication user name.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub username: Option<String>,
    /// The basic-authentication password.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub password: Option<SecretString>,
    /// An in-tree authentication provider: `oidc` is supported; gcp and azure were removed.
    #[serde(default)]
    pub auth_provider: Option<AuthProvider>,
    /// An exec credential plugin.
    #[serde(default)]
    pub exec: Option<ExecSpec>,
}

/// `users[].user.auth-provider`. Its `config` often holds tokens, so it is kept redacted.
#[derive(Clone, Debug, Default, Deserialize)]
#[non_exhaustive]
pub struct AuthProvider {
    /// `gcp`, `azure`, `oidc`, ...
    #[serde(default)]
    pub name: String,
    /// The provider's settings.
    #[serde(default, deserialize_with = "null_as_default")]
    pub config: BTreeMap<String, SecretString>,
}

/// `users[].user.exec`: an exec credential plugin as written in the file.
/// `Debug` hides `args` (they may hold a `--token=...`) and env values.
#[derive(Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ExecSpec {
    /// `client.authentication.k8s.io/v1` or `/v1beta1`.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub api_version: Option<String>,
    /// The program.
    #[serde(default)]
    pub command: String,
    /// Its arguments.
    #[serde(default, deserialize_with = "null_as_default")]
    pub args: Vec<String>,
    /// Extra environment variables.
    #[serde(default, deserialize_with = "null_as_default")]
    pub env: Vec<ExecEnvVar>,
    /// Shown when the program cannot be found.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub install_hint: Option<String>,
    /// Pass the cluster's details in `KUBERNETES_EXEC_INFO`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub provide_cluster_info: bool,
    /// `Never`, `IfAvailable` or `Always`.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub interactive_mode: Option<String>,
}

impl fmt::Debug for ExecSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExecSpec")
            .field("api_version", &self.api_version)
            .field("command", &self.command)
            .field("args", &RedactedArgs(&self.args))
            .field("env", &self.env)
            .field("install_hint", &self.install_hint)
            .field("provide_cluster_info", &self.provide_cluster_info)
            .field("interactive_mode", &self.interactive_mode)
            .finish()
    }
}

/// `exec.env[]`. `Debug` hides the value: plugins are sometimes handed secrets this way.
#[derive(Clone, Default, Deserialize)]
#[non_exhaustive]
pub struct ExecEnvVar {
    /// The variable; checked when the entry is used, so a missing one is
    /// reported with its field path.
    #[serde(default)]
    pub name: String,
    /// Its value.
    #[serde(default)]
    pub value: String,
}

impl fmt::Debug for ExecEnvVar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExecEnvVar")
            .field("name", &self.name)
            .field("value", &"[redacted]")
            .finish()
    }
}

/// `contexts[]`: a context and its name.
#[derive(Clone, Debug, Default, Deserialize)]
#[non_exhaustive]
pub struct NamedContext {
    /// The name `current-context` refers to it by.
    pub name: String,
    /// The context.
    #[serde(default, deserialize_with = "null_as_default")]
    pub context: Context,
    /// The file this entry was read from.
    #[serde(skip)]
    pub origin: Option<PathBuf>,
}

/// `contexts[].context`: which cluster, as which user, in which namespace.
#[derive(Clone, Debug, Default, Deserialize)]
#[non_exhaustive]
pub struct Context {
    /// The cluster's name.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub cluster: Option<String>,
    /// The user's name.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub user: Option<String>,
    /// The default namespace.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub namespace: Option<String>,
}

/// kubectl writes `clusters: null` in an empty file; null means "none".
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// kubectl treats an empty string as an unset field.
fn empty_as_none<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: From<String>,
{
    let value = Option::<String>::deserialize(deserializer)?;
    Ok(value.filter(|value| !value.is_empty()).map(T::from))
}
