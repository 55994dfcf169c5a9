//! Validation ratcheting (CRDValidationRatcheting, on by default since
//! Kubernetes 1.30): on update, a failure in a part of the object the
//! update did not change is forgiven, so a CRD whose schema was tightened
//! does not lock its existing objects. Transition rules are never forgiven.

use serde_json::Value;

use crate::cluster::request::errors::FieldError;

/// The failures of `errors` that an update from `old` to `new` may not keep.
pub(crate) fn unforgiven(errors: Vec<FieldError>, new: &Value, old: &Value) -> Vec<FieldError> {
    errors
        .into_iter()
        .filter(|error| !is_unchanged(&judged_path(error), new, old))
        .collect()
}

/// The node a failure is about: a missing required field is its object's
/// failure, a duplicate item its list's.
fn judged_path(error: &FieldError) -> Vec<Segment> {
    let mut segments = parse(&error.field);
    if matches!(error.reason, "FieldValueRequired" | "FieldValueDuplicate") {
        segments.pop();
    }
    segments
}

/// One step of a field path: `spec`, `[2]`.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    Field(String),
    Index(usize),
}

/// `spec.ports[1].name` as its steps.
fn parse(path: &str) -> Vec<Segment> {
    let mut segments = Vec::new();
    for part in path.split('.').filter(|part| !part.is_empty()) {
        let (name, mut rest) = match part.find('[') {
            Some(at) => (&part[..at], &part[at..]),
            None => (part, ""),
        };
        if !name.is_empty() {
            segments.push(Segment::Field(name.to_owned()));
        }
        while let Some(close) = rest.find(']') {
            let inside = &rest[1..close];
            match inside.parse() {
                Ok(index) => segments.push(Segment::Index(index)),
                Err(_) => segments.push(Segment::Field(inside.to_owned())),
            }
            rest = &rest[close + 1..];
        }
    }
    segments
}

fn value_at<'a>(value: &'a Value, path: &[Segment]) -> Option<&'a Value> {
    path.iter().try_fold(value, |value, segment| match segment {
        Segment::Field(name) => value.get(name),
        Segment::Index(index) => value.get(index),
    })
}

/// Whether the node at `path` is the same, and present, before and after.
fn is_unchanged(path: &[Segment], new: &Value, old: &Value) -> bool {
    match (value_at(new, path), value_at(old, path)) {
        (Some(new), Some(old)) => new == old,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn error(reason: &'static str, field: &str) -> FieldError {
        FieldError {
            reason,
            field: field.into(),
            message: String::new(),
        }
    }

    #[test]
    fn failures_in_unchanged_parts_are_forgiven() {
        let old = json!({"spec": {"replicas": 0, "ports": [{"name": "a"}, {"name": "a"}], "other": 1}});
        let new = json!({"spec": {"replicas": 0, "ports": [{"name": "a"}, {"name": "a"}], "other": 2}});
        let kept = unforgiven(
            vec![
                error("FieldValueInvalid", "spec.replicas"),
                error("FieldValueDuplicate", "spec.ports[1]"),
                error("FieldValueRequired", "spec.prop2"),
            ],
            &new,
            &old,
        );
        let fields: Vec<&str> = kept.iter().map(|error| error.field.as_str()).collect();
        assert_eq!(
            fields,
            ["spec.prop2"],
            "spec changed, so its missing field still fails"
        );
    }

    #[test]
    fn paths_parse_into_fields_and_indexes() {
        assert_eq!(
            parse("spec.ports[1].name"),
            [
                Segment::Field("spec".into()),
                Segment::Field("ports".into()),
                Segment::Index(1),
                Segment::Field("name".into())
            ]
        );
    }
}
