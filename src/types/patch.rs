//! `Patch`: the four patch types, each with its content type.

use serde::Serialize;

use crate::rest::RequestError;

/// A patch body and its type.
///
/// ```
/// use rudder::types::Patch;
/// let patch = Patch::Merge(serde_json::json!({"spec": {"replicas": 3}}));
/// assert_eq!(patch.content_type(), "application/merge-patch+json");
/// let ops = Patch::Json(serde_json::json!([{"op": "replace", "path": "/spec/replicas", "value": 3}]));
/// assert_eq!(ops.content_type(), "application/json-patch+json");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Patch {
    /// RFC 6902 JSON patch: an array of operations.
    Json(serde_json::Value),
    /// RFC 7386 JSON merge patch.
    Merge(serde_json::Value),
    /// Kubernetes strategic merge patch (built-in kinds only; lists merge by key).
    Strategic(serde_json::Value),
    /// Server-side apply: the fields this manager wants, as a full object with
    /// `apiVersion` and `kind`. Needs a field manager.
    Apply(serde_json::Value),
}

impl Patch {
    /// A server-side apply of `object` (serialized to JSON, which is valid YAML).
    pub fn apply<T: Serialize>(object: &T) -> Result<Patch, RequestError> {
        serde_json::to_value(object)
            .map(Patch::Apply)
            .map_err(|error| RequestError::Body(error.to_string()))
    }

    /// A merge patch from any serializable value.
    pub fn merge<T: Serialize>(value: &T) -> Result<Patch, RequestError> {
        serde_json::to_value(value)
            .map(Patch::Merge)
            .map_err(|error| RequestError::Body(error.to_string()))
    }

    /// The `Content-Type` the server reads the patch type from.
    pub fn content_type(&self) -> &'static str {
        match self {
            Patch::Json(_) => "application/json-patch+json",
            Patch::Merge(_) => "application/merge-patch+json",
            Patch::Strategic(_) => "application/strategic-merge-patch+json",
            Patch::Apply(_) => "application/apply-patch+yaml",
        }
    }

    /// `json`, `merge`, `strategic` or `apply`, for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Patch::Json(_) => "json",
            Patch::Merge(_) => "merge",
            Patch::Strategic(_) => "strategic",
            Patch::Apply(_) => "apply",
        }
    }

    /// The patch document.
    pub fn body(&self) -> &serde_json::Value {
        match self {
            Patch::Json(body) | Patch::Merge(body) | Patch::Strategic(body) | Patch::Apply(body) => body,
        }
    }

    /// The body's bytes; a JSON patch must be an array of operations.
    pub fn to_bytes(&self) -> Result<Vec<u8>, RequestError> {
        if let Patch::Json(body) = self
            && !body.is_array()
        {
            return Err(RequestError::InvalidParams(
                "a JSON patch is an array of operations ([{\"op\": ..., \"path\": ...}])".into(),
            ));
        }
        serde_json::to_vec(self.body()).map_err(|error| RequestError::Body(error.to_string()))
    }
}
