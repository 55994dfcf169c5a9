//! `metadata.managedFields` entries, read from and written to objects.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::PatchError;
use super::field_set::FieldSet;

/// One entry of `metadata.managedFields`: which fields a manager owns, and
/// whether it got them by apply or by another write.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ManagedFieldsEntry {
    /// The field manager (`kubectl`, `my-controller`).
    pub manager: String,
    /// `Apply` or `Update`.
    pub operation: String,
    /// The apiVersion the manager wrote with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// When the manager last changed its fields (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// Always `FieldsV1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields_type: Option<String>,
    /// The owned fields, in `fieldsV1` form.
    #[serde(default, rename = "fieldsV1", skip_serializing_if = "Option::is_none")]
    pub fields_v1: Option<Value>,
    /// The subresource written through (`status`, `scale`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subresource: Option<String>,
}

impl ManagedFieldsEntry {
    /// The entries in an object's `metadata.managedFields` (none when absent).
    ///
    /// # Errors
    /// [`PatchError::ManagedFields`] when the field is not a list of entries.
    pub fn from_object(object: &Value) -> Result<Vec<ManagedFieldsEntry>, PatchError> {
        match object.pointer("/metadata/managedFields") {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(entries) => {
                serde_json::from_value(entries.clone()).map_err(|e| PatchError::ManagedFields(e.to_string()))
            }
        }
    }

    /// Writes entries into an object's `metadata.managedFields` (removing it when empty).
    pub fn write_to(object: &mut Value, entries: &[ManagedFieldsEntry]) {
        let Value::Object(members) = object else { return };
        let metadata = members
            .entry("metadata")
            .or_insert_with(|| Value::Object(Default::default()));
        let Value::Object(metadata) = metadata else { return };
        if entries.is_empty() {
            metadata.remove("managedFields");
        } else if let Ok(value) = serde_json::to_value(entries) {
            metadata.insert("managedFields".into(), value);
        }
    }

    pub(crate) fn field_set(&self) -> Result<FieldSet, PatchError> {
        match &self.fields_v1 {
            None => Ok(FieldSet::default()),
            Some(fields) => FieldSet::from_fields_v1(fields)
                .map_err(|e| PatchError::ManagedFields(format!("manager {:?}: {e}", self.manager))),
        }
    }

    pub(crate) fn new(
        manager: &str,
        operation: &str,
        api_version: &str,
        time: &str,
        fields: &FieldSet,
    ) -> Self {
        ManagedFieldsEntry {
            manager: manager.to_string(),
            operation: operation.to_string(),
            api_version: Some(api_version.to_string()),
            time: Some(time.to_string()),
            fields_type: Some("FieldsV1".into()),
            fields_v1: Some(fields.to_fields_v1()),
            subresource: None,
        }
    }
}

/// A field that an apply wanted to set while another manager owns it with
/// another value.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Conflict {
    /// The manager that owns the field.
    pub manager: String,
    /// The apiVersion that manager wrote the field with.
    pub api_version: Option<String>,
    /// The field, as the API server names it: `.spec.replicas`.
    pub field: String,
}
