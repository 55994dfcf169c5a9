//! The cause of an [`Error::Transport`](crate::Error::Transport), told in full.

use std::fmt;

/// Why a request got no answer, with the whole chain of causes in its
/// message: reqwest's own message only says "error sending request", while
/// the useful part ("invalid peer certificate: UnknownIssuer", "Connection
/// refused") is several causes down.
#[derive(Debug)]
pub struct TransportFailure {
    message: String,
    error: reqwest::Error,
}

impl TransportFailure {
    pub(crate) fn new(error: reqwest::Error) -> Self {
        let mut parts: Vec<String> = Vec::new();
        if error.is_timeout() {
            parts.push("timed out".into());
        }
        let mut cause = std::error::Error::source(&error);
        while let Some(current) = cause {
            let text = current.to_string();
            // hyper and the io error it wraps often say the same thing twice.
            if parts.last() != Some(&text) {
                parts.push(text);
            }
            cause = current.source();
        }
        if parts.is_empty() {
            parts.push(error.to_string());
        }
        TransportFailure {
            message: parts.join(": "),
            error,
        }
    }

    /// Whether the request timed out (connect or request timeout).
    pub fn is_timeout(&self) -> bool {
        self.error.is_timeout()
    }

    /// Whether no connection could be made (refused, DNS, TLS handshake).
    pub fn is_connect(&self) -> bool {
        self.error.is_connect()
    }

    /// The underlying reqwest error.
    pub fn reqwest_error(&self) -> &reqwest::Error {
        &self.error
    }
}

impl fmt::Display for TransportFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

// No `source()`: the message already holds the chain, and a reporter that
// walks the sources would print it twice. The reqwest error is available
// from `reqwest_error`.
impl std::error::Error for TransportFailure {}
