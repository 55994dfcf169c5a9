//! Request building with no IO: every path, query string and header the SDK
//! sends is made here and can be checked without a server.

use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_TYPE, HeaderName, HeaderValue};
use http::{HeaderMap, Method};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

use super::transport::Request;

/// A request that cannot be sent as asked; nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// A name, namespace or other path segment the API server could never accept.
    #[error("invalid {what} {value:?}: {reason}")]
    InvalidPathSegment {
        /// Which segment: `name`, `namespace`, `subresource`, ...
        what: &'static str,
        /// The value given.
        value: String,
        /// Why it is invalid.
        reason: &'static str,
    },
    /// A header value that HTTP cannot carry.
    #[error("invalid value for header {name}: {reason}")]
    InvalidHeader {
        /// The header.
        name: String,
        /// Why it is invalid.
        reason: String,
    },
    /// Parameters that cannot be sent together, or a verb this handle cannot
    /// send (a namespaced verb on an all-namespaces handle).
    #[error("invalid request: {0}")]
    InvalidParams(String),
    /// A body that could not be serialized.
    #[error("cannot serialize the request body: {0}")]
    Body(String),
    /// The assembled URI is not valid.
    #[error("invalid request URI {uri:?}: {reason}")]
    InvalidUri {
        /// The URI.
        uri: String,
        /// Why it is invalid.
        reason: String,
    },
}

/// Where a resource lives on the API server: `/api/v1/...` for the core group,
/// `/apis/{group}/{version}/...` for the others.
///
/// ```
/// use rudder::rest::ResourcePath;
/// let path = ResourcePath::new("apps", "v1", "deployments")
///     .namespace("default")
///     .name("web")
///     .subresource("scale");
/// assert_eq!(path.to_path().unwrap(), "/apis/apps/v1/namespaces/default/deployments/web/scale");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ResourcePath {
    group: String,
    version: String,
    plural: String,
    namespace: Option<String>,
    name: Option<String>,
    subresource: Option<String>,
}

impl ResourcePath {
    /// The resource `plural` in `group`/`version`; an empty group is the core group.
    pub fn new(group: impl Into<String>, version: impl Into<String>, plural: impl Into<String>) -> Self {
        ResourcePath {
            group: group.into(),
            version: version.into(),
            plural: plural.into(),
            ..ResourcePath::default()
        }
    }

    /// A resource of the core group (`/api/{version}`).
    pub fn core(version: impl Into<String>, plural: impl Into<String>) -> Self {
        ResourcePath::new("", version, plural)
    }

    /// Inside namespace `namespace`.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self
    }

    /// Inside `namespace` when there is one; all namespaces (or cluster scope) otherwise.
    pub fn within(mut self, namespace: Option<&str>) -> Self {
        self.namespace = namespace.map(str::to_owned);
        self
    }

    /// The object named `name`.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// A subresource of the object (`status`, `scale`, `log`, ...).
    pub fn subresource(mut self, subresource: impl Into<String>) -> Self {
        self.subresource = Some(subresource.into());
        self
    }

    /// The group (empty for core).
    pub fn group(&self) -> &str {
        &self.group
    }

    /// The version.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The plural resource name.
    pub fn plural(&self) -> &str {
        &self.plural
    }

    /// The namespace, if any.
    pub fn namespace_name(&self) -> Option<&str> {
        self.namespace.as_deref()
    }

    /// The object's name, if any.
    pub fn object_name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The subresource, if any.
    pub fn subresource_name(&self) -> Option<&str> {
        self.subresource.as_deref()
    }

    /// The URL path, after checking each segment is one the server could accept.
    pub fn to_path(&self) -> Result<String, RequestError> {
        self.segments().to_path()
    }

    fn segments(&self) -> PathSegments<'_> {
        PathSegments {
            group: &self.group,
            version: &self.version,
            plural: &self.plural,
            namespace: self.namespace.as_deref(),
            name: self.name.as_deref(),
            subresource: self.subresource.as_deref(),
        }
    }
}

/// A [`ResourcePath`] that borrows its segments: the SDK's own requests
/// name a path without copying each segment into a string of its own.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PathSegments<'a> {
    pub(crate) group: &'a str,
    pub(crate) version: &'a str,
    pub(crate) plural: &'a str,
    pub(crate) namespace: Option<&'a str>,
    pub(crate) name: Option<&'a str>,
    pub(crate) subresource: Option<&'a str>,
}

impl<'a> PathSegments<'a> {
    /// The object named `name`.
    pub(crate) fn name(self, name: &'a str) -> Self {
        PathSegments {
            name: Some(name),
            ..self
        }
    }

    /// A subresource of the object.
    pub(crate) fn subresource(self, subresource: &'a str) -> Self {
        PathSegments {
            subresource: Some(subresource),
            ..self
        }
    }

    fn to_path(self) -> Result<String, RequestError> {
        let mut path = String::with_capacity(self.path_len());
        if self.group.is_empty() {
            path.push_str("/api");
        } else {
            path = push_segment(path + "/apis", "group", self.group)?;
        }
        path = push_segment(path, "version", self.version)?;
        if let Some(namespace) = self.namespace {
            path = push_segment(path + "/namespaces", "namespace", namespace)?;
        }
        path = push_segment(path, "resource", self.plural)?;
        if let Some(name) = self.name {
            path = push_segment(path, "name", name)?;
        }
        match (self.subresource, self.name) {
            (Some(subresource), Some(_)) => push_segment(path, "subresource", subresource),
            (Some(subresource), None) => Err(RequestError::InvalidPathSegment {
                what: "subresource",
                value: subresource.to_owned(),
                reason: "a subresource needs an object name",
            }),
            (None, _) => Ok(path),
        }
    }

    /// The length of the path when nothing needs escaping: one allocation
    /// instead of one each time a segment outgrows the string.
    fn path_len(self) -> usize {
        let group = if self.group.is_empty() {
            "/api".len()
        } else {
            "/apis/".len() + self.group.len()
        };
        let segment = |value: Option<&str>| value.map_or(0, |value| 1 + value.len());
        group
            + 1
            + self.version.len()
            + self
                .namespace
                .map_or(0, |namespace| "/namespaces/".len() + namespace.len())
            + 1
            + self.plural.len()
            + segment(self.name)
            + segment(self.subresource)
    }
}

/// Characters escaped inside one path segment: controls, space and the URI
/// delimiters. `/` and `%` never get here; validation rejects them.
const PATH_SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

fn push_segment(mut path: String, what: &'static str, value: &str) -> Result<String, RequestError> {
    validate_path_segment(what, value)?;
    path.push('/');
    path.extend(utf8_percent_encode(value, PATH_SEGMENT));
    Ok(path)
}

/// The API server's own rule for names in a URL path (apimachinery's
/// `IsValidPathSegmentName`): not empty, not `.` or `..`, no `/` or `%`.
pub(crate) fn validate_path_segment(what: &'static str, value: &str) -> Result<(), RequestError> {
    let reason = match value {
        "" => Some("it is empty"),
        "." | ".." => Some("it may not be '.' or '..'"),
        _ if value.contains('/') => Some("it may not contain '/'"),
        _ if value.contains('%') => Some("it may not contain '%'"),
        _ => None,
    };
    match reason {
        Some(reason) => Err(RequestError::InvalidPathSegment {
            what,
            value: value.to_owned(),
            reason,
        }),
        None => Ok(()),
    }
}

/// Query parameters in the order they were added, form-encoded as the API
/// server (Go's `url.Values`) expects.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query(Vec<(String, String)>);

impl Query {
    /// No parameters.
    pub fn new() -> Self {
        Query::default()
    }

    /// Adds `key=value`.
    pub fn push(&mut self, key: impl Into<String>, value: impl ToString) {
        self.0.push((key.into(), value.to_string()));
    }

    /// Adds `key=value` when there is a value.
    pub fn push_opt(&mut self, key: impl Into<String>, value: Option<impl ToString>) {
        if let Some(value) = value {
            self.push(key, value);
        }
    }

    /// Whether there are no parameters.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The parameters, in order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }

    /// `a=1&b=x+y`, without the leading `?`.
    pub fn encode(&self) -> String {
        let mut serializer = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in &self.0 {
            serializer.append_pair(key, value);
        }
        serializer.finish()
    }
}

/// Builds a [`Request`] with no IO.
///
/// ```
/// use rudder::rest::{RequestBuilder, ResourcePath};
/// let request = RequestBuilder::get(&ResourcePath::core("v1", "pods").namespace("default"))?
///     .query("labelSelector", "app=web")
///     .query("limit", 500)
///     .build()?;
/// assert_eq!(request.uri(), "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb&limit=500");
/// # Ok::<(), rudder::rest::RequestError>(())
/// ```
#[derive(Clone, Debug)]
pub struct RequestBuilder {
    method: Method,
    path: String,
    query: Query,
    headers: Vec<(HeaderName, String)>,
    body: Bytes,
}

impl RequestBuilder {
    /// A request to a resource path.
    pub fn new(method: Method, path: &ResourcePath) -> Result<Self, RequestError> {
        RequestBuilder::at(method, path.segments())
    }

    /// A request to a resource path whose segments are borrowed.
    pub(crate) fn at(method: Method, path: PathSegments<'_>) -> Result<Self, RequestError> {
        Ok(RequestBuilder::raw(method, path.to_path()?))
    }

    /// A request to a path that is not a resource (`/version`, `/apis`, `/openapi/v2`).
    pub fn raw(method: Method, path: impl Into<String>) -> Self {
        RequestBuilder {
            method,
            path: path.into(),
            query: Query::new(),
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    /// A GET of `path`.
    pub fn get(path: &ResourcePath) -> Result<Self, RequestError> {
        RequestBuilder::new(Method::GET, path)
    }

    /// Adds a query parameter.
    pub fn query(mut self, key: impl Into<String>, value: impl ToString) -> Self {
        self.query.push(key, value);
        self
    }

    /// Adds every parameter of `query`.
    pub fn queries(mut self, query: &Query) -> Self {
        self.query.0.extend(query.0.iter().cloned());
        self
    }

    /// Sets a header (replacing one of the same name).
    pub fn header(mut self, name: HeaderName, value: impl Into<String>) -> Self {
        self.headers.retain(|(existing, _)| existing != name);
        self.headers.push((name, value.into()));
        self
    }

    /// Sets `Accept`.
    pub fn accept(self, media_type: &str) -> Self {
        self.header(ACCEPT, media_type)
    }

    /// Sets the body and its `Content-Type`.
    pub fn body(self, body: impl Into<Bytes>, content_type: &str) -> Self {
        let mut builder = self.header(CONTENT_TYPE, content_type);
        builder.body = body.into();
        builder
    }

    /// Sets a JSON body (`Content-Type: application/json`).
    pub fn json<T: serde::Serialize + ?Sized>(self, body: &T) -> Result<Self, RequestError> {
        let bytes = serde_json::to_vec(body).map_err(|error| RequestError::Body(error.to_string()))?;
        Ok(self.body(bytes, "application/json"))
    }

    /// The request.
    pub fn build(self) -> Result<Request, RequestError> {
        let uri = if self.query.is_empty() {
            self.path
        } else {
            format!("{}?{}", self.path, self.query.encode())
        };
        let mut headers = HeaderMap::new();
        if !self.headers.iter().any(|(name, _)| name == ACCEPT) {
            headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        }
        for (name, value) in self.headers {
            let value = HeaderValue::from_str(&value).map_err(|error| RequestError::InvalidHeader {
                name: name.to_string(),
                reason: error.to_string(),
            })?;
            headers.insert(name, value);
        }
        // The URI keeps these bytes rather than a copy; a clone of it (the
        // verb and URI kept for errors) then shares them.
        let uri_bytes = Bytes::from(uri);
        let uri =
            http::Uri::from_maybe_shared(uri_bytes.clone()).map_err(|error| RequestError::InvalidUri {
                uri: String::from_utf8_lossy(&uri_bytes).into_owned(),
                reason: error.to_string(),
            })?;
        let mut request = http::Request::new(self.body);
        *request.method_mut() = self.method;
        *request.uri_mut() = uri;
        *request.headers_mut() = headers;
        Ok(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_uri_http_cannot_carry_is_refused_with_the_uri() {
        let error = RequestBuilder::raw(Method::GET, "/api/v1/pods\u{7f}")
            .build()
            .unwrap_err();
        assert!(
            matches!(&error, RequestError::InvalidUri { uri, .. } if uri == "/api/v1/pods\u{7f}"),
            "{error:?}"
        );
    }

    #[test]
    fn core_and_group_paths() {
        let cases = [
            (ResourcePath::core("v1", "pods"), "/api/v1/pods"),
            (
                ResourcePath::core("v1", "pods").namespace("kube-system"),
                "/api/v1/namespaces/kube-system/pods",
            ),
            (
                ResourcePath::core("v1", "namespaces").name("default"),
                "/api/v1/namespaces/default",
            ),
            (
                ResourcePath::core("v1", "nodes").name("n1").subresource("status"),
                "/api/v1/nodes/n1/status",
            ),
            (
                ResourcePath::new("apps", "v1", "deployments"),
                "/apis/apps/v1/deployments",
            ),
            (
                ResourcePath::new("samplecontroller.k8s.io", "v1alpha1", "foos")
                    .namespace("default")
                    .name("example-foo"),
                "/apis/samplecontroller.k8s.io/v1alpha1/namespaces/default/foos/example-foo",
            ),
            (
                ResourcePath::new("rbac.authorization.k8s.io", "v1", "clusterroles")
                    .name("system:controller:x"),
                "/apis/rbac.authorization.k8s.io/v1/clusterroles/system:controller:x",
            ),
        ];
        for (path, expected) in cases {
            assert_eq!(path.to_path().unwrap(), expected, "{path:?}");
        }
    }

    #[test]
    fn segments_the_server_could_never_accept_are_refused() {
        let bad = [
            ResourcePath::core("v1", "pods").namespace("default").name("a/b"),
            ResourcePath::core("v1", "pods").namespace("default").name(".."),
            ResourcePath::core("v1", "pods").namespace("default").name("."),
            ResourcePath::core("v1", "pods").namespace("default").name(""),
            ResourcePath::core("v1", "pods").namespace("").name("x"),
            ResourcePath::core("v1", "pods").namespace("a%2Fb"),
            ResourcePath::core("v1", "pods").subresource("status"),
            ResourcePath::core("", "pods"),
        ];
        for path in bad {
            assert!(path.to_path().is_err(), "{path:?} should be refused");
        }
    }

    #[test]
    fn the_error_names_the_segment_and_the_value() {
        let error = ResourcePath::core("v1", "pods")
            .namespace("default")
            .name("a/b")
            .to_path()
            .unwrap_err();
        assert_eq!(error.to_string(), r#"invalid name "a/b": it may not contain '/'"#);
    }

    #[test]
    fn delimiters_in_a_name_are_escaped() {
        let path = ResourcePath::core("v1", "configmaps")
            .namespace("default")
            .name("a?b#c d");
        assert_eq!(
            path.to_path().unwrap(),
            "/api/v1/namespaces/default/configmaps/a%3Fb%23c%20d"
        );
    }

    #[test]
    fn query_values_are_form_encoded() {
        let mut query = Query::new();
        query.push("labelSelector", "app in (a,b),tier!=db");
        query.push("fieldSelector", "status.phase=Running");
        query.push_opt("limit", Some(500));
        query.push_opt("continue", None::<String>);
        assert_eq!(
            query.encode(),
            "labelSelector=app+in+%28a%2Cb%29%2Ctier%21%3Ddb&fieldSelector=status.phase%3DRunning&limit=500"
        );
    }

    #[test]
    fn a_built_request_has_method_uri_headers_and_body() {
        let request = RequestBuilder::new(
            Method::POST,
            &ResourcePath::core("v1", "configmaps").namespace("default"),
        )
        .unwrap()
        .query("fieldManager", "rudder")
        .json(&serde_json::json!({"metadata": {"name": "x"}}))
        .unwrap()
        .build()
        .unwrap();
        assert_eq!(request.method(), Method::POST);
        assert_eq!(
            request.uri(),
            "/api/v1/namespaces/default/configmaps?fieldManager=rudder"
        );
        assert_eq!(request.headers()[CONTENT_TYPE], "application/json");
        assert_eq!(request.headers()[ACCEPT], "application/json");
        assert_eq!(&request.body()[..], br#"{"metadata":{"name":"x"}}"#);
    }

    #[test]
    fn a_header_value_http_cannot_carry_is_an_error() {
        let error = RequestBuilder::raw(Method::GET, "/version")
            .accept("a\nb")
            .build()
            .unwrap_err();
        assert!(matches!(error, RequestError::InvalidHeader { .. }));
    }
}
