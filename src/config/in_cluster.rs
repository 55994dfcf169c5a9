//! The configuration of a pod: the API server from the service environment
//! variables, credentials from the mounted service-account files.

use std::path::Path;

use super::client_config::{Auth, Config};
use super::environment::Environment;
use super::error::{ConfigError, Field};
use super::pem;

const HOST: &str = "KUBERNETES_SERVICE_HOST";
const PORT: &str = "KUBERNETES_SERVICE_PORT";

impl Config {
    /// The configuration of the pod this process runs in: the server at
    /// `https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT`, the
    /// service-account token (re-read, as it is rotated) and CA from
    /// `/var/run/secrets/kubernetes.io/serviceaccount`, and the namespace
    /// from `POD_NAMESPACE`, else the `namespace` file, else `default`.
    ///
    /// ```no_run
    /// let config = rudder::Config::in_cluster()?;
    /// println!("talking to {} as the pod's service account", config.cluster_url);
    /// # Ok::<(), rudder::config::ConfigError>(())
    /// ```
    ///
    /// # Errors
    /// [`ConfigError::NotInCluster`] outside a pod; [`ConfigError::Read`] when
    /// the token cannot be read; [`ConfigError::Invalid`] for a bad CA file.
    /// A missing `ca.crt` is not an error: it is logged and the system's roots
    /// are trusted, as client-go does.
    pub fn in_cluster() -> Result<Config, ConfigError> {
        Config::in_cluster_with(&Environment::process())
    }

    /// [`Config::in_cluster`], with the variables and the service-account folder taken from `env`.
    ///
    /// ```
    /// use rudder::config::{Config, Environment};
    ///
    /// let folder = tempfile::tempdir()?;
    /// std::fs::write(folder.path().join("token"), "a-token")?;
    /// let env = Environment::from_vars([("KUBERNETES_SERVICE_HOST", "fd00::1"), ("KUBERNETES_SERVICE_PORT", "443")])
    ///     .with_service_account_dir(folder.path());
    /// let config = Config::in_cluster_with(&env)?;
    /// assert_eq!(config.cluster_url.as_str(), "https://[fd00::1]/");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn in_cluster_with(env: &Environment) -> Result<Config, ConfigError> {
        let host = env
            .var(HOST)
            .ok_or(ConfigError::NotInCluster { variable: HOST })?;
        let port = env
            .var(PORT)
            .ok_or(ConfigError::NotInCluster { variable: PORT })?;
        let server = service_server(&host, &port);
        let url = url::Url::parse(&server).map_err(|error| {
            Field::new(Some(Path::new("<environment>")), format!("{HOST}, {PORT}"))
                .invalid(format!("do not make a valid URL: {error}"))
        })?;
        let mut config = Config::new(url);
        config.server_as_written = Some(server);
        let dir = env.service_account_dir();
        let token = dir.join("token");
        // Fail now rather than on the first request when there is no token at all.
        std::fs::metadata(&token).map_err(|source| ConfigError::Read {
            path: token.clone(),
            source,
        })?;
        config.auth = Auth::BearerFile {
            path: token,
            fallback: None,
        };
        config.tls.root_certificates = service_account_ca(dir)?;
        config.default_namespace = env
            .var("POD_NAMESPACE")
            .or_else(|| namespace_file(dir))
            .unwrap_or_else(|| "default".to_owned());
        Ok(config)
    }
}

/// `https://host:port`, with an IPv6 host in brackets.
/// `https://host:port` as client-go's `InClusterConfig` writes it (an IPv6
/// host in brackets); the discovery cache folder is named from this string.
fn service_server(host: &str, port: &str) -> String {
    let host = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_owned()
    };
    format!("https://{host}:{port}")
}

fn service_account_ca(dir: &Path) -> Result<Vec<rustls_pki_types::CertificateDer<'static>>, ConfigError> {
    let path = dir.join("ca.crt");
    match std::fs::read(&path) {
        Ok(pem) => pem::certificates(
            &pem,
            &Field::new(Some(dir), "ca.crt"),
            &path.display().to_string(),
        ),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            tracing::warn!(path = %path.display(), "no service-account CA file; trusting the system's root certificates");
            Ok(Vec::new())
        }
        Err(source) => Err(ConfigError::Read { path, source }),
    }
}

fn namespace_file(dir: &Path) -> Option<String> {
    let namespace = std::fs::read_to_string(dir.join("namespace")).ok()?;
    let namespace = namespace.trim();
    (!namespace.is_empty()).then(|| namespace.to_owned())
}
