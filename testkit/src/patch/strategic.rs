//! Strategic merge patch: JSON merge patch, except that lists with a patch
//! strategy of `merge` are merged (by merge key for lists of objects, as a
//! set for lists of scalars) and the `$patch`, `$retainKeys`,
//! `$setElementOrder/<field>` and `$deleteFromPrimitiveList/<field>`
//! directives are honoured. Which lists merge, and by which key, comes from
//! the OpenAPI schema ([`TypeSchema`]).

use serde_json::{Map, Value};

use super::depth;
use super::error::PatchError;
use super::schema::{FieldSchema, Node, TypeSchema};

const PATCH: &str = "$patch";
const RETAIN_KEYS: &str = "$retainKeys";
const SET_ELEMENT_ORDER: &str = "$setElementOrder/";
const DELETE_FROM_PRIMITIVE_LIST: &str = "$deleteFromPrimitiveList/";

/// Applies a strategic merge patch to an object of the kind `schema` describes.
///
/// ```
/// use rudder::types::GroupVersionKind;
/// use rudder_testkit::patch::{schema_for, strategic_merge};
/// use serde_json::json;
///
/// let schema = schema_for(&GroupVersionKind::new("apps", "v1", "Deployment"))?;
/// let live = json!({"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx"}]}}}});
/// let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": "sidecar", "image": "redis"}]}}}});
/// let merged = strategic_merge(&live, &patch, schema)?;
/// // containers merge by name: both are kept
/// assert_eq!(merged["spec"]["template"]["spec"]["containers"].as_array().map(Vec::len), Some(2));
/// # Ok::<(), rudder_testkit::patch::PatchError>(())
/// ```
///
/// # Errors
/// [`PatchError::Invalid`] when the patch or the object is not a JSON
/// object; [`PatchError::Strategic`] naming the path for a list item without
/// its merge key, an unknown `$patch` directive, or a malformed directive;
/// [`PatchError::TooDeep`] when the patch nests deeper than
/// [`MAX_DEPTH`](super::MAX_DEPTH).
pub fn strategic_merge(original: &Value, patch: &Value, schema: TypeSchema) -> Result<Value, PatchError> {
    depth::check(patch, "the strategic merge patch")?;
    let Value::Object(patch) = patch else {
        return Err(PatchError::Invalid(
            "a strategic merge patch must be a JSON object".into(),
        ));
    };
    let Value::Object(original) = original else {
        return Err(PatchError::Invalid(
            "the object to patch is not a JSON object".into(),
        ));
    };
    let mut merged = original.clone();
    merge_map(&mut merged, patch, Node::Struct(schema), "")?;
    Ok(Value::Object(merged))
}

fn fail(path: &str, reason: impl Into<String>) -> PatchError {
    PatchError::Strategic {
        path: if path.is_empty() {
            ".".into()
        } else {
            path.to_string()
        },
        reason: reason.into(),
    }
}

fn merge_map(
    original: &mut Map<String, Value>,
    patch: &Map<String, Value>,
    node: Node,
    path: &str,
) -> Result<(), PatchError> {
    match patch.get(PATCH) {
        None => {}
        Some(Value::String(d)) if d == "merge" => {}
        Some(Value::String(d)) if d == "replace" => {
            let mut replacement = Map::new();
            let without: Map<String, Value> = patch
                .iter()
                .filter(|(k, _)| *k != PATCH)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            merge_map(&mut replacement, &without, node, path)?;
            *original = replacement;
            return Ok(());
        }
        Some(Value::String(d)) if d == "delete" => {
            original.clear();
            return Ok(());
        }
        Some(other) => {
            return Err(fail(
                path,
                format!("unknown $patch directive {other}: expected merge, replace or delete"),
            ));
        }
    }
    if let Some(retain) = patch.get(RETAIN_KEYS) {
        let keys =
            string_list(retain).ok_or_else(|| fail(path, "$retainKeys must be a list of field names"))?;
        original.retain(|k, _| keys.contains(&k.as_str()));
    }
    for (key, values) in patch {
        let Some(field) = key.strip_prefix(DELETE_FROM_PRIMITIVE_LIST) else {
            continue;
        };
        let Value::Array(values) = values else {
            return Err(fail(path, format!("{key} must be a list")));
        };
        if let Some(Value::Array(items)) = original.get_mut(field) {
            items.retain(|item| !values.contains(item));
        }
    }
    for (key, value) in patch {
        if key.starts_with('$') {
            continue;
        }
        let child_path = format!("{path}.{key}");
        if value.is_null() {
            original.remove(key);
            continue;
        }
        let (field, child) = node.member(key);
        let order = patch.get(&format!("{SET_ELEMENT_ORDER}{key}"));
        let merged = merge_value(original.get(key), value, field, child, order, &child_path)?;
        original.insert(key.clone(), merged);
    }
    // `$setElementOrder` alone (without the list in the patch) only reorders.
    for (key, order) in patch {
        let Some(name) = key.strip_prefix(SET_ELEMENT_ORDER) else {
            continue;
        };
        if patch.contains_key(name) {
            continue;
        }
        let (field, child) = node.member(name);
        if let (Some(Value::Array(items)), Some(field)) = (original.get(name), field)
            && field.has_strategy("merge")
        {
            let reordered = merge_list(
                Some(items),
                &[],
                field,
                child,
                Some(order),
                &format!("{path}.{name}"),
            )?;
            original.insert(name.to_string(), Value::Array(reordered));
        }
    }
    Ok(())
}

fn string_list(value: &Value) -> Option<Vec<&str>> {
    value.as_array()?.iter().map(Value::as_str).collect()
}

fn merge_value(
    original: Option<&Value>,
    patch: &Value,
    field: Option<&FieldSchema>,
    node: Node,
    order: Option<&Value>,
    path: &str,
) -> Result<Value, PatchError> {
    match patch {
        Value::Object(members) => {
            let mut merged = match original {
                Some(Value::Object(existing)) => existing.clone(),
                _ => Map::new(),
            };
            merge_map(&mut merged, members, node, path)?;
            Ok(Value::Object(merged))
        }
        Value::Array(items) => match field {
            Some(field) if field.has_strategy("merge") => {
                let existing = original.and_then(Value::as_array);
                Ok(Value::Array(merge_list(
                    existing, items, field, node, order, path,
                )?))
            }
            _ => Ok(patch.clone()),
        },
        _ => Ok(patch.clone()),
    }
}

/// Merges a list whose strategy is `merge`: by merge key when it has one,
/// as a set otherwise. Patched items come in the patch's order (or
/// `$setElementOrder`'s), interleaved with the items only the server has,
/// which keep their relative order.
fn merge_list(
    original: Option<&Vec<Value>>,
    patch: &[Value],
    field: &FieldSchema,
    item_node: Node,
    order: Option<&Value>,
    path: &str,
) -> Result<Vec<Value>, PatchError> {
    let merge_key = field.patch_merge_key.as_deref();
    let identity = |item: &Value| -> Option<Value> {
        match merge_key {
            Some(key) => item.get(key).cloned(),
            None => Some(item.clone()),
        }
    };
    let is_directive = |item: &Value, name: &str| item.get(PATCH).and_then(Value::as_str) == Some(name);
    if patch.iter().any(|item| is_directive(item, "replace")) {
        return patch
            .iter()
            .filter(|item| !is_directive(item, "replace"))
            .map(|item| merge_value(None, item, None, item_node, None, path))
            .collect();
    }
    let mut merged: Vec<Value> = original.cloned().unwrap_or_default();
    let mut patch_order = Vec::new();
    for (index, item) in patch.iter().enumerate() {
        let Some(key) = merge_key else {
            if !merged.contains(item) {
                merged.push(item.clone());
            }
            patch_order.push(item.clone());
            continue;
        };
        let item_path = format!("{path}[{index}]");
        if !item.is_object() {
            return Err(fail(
                &item_path,
                format!("a list merged by {key:?} must hold objects, found {item}"),
            ));
        }
        let id = identity(item)
            .ok_or_else(|| fail(&item_path, format!("the item has no merge key {key:?}: {item}")))?;
        match item.get(PATCH) {
            Some(Value::String(d)) if d == "delete" => {
                merged.retain(|existing| identity(existing).as_ref() != Some(&id));
                continue;
            }
            Some(Value::String(d)) if d == "merge" => {}
            None => {}
            Some(other) => {
                return Err(fail(
                    &item_path,
                    format!("unknown $patch directive {other}: expected merge, replace or delete"),
                ));
            }
        }
        let position = merged
            .iter()
            .position(|existing| identity(existing).as_ref() == Some(&id));
        let existing = position.and_then(|p| merged.get(p));
        let value = merge_value(existing, item, None, item_node, None, &item_path)?;
        match position {
            Some(p) => merged[p] = value,
            None => merged.push(value),
        }
        patch_order.push(id);
    }
    if let Some(order) = order {
        let Value::Array(order) = order else {
            return Err(fail(path, "$setElementOrder must be a list"));
        };
        patch_order = order.iter().filter_map(identity).collect();
    }
    let server_order: Vec<Option<Value>> = original.into_iter().flatten().map(identity).collect();
    Ok(interleave(merged, &patch_order, &server_order, identity))
}

/// Patched items (those named in `patch_order`, in that order) and
/// server-only items (in server order) merged into one list: at each step a
/// server-only item goes first only when the server had it before the next
/// patched item.
fn interleave(
    merged: Vec<Value>,
    patch_order: &[Value],
    server_order: &[Option<Value>],
    identity: impl Fn(&Value) -> Option<Value>,
) -> Vec<Value> {
    let rank =
        |list: &[Value], item: &Value| identity(item).and_then(|id| list.iter().position(|o| *o == id));
    let server_rank = |item: &Value| {
        identity(item).and_then(|id| server_order.iter().position(|s| s.as_ref() == Some(&id)))
    };
    let (mut patched, server_only): (Vec<Value>, Vec<Value>) = merged
        .into_iter()
        .partition(|item| rank(patch_order, item).is_some());
    patched.sort_by_key(|item| rank(patch_order, item));
    let mut result = Vec::with_capacity(patched.len() + server_only.len());
    let (mut left, mut right) = (server_only.into_iter().peekable(), patched.into_iter().peekable());
    loop {
        let take_left = match (left.peek(), right.peek()) {
            (Some(l), Some(r)) => matches!((server_rank(l), server_rank(r)), (Some(a), Some(b)) if a < b),
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        let next = if take_left { left.next() } else { right.next() };
        result.extend(next);
    }
    result
}
