//! Reading and writing `metadata` of objects held as JSON.

use serde_json::{Map, Value};

/// `metadata.<field>` as a string, empty when absent.
pub(crate) fn text<'a>(object: &'a Value, field: &str) -> &'a str {
    object
        .get("metadata")
        .and_then(|metadata| metadata.get(field))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// The object's `metadata`, created when missing (an object that is not a
/// JSON object is turned into one).
pub(crate) fn metadata_mut(object: &mut Value) -> &mut Map<String, Value> {
    if !object.is_object() {
        *object = Value::Object(Map::new());
    }
    let map = object.as_object_mut().expect("made an object above");
    let metadata = map.entry("metadata").or_insert_with(|| Value::Object(Map::new()));
    if !metadata.is_object() {
        *metadata = Value::Object(Map::new());
    }
    metadata.as_object_mut().expect("made an object above")
}

/// Sets `metadata.<field>`, or removes it when `value` is `None`.
pub(crate) fn set(object: &mut Value, field: &str, value: Option<Value>) {
    let metadata = metadata_mut(object);
    match value {
        Some(value) => {
            metadata.insert(field.to_owned(), value);
        }
        None => {
            metadata.remove(field);
        }
    }
}

/// `metadata.finalizers`.
pub(crate) fn finalizers(object: &Value) -> Vec<String> {
    strings(object.pointer("/metadata/finalizers"))
}

/// The strings of a JSON array (`shortNames`, `externalIPs`); other items and
/// a missing or non-array value give none.
pub(crate) fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// Sets `metadata.finalizers` (removing the field when empty).
pub(crate) fn set_finalizers(object: &mut Value, finalizers: &[String]) {
    let value = (!finalizers.is_empty()).then(|| Value::from(finalizers.to_vec()));
    set(object, "finalizers", value);
}

/// Whether `metadata.deletionTimestamp` is set.
pub(crate) fn is_deleting(object: &Value) -> bool {
    !text(object, "deletionTimestamp").is_empty()
}

/// The uids named in `metadata.ownerReferences`.
pub(crate) fn owner_uids(object: &Value) -> Vec<String> {
    owner_references(object)
        .iter()
        .filter_map(|reference| reference.get("uid").and_then(Value::as_str))
        .map(str::to_owned)
        .collect()
}

/// `metadata.ownerReferences`.
pub(crate) fn owner_references(object: &Value) -> Vec<Value> {
    object
        .pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// `metadata.labels` with string values, in key order, borrowed.
pub(crate) fn labels(object: &Value) -> impl Iterator<Item = (&str, &str)> {
    object
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(key, value)| Some((key.as_str(), value.as_str()?)))
}

/// Whether anything outside `metadata` and `status` differs: what bumps
/// `metadata.generation`.
pub(crate) fn spec_changed(old: &Value, new: &Value) -> bool {
    let outside = |object: &Value| -> Map<String, Value> {
        object
            .as_object()
            .map(|map| {
                map.iter()
                    .filter(|(key, _)| !matches!(key.as_str(), "metadata" | "status" | "apiVersion" | "kind"))
                    .map(|(key, value)| (key.clone(), value.clone()))
                    .collect()
            })
            .unwrap_or_default()
    };
    outside(old) != outside(new)
}

/// A JSON value at a `.spec.replicas`-style path.
pub(crate) fn at_path<'a>(object: &'a Value, path: &str) -> Option<&'a Value> {
    path.trim_start_matches('.')
        .split('.')
        .try_fold(object, |value, key| value.get(key))
}

/// Sets a JSON value at a `.spec.replicas`-style path, creating objects on the way.
pub(crate) fn set_at_path(object: &mut Value, path: &str, value: Value) {
    let keys: Vec<&str> = path.trim_start_matches('.').split('.').collect();
    let mut current = object;
    for key in &keys[..keys.len().saturating_sub(1)] {
        if !current.is_object() {
            *current = Value::Object(Map::new());
        }
        current = current
            .as_object_mut()
            .expect("made an object above")
            .entry((*key).to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    if let Some(last) = keys.last() {
        if !current.is_object() {
            *current = Value::Object(Map::new());
        }
        if let Some(map) = current.as_object_mut() {
            map.insert((*last).to_owned(), value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_changes_outside_metadata_and_status_are_spec_changes() {
        let old = json!({"metadata": {"labels": {"a": "1"}}, "spec": {"replicas": 1}, "status": {}});
        let relabelled =
            json!({"metadata": {"labels": {"a": "2"}}, "spec": {"replicas": 1}, "status": {"x": 1}});
        let scaled = json!({"metadata": {}, "spec": {"replicas": 2}});
        assert!(!spec_changed(&old, &relabelled));
        assert!(spec_changed(&old, &scaled));
        assert!(spec_changed(
            &json!({"data": {"a": "1"}}),
            &json!({"data": {"a": "2"}})
        ));
    }

    #[test]
    fn paths_read_and_write_nested_values() {
        let mut object = json!({});
        set_at_path(&mut object, ".spec.replicas", json!(3));
        assert_eq!(at_path(&object, ".spec.replicas"), Some(&json!(3)));
    }
}
