use std::path::PathBuf;

/// Why a [`Config`](super::Config) could not be built. Each variant names the
/// file and the field it is about.
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
}

/// Why credentials could not be obtained while sending a request.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The exec credential plugin failed.
    #[error("exec plugin {command}: {message}")]
    Exec {
        /// The plugin's command.
        command: String,
        /// What went wrong, with the plugin's stderr when it printed any.
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
