//! What configuration reads from the process's surroundings: environment
//! variables and the service-account folder. Passing an [`Environment`] in,
//! rather than reading `std::env` deep inside, lets tests describe any
//! surroundings without mutating the real (shared) process environment.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The folder a pod's service-account token, CA and namespace are mounted in.
pub const SERVICE_ACCOUNT_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

type Lookup = dyn Fn(&str) -> Option<String> + Send + Sync;

/// Environment variables and the service-account folder, as configuration sees them.
///
/// [`Environment::process`] is the real process; tests build one from pairs:
///
/// ```
/// use rudder::config::Environment;
///
/// let env = Environment::from_vars([("KUBERNETES_SERVICE_HOST", "10.0.0.1")])
///     .with_service_account_dir("/tmp/sa");
/// assert_eq!(env.var("KUBERNETES_SERVICE_HOST").as_deref(), Some("10.0.0.1"));
/// assert_eq!(env.var("HOME"), None);
/// ```
#[derive(Clone)]
pub struct Environment {
    lookup: Arc<Lookup>,
    service_account_dir: PathBuf,
}

impl Environment {
    /// The process's own environment variables and the standard service-account folder.
    pub fn process() -> Self {
        Environment::from_fn(|name| std::env::var(name).ok())
    }

    /// Exactly these variables, and the standard service-account folder.
    pub fn from_vars<K, V>(vars: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        let vars: BTreeMap<String, String> = vars
            .into_iter()
            .map(|(name, value)| (name.into(), value.into()))
            .collect();
        Environment::from_fn(move |name| vars.get(name).cloned())
    }

    /// Variables looked up by `lookup`, and the standard service-account folder.
    pub fn from_fn(lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        Environment {
            lookup: Arc::new(lookup),
            service_account_dir: PathBuf::from(SERVICE_ACCOUNT_DIR),
        }
    }

    /// The same variables, with the service-account files read from `dir`.
    pub fn with_service_account_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.service_account_dir = dir.into();
        self
    }

    /// A variable's value; an empty value counts as unset, as it does for kubectl.
    pub fn var(&self, name: &str) -> Option<String> {
        (self.lookup)(name).filter(|value| !value.is_empty())
    }

    /// Where the service-account token, `ca.crt` and `namespace` files are.
    pub fn service_account_dir(&self) -> &Path {
        &self.service_account_dir
    }

    /// The user's home folder: `HOME`, else (on Windows) `USERPROFILE`.
    pub fn home_dir(&self) -> Option<PathBuf> {
        self.var("HOME")
            .or_else(|| self.var("USERPROFILE"))
            .map(PathBuf::from)
    }
}

impl fmt::Debug for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Values are not listed: any variable may hold a secret.
        f.debug_struct("Environment")
            .field("service_account_dir", &self.service_account_dir)
            .finish_non_exhaustive()
    }
}
