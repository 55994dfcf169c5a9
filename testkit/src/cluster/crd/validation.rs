//! A custom resource checked against its version's structural schema, as
//! kube-openapi's validator and apiextensions-apiserver report it: every
//! failure of the object, each as a `field.Error` with the server's words.

use std::collections::HashSet;

use serde_json::Value;

use super::formats;
use super::messages::{self, child, index, json_type};
use super::schema::Schema;
use crate::cluster::request::errors::FieldError;

/// Every schema failure of `value` (the whole object at the root).
pub(crate) fn schema_errors(schema: &Schema, value: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    check(schema, value, "", &mut errors);
    errors
}

fn check(schema: &Schema, value: &Value, path: &str, errors: &mut Vec<FieldError>) {
    if value.is_null() {
        if !schema.nullable && (!schema.type_name.is_empty() || schema.int_or_string) {
            errors.push(type_error(schema, value, path));
        }
        return;
    }
    if !type_matches(schema, value) {
        errors.push(type_error(schema, value, path));
        return;
    }
    if let Some(allowed) = &schema.enumeration
        && !allowed.iter().any(|candidate| json_equal(candidate, value))
    {
        errors.push(messages::not_supported(path, value, allowed));
    }
    match value {
        Value::String(text) => check_string(schema, text, value, path, errors),
        Value::Number(number) => check_number(schema, number, value, path, errors),
        Value::Array(items) => check_array(schema, items, path, errors),
        Value::Object(map) => check_object(schema, map, path, errors),
        Value::Bool(_) | Value::Null => {}
    }
    check_junctors(schema, value, path, errors);
}

fn type_matches(schema: &Schema, value: &Value) -> bool {
    let actual = json_type(value);
    if schema.int_or_string {
        return matches!(actual, "integer" | "string");
    }
    match schema.type_name.as_str() {
        "" => true,
        "number" => matches!(actual, "integer" | "number"),
        expected => expected == actual,
    }
}

/// `spec.x in body must be of type array: "boolean"`.
fn type_error(schema: &Schema, value: &Value, path: &str) -> FieldError {
    let expected = if schema.int_or_string {
        "integer,string".to_owned()
    } else {
        schema.type_name.clone()
    };
    let actual = Value::String(json_type(value).to_owned());
    let detail = format!(
        "{path} in body must be of type {expected}: {}",
        messages::go_value(&actual)
    );
    messages::type_invalid(path, &actual, &detail)
}

fn check_string(schema: &Schema, text: &str, value: &Value, path: &str, errors: &mut Vec<FieldError>) {
    let length = text.chars().count() as u64;
    if let Some(max) = schema.max_length
        && length > max
    {
        errors.push(messages::too_long(path, max));
    }
    if let Some(min) = schema.min_length
        && length < min
    {
        errors.push(messages::invalid(
            path,
            value,
            &format!("{path} in body should be at least {min} chars long"),
        ));
    }
    if let Some(pattern) = &schema.pattern
        && regex::Regex::new(pattern).is_ok_and(|regex| !regex.is_match(text))
    {
        errors.push(messages::invalid(
            path,
            value,
            &format!("{path} in body should match '{pattern}'"),
        ));
    }
    if schema.type_name == "string" && !formats::is_valid(&schema.format, text) {
        let detail = format!(
            "{path} in body must be of type {}: {}",
            schema.format,
            messages::go_quote(text)
        );
        errors.push(messages::type_invalid(path, value, &detail));
    }
}

fn check_number(
    schema: &Schema,
    number: &serde_json::Number,
    value: &Value,
    path: &str,
    errors: &mut Vec<FieldError>,
) {
    let Some(actual) = number.as_f64() else { return };
    if let Some(factor) = schema.multiple_of
        && factor > 0.0
        && (actual / factor).fract() != 0.0
    {
        errors.push(messages::invalid(
            path,
            value,
            &format!(
                "{path} in body should be a multiple of {}",
                messages::go_float(factor)
            ),
        ));
    }
    let bounds = [
        (Limit::Maximum, schema.maximum.as_ref(), schema.exclusive_maximum),
        (Limit::Minimum, schema.minimum.as_ref(), schema.exclusive_minimum),
    ];
    for (limit, bound_value, exclusive) in bounds {
        let Some(bound_number) = bound_value.and_then(Value::as_f64) else {
            continue;
        };
        if limit.is_broken(actual, bound_number, exclusive) {
            let detail = format!(
                "{path} in body should be {} {}",
                limit.words(exclusive),
                bound(bound_value)
            );
            errors.push(messages::invalid(path, value, &detail));
        }
    }
}

/// Which side of a number a schema bounds.
#[derive(Clone, Copy)]
enum Limit {
    Maximum,
    Minimum,
}

impl Limit {
    fn is_broken(self, actual: f64, bound: f64, exclusive: bool) -> bool {
        match (self, exclusive) {
            (Limit::Maximum, true) => actual >= bound,
            (Limit::Maximum, false) => actual > bound,
            (Limit::Minimum, true) => actual <= bound,
            (Limit::Minimum, false) => actual < bound,
        }
    }

    /// How the API server's message words the bound.
    fn words(self, exclusive: bool) -> &'static str {
        match (self, exclusive) {
            (Limit::Maximum, true) => "less than",
            (Limit::Maximum, false) => "less than or equal to",
            (Limit::Minimum, true) => "greater than",
            (Limit::Minimum, false) => "greater than or equal to",
        }
    }
}

fn bound(value: Option<&Value>) -> String {
    match value {
        Some(Value::Number(number)) => match number.as_f64() {
            Some(float) if float.fract() == 0.0 && float.abs() < 1e15 => format!("{float:.0}"),
            _ => messages::go_number(number),
        },
        _ => String::new(),
    }
}

/// `maxItems`/`minItems` and `maxProperties`/`minProperties`: too many is
/// `Too many`, too few an `Invalid value` naming the `noun`.
fn check_count(
    path: &str,
    count: usize,
    min: Option<u64>,
    max: Option<u64>,
    noun: &str,
    errors: &mut Vec<FieldError>,
) {
    if let Some(max) = max
        && count as u64 > max
    {
        errors.push(messages::too_many(path, count, max));
    }
    if let Some(min) = min
        && (count as u64) < min
    {
        let detail = format!("{path} in body should have at least {min} {noun}");
        errors.push(messages::invalid(path, &Value::from(count), &detail));
    }
}

fn check_array(schema: &Schema, items: &[Value], path: &str, errors: &mut Vec<FieldError>) {
    check_count(
        path,
        items.len(),
        schema.min_items,
        schema.max_items,
        "items",
        errors,
    );
    if let Some(item_schema) = &schema.items {
        for (at, item) in items.iter().enumerate() {
            check(item_schema, item, &index(path, at), errors);
        }
    }
    match schema.list_type.as_deref() {
        Some("set") => errors.extend(set_duplicates(items, path)),
        Some("map") => errors.extend(map_duplicates(items, &schema.list_map_keys, path)),
        _ => {}
    }
}

/// `x-kubernetes-list-type: set`: every item after its first equal is a duplicate.
fn set_duplicates(items: &[Value], path: &str) -> Vec<FieldError> {
    let mut seen = HashSet::new();
    items
        .iter()
        .enumerate()
        .filter(|(_, item)| !seen.insert(item.to_string()))
        .map(|(at, item)| messages::duplicate(&index(path, at), item))
        .collect()
}

/// `x-kubernetes-list-type: map`: items whose keys equal an earlier item's.
fn map_duplicates(items: &[Value], keys: &[String], path: &str) -> Vec<FieldError> {
    let mut seen = HashSet::new();
    let mut errors = Vec::new();
    for (at, item) in items.iter().enumerate() {
        let key: serde_json::Map<String, Value> = keys
            .iter()
            .filter_map(|key| item.get(key).map(|value| (key.clone(), value.clone())))
            .collect();
        let key = Value::Object(key);
        if !seen.insert(key.to_string()) {
            errors.push(messages::duplicate(&index(path, at), &key));
        }
    }
    errors
}

fn check_object(
    schema: &Schema,
    map: &serde_json::Map<String, Value>,
    path: &str,
    errors: &mut Vec<FieldError>,
) {
    check_count(
        path,
        map.len(),
        schema.min_properties,
        schema.max_properties,
        "properties",
        errors,
    );
    for name in &schema.required {
        if !map.contains_key(name) {
            errors.push(messages::required(&child(path, name), ""));
        }
    }
    for (name, field_value) in map {
        if path.is_empty() && name == "metadata" {
            check_root_metadata(schema, field_value, errors);
            continue;
        }
        if path.is_empty() && matches!(name.as_str(), "apiVersion" | "kind") {
            // The server checks these itself, not through the schema.
            continue;
        }
        if let Some(field_schema) = schema.field(name) {
            check(field_schema, field_value, &child(path, name), errors);
        }
    }
}

/// The object's own metadata is checked by the server, except for what a
/// CRD may restrict at the root: `metadata.name` and `metadata.generateName`.
fn check_root_metadata(schema: &Schema, metadata: &Value, errors: &mut Vec<FieldError>) {
    let Some(metadata_schema) = schema.properties.get("metadata") else {
        return;
    };
    for field in ["name", "generateName"] {
        if let (Some(field_schema), Some(value)) =
            (metadata_schema.properties.get(field), metadata.get(field))
        {
            check(field_schema, value, &format!("metadata.{field}"), errors);
        }
    }
}

/// `allOf`, `anyOf`, `oneOf` and `not`: value validations beside the structure.
fn check_junctors(schema: &Schema, value: &Value, path: &str, errors: &mut Vec<FieldError>) {
    for part in &schema.all_of {
        check(part, value, path, errors);
    }
    let passes = |part: &Schema| {
        let mut found = Vec::new();
        check(part, value, path, &mut found);
        found.is_empty()
    };
    // Kubernetes' own int-or-string pattern is structure, not a choice.
    let int_or_string_pattern = schema.int_or_string && schema.any_of.len() == 2;
    if !schema.any_of.is_empty() && !int_or_string_pattern && !schema.any_of.iter().any(passes) {
        errors.push(messages::invalid(
            path,
            &Value::String(String::new()),
            &format!(
                "{} must validate at least one schema (anyOf)",
                messages::go_quote(path)
            ),
        ));
    }
    if !schema.one_of.is_empty() && schema.one_of.iter().filter(|part| passes(part)).count() != 1 {
        errors.push(messages::invalid(
            path,
            &Value::String(String::new()),
            &format!(
                "{} must validate one and only one schema (oneOf)",
                messages::go_quote(path)
            ),
        ));
    }
    if let Some(not) = &schema.not
        && passes(not)
    {
        errors.push(messages::invalid(
            path,
            &Value::String(String::new()),
            &format!("{} must not validate the schema (not)", messages::go_quote(path)),
        ));
    }
}

/// Equality as JSON, with 1 and 1.0 equal as they are after decoding.
fn json_equal(left: &Value, right: &Value) -> bool {
    match (left, right) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        _ => left == right,
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_bound_is_broken_at_the_bound_only_when_exclusive() {
        assert!(Limit::Maximum.is_broken(10.0, 10.0, true));
        assert!(!Limit::Maximum.is_broken(10.0, 10.0, false));
        assert!(Limit::Minimum.is_broken(1.0, 1.0, true));
        assert!(!Limit::Minimum.is_broken(1.0, 1.0, false));
        assert_eq!(Limit::Maximum.words(true), "less than");
        assert_eq!(Limit::Minimum.words(false), "greater than or equal to");
    }

    use super::*;
    use serde_json::json;

    fn errors(schema: Value, value: Value) -> Vec<(String, String, &'static str)> {
        schema_errors(&Schema::parse(&schema), &value)
            .into_iter()
            .map(|error| (error.field, error.message, error.reason))
            .collect()
    }

    #[test]
    fn a_wrong_type_is_one_error_in_the_servers_words() {
        let found = errors(
            json!({"type": "object", "properties": {"spec": {"type": "object", "properties": {"prop2": {"type": "array", "items": {"type": "string"}}}}}}),
            json!({"spec": {"prop2": true}}),
        );
        assert_eq!(
            found,
            [(
                "spec.prop2".to_owned(),
                r#"Invalid value: "boolean": spec.prop2 in body must be of type array: "boolean""#.to_owned(),
                "FieldValueTypeInvalid"
            )]
        );
    }

    #[test]
    fn int_or_string_and_nullable_accept_what_they_say() {
        let schema = json!({"type": "object", "properties": {
            "port": {"x-kubernetes-int-or-string": true},
            "note": {"type": "string", "nullable": true}}});
        assert!(errors(schema.clone(), json!({"port": 80, "note": null})).is_empty());
        assert!(errors(schema.clone(), json!({"port": "http"})).is_empty());
        assert_eq!(errors(schema, json!({"port": 1.5})).len(), 1);
    }

    #[test]
    fn lower_bounds_and_multiples_are_invalid_values() {
        let found = errors(
            json!({"type": "object", "properties": {
                "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}, "minProperties": 2},
                "name": {"type": "string", "minLength": 3},
                "step": {"type": "number", "multipleOf": 5}}}),
            json!({"tags": [], "labels": {"a": "b"}, "name": "ab", "step": 7}),
        );
        let messages: Vec<&str> = found.iter().map(|(_, message, _)| message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "Invalid value: 1: labels in body should have at least 2 properties",
                "Invalid value: \"ab\": name in body should be at least 3 chars long",
                "Invalid value: 7: step in body should be a multiple of 5",
                "Invalid value: 0: tags in body should have at least 1 items",
            ]
        );
    }

    #[test]
    fn a_crd_may_restrict_the_name_and_nothing_else_of_metadata() {
        let schema = json!({"type": "object", "properties": {"metadata": {"type": "object", "properties": {
            "name": {"type": "string", "maxLength": 3}}}}});
        let found = errors(
            schema,
            json!({"metadata": {"name": "toolong", "labels": {"a": "b"}}}),
        );
        assert_eq!(
            found,
            [(
                "metadata.name".to_owned(),
                "Too long: may not be longer than 3".to_owned(),
                "FieldValueTooLong"
            )]
        );
    }

    #[test]
    fn list_map_keys_must_be_unique() {
        let found = errors(
            json!({"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
                   "items": {"type": "object", "properties": {"name": {"type": "string"}}}}),
            json!([{"name": "a"}, {"name": "a"}]),
        );
        assert_eq!(
            found[0].1,
            r#"Duplicate value: map[string]interface {}{"name":"a"}"#
        );
    }
}
