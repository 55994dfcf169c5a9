//! Unknown fields dropped as apiextensions-apiserver drops them: anything
//! the structural schema does not specify, unless a node says
//! `x-kubernetes-preserve-unknown-fields`. The paths dropped are what
//! `fieldValidation` Strict refuses and Warn warns about.

use serde_json::{Map, Value};

use super::messages::{child, index};
use super::schema::Schema;

/// Removes from `object` every field its schema does not know, and
/// returns their paths (`spec.colour`), sorted.
pub(crate) fn prune(schema: &Schema, object: &mut Value) -> Vec<String> {
    let mut pruned = Vec::new();
    if let Value::Object(map) = object {
        prune_object(schema, map, "", true, &mut pruned);
    }
    pruned.sort();
    pruned
}

fn prune_value(schema: &Schema, value: &mut Value, path: &str, pruned: &mut Vec<String>) {
    match value {
        Value::Object(map) => prune_object(schema, map, path, schema.embedded_resource, pruned),
        Value::Array(items) => {
            if let Some(item_schema) = &schema.items {
                for (at, item) in items.iter_mut().enumerate() {
                    prune_value(item_schema, item, &index(path, at), pruned);
                }
            }
        }
        _ => {}
    }
}

/// `resource_root` is true at the object's root and at embedded resources,
/// whose `apiVersion`, `kind` and `metadata` are always kept.
fn prune_object(
    schema: &Schema,
    map: &mut Map<String, Value>,
    path: &str,
    resource_root: bool,
    pruned: &mut Vec<String>,
) {
    let names: Vec<String> = map.keys().cloned().collect();
    for name in names {
        if resource_root && matches!(name.as_str(), "apiVersion" | "kind" | "metadata") {
            continue;
        }
        let field_path = child(path, &name);
        match schema.field(&name) {
            Some(field_schema) => {
                if let Some(value) = map.get_mut(&name) {
                    prune_value(field_schema, value, &field_path, pruned);
                }
            }
            None if schema.keeps_unknown_fields() => {}
            None => {
                map.remove(&name);
                pruned.push(field_path);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn drops_unknown_fields_but_keeps_preserved_and_embedded_ones() {
        let schema = Schema::parse(&json!({"type": "object", "properties": {
            "spec": {"type": "object", "properties": {
                "known": {"type": "string"},
                "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                "template": {"type": "object", "x-kubernetes-embedded-resource": true,
                             "properties": {"spec": {"type": "object"}}},
                "items": {"type": "array", "items": {"type": "object", "properties": {"a": {"type": "string"}}}}}}}}));
        let mut object = json!({"apiVersion": "x/v1", "kind": "X", "metadata": {"name": "a"},
            "spec": {"known": "k", "colour": "red", "free": {"any": 1},
                     "template": {"apiVersion": "v1", "kind": "Pod", "metadata": {}, "spec": {}, "extra": 1},
                     "items": [{"a": "x", "b": "y"}]},
            "stray": true});
        let pruned = prune(&schema, &mut object);
        assert_eq!(
            pruned,
            ["spec.colour", "spec.items[0].b", "spec.template.extra", "stray"]
        );
        assert_eq!(object["spec"]["free"]["any"], 1);
        assert_eq!(object["spec"]["template"]["kind"], "Pod");
        assert_eq!(object["metadata"]["name"], "a");
    }
}
