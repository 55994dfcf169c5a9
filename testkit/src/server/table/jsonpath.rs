//! The "simple JSON path" of a CRD's `additionalPrinterColumns`: fields
//! (`.spec.replicas`, `['a.b']`), indexes (`[0]`) and equality filters
//! (`[?(@.type=="Ready")]`).

use serde_json::Value;

/// The first value `path` reaches in `object`, or `None`.
pub(crate) fn evaluate<'a>(object: &'a Value, path: &str) -> Option<&'a Value> {
    let path = path.trim().trim_start_matches('{').trim_end_matches('}');
    let mut current = object;
    let mut rest = path.trim_start_matches('$');
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            let (field, tail) = after.split_at(end);
            if !field.is_empty() {
                current = current.get(field)?;
            }
            rest = tail;
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = closing_bracket(after)?;
            let (selector, tail) = after.split_at(end);
            current = select(current, selector)?;
            rest = &tail[1..];
        } else {
            return None;
        }
    }
    Some(current)
}

/// The index of the `]` that closes a selector, skipping quoted text.
fn closing_bracket(text: &str) -> Option<usize> {
    let mut quote = None;
    for (index, character) in text.char_indices() {
        match (quote, character) {
            (None, '\'' | '"') => quote = Some(character),
            (Some(open), _) if open == character => quote = None,
            (None, ']') => return Some(index),
            _ => {}
        }
    }
    None
}

fn select<'a>(value: &'a Value, selector: &str) -> Option<&'a Value> {
    let selector = selector.trim();
    if let Some(filter) = selector.strip_prefix("?(").and_then(|s| s.strip_suffix(')')) {
        let (left, right) = filter.split_once("==")?;
        let field = left.trim().strip_prefix("@.")?;
        let wanted = right.trim().trim_matches(['"', '\'']);
        return value.as_array()?.iter().find(|item| {
            item.get(field).is_some_and(|found| match found {
                Value::String(text) => text == wanted,
                other => serde_json::from_str::<Value>(wanted).is_ok_and(|wanted| wanted == *other),
            })
        });
    }
    if let Some(key) = selector
        .strip_prefix('\'')
        .and_then(|s| s.strip_suffix('\''))
        .or_else(|| selector.strip_prefix('"').and_then(|s| s.strip_suffix('"')))
    {
        return value.get(key);
    }
    let index: usize = selector.parse().ok()?;
    value.as_array()?.get(index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_step_kind_is_followed() {
        let object = json!({
            "metadata": {"labels": {"app.kubernetes.io/name": "web"}},
            "spec": {"replicas": 3, "items": ["a", "b"]},
            "status": {"conditions": [{"type": "Synced", "status": "False"}, {"type": "Ready", "status": "True"}]}
        });
        assert_eq!(evaluate(&object, ".spec.replicas"), Some(&json!(3)));
        assert_eq!(evaluate(&object, ".spec.items[1]"), Some(&json!("b")));
        assert_eq!(
            evaluate(&object, r#".status.conditions[?(@.type=="Ready")].status"#),
            Some(&json!("True"))
        );
        assert_eq!(
            evaluate(&object, ".metadata.labels['app.kubernetes.io/name']"),
            Some(&json!("web"))
        );
        assert_eq!(evaluate(&object, ".spec.missing"), None);
        assert_eq!(evaluate(&object, ".spec.items[9]"), None);
        assert_eq!(evaluate(&object, ".spec.items[oops"), None);
    }
}
