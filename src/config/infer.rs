//! Finding a configuration the way kubectl and in-cluster clients do.

use super::client_config::Config;
use super::environment::Environment;
use super::error::ConfigError;
use super::resolve::KubeconfigOptions;

impl Config {
    /// The configuration this process should use, found in this order:
    ///
    /// 1. the `KUBECONFIG` files, merged as kubectl merges them;
    /// 2. else `~/.kube/config`;
    /// 3. else, when no kubeconfig is found or it cannot be used, the
    ///    in-cluster configuration ([`Config::in_cluster`]).
    ///
    /// It reads files only and never blocks on the network.
    ///
    /// ```no_run
    /// let config = rudder::Config::infer()?;
    /// println!("{} in namespace {}", config.cluster_url, config.default_namespace);
    /// # Ok::<(), rudder::config::ConfigError>(())
    /// ```
    ///
    /// # Errors
    /// [`ConfigError::Infer`] when neither a kubeconfig nor the in-cluster
    /// configuration can be used; it keeps both causes.
    pub fn infer() -> Result<Config, ConfigError> {
        Config::infer_with(&KubeconfigOptions::default(), &Environment::process())
    }

    /// [`Config::infer`] with kubectl's overrides and a given environment.
    /// An explicit `options.path` is used alone: if it fails, that error is
    /// returned, with no fallback to the in-cluster configuration.
    ///
    /// ```
    /// use rudder::config::{Config, ConfigError, Environment, KubeconfigOptions};
    ///
    /// // Nowhere to look: both causes are kept.
    /// let error = Config::infer_with(&KubeconfigOptions::default(), &Environment::from_vars([("HOME", "/nonexistent")]))
    ///     .unwrap_err();
    /// assert!(matches!(error, ConfigError::Infer { .. }));
    /// ```
    pub fn infer_with(options: &KubeconfigOptions, env: &Environment) -> Result<Config, ConfigError> {
        if options.path.is_some() {
            return Config::from_kubeconfig_with(options, env);
        }
        let kubeconfig = match Config::from_kubeconfig_with(options, env) {
            Ok(config) => return Ok(config),
            Err(error) => error,
        };
        match &kubeconfig {
            ConfigError::NoKubeconfig { .. } => {
                tracing::debug!(error = %kubeconfig, "no kubeconfig; trying the in-cluster configuration");
            }
            _ => {
                tracing::warn!(error = %kubeconfig, "the kubeconfig cannot be used; trying the in-cluster configuration")
            }
        }
        Config::in_cluster_with(env).map_err(|in_cluster| ConfigError::Infer {
            kubeconfig: Box::new(kubeconfig),
            in_cluster: Box::new(in_cluster),
        })
    }
}
