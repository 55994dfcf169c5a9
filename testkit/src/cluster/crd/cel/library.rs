//! The parts of Kubernetes' CEL libraries the `cel` crate does not have and
//! that are small enough to model exactly: the lists library (`isSorted`,
//! `sum`, `min`, `max`), the sets extension (`sets.contains`,
//! `sets.intersects`, `sets.equivalent`) and the regex library (`find`,
//! `findAll`). Quantities are in `quantity`, IP, CIDR and URL in
//! `network`; format and semver are not modelled (docs/fake-crd.md).

use std::cmp::Ordering;
use std::sync::Arc;

use cel::extractors::This;
use cel::{Context, ExecutionError, Value};

/// Adds the functions to a rule's context.
pub(crate) fn add_kubernetes_functions(context: &mut Context) {
    // Adding fails only for a name the environment already declares; these it does not.
    let _ = context.add_function("isSorted", is_sorted);
    let _ = context.add_function("sum", sum);
    let _ = context.add_function("min", min);
    let _ = context.add_function("max", max);
    let _ = context.add_function("sets.contains", sets_contains);
    let _ = context.add_function("sets.intersects", sets_intersects);
    let _ = context.add_function("sets.equivalent", sets_equivalent);
    let _ = context.add_function("find", find);
    let _ = context.add_function("findAll", find_all);
}

fn list(function: &str, value: Value) -> Result<Arc<Vec<Value>>, ExecutionError> {
    match value {
        Value::List(items) => Ok(items),
        other => Err(ExecutionError::function_error(
            function,
            format!("expected a list, got {other:?}"),
        )),
    }
}

fn is_sorted(This(this): This<Value>) -> Result<bool, ExecutionError> {
    let items = list("isSorted", this)?;
    Ok(items
        .windows(2)
        .all(|pair| pair[0].partial_cmp(&pair[1]) != Some(Ordering::Greater)))
}

fn sum(This(this): This<Value>) -> Result<Value, ExecutionError> {
    let items = list("sum", this)?;
    let mut total: Option<Value> = None;
    for item in items.iter() {
        let overflow = || ExecutionError::function_error("sum", "overflow");
        total = Some(match (total, item) {
            (None, first @ (Value::Int(_) | Value::UInt(_) | Value::Float(_))) => first.clone(),
            (Some(Value::Int(a)), Value::Int(b)) => Value::Int(a.checked_add(*b).ok_or_else(overflow)?),
            (Some(Value::UInt(a)), Value::UInt(b)) => Value::UInt(a.checked_add(*b).ok_or_else(overflow)?),
            (Some(Value::Float(a)), Value::Float(b)) => Value::Float(a + b),
            _ => {
                return Err(ExecutionError::function_error(
                    "sum",
                    "list items must be numbers of one type",
                ));
            }
        });
    }
    Ok(total.unwrap_or(Value::Int(0)))
}

fn extreme(function: &str, this: Value, wanted: Ordering) -> Result<Value, ExecutionError> {
    let items = list(function, this)?;
    let mut best: Option<&Value> = None;
    for item in items.iter() {
        best = match best {
            Some(current) if item.partial_cmp(current) != Some(wanted) => Some(current),
            _ => Some(item),
        };
    }
    best.cloned().ok_or_else(|| {
        ExecutionError::function_error(function, format!("{function} called on an empty list"))
    })
}

fn min(This(this): This<Value>) -> Result<Value, ExecutionError> {
    extreme("min", this, Ordering::Less)
}

fn max(This(this): This<Value>) -> Result<Value, ExecutionError> {
    extreme("max", this, Ordering::Greater)
}

fn sets_contains(This(this): This<Value>, other: Value) -> Result<bool, ExecutionError> {
    let (all, wanted) = (list("sets.contains", this)?, list("sets.contains", other)?);
    Ok(wanted.iter().all(|item| all.contains(item)))
}

fn sets_intersects(This(this): This<Value>, other: Value) -> Result<bool, ExecutionError> {
    let (left, right) = (list("sets.intersects", this)?, list("sets.intersects", other)?);
    Ok(left.iter().any(|item| right.contains(item)))
}

fn sets_equivalent(This(this): This<Value>, other: Value) -> Result<bool, ExecutionError> {
    let (left, right) = (list("sets.equivalent", this)?, list("sets.equivalent", other)?);
    Ok(left.iter().all(|item| right.contains(item)) && right.iter().all(|item| left.contains(item)))
}

fn regex(function: &str, pattern: &str) -> Result<regex::Regex, ExecutionError> {
    regex::Regex::new(pattern).map_err(|error| ExecutionError::function_error(function, error.to_string()))
}

/// `'abc'.find('b')`: the first match, or `''`.
fn find(This(this): This<Arc<String>>, pattern: Arc<String>) -> Result<Value, ExecutionError> {
    let found = regex("find", &pattern)?
        .find(&this)
        .map(|found| found.as_str().to_owned());
    Ok(Value::String(Arc::new(found.unwrap_or_default())))
}

/// `'abc'.findAll('[a-c]')` (and with a limit): every match.
fn find_all(This(this): This<Arc<String>>, pattern: Arc<String>) -> Result<Value, ExecutionError> {
    let matches = regex("findAll", &pattern)?
        .find_iter(&this)
        .map(|found| Value::String(Arc::new(found.as_str().to_owned())))
        .collect();
    Ok(Value::List(Arc::new(matches)))
}
