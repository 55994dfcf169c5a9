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
    #[error("unable to retrieve the complete list of server APIs: {} failed (first: {first_error})", short_list(.failed))]
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
            short_list(failed)
        ));
    }
    message
}

/// How many group versions a message names before "and N more".
const LISTED_IN_MESSAGES: usize = 3;

/// `a, b, c and 4 more`: a message stays readable when many group versions fail.
fn short_list(items: &[String]) -> String {
    let shown = items[..items.len().min(LISTED_IN_MESSAGES)].join(", ");
    match items.len().saturating_sub(LISTED_IN_MESSAGES) {
        0 => shown,
        more => format!("{shown} and {more} more"),
    }
}

impl DiscoveryError {
    /// Whether the error says no such resource is served.
    pub fn is_not_found(&self) -> bool {
        matches!(self, DiscoveryError::ResourceNotFound { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lists_of_failed_group_versions_are_shortened() {
        let failed: Vec<String> = ["a/v1", "b/v1", "c/v1", "d/v1", "e/v1"]
            .map(String::from)
            .to_vec();
        let error = DiscoveryError::ResourceNotFound {
            name: "widgets".into(),
            suggestions: vec!["widgets.example.com".into()],
            failed,
        };
        assert_eq!(
            error.to_string(),
            r#"the server doesn't have a resource type "widgets"; did you mean widgets.example.com? (discovery failed for a/v1, b/v1, c/v1 and 2 more, which may serve it)"#
        );
    }
}
