//! Namespaces: the `kubernetes.io/metadata.name` label on every write,
//! `Active` until deleted, and the `kubernetes` finalizer the namespace
//! controller removes once the namespace is empty. `spec.finalizers`
//! changes only through `/finalize`, so an update keeps the stored ones.

use serde_json::{Map, Value, json};

use super::json::{default_value, object_at};

/// The label every namespace carries, its own name.
const NAME_LABEL: &str = "kubernetes.io/metadata.name";

pub(crate) fn default(namespace: &mut Map<String, Value>) {
    let name = namespace
        .get("metadata")
        .and_then(|metadata| metadata.get("name"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    // A namespace asked with generateName has no name yet: labelled once named.
    if !name.is_empty()
        && let Some(labels) =
            object_at(namespace, "metadata").and_then(|metadata| object_at(metadata, "labels"))
    {
        labels.insert(NAME_LABEL.into(), Value::String(name));
    }
    if let Some(status) = object_at(namespace, "status") {
        default_value(status, "phase", json!("Active"));
    }
}

pub(crate) fn prepare_for_create(namespace: &mut Map<String, Value>) {
    namespace.insert("status".into(), json!({"phase": "Active"}));
    let Some(spec) = object_at(namespace, "spec") else {
        return;
    };
    let slot = spec.entry("finalizers").or_insert_with(|| json!([]));
    if slot.is_null() {
        *slot = json!([]);
    }
    if let Some(finalizers) = slot.as_array_mut()
        && !finalizers.iter().any(|finalizer| finalizer == "kubernetes")
    {
        finalizers.push(json!("kubernetes"));
    }
}

pub(crate) fn prepare_for_update(namespace: &mut Map<String, Value>, old: &Value) {
    let finalizers = old.pointer("/spec/finalizers").cloned();
    if let Some(spec) = object_at(namespace, "spec") {
        match finalizers {
            Some(finalizers) => spec.insert("finalizers".into(), finalizers),
            None => spec.remove("finalizers"),
        };
    }
}
