//! Exec credential plugins (`users[].user.exec`): client.authentication.k8s.io
//! v1 and v1beta1.

use super::secret::{RedactedArgs, SecretString};

/// How to run an exec credential plugin, as the kubeconfig says.
///
/// `Debug` shows the names of `env` but not their values, which may be secrets.
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExecConfig {
    /// `client.authentication.k8s.io/v1` or `/v1beta1`.
    pub api_version: String,
    /// The program to run.
    pub command: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// Extra environment variables.
    pub env: Vec<(String, String)>,
    /// Shown when the command cannot be found.
    pub install_hint: Option<String>,
    /// Whether the plugin gets the cluster's details in `KUBERNETES_EXEC_INFO`.
    pub provide_cluster_info: bool,
    /// Whether the plugin may read standard input.
    pub interactive_mode: ExecInteractiveMode,
    /// The cluster's `client.authentication.k8s.io/exec` extension, passed to
    /// the plugin as `spec.cluster.config` when `provide_cluster_info` is set.
    pub cluster_extension: Option<serde_json::Value>,
    /// How long the plugin may run before it is stopped and the request
    /// fails. `None` (the default, as in client-go) waits as long as it takes:
    /// an interactive plugin may be waiting for the user.
    pub timeout: Option<std::time::Duration>,
}

impl std::fmt::Debug for ExecConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let env: Vec<(&str, &str)> = self
            .env
            .iter()
            .map(|(name, _)| (name.as_str(), "[redacted]"))
            .collect();
        f.debug_struct("ExecConfig")
            .field("api_version", &self.api_version)
            .field("command", &self.command)
            .field("args", &RedactedArgs(&self.args))
            .field("env", &env)
            .field("install_hint", &self.install_hint)
            .field("provide_cluster_info", &self.provide_cluster_info)
            .field("interactive_mode", &self.interactive_mode)
            .field("cluster_extension", &self.cluster_extension)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// `exec.interactiveMode`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ExecInteractiveMode {
    /// The plugin never reads standard input.
    Never,
    /// The plugin may read standard input when there is one (the v1beta1 default).
    #[default]
    IfAvailable,
    /// The plugin must read standard input.
    Always,
}

/// What an exec plugin printed: a token or a client certificate, and when it expires.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct ExecCredential {
    /// A bearer token.
    pub token: Option<SecretString>,
    /// A PEM client certificate.
    pub client_certificate_data: Option<String>,
    /// Its PEM private key.
    pub client_key_data: Option<SecretString>,
    /// When the credential stops being valid; `None` means it is cached until a 401.
    pub expiration_timestamp: Option<jiff::Timestamp>,
}
