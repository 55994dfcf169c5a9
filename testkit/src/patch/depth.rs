//! The nesting limit of every patch function. Each of them walks its
//! inputs recursively, one stack frame or more a level; a value nested
//! deeper than [`MAX_DEPTH`] is refused before any walk starts, so no input
//! can overflow the stack of the caller's thread.

use serde_json::Value;

use super::error::PatchError;
use super::managed_fields::ManagedFieldsEntry;

/// How many objects and arrays deep a patch, an object or a `fieldsV1` may
/// nest. Above what the server's JSON decoder accepts (it refuses 128
/// levels), so only documents built in-process can reach it, and well
/// below what a 2 MiB thread stack holds for the deepest walk.
pub const MAX_DEPTH: usize = 128;

/// Refuses `value` when it nests deeper than [`MAX_DEPTH`]; `what` names it
/// in the error ("the patch", "the live object").
pub(crate) fn check(value: &Value, what: &str) -> Result<(), PatchError> {
    if too_deep(value) {
        return Err(too_deep_error(what.to_owned()));
    }
    Ok(())
}

/// Whether `value` nests deeper than [`MAX_DEPTH`]. The walk uses a heap
/// stack, not recursion, and stops at the first level too deep.
fn too_deep(value: &Value) -> bool {
    let mut pending: Vec<(&Value, usize)> = vec![(value, 0)];
    while let Some((value, depth)) = pending.pop() {
        let composite = value.is_object() || value.is_array();
        if composite && depth + 1 > MAX_DEPTH {
            return true;
        }
        match value {
            Value::Object(members) => pending.extend(members.values().map(|child| (child, depth + 1))),
            Value::Array(items) => pending.extend(items.iter().map(|child| (child, depth + 1))),
            _ => {}
        }
    }
    false
}

fn too_deep_error(what: String) -> PatchError {
    PatchError::TooDeep {
        what,
        limit: MAX_DEPTH,
    }
}

/// The inputs of server-side apply and of ownership bookkeeping: the live
/// object, the new one (or apply configuration) and each `fieldsV1` (named
/// in the error only when it is the one too deep).
pub(crate) fn check_all(
    live: Option<&Value>,
    new: &Value,
    managed_fields: &[ManagedFieldsEntry],
) -> Result<(), PatchError> {
    if let Some(live) = live {
        check(live, "the live object")?;
    }
    check(new, "the applied or written object")?;
    managed_fields
        .iter()
        .filter_map(|entry| entry.fields_v1.as_ref().map(|fields| (&entry.manager, fields)))
        .try_for_each(|(manager, fields)| match too_deep(fields) {
            true => Err(too_deep_error(format!("the fieldsV1 of manager {manager:?}"))),
            false => Ok(()),
        })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn nested(depth: usize) -> Value {
        (0..depth).fold(json!(1), |inner, _| json!([inner]))
    }

    #[test]
    fn the_limit_itself_is_accepted_and_one_more_level_is_not() {
        assert_eq!(check(&nested(MAX_DEPTH), "the patch"), Ok(()));
        assert_eq!(
            check(&nested(MAX_DEPTH + 1), "the patch"),
            Err(PatchError::TooDeep {
                what: "the patch".into(),
                limit: MAX_DEPTH
            })
        );
        assert_eq!(check(&json!("scalar"), "the patch"), Ok(()));
    }
}
