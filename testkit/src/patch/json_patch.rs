//! JSON patch (RFC 6902): `add`, `remove`, `replace`, `move`, `copy` and
//! `test`, applied in order to a copy, so a failure leaves nothing half done.

use serde_json::Value;

use super::depth;
use super::error::PatchError;
use super::pointer;

/// Applies a JSON patch (an array of operations) to `original`.
///
/// ```
/// use rudder_testkit::patch::json_patch;
/// use serde_json::json;
///
/// let pod = json!({"metadata": {"labels": {"app": "web"}}});
/// let patch = json!([
///     {"op": "test", "path": "/metadata/labels/app", "value": "web"},
///     {"op": "add", "path": "/metadata/labels/tier", "value": "front"},
/// ]);
/// let patched = json_patch(&pod, &patch)?;
/// assert_eq!(patched["metadata"]["labels"]["tier"], "front");
/// # Ok::<(), rudder_testkit::patch::PatchError>(())
/// ```
///
/// # Errors
/// [`PatchError::Invalid`] when the patch is not an array of operation
/// objects; [`PatchError::Operation`] naming the operation's index, name
/// and path when a path does not exist, an index is out of range, or a
/// `test` finds another value; [`PatchError::TooDeep`] when the patch, the
/// object or the result (`copy` can deepen it) nests deeper than
/// [`MAX_DEPTH`](super::MAX_DEPTH).
pub fn json_patch(original: &Value, patch: &Value) -> Result<Value, PatchError> {
    depth::check(patch, "the JSON patch")?;
    depth::check(original, "the object to patch")?;
    let Value::Array(operations) = patch else {
        return Err(PatchError::Invalid(
            "a JSON patch must be a JSON array of operations".into(),
        ));
    };
    let mut doc = original.clone();
    for (index, operation) in operations.iter().enumerate() {
        let Value::Object(fields) = operation else {
            return Err(PatchError::Invalid(format!(
                "operation {index} is not a JSON object"
            )));
        };
        let text = |name: &str| fields.get(name).and_then(Value::as_str);
        let op = text("op").unwrap_or_default().to_string();
        let path = text("path").unwrap_or_default().to_string();
        let fail = |reason: String| PatchError::Operation {
            index,
            op: op.clone(),
            path: path.clone(),
            reason,
        };
        if text("path").is_none() {
            return Err(fail("the operation has no string \"path\"".into()));
        }
        let value = || {
            fields
                .get("value")
                .ok_or_else(|| fail("the operation has no \"value\"".into()))
        };
        let from = || text("from").ok_or_else(|| fail("the operation has no string \"from\"".into()));
        let target = pointer::parse(&path).map_err(&fail)?;
        match op.as_str() {
            "add" => add(&mut doc, &target, value()?.clone()).map_err(&fail)?,
            "remove" => {
                remove(&mut doc, &target).map_err(&fail)?;
            }
            "replace" => {
                let new = value()?.clone();
                if !target.is_empty() {
                    remove(&mut doc, &target).map_err(&fail)?;
                }
                add(&mut doc, &target, new).map_err(&fail)?;
            }
            "move" => {
                let source = pointer::parse(from()?).map_err(&fail)?;
                if target.len() > source.len() && target.starts_with(&source) {
                    return Err(fail(format!(
                        "cannot move {} into one of its own children",
                        from()?
                    )));
                }
                let moved = remove(&mut doc, &source).map_err(&fail)?;
                add(&mut doc, &target, moved).map_err(&fail)?;
            }
            "copy" => {
                let source = pointer::parse(from()?).map_err(&fail)?;
                let copied = pointer::get(&doc, &source).map_err(&fail)?.clone();
                add(&mut doc, &target, copied).map_err(&fail)?;
            }
            "test" => {
                let expected = value()?;
                let actual = pointer::get(&doc, &target).map_err(&fail)?;
                if !json_equal(actual, expected) {
                    return Err(fail(format!("test failed: expected {expected}, found {actual}")));
                }
            }
            "" => return Err(fail("the operation has no string \"op\"".into())),
            other => {
                return Err(fail(format!(
                    "unknown operation {other:?}: expected add, remove, replace, move, copy or test"
                )));
            }
        }
    }
    depth::check(&doc, "the patched object")?;
    Ok(doc)
}

fn add(doc: &mut Value, target: &[String], value: Value) -> Result<(), String> {
    let Some((last, parent_path)) = target.split_last() else {
        *doc = value;
        return Ok(());
    };
    match pointer::parent_mut(doc, parent_path)? {
        Value::Object(map) => {
            map.insert(last.clone(), value);
            Ok(())
        }
        Value::Array(items) => {
            let index = if last == "-" {
                items.len()
            } else {
                pointer::array_index(last)?
            };
            if index > items.len() {
                return Err(format!(
                    "index {index} is out of range for an array of {} items",
                    items.len()
                ));
            }
            items.insert(index, value);
            Ok(())
        }
        _ => Err(format!(
            "{} is neither an object nor an array",
            pointer::render(parent_path)
        )),
    }
}

fn remove(doc: &mut Value, target: &[String]) -> Result<Value, String> {
    let Some((last, parent_path)) = target.split_last() else {
        return Err("cannot remove the whole document".into());
    };
    match pointer::parent_mut(doc, parent_path)? {
        Value::Object(map) => map
            .remove(last)
            .ok_or_else(|| format!("path {} does not exist", pointer::render(target))),
        Value::Array(items) => {
            let index = pointer::array_index(last)?;
            if index >= items.len() {
                return Err(format!(
                    "index {index} is out of range for an array of {} items",
                    items.len()
                ));
            }
            Ok(items.remove(index))
        }
        _ => Err(format!(
            "{} is neither an object nor an array",
            pointer::render(parent_path)
        )),
    }
}

/// JSON equality as RFC 6902 defines it for `test`: numbers compare by
/// value (`1` equals `1.0`), objects regardless of key order.
pub(crate) fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || (x.as_f64().is_some() && x.as_f64() == y.as_f64()),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}
