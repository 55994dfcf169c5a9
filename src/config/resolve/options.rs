//! Building a [`Config`] from a kubeconfig, with kubectl's overrides.

use std::path::{Path, PathBuf};

use super::cluster::resolve_cluster;
use super::selection::select;
use super::user::resolve_user;
use crate::config::client_config::{Config, TlsConfig};
use crate::config::environment::Environment;
use crate::config::error::ConfigError;
use crate::config::kubeconfig::Kubeconfig;

/// Which kubeconfig to read and what to override in it: kubectl's
/// `--kubeconfig`, `--context`, `--cluster`, `--user`, `--server` and
/// `--namespace` flags.
///
/// ```
/// use rudder::config::KubeconfigOptions;
///
/// let mut options = KubeconfigOptions::default();
/// options.context = Some("staging".into());
/// options.namespace = Some("payments".into());
/// # let _ = options;
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct KubeconfigOptions {
    /// Read this file only, instead of `KUBECONFIG` or `~/.kube/config`.
    pub path: Option<PathBuf>,
    /// Use this context instead of `current-context`.
    pub context: Option<String>,
    /// Use this cluster instead of the context's.
    pub cluster: Option<String>,
    /// Use this user instead of the context's.
    pub user: Option<String>,
    /// Use this API server URL instead of the cluster's `server`.
    pub server: Option<String>,
    /// Use this namespace instead of the context's.
    pub namespace: Option<String>,
}

impl KubeconfigOptions {
    /// Reads this file only, instead of `KUBECONFIG` or `~/.kube/config`.
    ///
    /// ```
    /// use rudder::config::KubeconfigOptions;
    ///
    /// let options = KubeconfigOptions::default().path("/tmp/kubeconfig").context("kind-kind");
    /// assert_eq!(options.context.as_deref(), Some("kind-kind"));
    /// ```
    pub fn path(mut self, path: impl Into<PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Uses this context instead of `current-context`.
    pub fn context(mut self, context: impl Into<String>) -> Self {
        self.context = Some(context.into());
        self
    }

    /// Uses this cluster instead of the context's.
    pub fn cluster(mut self, cluster: impl Into<String>) -> Self {
        self.cluster = Some(cluster.into());
        self
    }

    /// Uses this user instead of the context's.
    pub fn user(mut self, user: impl Into<String>) -> Self {
        self.user = Some(user.into());
        self
    }

    /// Uses this API server URL instead of the cluster's `server`.
    pub fn server(mut self, server: impl Into<String>) -> Self {
        self.server = Some(server.into());
        self
    }

    /// Uses this namespace instead of the context's.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self
    }
}

impl Config {
    /// The configuration a kubeconfig describes: the file `options.path`,
    /// else the `KUBECONFIG` files merged, else `~/.kube/config`, with the
    /// overrides in `options`. Unlike [`Config::infer`] it never falls back
    /// to the in-cluster configuration.
    ///
    /// ```no_run
    /// use rudder::config::{Config, KubeconfigOptions};
    ///
    /// let mut options = KubeconfigOptions::default();
    /// options.context = Some("kind-kind".into());
    /// let config = Config::from_kubeconfig(&options)?;
    /// println!("{}", config.cluster_url);
    /// # Ok::<(), rudder::config::ConfigError>(())
    /// ```
    ///
    /// # Errors
    /// A [`ConfigError`] naming the file and field at fault: no kubeconfig,
    /// malformed YAML, an unknown context, cluster or user, a missing server,
    /// an unreadable file, bad PEM or base64, an unsupported `auth-provider`.
    pub fn from_kubeconfig(options: &KubeconfigOptions) -> Result<Config, ConfigError> {
        Config::from_kubeconfig_with(options, &Environment::process())
    }

    /// [`Config::from_kubeconfig`], with `KUBECONFIG` and `HOME` read from `env`.
    pub fn from_kubeconfig_with(
        options: &KubeconfigOptions,
        env: &Environment,
    ) -> Result<Config, ConfigError> {
        let kubeconfig = match &options.path {
            Some(path) => Kubeconfig::read(path)?,
            None => Kubeconfig::load(env)?,
        };
        Config::from_custom_kubeconfig(&kubeconfig, options)
    }

    /// The configuration an already loaded (or merged, or hand-built)
    /// kubeconfig describes; `options.path` is not used.
    ///
    /// ```
    /// use rudder::config::{Auth, Config, Kubeconfig, KubeconfigOptions};
    ///
    /// let kubeconfig = Kubeconfig::from_yaml(r#"
    /// clusters: [{name: dev, cluster: {server: "https://127.0.0.1:6443"}}]
    /// users: [{name: me, user: {token: abc}}]
    /// contexts: [{name: dev, context: {cluster: dev, user: me, namespace: apps}}]
    /// current-context: dev
    /// "#)?;
    /// let config = Config::from_custom_kubeconfig(&kubeconfig, &KubeconfigOptions::default())?;
    /// assert_eq!(config.cluster_url.as_str(), "https://127.0.0.1:6443/");
    /// assert_eq!(config.default_namespace, "apps");
    /// assert!(matches!(config.auth, Auth::Bearer(_)));
    /// # Ok::<(), rudder::config::ConfigError>(())
    /// ```
    pub fn from_custom_kubeconfig(
        kubeconfig: &Kubeconfig,
        options: &KubeconfigOptions,
    ) -> Result<Config, ConfigError> {
        let selection = select(kubeconfig, options)?;
        let cluster = resolve_cluster(&selection, options.server.as_deref())?;
        let user = resolve_user(selection.user, cluster.exec_extension.as_ref())?;
        let namespace = options.namespace.clone().or_else(|| {
            selection
                .context
                .and_then(|context| context.context.namespace.clone())
        });
        let mut config = Config::new(cluster.url);
        config.server_as_written = Some(cluster.server_as_written);
        if let Some(namespace) = namespace {
            config.default_namespace = namespace;
        }
        config.tls = TlsConfig {
            root_certificates: cluster.root_certificates,
            insecure_skip_verify: cluster.insecure_skip_verify,
            server_name: cluster.server_name,
            client_identity: user.client_identity,
        };
        config.auth = user.auth;
        config.impersonate = user.impersonate;
        config.proxy_url = cluster.proxy_url;
        Ok(config)
    }

    /// client-go's `BuildConfigFromFlags`: a `--server` URL and/or a
    /// `--kubeconfig` path.
    ///
    /// - A path: that file, with `server` (if any) replacing the cluster's URL.
    /// - Only a server: that URL, with no credentials; no kubeconfig is read.
    /// - Neither: the in-cluster configuration, else `KUBECONFIG` or
    ///   `~/.kube/config`; when both fail the error keeps both causes.
    ///
    /// ```no_run
    /// use rudder::Config;
    ///
    /// let config = Config::from_flags(None, Some("/etc/rudder/kubeconfig".as_ref()))?;
    /// # Ok::<(), rudder::config::ConfigError>(())
    /// ```
    pub fn from_flags(server: Option<&str>, kubeconfig: Option<&Path>) -> Result<Config, ConfigError> {
        Config::from_flags_with(server, kubeconfig, &Environment::process())
    }

    /// [`Config::from_flags`], with the environment and service-account folder taken from `env`.
    pub fn from_flags_with(
        server: Option<&str>,
        kubeconfig: Option<&Path>,
        env: &Environment,
    ) -> Result<Config, ConfigError> {
        let options = KubeconfigOptions {
            path: kubeconfig.map(Path::to_owned),
            server: server.map(str::to_owned),
            ..KubeconfigOptions::default()
        };
        match (server, kubeconfig) {
            (None, None) => Config::in_cluster_with(env).or_else(|in_cluster| {
                tracing::debug!(error = %in_cluster, "not in a cluster; trying the kubeconfig");
                Config::from_kubeconfig_with(&options, env).map_err(|kubeconfig| ConfigError::Infer {
                    kubeconfig: Box::new(kubeconfig),
                    in_cluster: Box::new(in_cluster),
                })
            }),
            (_, Some(_)) => Config::from_kubeconfig_with(&options, env),
            (Some(_), None) => Config::from_custom_kubeconfig(&Kubeconfig::default(), &options),
        }
    }
}
