//! Fields the API server refuses to change once set, with its messages.

use serde_json::Value;

use crate::cluster::registry::ResourceKind;
use crate::cluster::request::errors::FieldError;

/// The immutable fields of a kind, as JSON pointers with their field paths.
fn immutable_fields(kind: &ResourceKind) -> &'static [(&'static str, &'static str)] {
    match (kind.api.group.as_str(), kind.api.plural.as_str()) {
        ("apps", "deployments" | "replicasets" | "statefulsets" | "daemonsets") => {
            &[("/spec/selector", "spec.selector")]
        }
        ("batch", "jobs") => &[
            ("/spec/selector", "spec.selector"),
            ("/spec/completionMode", "spec.completionMode"),
        ],
        ("", "secrets") => &[("/type", "type")],
        ("", "services") => &[("/spec/clusterIP", "spec.clusterIP")],
        _ => &[],
    }
}

/// Why `new` may not replace `old`.
pub(crate) fn errors(kind: &ResourceKind, old: &Value, new: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for (pointer, field) in immutable_fields(kind) {
        let (before, after) = (old.pointer(pointer), new.pointer(pointer));
        // An unset field may be set (the server defaults some of them).
        if before.is_some() && before != after {
            let shown = match after {
                Some(Value::String(text)) => text.clone(),
                Some(other) => other.to_string(),
                None => String::new(),
            };
            errors.push(FieldError::invalid(field, &shown, "field is immutable"));
        }
    }
    let is_config = kind.api.group.is_empty() && matches!(kind.api.plural.as_str(), "configmaps" | "secrets");
    if is_config && old.get("immutable").and_then(Value::as_bool) == Some(true) {
        let why = "field is immutable when `immutable` is set";
        if new.get("immutable").and_then(Value::as_bool) != Some(true) {
            errors.push(FieldError::forbidden("immutable", why));
        }
        for field in ["data", "binaryData"] {
            if old.get(field) != new.get(field) {
                errors.push(FieldError::forbidden(field, why));
            }
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::registry::Registry;
    use serde_json::json;

    #[test]
    fn immutable_configmaps_and_selectors_cannot_change() {
        let registry = Registry::with_defaults();
        let configmaps = registry.by_resource("", "configmaps").unwrap();
        let frozen = json!({"immutable": true, "data": {"a": "1"}});
        assert_eq!(
            errors(
                configmaps,
                &frozen,
                &json!({"immutable": true, "data": {"a": "2"}})
            )
            .len(),
            1
        );
        assert_eq!(errors(configmaps, &frozen, &json!({"data": {"a": "1"}})).len(), 1);
        assert!(
            errors(
                configmaps,
                &json!({"data": {"a": "1"}}),
                &json!({"data": {"a": "2"}})
            )
            .is_empty()
        );
        let deployments = registry.by_resource("apps", "deployments").unwrap();
        let old = json!({"spec": {"selector": {"matchLabels": {"a": "b"}}}});
        let new = json!({"spec": {"selector": {"matchLabels": {"a": "c"}}}});
        assert_eq!(errors(deployments, &old, &new)[0].field, "spec.selector");
    }
}
