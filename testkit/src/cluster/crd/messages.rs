//! How the API server prints values and paths in its validation messages:
//! Go's `%q` for strings and `%v` for numbers, `field.Path` for locations,
//! and `field.Error` bodies (`Invalid value: ...`, `Too many: ...`).

use serde_json::Value;

use crate::cluster::request::errors::FieldError;

/// Go's `%q`: a double-quoted string with Go escapes.
pub(crate) fn go_quote(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\r' => quoted.push_str("\\r"),
            '\t' => quoted.push_str("\\t"),
            c if c.is_control() => quoted.push_str(&format!("\\x{:02x}", c as u32)),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// Go's `%v` of a float64: the shortest digits, in exponent form when the
/// decimal exponent is below -4 or at least 6 (strconv's shortest `%g`).
pub(crate) fn go_float(number: f64) -> String {
    if !number.is_finite() {
        return number.to_string();
    }
    if number == 0.0 {
        return "0".into();
    }
    let exponent_form = format!("{number:e}");
    let Some((mantissa, exponent)) = exponent_form.split_once('e') else {
        return number.to_string();
    };
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if !(-4..6).contains(&exponent) {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.abs())
    } else {
        number.to_string()
    }
}

/// A JSON number as Go prints the int64 or float64 it decodes to.
pub(crate) fn go_number(number: &serde_json::Number) -> String {
    match (number.as_i64(), number.as_u64(), number.as_f64()) {
        (Some(int), _, _) => int.to_string(),
        (None, Some(uint), _) => uint.to_string(),
        (_, _, Some(float)) => go_float(float),
        _ => number.to_string(),
    }
}

/// A JSON value as `field.Error` prints a bad value: `%q` for strings,
/// `%v` for numbers and booleans, Go's `%#v` for maps of scalars.
pub(crate) fn go_value(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(flag) => flag.to_string(),
        Value::Number(number) => go_number(number),
        Value::String(text) => go_quote(text),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(go_value).collect();
            format!("[]interface {{}}{{{}}}", items.join(", "))
        }
        Value::Object(map) => {
            let entries: Vec<String> = map
                .iter()
                .map(|(key, value)| format!("{}:{}", go_quote(key), go_value(value)))
                .collect();
            format!("map[string]interface {{}}{{{}}}", entries.join(", "))
        }
    }
}

/// The JSON type name kube-openapi reports for a value.
pub(crate) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(number) if number.is_i64() || number.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// `parent.child` as `field.Path` writes it (no leading dot at the root).
pub(crate) fn child(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_owned()
    } else {
        format!("{parent}.{name}")
    }
}

/// `parent[index]`.
pub(crate) fn index(parent: &str, index: usize) -> String {
    format!("{parent}[{index}]")
}

/// `field: Invalid value: <value>: detail` (FieldValueInvalid).
pub(crate) fn invalid(field: &str, value: &Value, detail: &str) -> FieldError {
    with_value(
        "FieldValueInvalid",
        "Invalid value",
        field,
        &go_value(value),
        detail,
    )
}

/// `field: Invalid value: <value>: detail` (FieldValueTypeInvalid).
pub(crate) fn type_invalid(field: &str, value: &Value, detail: &str) -> FieldError {
    with_value(
        "FieldValueTypeInvalid",
        "Invalid value",
        field,
        &go_value(value),
        detail,
    )
}

/// `field: Unsupported value: <value>: supported values: "a", "b"`.
pub(crate) fn not_supported(field: &str, value: &Value, allowed: &[Value]) -> FieldError {
    let allowed: Vec<String> = allowed
        .iter()
        .map(|value| match value {
            Value::String(text) => go_quote(text),
            other => go_quote(&other.to_string()),
        })
        .collect();
    let detail = if allowed.is_empty() {
        String::new()
    } else {
        format!("supported values: {}", allowed.join(", "))
    };
    with_value(
        "FieldValueNotSupported",
        "Unsupported value",
        field,
        &go_value(value),
        &detail,
    )
}

/// `field: Too many: <count>: must have at most <max> items`.
pub(crate) fn too_many(field: &str, count: usize, max: u64) -> FieldError {
    with_value(
        "FieldValueTooMany",
        "Too many",
        field,
        &count.to_string(),
        &format!("must have at most {max} items"),
    )
}

/// `field: Too long: may not be longer than <max>` (the value is not shown).
pub(crate) fn too_long(field: &str, max: u64) -> FieldError {
    FieldError {
        reason: "FieldValueTooLong",
        field: field.to_owned(),
        message: format!("Too long: may not be longer than {max}"),
    }
}

/// `field: Duplicate value: <value>`.
pub(crate) fn duplicate(field: &str, value: &Value) -> FieldError {
    with_value(
        "FieldValueDuplicate",
        "Duplicate value",
        field,
        &go_value(value),
        "",
    )
}

/// `field: Required value[: detail]`.
pub(crate) fn required(field: &str, detail: &str) -> FieldError {
    FieldError::required(field, detail)
}

/// `field: Forbidden: detail`.
pub(crate) fn forbidden(field: &str, detail: &str) -> FieldError {
    FieldError::forbidden(field, detail)
}

fn with_value(reason: &'static str, label: &str, field: &str, value: &str, detail: &str) -> FieldError {
    let message = if detail.is_empty() {
        format!("{label}: {value}")
    } else {
        format!("{label}: {value}: {detail}")
    };
    FieldError {
        reason,
        field: field.to_owned(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn floats_print_as_go_prints_them() {
        let cases = [
            (1.0, "1"),
            (1.5, "1.5"),
            (1e6, "1e+06"),
            (123456.0, "123456"),
            (0.00001, "1e-05"),
            (1234567.5, "1.2345675e+06"),
            (12345678.0, "1.2345678e+07"),
        ];
        for (number, printed) in cases {
            assert_eq!(go_float(number), printed, "{number}");
        }
    }

    #[test]
    fn values_print_as_field_errors_print_them() {
        assert_eq!(go_value(&json!("a\"b")), r#""a\"b""#);
        assert_eq!(go_value(&json!(3)), "3");
        assert_eq!(
            go_value(&json!({"name": "a"})),
            r#"map[string]interface {}{"name":"a"}"#
        );
        assert_eq!(
            not_supported("spec.mode", &json!("x"), &[json!("a"), json!("b")]).message,
            r#"Unsupported value: "x": supported values: "a", "b""#
        );
    }
}
