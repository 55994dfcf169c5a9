//! The few JSON moves every defaulter makes, written once: a defaulter only
//! fills what is unset, and never fails on a body of the wrong shape (the
//! decoder's type check and validation report those).

use serde_json::{Map, Value};

/// The object at `key`, created empty when absent or null; `None` when
/// `map[key]` holds something else.
pub(crate) fn object_at<'a>(
    map: &'a mut Map<String, Value>,
    key: &str,
) -> Option<&'a mut Map<String, Value>> {
    // Looked up before inserting: `Map::entry` would copy the key each time.
    if map.get(key).is_none_or(Value::is_null) {
        map.insert(key.to_owned(), Value::Object(Map::new()));
    }
    map.get_mut(key).and_then(Value::as_object_mut)
}

/// The object at `key` if there is one (nothing is created).
pub(crate) fn existing_object<'a>(
    map: &'a mut Map<String, Value>,
    key: &str,
) -> Option<&'a mut Map<String, Value>> {
    map.get_mut(key).and_then(Value::as_object_mut)
}

/// The objects of the array at `key` (none when absent or not an array).
pub(crate) fn objects_in<'a>(
    map: &'a mut Map<String, Value>,
    key: &str,
) -> impl Iterator<Item = &'a mut Map<String, Value>> {
    map.get_mut(key)
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object_mut)
}

/// Sets `key` when absent or null: a Go pointer field's default (`0`,
/// `false` and `""` are values the client chose). The value is made only
/// when it is set (a `&str` default allocates nothing on an object that has it).
pub(crate) fn default_pointer(map: &mut Map<String, Value>, key: &str, value: impl Into<Value>) {
    if map.get(key).is_none_or(Value::is_null) {
        map.insert(key.to_owned(), value.into());
    }
}

/// Sets `key` when absent, null, `""` or `0`: a Go value field's default,
/// where the zero value means unset. The value is made only when it is set.
pub(crate) fn default_value(map: &mut Map<String, Value>, key: &str, value: impl Into<Value>) {
    let unset = match map.get(key) {
        None | Some(Value::Null) => true,
        Some(Value::String(text)) => text.is_empty(),
        Some(Value::Number(number)) => number.as_f64() == Some(0.0),
        Some(_) => false,
    };
    if unset {
        map.insert(key.to_owned(), value.into());
    }
}

/// The text at `key`, or `""`.
pub(crate) fn text<'a>(map: &'a Map<String, Value>, key: &str) -> &'a str {
    map.get(key).and_then(Value::as_str).unwrap_or_default()
}
