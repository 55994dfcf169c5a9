//! One resource request, as the handlers see it, and their answer.

use rudder::Status;
use serde_json::Value;

use crate::cluster::registry::ResourceKind;
use crate::cluster::request::body::Body;
use crate::cluster::request::errors::{bad_request, unsupported_body_type};
use crate::cluster::request::query::QueryOptions;

/// A request on a resource, after routing.
#[derive(Clone, Debug)]
pub(crate) struct Call {
    pub kind: ResourceKind,
    /// The version in the path (a CRD may serve several).
    pub version: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub subresource: Option<String>,
    pub options: QueryOptions,
    pub body: bytes::Bytes,
    pub content_type: String,
    /// The manager the API server records for a write that names none: the
    /// User-Agent up to its first `/` (`kubectl`, `rudder`), if there is one.
    pub user_agent_manager: Option<String>,
}

impl Call {
    /// The namespace for objects of this kind (empty for cluster-scoped kinds).
    pub fn namespace(&self) -> &str {
        if self.kind.namespaced() {
            self.namespace.as_deref().unwrap_or("")
        } else {
            ""
        }
    }

    /// The object name in the path (empty for collections).
    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or("")
    }

    /// The body as a JSON object (sent as JSON or YAML), or the server's
    /// 400 when it does not decode, or 415 when its format is not one the
    /// server takes.
    pub fn body_object(&self) -> Result<Value, Status> {
        let value: Value = match body_format(&self.content_type) {
            Some(BodyFormat::Json) => serde_json::from_slice(&self.body).map_err(|error| {
                bad_request(format!("couldn't get version/kind; json parse error: {error}"))
            })?,
            Some(BodyFormat::Yaml) => {
                let text = std::str::from_utf8(&self.body)
                    .map_err(|error| bad_request(format!("error decoding YAML: {error}")))?;
                serde_saphyr::from_str(text)
                    .map_err(|error| bad_request(format!("error decoding YAML: {error}")))?
            }
            None => return Err(unsupported_body_type()),
        };
        if !value.is_object() {
            return Err(bad_request(
                "couldn't get version/kind; json parse error: expected an object",
            ));
        }
        Ok(value)
    }
}

/// The formats a POST or PUT body may come in.
enum BodyFormat {
    Json,
    Yaml,
}

/// The format of a `Content-Type`; none given is taken as JSON (as the
/// in-process callers send), anything else unknown is refused.
fn body_format(content_type: &str) -> Option<BodyFormat> {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "" | "application/json" | "*/*" => Some(BodyFormat::Json),
        "application/yaml" => Some(BodyFormat::Yaml),
        _ => None,
    }
}

/// A successful answer: a code, a JSON body and the `Warning`s to send with it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Reply {
    pub code: u16,
    pub body: Body,
    pub warnings: Vec<String>,
}

impl Reply {
    pub fn ok(body: impl Into<Body>) -> Self {
        Reply {
            code: 200,
            body: body.into(),
            warnings: Vec::new(),
        }
    }

    pub fn created(body: impl Into<Body>) -> Self {
        Reply {
            code: 201,
            body: body.into(),
            warnings: Vec::new(),
        }
    }

    /// The same answer, sent with these warnings.
    pub fn with_warnings(mut self, warnings: Vec<String>) -> Self {
        self.warnings = warnings;
        self
    }
}
