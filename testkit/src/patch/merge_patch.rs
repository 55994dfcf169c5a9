//! JSON merge patch (RFC 7386).

use serde_json::{Map, Value};

/// Applies a JSON merge patch: objects merge recursively, `null` deletes a
/// member, anything else (arrays included) replaces. It cannot fail.
///
/// ```
/// use rudder_testkit::patch::merge_patch;
/// use serde_json::json;
///
/// let cm = json!({"data": {"a": "1", "b": "2"}});
/// let patched = merge_patch(&cm, &json!({"data": {"a": null, "c": "3"}}));
/// assert_eq!(patched, json!({"data": {"b": "2", "c": "3"}}));
/// ```
pub fn merge_patch(original: &Value, patch: &Value) -> Value {
    let Value::Object(patch_members) = patch else {
        return patch.clone();
    };
    let mut merged = match original {
        Value::Object(members) => members.clone(),
        _ => Map::new(),
    };
    for (key, value) in patch_members {
        if value.is_null() {
            merged.remove(key);
        } else {
            let current = merged.get(key).unwrap_or(&Value::Null);
            let next = merge_patch(current, value);
            merged.insert(key.clone(), next);
        }
    }
    Value::Object(merged)
}
