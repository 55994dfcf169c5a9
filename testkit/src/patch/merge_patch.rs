//! JSON merge patch (RFC 7386).

use serde_json::{Map, Value};

use super::depth;
use super::error::PatchError;

/// Applies a JSON merge patch: objects merge recursively, `null` deletes a
/// member, anything else (arrays included) replaces.
///
/// ```
/// use rudder_testkit::patch::merge_patch;
/// use serde_json::json;
///
/// let cm = json!({"data": {"a": "1", "b": "2"}});
/// let patched = merge_patch(&cm, &json!({"data": {"a": null, "c": "3"}}))?;
/// assert_eq!(patched, json!({"data": {"b": "2", "c": "3"}}));
/// # Ok::<(), rudder_testkit::patch::PatchError>(())
/// ```
///
/// # Errors
/// [`PatchError::TooDeep`] when the patch nests deeper than
/// [`MAX_DEPTH`](super::MAX_DEPTH); any other patch applies.
pub fn merge_patch(original: &Value, patch: &Value) -> Result<Value, PatchError> {
    depth::check(patch, "the merge patch")?;
    Ok(merge(original, patch))
}

/// The merge itself; its recursion is bounded by the patch's checked depth.
fn merge(original: &Value, patch: &Value) -> Value {
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
            let next = merge(current, value);
            merged.insert(key.clone(), next);
        }
    }
    Value::Object(merged)
}
