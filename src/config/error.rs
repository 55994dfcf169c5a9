use std::fmt;
use std::path::{Path, PathBuf};

/// Why a [`Config`](super::Config) could not be built. Each variant names the
/// file and the field it is about; none ever contains a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What the file system said.
        #[source]
        source: std::io::Error,
    },
    /// A field has a value rudder cannot use.
    #[error("{path}: {field}: {message}")]
    Invalid {
        /// The file (or `<in-memory>`).
        path: PathBuf,
        /// The field, as a path such as `users[admin].user.client-key-data`.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// A file a field refers to (a CA, a client certificate or key) could not be read.
    #[error("{path}: {field}: cannot read {file}: {source}")]
    ReadReferenced {
        /// The kubeconfig (or `<in-memory>`).
        path: PathBuf,
        /// The field that names the file, such as `clusters[prod].cluster.certificate-authority`.
        field: String,
        /// The file it names, resolved against the kubeconfig's folder.
        file: PathBuf,
        /// What the file system said.
        #[source]
        source: std::io::Error,
    },
    /// The kubeconfig is not valid YAML, or not shaped like a kubeconfig.
    #[error("{}: not a valid kubeconfig: {message}", Location(path, *line, *column))]
    Yaml {
        /// The file (or `<in-memory>`).
        path: PathBuf,
        /// The line of the problem, from 1, when known.
        line: Option<u64>,
        /// The column of the problem, from 1, when known.
        column: Option<u64>,
        /// What the parser said.
        message: String,
    },
    /// No kubeconfig file exists where one was looked for.
    #[error("no kubeconfig found ({})", Searched(searched))]
    NoKubeconfig {
        /// The files looked for: the `KUBECONFIG` list, or `~/.kube/config`.
        searched: Vec<PathBuf>,
    },
    /// The kubeconfig sets no `current-context` and none was given.
    #[error(
        "{}: no context selected: current-context is not set and no context was given ({})",
        PathList(sources),
        Known("contexts", known)
    )]
    NoContext {
        /// The files the kubeconfig was read from.
        sources: Vec<PathBuf>,
        /// The contexts it has.
        known: Vec<String>,
    },
    /// A context, cluster or user that was asked for is not in the kubeconfig.
    #[error(
        "{}: {wanted_by}: {kind} {name:?} not found ({})",
        PathList(sources),
        Known(&format!("{kind}s"), known)
    )]
    NotFound {
        /// The files the kubeconfig was read from.
        sources: Vec<PathBuf>,
        /// Where the name came from: `current-context`, a field such as
        /// `contexts[dev].context.user`, or an option such as `options.context`.
        wanted_by: String,
        /// `context`, `cluster` or `user`.
        kind: &'static str,
        /// The name asked for.
        name: String,
        /// The names the kubeconfig has for that kind.
        known: Vec<String>,
    },
    /// The process is not running in a pod: a service environment variable is missing.
    #[error("not running in a cluster: {variable} is not set")]
    NotInCluster {
        /// The variable, such as `KUBERNETES_SERVICE_HOST`.
        variable: &'static str,
    },
    /// Neither a kubeconfig nor the in-cluster configuration could be used;
    /// both causes are kept.
    #[error("no usable configuration: kubeconfig: {kubeconfig}; in-cluster: {in_cluster}")]
    Infer {
        /// Why the kubeconfig could not be used.
        kubeconfig: Box<ConfigError>,
        /// Why the in-cluster configuration could not be used.
        in_cluster: Box<ConfigError>,
    },
}

/// The name errors use for a kubeconfig that was not read from a file.
pub(crate) const IN_MEMORY: &str = "<in-memory>";

impl ConfigError {
    /// The error for a field of an in-memory [`Config`](crate::Config) (one
    /// not read from a file) whose value cannot be used, such as
    /// `tls.server_name` or `proxy_url`. `message` must not quote a secret.
    pub(crate) fn invalid_in_memory(field: impl Into<String>, message: impl fmt::Display) -> ConfigError {
        ConfigError::Invalid {
            path: PathBuf::from(IN_MEMORY),
            field: field.into(),
            message: message.to_string(),
        }
    }
}

/// `file:line:column`, with the parts that are known.
struct Location<'a>(&'a Path, Option<u64>, Option<u64>);

impl fmt::Display for Location<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.display())?;
        if let Some(line) = self.1 {
            write!(f, ":{line}")?;
            if let Some(column) = self.2 {
                write!(f, ":{column}")?;
            }
        }
        Ok(())
    }
}

/// Files joined by `, `, or `<in-memory>` when there are none.
struct PathList<'a>(&'a [PathBuf]);

impl fmt::Display for PathList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str(IN_MEMORY);
        }
        for (index, path) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{}", path.display())?;
        }
        Ok(())
    }
}

/// `looked for a, b`, or why nothing could be looked for.
struct Searched<'a>(&'a [PathBuf]);

impl fmt::Display for Searched<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            [] => f.write_str("KUBECONFIG is not set and there is no home folder (HOME) to look in"),
            paths => write!(f, "looked for {}", PathList(paths)),
        }
    }
}

/// `known contexts: a, b`, or `the kubeconfig has no contexts`.
struct Known<'a>(&'a str, &'a [String]);

impl fmt::Display for Known<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Known(kind, names) = self;
        if names.is_empty() {
            return write!(f, "the kubeconfig has no {kind}");
        }
        write!(f, "known {kind}: {}", names.join(", "))
    }
}

/// Why credentials could not be obtained while sending a request.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The exec credential plugin could not be run, or what it printed cannot be used.
    #[error("exec plugin {command}: {message}")]
    Exec {
        /// The plugin's command.
        command: String,
        /// What went wrong. Never the plugin's output, which may hold secrets.
        message: String,
    },
    /// The exec credential plugin exited with an error. Its stderr is not
    /// kept here (a plugin may echo its token or environment): it went to the
    /// terminal when the plugin was interactive, else to the debug log with
    /// what the plugin was given redacted.
    #[error("exec plugin {command}: {}", ExitDescription(*exit_code))]
    ExecFailed {
        /// The plugin's command.
        command: String,
        /// Its exit code; `None` when a signal ended it.
        exit_code: Option<i32>,
    },
    /// The exec credential plugin printed more than rudder reads; it was stopped.
    #[error("exec plugin {command}: printed more than {limit} bytes on stdout and was stopped")]
    ExecOutputTooLarge {
        /// The plugin's command.
        command: String,
        /// The most that is read, in bytes.
        limit: usize,
    },
    /// The exec credential plugin did not finish within the caller's
    /// [`ExecConfig::timeout`](crate::config::ExecConfig::timeout); it was stopped.
    #[error("exec plugin {command}: did not finish within {timeout:?} and was stopped")]
    ExecTimedOut {
        /// The plugin's command.
        command: String,
        /// The timeout that passed.
        timeout: std::time::Duration,
    },
    /// The OIDC id-token has expired and could not be refreshed.
    #[error("oidc auth provider ({issuer}): {message}")]
    Oidc {
        /// The issuer URL, without userinfo.
        issuer: String,
        /// What went wrong. Never a token or a response body.
        message: String,
    },
    /// A token file could not be read and no earlier token is known.
    #[error("cannot read token file {path}: {source}")]
    TokenFile {
        /// The file.
        path: PathBuf,
        /// What the file system said.
        #[source]
        source: std::io::Error,
    },
}

/// `exited with code 3`, or `was killed by a signal`.
struct ExitDescription(Option<i32>);

impl fmt::Display for ExitDescription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(code) => write!(f, "exited with code {code}"),
            None => f.write_str("was killed by a signal"),
        }
    }
}

/// Where in which kubeconfig a value came from, such as
/// `users[admin].user.client-key-data` in `/home/me/.kube/config`: every
/// error about a value is made from one, so each names its file and field.
#[derive(Clone, Debug)]
pub(crate) struct Field {
    path: PathBuf,
    field: String,
}

impl Field {
    /// `field` in the file `origin` (`<in-memory>` when there is none).
    pub(crate) fn new(origin: Option<&Path>, field: impl Into<String>) -> Field {
        Field {
            path: origin.map_or_else(|| PathBuf::from(IN_MEMORY), Path::to_owned),
            field: field.into(),
        }
    }

    /// A field inside this one: `users[admin].user` then `token`.
    pub(crate) fn child(&self, name: &str) -> Field {
        Field {
            path: self.path.clone(),
            field: format!("{}.{name}", self.field),
        }
    }

    /// The error "this field's value is wrong: `message`". `message` must not quote a secret.
    pub(crate) fn invalid(&self, message: impl Into<String>) -> ConfigError {
        ConfigError::Invalid {
            path: self.path.clone(),
            field: self.field.clone(),
            message: message.into(),
        }
    }

    /// The error "the file this field names cannot be read".
    pub(crate) fn unreadable(&self, file: &Path, source: std::io::Error) -> ConfigError {
        ConfigError::ReadReferenced {
            path: self.path.clone(),
            field: self.field.clone(),
            file: file.to_owned(),
            source,
        }
    }
}
