//! The crate's error type. Each module owns its own error (`ConfigError`,
//! `AuthError`, `RequestError`); `Error` wraps them and adds what the request
//! layer itself can fail with, always naming the verb and URL.

use crate::config::{AuthError, ConfigError};
use crate::discovery::DiscoveryError;
use crate::rest::RequestError;
use crate::typed::LineError;
use crate::types::Status;

/// `Result` with rudder's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything a rudder call can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with a non-2xx status; its `Status` body is kept whole.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The client configuration could not be built (kubeconfig, in-cluster files).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Credentials could not be obtained (exec plugin, token file).
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The request was rejected before anything was sent (an invalid name, namespace or query).
    #[error(transparent)]
    Request(#[from] RequestError),
    /// The request did not get an answer: connection, TLS, timeout, reset.
    #[error("{verb} {url}: {source}")]
    Transport {
        /// The HTTP method.
        verb: String,
        /// The URL, without credentials.
        url: String,
        /// What failed.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Discovery found no such resource, or not every group version.
    #[error(transparent)]
    Discovery(#[from] DiscoveryError),
    /// The server answered 2xx, but the body is not what the request expects.
    #[error("{verb} {url}: cannot decode the response body: {source}")]
    Decode {
        /// The HTTP method.
        verb: String,
        /// The URL.
        url: String,
        /// What the decoder said.
        #[source]
        source: serde_json::Error,
    },
    /// A line of a streamed body (a watch event, a log line) could not be used.
    #[error("{verb} {url}: {source}")]
    Stream {
        /// The HTTP method.
        verb: String,
        /// The URL.
        url: String,
        /// What was wrong with the line.
        #[source]
        source: LineError,
    },
}

/// A non-2xx answer: the server's `Status`, and the request that got it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// The server's `Status` body (or one made from the HTTP code when the body was not a `Status`).
    pub status: Status,
    /// The HTTP method of the request.
    pub verb: String,
    /// The request's URI as it was given to [`Rest`](crate::rest::Rest):
    /// path and query, relative to the cluster's URL (`/api/v1/pods?limit=1`).
    ///
    /// Relative on purpose: the request contract of `Rest` is relative, and a
    /// fake cluster, a cassette or a mock has no server URL to add. The
    /// cluster is in the client's [`Config`](crate::Config); transport errors
    /// from [`HttpRest`](crate::HttpRest), which does know it, name the
    /// absolute URL.
    pub url: String,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Status {
            code,
            reason,
            message,
            ..
        } = &self.status;
        write!(f, "{} {}: {code} {reason}: {message}", self.verb, self.url)
    }
}

impl std::error::Error for ApiError {}

/// How much of a non-`Status` error body an error message quotes.
const QUOTED_BODY_LIMIT: usize = 256;

impl ApiError {
    /// The error for a non-2xx answer: the `Status` in `body` when it has one,
    /// else a `Status` made from the HTTP code and the start of the body.
    pub fn from_response(verb: &str, url: &str, code: http::StatusCode, body: &[u8]) -> Self {
        let status = Status::from_body(body).unwrap_or_else(|| status_from_code(verb, code, body));
        ApiError {
            status,
            verb: verb.to_owned(),
            url: url.to_owned(),
        }
    }
}

/// The first `limit` characters of `text` for a message, with `...` when
/// there was more. Stops reading at the limit, however long the text.
pub(crate) fn quote_start(text: &str, limit: usize) -> String {
    let mut quoted: String = text.chars().take(limit).collect();
    if text.chars().nth(limit).is_some() {
        quoted.push_str("...");
    }
    quoted
}

/// The `Status` client-go makes up for an error body that is not one
/// (an HTML page from a proxy, plain text from a load balancer).
fn status_from_code(verb: &str, code: http::StatusCode, body: &[u8]) -> Status {
    let reason = reason_for_unstructured_answer(verb, code.as_u16());
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    let quoted = quote_start(text, QUOTED_BODY_LIMIT);
    let message = if quoted.is_empty() {
        format!("the server responded with {code} and an empty body")
    } else {
        format!("the server responded with {code}: {quoted}")
    };
    Status::failure(code.as_u16(), reason, message)
}

/// The reason client-go gives an answer without a `Status` body
/// (apimachinery's `NewGenericServerResponse`): the usual reason for the
/// codes the API server itself sends, `AlreadyExists` for a 409 to a POST,
/// `InternalError` for any other 5xx (a 502 from a proxy, say), else
/// `Unknown`. Codes such as 410 or 413 without a `Status` are `Unknown`, so
/// the `is_*` helpers fall back to the code for them.
fn reason_for_unstructured_answer(verb: &str, code: u16) -> &'static str {
    match code {
        409 if verb.eq_ignore_ascii_case("POST") => "AlreadyExists",
        400 | 401 | 403 | 404 | 405 | 406 | 409 | 415 | 422 | 429 | 504 => reason_for_code(code),
        500.. => "InternalError",
        _ => "Unknown",
    }
}

/// The reasons apimachinery defines (`metav1.StatusReason*`) other than
/// `Unknown`. A `Status` whose reason is not one of them (empty, `Unknown`,
/// or something new) is classified by its code, as client-go does.
const KNOWN_REASONS: [&str; 19] = [
    "Unauthorized",
    "Forbidden",
    "NotFound",
    "AlreadyExists",
    "Conflict",
    "Gone",
    "Invalid",
    "ServerTimeout",
    "StoreReadError",
    "Timeout",
    "TooManyRequests",
    "BadRequest",
    "MethodNotAllowed",
    "NotAcceptable",
    "RequestEntityTooLarge",
    "UnsupportedMediaType",
    "InternalError",
    "Expired",
    "ServiceUnavailable",
];

/// The `StatusReason` the API server uses for an HTTP code.
pub fn reason_for_code(code: u16) -> &'static str {
    match code {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        406 => "NotAcceptable",
        409 => "Conflict",
        410 => "Gone",
        413 => "RequestEntityTooLarge",
        415 => "UnsupportedMediaType",
        422 => "Invalid",
        429 => "TooManyRequests",
        500 => "InternalError",
        503 => "ServiceUnavailable",
        504 => "Timeout",
        _ => "Unknown",
    }
}

impl Error {
    /// The server's `Status`, when the error is an answer from the server.
    pub fn status(&self) -> Option<&Status> {
        match self {
            Error::Api(api) => Some(&api.status),
            _ => None,
        }
    }

    fn has_reason_or_code(&self, reason: &str, code: u16) -> bool {
        self.status().is_some_and(|status| {
            status.reason == reason
                || (!KNOWN_REASONS.contains(&status.reason.as_str()) && status.code == code)
        })
    }

    /// 404 NotFound: the object (or the resource) does not exist.
    pub fn is_not_found(&self) -> bool {
        self.has_reason_or_code("NotFound", 404)
    }

    /// 409 AlreadyExists: a create found an object with that name.
    pub fn is_already_exists(&self) -> bool {
        self.has_reason_or_code("AlreadyExists", 409) && !self.is_conflict()
    }

    /// 409 Conflict: the object changed since it was read (stale resourceVersion),
    /// or server-side apply found a field owned by another manager.
    pub fn is_conflict(&self) -> bool {
        self.status().is_some_and(|status| status.reason == "Conflict")
    }

    /// 410 Gone (or reason `Expired`): a resourceVersion or continue token is too old.
    pub fn is_gone(&self) -> bool {
        self.has_reason_or_code("Gone", 410) || self.has_reason_or_code("Expired", 410)
    }

    /// 403 Forbidden.
    pub fn is_forbidden(&self) -> bool {
        self.has_reason_or_code("Forbidden", 403)
    }

    /// 401 Unauthorized.
    pub fn is_unauthorized(&self) -> bool {
        self.has_reason_or_code("Unauthorized", 401)
    }

    /// 422 Invalid: the object failed validation; `details.causes` says which fields.
    pub fn is_invalid(&self) -> bool {
        self.has_reason_or_code("Invalid", 422)
    }

    /// 400 BadRequest.
    pub fn is_bad_request(&self) -> bool {
        self.has_reason_or_code("BadRequest", 400)
    }

    /// 405 MethodNotAllowed.
    pub fn is_method_not_allowed(&self) -> bool {
        self.has_reason_or_code("MethodNotAllowed", 405)
    }

    /// 429 TooManyRequests.
    pub fn is_too_many_requests(&self) -> bool {
        self.has_reason_or_code("TooManyRequests", 429)
    }

    /// 500 InternalError.
    pub fn is_internal_error(&self) -> bool {
        self.has_reason_or_code("InternalError", 500)
    }

    /// 503 ServiceUnavailable.
    pub fn is_service_unavailable(&self) -> bool {
        self.has_reason_or_code("ServiceUnavailable", 503)
    }

    /// 504 Timeout or 500 with reason `ServerTimeout`.
    pub fn is_timeout(&self) -> bool {
        self.has_reason_or_code("Timeout", 504) || self.has_reason_or_code("ServerTimeout", 500)
    }
}

impl From<ApiError> for Error {
    fn from(error: ApiError) -> Self {
        Error::Api(Box::new(error))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api_error(code: u16, body: &[u8]) -> Error {
        answer_to("GET", code, body)
    }

    fn answer_to(verb: &str, code: u16, body: &[u8]) -> Error {
        ApiError::from_response(
            verb,
            "https://k8s.test/api/v1/namespaces/default/pods/x",
            http::StatusCode::from_u16(code).unwrap(),
            body,
        )
        .into()
    }

    #[test]
    fn a_status_body_is_kept_whole() {
        let error = api_error(
            404,
            br#"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"pods \"x\" not found","reason":"NotFound","details":{"name":"x","kind":"pods"},"code":404}"#,
        );
        assert!(error.is_not_found());
        assert!(!error.is_conflict());
        assert_eq!(
            error.to_string(),
            r#"GET https://k8s.test/api/v1/namespaces/default/pods/x: 404 NotFound: pods "x" not found"#
        );
    }

    #[test]
    fn a_non_status_body_keeps_the_code_and_the_start_of_the_body() {
        let error = api_error(502, b"<html><body>Bad Gateway</body></html>");
        let status = error.status().unwrap();
        assert_eq!(status.code, 502);
        assert!(status.message.contains("<html><body>Bad Gateway"));
    }

    #[test]
    fn a_long_non_status_body_is_cut() {
        let body = "x".repeat(10_000);
        let error = api_error(500, body.as_bytes());
        assert!(error.to_string().len() < 600);
        assert!(error.is_internal_error());
    }

    #[test]
    fn conflict_and_already_exists_are_told_apart() {
        let conflict = api_error(409, br#"{"kind":"Status","reason":"Conflict","code":409}"#);
        let exists = api_error(409, br#"{"kind":"Status","reason":"AlreadyExists","code":409}"#);
        assert!(conflict.is_conflict() && !conflict.is_already_exists());
        assert!(exists.is_already_exists() && !exists.is_conflict());
    }

    #[test]
    fn a_non_status_answer_gets_the_reason_client_go_gives_it() {
        let reason = |verb: &str, code: u16| {
            let error = answer_to(verb, code, b"<html>proxy page</html>");
            error.status().unwrap().reason.clone()
        };
        assert_eq!(reason("GET", 404), "NotFound");
        assert_eq!(reason("PUT", 409), "Conflict");
        assert_eq!(reason("POST", 409), "AlreadyExists");
        assert_eq!(reason("GET", 504), "Timeout");
        assert_eq!(reason("GET", 502), "InternalError");
        assert_eq!(reason("GET", 503), "InternalError");
        assert_eq!(reason("GET", 410), "Unknown");
        assert_eq!(reason("GET", 418), "Unknown");
    }

    #[test]
    fn an_unknown_reason_falls_back_to_the_code() {
        assert!(answer_to("GET", 410, b"gone").is_gone());
        assert!(answer_to("POST", 409, b"exists").is_already_exists());
        assert!(!answer_to("POST", 409, b"exists").is_conflict());
        assert!(answer_to("GET", 503, b"busy").is_internal_error());
        let unknown = api_error(404, br#"{"kind":"Status","reason":"SomethingNew","code":404}"#);
        assert!(unknown.is_not_found());
        let known = api_error(404, br#"{"kind":"Status","reason":"Forbidden","code":404}"#);
        assert!(!known.is_not_found());
    }

    #[test]
    fn gone_matches_expired() {
        let expired = api_error(410, br#"{"kind":"Status","reason":"Expired","code":410}"#);
        assert!(expired.is_gone());
    }
}
