//! The one place lists and watches decide whether an object is selected.
//! Label and field selector syntax is parsed by the SDK's selector types;
//! this module only says which fields each kind exposes.

use rudder::Status;
use serde_json::Value;

use super::errors::bad_request;
use super::fields;
use super::registry::ResourceKind;

/// A parsed label and field selector for one kind.
#[derive(Clone, Debug, Default)]
pub(crate) struct ObjectFilter {
    namespace: Option<String>,
    name: Option<String>,
    labels: Option<String>,
    fields: Option<String>,
}

impl ObjectFilter {
    /// Parses the selectors of a list or watch of `kind` in `namespace`
    /// (all namespaces when `None`).
    pub fn parse(
        kind: &ResourceKind,
        namespace: Option<&str>,
        label_selector: Option<&str>,
        field_selector: Option<&str>,
    ) -> Result<Self, Status> {
        if label_selector.is_some() || field_selector.is_some() {
            // Wired to rudder::types::{LabelSelector, FieldSelector} once they land.
            let _ = kind;
            return Err(bad_request(
                "selectors are not supported by this build of the fake cluster",
            ));
        }
        Ok(ObjectFilter {
            namespace: namespace.map(str::to_owned),
            name: None,
            labels: label_selector.map(str::to_owned),
            fields: field_selector.map(str::to_owned),
        })
    }

    /// Only the object `name` (a watch on `/watch/.../pods/name`).
    pub fn only_named(mut self, name: Option<&str>) -> Self {
        self.name = name.map(str::to_owned);
        self
    }

    /// Whether `object` is selected.
    pub fn matches(&self, kind: &ResourceKind, object: &Value) -> bool {
        if let Some(name) = &self.name
            && fields::value_of(kind, object, "metadata.name") != *name
        {
            return false;
        }
        if let Some(namespace) = &self.namespace
            && fields::value_of(kind, object, "metadata.namespace") != *namespace
        {
            return false;
        }
        self.labels.is_none() && self.fields.is_none()
    }
}
