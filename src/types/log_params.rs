//! `LogParams`: what a pod's `log` subresource is asked for.

use crate::rest::Query;

/// Parameters of a pod log request.
///
/// ```
/// use rudder::types::LogParams;
/// let params = LogParams::default().container("app").tail(100).timestamps();
/// assert_eq!(params.to_query().encode(), "container=app&tailLines=100&timestamps=true");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LogParams {
    /// The container; needed when the pod has more than one.
    pub container: Option<String>,
    /// Keep the stream open and send new lines as they are written.
    pub follow: bool,
    /// Only the last this many lines.
    pub tail_lines: Option<u64>,
    /// Only lines newer than this many seconds.
    pub since_seconds: Option<u64>,
    /// Prefix each line with an RFC 3339 timestamp.
    pub timestamps: bool,
    /// The previous (terminated) instance of the container.
    pub previous: bool,
    /// At most this many bytes.
    pub limit_bytes: Option<u64>,
}

impl LogParams {
    /// The container to read.
    pub fn container(mut self, container: &str) -> Self {
        self.container = Some(container.to_owned());
        self
    }

    /// Keep the stream open.
    pub fn follow(mut self) -> Self {
        self.follow = true;
        self
    }

    /// Only the last `lines` lines.
    pub fn tail(mut self, lines: u64) -> Self {
        self.tail_lines = Some(lines);
        self
    }

    /// Only lines newer than `seconds`.
    pub fn since(mut self, seconds: u64) -> Self {
        self.since_seconds = Some(seconds);
        self
    }

    /// Prefix each line with its timestamp.
    pub fn timestamps(mut self) -> Self {
        self.timestamps = true;
        self
    }

    /// The previous instance of the container.
    pub fn previous(mut self) -> Self {
        self.previous = true;
        self
    }

    /// The query string.
    pub fn to_query(&self) -> Query {
        let mut query = Query::new();
        query.push_opt("container", self.container.as_deref());
        if self.follow {
            query.push("follow", "true");
        }
        query.push_opt("tailLines", self.tail_lines);
        query.push_opt("sinceSeconds", self.since_seconds);
        if self.timestamps {
            query.push("timestamps", "true");
        }
        if self.previous {
            query.push("previous", "true");
        }
        query.push_opt("limitBytes", self.limit_bytes);
        query
    }
}
