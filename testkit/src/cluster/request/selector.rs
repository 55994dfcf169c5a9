//! The one place lists and watches decide whether an object is selected:
//! the SDK's `LabelSelector` and `FieldSelector` parse and match; this
//! module checks the fields against what each kind exposes, as the real
//! server does (`field label not supported: x`).

use rudder::Status;
use rudder::types::{FieldSelector, LabelSelector};
use serde_json::Value;

use crate::cluster::meta;
use crate::cluster::registry::ResourceKind;
use crate::cluster::request::errors::bad_request;
use crate::cluster::strategy::fields;

/// A parsed label and field selector for one kind, with the namespace
/// (and, for a watch of one object, the name) it is limited to.
#[derive(Clone, Debug, Default)]
pub(crate) struct ObjectFilter {
    namespace: Option<String>,
    name: Option<String>,
    labels: LabelSelector,
    fields: FieldSelector,
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
        let labels = match label_selector {
            Some(text) => LabelSelector::parse(text)
                .and_then(|selector| selector.validate().map(|()| selector))
                .map_err(|error| bad_request(format!("unable to parse requirement: {error}")))?,
            None => LabelSelector::new(),
        };
        let fields = match field_selector {
            Some(text) => FieldSelector::parse(text)
                .map_err(|error| bad_request(format!("invalid field selector: {error}")))?,
            None => FieldSelector::new(),
        };
        if let Some(term) = fields
            .terms()
            .iter()
            .find(|term| !fields::is_supported(kind, &term.field))
        {
            return Err(bad_request(format!("field label not supported: {}", term.field)));
        }
        Ok(ObjectFilter {
            namespace: namespace.map(str::to_owned),
            name: None,
            labels,
            fields,
        })
    }

    /// Only the object `name` (a watch on `/watch/.../pods/name`).
    pub fn only_named(mut self, name: Option<&str>) -> Self {
        self.name = name.map(str::to_owned);
        self
    }

    /// The namespace the objects must be in (every one when `None`).
    pub fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }

    /// The label selector.
    pub fn labels(&self) -> &LabelSelector {
        &self.labels
    }

    /// Whether the object's labels satisfy the label selector; each
    /// requirement looks its own key up in place, nothing is copied.
    fn labels_match(&self, object: &Value) -> bool {
        let labels = object.pointer("/metadata/labels").and_then(Value::as_object);
        self.labels.requirements().iter().all(|requirement| {
            let value = labels.and_then(|labels| labels.get(&requirement.key)?.as_str());
            requirement.matches_value(value)
        })
    }

    /// Whether `object` is selected.
    pub fn matches(&self, kind: &ResourceKind, object: &Value) -> bool {
        if let Some(name) = &self.name
            && meta::text(object, "name") != name
        {
            return false;
        }
        if let Some(namespace) = &self.namespace
            && meta::text(object, "namespace") != namespace
        {
            return false;
        }
        self.labels_match(object)
            && self
                .fields
                .matches(|field| Some(fields::value_of(kind, object, field)))
    }
}
