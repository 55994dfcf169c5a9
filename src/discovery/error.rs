//! What discovery itself can fail with (server and transport errors stay
//! [`crate::Error::Api`] and [`crate::Error::Transport`]).

/// A discovery failure that is not the server's answer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DiscoveryError {
    /// No served resource matches the name, even after refreshing discovery.
    #[error("{}", not_found_message(.name, .suggestions, .failed))]
    ResourceNotFound {
        /// The name asked for (`deploymnt`, `foos.example.com`).
        name: String,
        /// Close names the server does serve, best first.
        suggestions: Vec<String>,
        /// Group versions that could not be discovered, where it may be.
        failed: Vec<String>,
    },
    /// A resource name that cannot name anything (empty, or with `/`).
    #[error("invalid resource name {name:?}: {reason}")]
    InvalidName {
        /// The name given.
        name: String,
        /// Why it is invalid.
        reason: &'static str,
    },
    /// Aggregated discovery marked a group version stale: the aggregated API
    /// server behind it could not be reached.
    #[error("the server reports {group_version} as stale: its API server did not answer discovery")]
    Stale {
        /// The group version.
        group_version: String,
    },
    /// Some group versions could not be discovered and the caller asked for all.
    #[error("unable to retrieve the complete list of server APIs: {} failed (first: {first_error})", .failed.join(", "))]
    Incomplete {
        /// The group versions that failed.
        failed: Vec<String>,
        /// The first one's error.
        first_error: String,
    },
}

fn not_found_message(name: &str, suggestions: &[String], failed: &[String]) -> String {
    let mut message = format!("the server doesn't have a resource type {name:?}");
    if !suggestions.is_empty() {
        message.push_str(&format!("; did you mean {}?", suggestions.join(", ")));
    }
    if !failed.is_empty() {
        message.push_str(&format!(
            " (discovery failed for {}, which may serve it)",
            failed.join(", ")
        ));
    }
    message
}

impl DiscoveryError {
    /// Whether the error says no such resource is served.
    pub fn is_not_found(&self) -> bool {
        matches!(self, DiscoveryError::ResourceNotFound { .. })
    }
}
