//! Schema `default`s, applied as apiextensions-apiserver applies them on
//! every decode (request bodies and objects read back from storage): a
//! missing field, or a `null` one whose schema is not nullable, takes its
//! default, and defaulting goes on inside the value it got.

use serde_json::Value;

use super::schema::Schema;

/// Fills `value`'s missing fields from `schema`'s defaults.
pub(crate) fn apply_defaults(schema: &Schema, value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (name, field_schema) in &schema.properties {
                let Some(default) = &field_schema.default else {
                    continue;
                };
                let takes_default = match map.get(name) {
                    None => true,
                    Some(Value::Null) => !field_schema.nullable,
                    Some(_) => false,
                };
                if takes_default {
                    map.insert(name.clone(), default.clone());
                }
            }
            for (name, field_value) in map.iter_mut() {
                if let Some(field_schema) = schema.field(name) {
                    apply_defaults(field_schema, field_value);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = &schema.items {
                items
                    .iter_mut()
                    .for_each(|item| apply_defaults(item_schema, item));
            }
        }
        _ => {}
    }
}

/// Whether [`apply_defaults`] would change `value`: some field on the way
/// takes its default. The same walk, without the writes, so that a read
/// can serve a stored object in place when it would not.
pub(crate) fn defaults_apply(schema: &Schema, value: &Value) -> bool {
    match value {
        Value::Object(map) => {
            let takes_default = schema.properties.iter().any(|(name, field_schema)| {
                field_schema.default.is_some()
                    && match map.get(name) {
                        None => true,
                        Some(Value::Null) => !field_schema.nullable,
                        Some(_) => false,
                    }
            });
            takes_default
                || map.iter().any(|(name, field_value)| {
                    schema
                        .field(name)
                        .is_some_and(|field_schema| defaults_apply(field_schema, field_value))
                })
        }
        Value::Array(items) => schema
            .items
            .as_ref()
            .is_some_and(|item_schema| items.iter().any(|item| defaults_apply(item_schema, item))),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn missing_and_null_fields_take_their_defaults_recursively() {
        let schema = Schema::parse(
            &json!({"type": "object", "properties": {"spec": {"type": "object", "properties": {
            "replicas": {"type": "integer", "default": 1},
            "mode": {"type": "string", "default": "fast"},
            "note": {"type": "string", "nullable": true, "default": "n"},
            "ports": {"type": "array", "items": {"type": "object", "properties": {"protocol": {"type": "string", "default": "TCP"}}}},
            "limits": {"type": "object", "default": {}, "properties": {"cpu": {"type": "string", "default": "1"}}}}}}}),
        );
        let mut object = json!({"spec": {"mode": null, "note": null, "ports": [{}, {"protocol": "UDP"}]}});
        apply_defaults(&schema, &mut object);
        assert_eq!(
            object,
            json!({"spec": {"replicas": 1, "mode": "fast", "note": null,
                            "ports": [{"protocol": "TCP"}, {"protocol": "UDP"}], "limits": {"cpu": "1"}}})
        );
    }

    mod against_apply {
        use proptest::prelude::*;
        use serde_json::{Map, Value, json};

        use super::super::{apply_defaults, defaults_apply};
        use crate::cluster::crd::schema::Schema;

        /// Field names few enough that values and schemas meet.
        fn name() -> impl Strategy<Value = String> {
            prop::sample::select(vec!["a", "b", "c"]).prop_map(str::to_owned)
        }

        fn default_value() -> impl Strategy<Value = Value> {
            prop_oneof![
                Just(json!(1)),
                Just(json!("d")),
                Just(json!({})),
                Just(json!({"a": 2})),
                Just(json!([{}]))
            ]
        }

        /// Schemas with defaults, nullable fields, properties, items and
        /// additionalProperties, nested.
        fn schema() -> impl Strategy<Value = Value> {
            let leaf = (prop::option::of(default_value()), any::<bool>()).prop_map(|(default, nullable)| {
                let mut schema = json!({"type": "string", "nullable": nullable});
                if let Some(default) = default {
                    schema["default"] = default;
                }
                schema
            });
            leaf.prop_recursive(4, 24, 3, |inner| {
                (
                    prop::collection::btree_map(name(), inner.clone(), 0..3),
                    prop::option::of(inner.clone()),
                    prop::option::of(inner),
                    prop::option::of(default_value()),
                    any::<bool>(),
                )
                    .prop_map(|(properties, items, additional, default, nullable)| {
                        let mut schema = json!({"type": "object", "nullable": nullable});
                        schema["properties"] = Value::Object(properties.into_iter().collect::<Map<_, _>>());
                        if let Some(items) = items {
                            schema["items"] = items;
                        }
                        if let Some(additional) = additional {
                            schema["additionalProperties"] = additional;
                        }
                        if let Some(default) = default {
                            schema["default"] = default;
                        }
                        schema
                    })
            })
        }

        fn value() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![Just(Value::Null), Just(json!(3)), Just(json!("v"))];
            leaf.prop_recursive(4, 24, 3, |inner| {
                prop_oneof![
                    prop::collection::btree_map(name(), inner.clone(), 0..3)
                        .prop_map(|members| Value::Object(members.into_iter().collect())),
                    prop::collection::vec(inner, 0..3).prop_map(Value::Array),
                ]
            })
        }

        proptest! {
            /// A read serves the stored object in place only when defaulting
            /// would leave it as it is: `defaults_apply` never says no where
            /// `apply_defaults` changes something (and, the defaults here
            /// never being null, says yes only where it does).
            #[test]
            fn defaults_apply_says_whether_apply_defaults_changes_the_value(schema in schema(), value in value()) {
                let schema = Schema::parse(&schema);
                let mut defaulted = value.clone();
                apply_defaults(&schema, &mut defaulted);
                prop_assert_eq!(defaults_apply(&schema, &value), defaulted != value);
            }
        }
    }
}
