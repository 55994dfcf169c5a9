//! The cause of an [`Error::Transport`](crate::Error::Transport), told in full.

use std::error::Error as StdError;
use std::fmt;

/// Why a request got no answer, with the whole chain of causes in its
/// message: reqwest's own message only says "error sending request", while
/// the useful part ("invalid peer certificate: UnknownIssuer", "Connection
/// refused") is several causes down.
#[derive(Debug)]
pub struct TransportFailure {
    message: String,
    timed_out: bool,
    connect: bool,
    error: Box<dyn StdError + Send + Sync>,
}

impl TransportFailure {
    /// A failure of the reqwest client (every request without a
    /// `tls-server-name` that differs from the URL's host).
    pub(crate) fn new(error: reqwest::Error) -> Self {
        let mut parts = Vec::new();
        if error.is_timeout() {
            parts.push("timed out".into());
        }
        push_causes(&mut parts, StdError::source(&error));
        if parts.is_empty() {
            parts.push(error.to_string());
        }
        TransportFailure {
            message: parts.join(": "),
            timed_out: error.is_timeout(),
            connect: error.is_connect(),
            error: Box::new(error),
        }
    }

    /// A failure of hyper's client (requests sent with a `tls-server-name`):
    /// `connect` when no connection could be made, `timed_out` when the
    /// request timeout passed. A `TimedOut` IO error anywhere in the chain
    /// (a connect timeout) counts as timed out too, as reqwest counts it.
    pub(crate) fn from_hyper(error: Box<dyn StdError + Send + Sync>, connect: bool, timed_out: bool) -> Self {
        let timed_out = timed_out || has_timed_out_io(&*error);
        let mut parts = Vec::new();
        if timed_out {
            parts.push("timed out".into());
        }
        push_causes(&mut parts, Some(&*error));
        TransportFailure {
            message: parts.join(": "),
            timed_out,
            connect,
            error,
        }
    }

    /// Whether the request timed out (connect or request timeout).
    pub fn is_timeout(&self) -> bool {
        self.timed_out
    }

    /// Whether no connection could be made (refused, DNS, proxy, TLS handshake).
    pub fn is_connect(&self) -> bool {
        self.connect
    }

    /// The underlying reqwest error, when reqwest sent the request (it does
    /// unless a `tls-server-name` other than the URL's host is set).
    pub fn reqwest_error(&self) -> Option<&reqwest::Error> {
        self.error.downcast_ref()
    }

    /// The underlying error, for deciding whether to retry.
    pub(crate) fn cause(&self) -> &(dyn StdError + 'static) {
        &*self.error
    }
}

/// Appends the message of `cause` and each of its sources to `parts`,
/// skipping one that repeats the one before (hyper and the IO error it wraps
/// often say the same thing twice).
fn push_causes(parts: &mut Vec<String>, mut cause: Option<&(dyn StdError + 'static)>) {
    while let Some(current) = cause {
        let text = current.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        cause = current.source();
    }
}

fn has_timed_out_io(error: &(dyn StdError + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(current) = cause {
        if current
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
        {
            return true;
        }
        cause = current.source();
    }
    false
}

impl fmt::Display for TransportFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

// No `source()`: the message already holds the chain, and a reporter that
// walks the sources would print it twice. The reqwest error is available
// from `reqwest_error`.
impl StdError for TransportFailure {}
