//! Whether a CRD version's schema is structural, with the API server's
//! messages for the rules a CRD author meets: every specified field has a
//! `type`, arrays have `items`, the root is an object whose `metadata`
//! restricts at most `name` and `generateName`, value validations under
//! `allOf`/`anyOf`/`oneOf`/`not` do not specify structure, and the v1 rules
//! on `additionalProperties`, `uniqueItems` and list types.

use serde_json::{Map, Value};

use super::messages::{self, child};
use crate::cluster::request::errors::FieldError;

/// Where a schema node sits: its `type` rule differs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Level {
    Root,
    Item,
    Field,
}

/// Every reason `schema` (found at `path`) is not a valid structural
/// schema, sorted as the server sorts them.
pub(crate) fn structural_errors(schema: &Value, path: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Value::Object(node) = schema {
        check_node(node, Level::Root, path, &mut errors);
    }
    errors.sort_by(|a, b| format!("{}: {}", a.field, a.message).cmp(&format!("{}: {}", b.field, b.message)));
    errors
}

fn key(path: &str, name: &str) -> String {
    format!("{path}[{name}]")
}

fn flag(node: &Map<String, Value>, field: &str) -> bool {
    node.get(field).and_then(Value::as_bool).unwrap_or(false)
}

fn type_of(node: &Map<String, Value>) -> &str {
    node.get("type").and_then(Value::as_str).unwrap_or("")
}

fn check_node(node: &Map<String, Value>, level: Level, path: &str, errors: &mut Vec<FieldError>) {
    let type_name = type_of(node);
    let int_or_string = flag(node, "x-kubernetes-int-or-string");
    let preserve = flag(node, "x-kubernetes-preserve-unknown-fields");
    let embedded = flag(node, "x-kubernetes-embedded-resource");

    if type_name == "array" && !node.contains_key("items") {
        errors.push(messages::required(&child(path, "items"), "must be specified"));
    }
    if let Some(Value::Object(items)) = node.get("items") {
        check_node(items, Level::Item, &child(path, "items"), errors);
    }
    if let Some(Value::Object(properties)) = node.get("properties") {
        for (name, property) in properties {
            if let Value::Object(property) = property {
                check_node(
                    property,
                    Level::Field,
                    &key(&child(path, "properties"), name),
                    errors,
                );
            }
        }
    }
    check_additional_properties(node, level, embedded, path, errors);

    if embedded && type_name != "object" {
        let field = child(path, "type");
        let why = "must be object if x-kubernetes-embedded-resource is true";
        errors.push(if type_name.is_empty() {
            messages::required(&field, why)
        } else {
            messages::invalid(&field, &Value::from(type_name), why)
        });
    } else if type_name.is_empty() && !int_or_string && !preserve {
        let why = match level {
            Level::Root => "must not be empty at the root",
            Level::Item => "must not be empty for specified array items",
            Level::Field => "must not be empty for specified object fields",
        };
        errors.push(messages::required(&child(path, "type"), why));
    }
    if level == Level::Root && !type_name.is_empty() && type_name != "object" {
        errors.push(messages::invalid(
            &child(path, "type"),
            &Value::from(type_name),
            "must be object at the root",
        ));
    }
    if int_or_string && preserve {
        errors.push(messages::invalid(
            &child(path, "x-kubernetes-preserve-unknown-fields"),
            &Value::Bool(true),
            "must be false if x-kubernetes-int-or-string is true",
        ));
    }
    if embedded
        && !preserve
        && node
            .get("properties")
            .and_then(Value::as_object)
            .is_none_or(Map::is_empty)
    {
        errors.push(messages::required(
            &child(path, "properties"),
            "must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields",
        ));
    }
    if level == Level::Root {
        check_root_metadata(node, path, errors);
    }
    check_value_rules(node, path, errors);
    check_junctors(node, int_or_string, path, errors);
}

fn check_additional_properties(
    node: &Map<String, Value>,
    level: Level,
    embedded: bool,
    path: &str,
    errors: &mut Vec<FieldError>,
) {
    let Some(additional) = node.get("additionalProperties") else {
        return;
    };
    let field = child(path, "additionalProperties");
    if level == Level::Root {
        errors.push(messages::forbidden(&field, "must not be used at the root"));
    }
    if embedded {
        errors.push(messages::forbidden(
            &field,
            "must not be used if x-kubernetes-embedded-resource is set",
        ));
    }
    if additional == &Value::Bool(false) {
        errors.push(messages::forbidden(
            &field,
            "additionalProperties cannot be set to false",
        ));
    }
    if node
        .get("properties")
        .and_then(Value::as_object)
        .is_some_and(|properties| !properties.is_empty())
    {
        errors.push(messages::forbidden(
            &field,
            "additionalProperties and properties are mutual exclusive",
        ));
    }
    if let Value::Object(schema) = additional {
        check_node(schema, Level::Field, &field, errors);
    }
}

/// At the root, `metadata` may only restrict `name` and `generateName`.
fn check_root_metadata(node: &Map<String, Value>, path: &str, errors: &mut Vec<FieldError>) {
    let Some(Value::Object(metadata)) = node
        .get("properties")
        .and_then(|properties| properties.get("metadata"))
    else {
        return;
    };
    let field = key(&child(path, "properties"), "metadata");
    if type_of(metadata) != "object" {
        errors.push(messages::invalid(
            &child(&field, "type"),
            &Value::from(type_of(metadata)),
            "must be object",
        ));
    }
    let allowed_property = |name: &String| name == "name" || name == "generateName";
    let restricts_more = metadata.iter().any(|(name, value)| match name.as_str() {
        "type" => false,
        "properties" => value
            .as_object()
            .is_some_and(|properties| !properties.keys().all(allowed_property)),
        _ => true,
    });
    if restricts_more {
        errors.push(messages::forbidden(
            &field,
            "must not specify anything other than name and generateName, but metadata is implicitly specified",
        ));
    }
}

/// The v1 CRD rules on single value validations.
fn check_value_rules(node: &Map<String, Value>, path: &str, errors: &mut Vec<FieldError>) {
    if flag(node, "uniqueItems") {
        errors.push(messages::forbidden(
            &child(path, "uniqueItems"),
            "uniqueItems cannot be set to true since the runtime complexity becomes quadratic",
        ));
    }
    if let Some(pattern) = node.get("pattern").and_then(Value::as_str)
        && let Err(error) = regex::Regex::new(pattern)
    {
        errors.push(messages::invalid(
            &child(path, "pattern"),
            &Value::from(pattern),
            &format!("must be a valid regular expression, but isn't: {error}"),
        ));
    }
    let list_type = node.get("x-kubernetes-list-type").and_then(Value::as_str);
    let has_keys = node
        .get("x-kubernetes-list-map-keys")
        .and_then(Value::as_array)
        .is_some_and(|keys| !keys.is_empty());
    if list_type == Some("map") && !has_keys {
        errors.push(messages::required(
            &child(path, "x-kubernetes-list-map-keys"),
            "must not be empty if x-kubernetes-list-type is map",
        ));
    }
    if has_keys && list_type != Some("map") {
        errors.push(messages::forbidden(
            &child(path, "x-kubernetes-list-map-keys"),
            "must not be set if x-kubernetes-list-type is not map",
        ));
    }
}

/// Value validations under junctors may not specify structure.
fn check_junctors(node: &Map<String, Value>, int_or_string: bool, path: &str, errors: &mut Vec<FieldError>) {
    for junctor in ["allOf", "anyOf", "oneOf"] {
        let Some(Value::Array(parts)) = node.get(junctor) else {
            continue;
        };
        // `anyOf: [{type: integer}, {type: string}]` is how int-or-string is spelled.
        let int_or_string_spelling = int_or_string && junctor == "anyOf";
        for (at, part) in parts.iter().enumerate() {
            if let Value::Object(part) = part {
                check_nested(
                    part,
                    int_or_string_spelling,
                    &messages::index(&child(path, junctor), at),
                    errors,
                );
            }
        }
    }
    if let Some(Value::Object(not)) = node.get("not") {
        check_nested(not, false, &child(path, "not"), errors);
    }
}

fn check_nested(node: &Map<String, Value>, type_allowed: bool, path: &str, errors: &mut Vec<FieldError>) {
    const FORBIDDEN: [(&str, &str); 12] = [
        ("additionalProperties", "must be undefined to be structural"),
        ("default", "must be undefined to be structural"),
        ("title", "must be empty to be structural"),
        ("description", "must be empty to be structural"),
        ("nullable", "must be false to be structural"),
        ("externalDocs", "must be undefined to be structural"),
        (
            "x-kubernetes-preserve-unknown-fields",
            "must be false to be structural",
        ),
        ("x-kubernetes-embedded-resource", "must be false to be structural"),
        ("x-kubernetes-int-or-string", "must be false to be structural"),
        ("x-kubernetes-list-map-keys", "must be empty to be structural"),
        ("x-kubernetes-list-type", "must be undefined to be structural"),
        ("x-kubernetes-validations", "must be empty to be structural"),
    ];
    if !type_allowed && node.contains_key("type") {
        errors.push(messages::forbidden(
            &child(path, "type"),
            "must be empty to be structural",
        ));
    }
    for (field, why) in FORBIDDEN {
        let set = match node.get(field) {
            None | Some(Value::Bool(false)) | Some(Value::Null) => false,
            Some(Value::String(text)) => !text.is_empty(),
            Some(Value::Array(items)) => !items.is_empty(),
            Some(_) => true,
        };
        if set {
            errors.push(messages::forbidden(&child(path, field), why));
        }
    }
    if let Some(Value::Object(properties)) = node.get("properties") {
        if properties.contains_key("metadata") {
            errors.push(messages::forbidden(
                &key(&child(path, "properties"), "metadata"),
                "must not be specified in a nested context",
            ));
        }
        for (name, property) in properties {
            if let Value::Object(property) = property {
                check_nested(property, false, &key(&child(path, "properties"), name), errors);
            }
        }
    }
    if let Some(Value::Object(items)) = node.get("items") {
        check_nested(items, false, &child(path, "items"), errors);
    }
    check_junctors(node, false, path, errors);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ROOT: &str = "spec.versions[0].schema.openAPIV3Schema";

    fn messages_of(schema: Value) -> Vec<String> {
        structural_errors(&schema, ROOT)
            .into_iter()
            .map(|error| format!("{}: {}", error.field, error.message))
            .collect()
    }

    #[test]
    fn a_field_without_type_is_not_structural() {
        assert_eq!(
            messages_of(
                json!({"type": "object", "properties": {"spec": {"properties": {"a": {"type": "string"}}}}})
            ),
            [
                "spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields"
            ]
        );
    }

    #[test]
    fn the_usual_structural_mistakes_are_named() {
        let found = messages_of(json!({"type": "object",
            "properties": {
                "metadata": {"type": "object", "properties": {"labels": {"type": "object"}}},
                "list": {"type": "array"},
                "port": {"x-kubernetes-int-or-string": true, "anyOf": [{"type": "integer"}, {"type": "string"}]},
                "mode": {"type": "string", "anyOf": [{"type": "string", "enum": ["a"]}]},
                "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": true}}}));
        assert_eq!(found.len(), 4, "{found:#?}");
        assert!(found[0].ends_with("properties[list].items: Required value: must be specified"));
        assert!(found[1].ends_with("properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified"));
        assert!(
            found[2].ends_with("properties[mode].anyOf[0].type: Forbidden: must be empty to be structural")
        );
        assert!(found[3].contains("uniqueItems cannot be set to true"));
    }

    #[test]
    fn preserved_int_or_string_and_typed_fields_are_structural() {
        assert!(
            messages_of(json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true})).is_empty()
        );
        assert!(
            messages_of(json!({"type": "object", "properties": {"spec": {"type": "object",
            "additionalProperties": {"type": "string"}}}}))
            .is_empty()
        );
    }
}
