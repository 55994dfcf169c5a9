//! `spec.versions[].selectableFields`: the fields of a custom resource a
//! field selector may name beside `metadata.name` and `metadata.namespace`,
//! read from the object by their JSON path (`.spec.color` is `spec.color`).

use serde_json::Value;

use crate::cluster::registry::ResourceKind;

/// The selectable field names of a CRD version, from their `jsonPath`s.
pub(crate) fn field_names(json_paths: &[String]) -> Vec<String> {
    json_paths
        .iter()
        .map(|path| path.trim_start_matches('.').to_owned())
        .collect()
}

/// Whether `field` is one of `kind`'s selectable fields.
pub(crate) fn is_selectable(kind: &ResourceKind, field: &str) -> bool {
    kind.selectable_fields.iter().any(|name| name == field)
}

/// The value of the selectable `field` in `object`, rendered as the server
/// renders it for matching (strings as they are, integers in decimal,
/// booleans `true`/`false`, absent as empty); `None` when `field` is not selectable.
pub(crate) fn value_of(kind: &ResourceKind, object: &Value, field: &str) -> Option<String> {
    if !is_selectable(kind, field) {
        return None;
    }
    let value = field.split('.').try_fold(object, |value, key| value.get(key));
    Some(match value {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Bool(flag)) => flag.to_string(),
        Some(Value::Number(number)) => number.to_string(),
        _ => String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rudder::types::{ApiResource, Scope};
    use serde_json::json;

    #[test]
    fn selectable_fields_are_read_by_their_path() {
        let mut kind = ResourceKind::new(ApiResource::new(
            "example.com",
            "v1",
            "Shirt",
            "shirts",
            Scope::Namespaced,
        ));
        kind.selectable_fields = field_names(&[".spec.color".to_owned(), ".spec.size".to_owned()]);
        let shirt = json!({"spec": {"color": "blue", "size": 3}});
        assert_eq!(value_of(&kind, &shirt, "spec.color").as_deref(), Some("blue"));
        assert_eq!(value_of(&kind, &shirt, "spec.size").as_deref(), Some("3"));
        assert_eq!(value_of(&kind, &shirt, "spec.other"), None);
    }
}
