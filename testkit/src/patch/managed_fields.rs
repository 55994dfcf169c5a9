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
        Self::write_owned(object, entries.to_vec());
    }

    /// Writes entries into an object's `metadata.managedFields` as
    /// [`write_to`](Self::write_to) does, moving their `fieldsV1` in rather
    /// than copying each.
    pub(crate) fn write_owned(object: &mut Value, entries: Vec<ManagedFieldsEntry>) {
        let Value::Object(members) = object else { return };
        let metadata = members
            .entry("metadata")
            .or_insert_with(|| Value::Object(Default::default()));
        let Value::Object(metadata) = metadata else { return };
        if entries.is_empty() {
            metadata.remove("managedFields");
        } else {
            let entries = entries.into_iter().map(ManagedFieldsEntry::into_value).collect();
            metadata.insert("managedFields".into(), Value::Array(entries));
        }
    }

    /// The entry as its serialization would give it (same members, same order).
    fn into_value(self) -> Value {
        let mut map = serde_json::Map::new();
        map.insert("manager".into(), Value::String(self.manager));
        map.insert("operation".into(), Value::String(self.operation));
        let optional = [
            ("apiVersion", self.api_version.map(Value::String)),
            ("time", self.time.map(Value::String)),
            ("fieldsType", self.fields_type.map(Value::String)),
            ("fieldsV1", self.fields_v1),
            ("subresource", self.subresource.map(Value::String)),
        ];
        for (name, value) in optional {
            if let Some(value) = value {
                map.insert(name.into(), value);
            }
        }
        Value::Object(map)
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
        Self::with_fields_v1(manager, operation, api_version, time, fields.to_fields_v1())
    }

    /// [`new`](Self::new) with the fields already in `fieldsV1` form.
    pub(crate) fn with_fields_v1(
        manager: &str,
        operation: &str,
        api_version: &str,
        time: &str,
        fields_v1: Value,
    ) -> Self {
        ManagedFieldsEntry {
            manager: manager.to_string(),
            operation: operation.to_string(),
            api_version: Some(api_version.to_string()),
            time: Some(time.to_string()),
            fields_type: Some("FieldsV1".into()),
            fields_v1: Some(fields_v1),
            subresource: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn owned_entries_are_written_as_serialized_ones() {
        let full = ManagedFieldsEntry {
            manager: "m".into(),
            operation: "Update".into(),
            api_version: Some("v1".into()),
            time: Some("2024-01-01T00:00:00Z".into()),
            fields_type: Some("FieldsV1".into()),
            fields_v1: Some(json!({"f:data": {"f:a": {}}})),
            subresource: Some("status".into()),
        };
        let sparse = ManagedFieldsEntry {
            manager: "n".into(),
            operation: "Apply".into(),
            ..ManagedFieldsEntry::default()
        };
        let entries = vec![full, sparse];
        let serialized = json!({"metadata": {"managedFields": serde_json::to_value(&entries).unwrap()}});
        let mut moved = json!({});
        ManagedFieldsEntry::write_owned(&mut moved, entries);
        assert_eq!(serialized, moved);
        assert_eq!(
            serialized.to_string(),
            moved.to_string(),
            "the same members in the same order"
        );
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
