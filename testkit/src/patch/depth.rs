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
/// in the error ("the patch", "the live object"). The walk uses a heap
/// stack, not recursion, and stops at the first level too deep.
pub(crate) fn check(value: &Value, what: &str) -> Result<(), PatchError> {
    let mut pending: Vec<(&Value, usize)> = vec![(value, 0)];
    while let Some((value, depth)) = pending.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match value {
            Value::Object(members) => Box::new(members.values()),
            Value::Array(items) => Box::new(items.iter()),
            _ => continue,
        };
        if depth + 1 > MAX_DEPTH {
            return Err(PatchError::TooDeep {
                what: what.to_owned(),
                limit: MAX_DEPTH,
            });
        }
        pending.extend(children.map(|child| (child, depth + 1)));
    }
    Ok(())
}

/// The inputs of server-side apply and of ownership bookkeeping: the live
/// object, the new one (or apply configuration) and each `fieldsV1`.
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
        .try_for_each(|(manager, fields)| check(fields, &format!("the fieldsV1 of manager {manager:?}")))
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
