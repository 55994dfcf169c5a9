//! [`Normalizer`]: server-chosen values replaced by stable placeholders.

use std::collections::HashMap;

use serde_json::{Map, Value};

/// Replaces the values a server chooses with numbered placeholders, the same
/// value always by the same placeholder, so a snapshot keeps which objects
/// refer to which while losing what differs between runs:
///
/// | what | where | placeholder |
/// |---|---|---|
/// | uids | any `uid` field (`metadata`, `ownerReferences`, `involvedObject`, preconditions) | `<uid:0>` |
/// | resourceVersions | any `resourceVersion` field (objects, lists, references) | `<resourceVersion:0>` |
/// | times | RFC 3339 strings in fields named `time` or ending in `Time`/`Timestamp` (`creationTimestamp`, `managedFields[].time`, `lastTransitionTime`, `eventTime`) | `<time>` (one placeholder: which times of a run fall in the same second depends on the wall clock, so numbering them would make snapshots flaky) |
/// | continue tokens | `metadata.continue` of a list | `<continue:0>` |
/// | generated names | a `metadata.name` made from `metadata.generateName`, wherever it appears, also inside longer strings | `web-<generated:0>` |
///
/// Placeholders are numbered in order of first appearance (object keys in
/// sorted order) and the numbering carries over between calls on the same
/// `Normalizer`, so several snapshots of one test agree with each other.
///
/// ```
/// use rudder_testkit::snapshot::Normalizer;
/// use serde_json::json;
///
/// let mut normalizer = Normalizer::new();
/// let pod = json!({"metadata": {
///     "name": "web-x7k2p", "generateName": "web-",
///     "uid": "5f0c8f4e-6d2b-4a9a-9d3e-1b2c3d4e5f60",
///     "resourceVersion": "4711",
///     "creationTimestamp": "2026-03-01T12:00:00Z",
/// }});
/// assert_eq!(
///     normalizer.normalize(&pod),
///     json!({"metadata": {
///         "name": "web-<generated:0>", "generateName": "web-",
///         "uid": "<uid:0>", "resourceVersion": "<resourceVersion:0>",
///         "creationTimestamp": "<time>",
///     }})
/// );
/// ```
#[derive(Debug)]
pub struct Normalizer {
    uids: Placeholders,
    resource_versions: Placeholders,
    continues: Placeholders,
    /// Generated names and what replaces them, longest first, so that a name
    /// which contains another is replaced whole.
    generated_names: Vec<(String, String)>,
}

impl Default for Normalizer {
    fn default() -> Self {
        Normalizer::new()
    }
}

impl Normalizer {
    /// A normalizer that has seen nothing yet: the first uid it meets is `<uid:0>`.
    pub fn new() -> Self {
        Normalizer {
            uids: Placeholders::new("uid"),
            resource_versions: Placeholders::new("resourceVersion"),
            continues: Placeholders::new("continue"),
            generated_names: Vec::new(),
        }
    }

    /// `value` (an object, a list, a watch event, any JSON) with every
    /// server-chosen value replaced.
    pub fn normalize(&mut self, value: &Value) -> Value {
        self.learn(value);
        self.rewrite(value, None)
    }

    /// Each of `values`, normalized after learning the uids and generated
    /// names of all of them, so a name is replaced even where it appears
    /// before the object that carries it (an Event listed before its Pod).
    pub fn normalize_all<'a>(&mut self, values: impl IntoIterator<Item = &'a Value>) -> Vec<Value> {
        let values: Vec<&Value> = values.into_iter().collect();
        for value in &values {
            self.learn(value);
        }
        values
            .into_iter()
            .map(|value| self.rewrite(value, None))
            .collect()
    }

    /// Any serializable object (a k8s-openapi type, an `ObjectList<K>`, a
    /// `WatchEvent<K>`), normalized as JSON.
    ///
    /// # Errors
    /// When `object` cannot be serialized to JSON.
    pub fn normalize_serialized<T: serde::Serialize>(
        &mut self,
        object: &T,
    ) -> Result<Value, serde_json::Error> {
        Ok(self.normalize(&serde_json::to_value(object)?))
    }

    /// Numbers the uids and generated names of `value` before anything is
    /// rewritten: both also appear inside other strings and keys
    /// (`managedFields` keys such as `k:{"uid":"..."}`, event messages),
    /// which may come before the field that defines them.
    fn learn(&mut self, value: &Value) {
        match value {
            Value::Object(map) => {
                if let Some(metadata) = map.get("metadata") {
                    self.learn_generated_name(metadata);
                }
                if let Some(Value::String(uid)) = map.get("uid")
                    && !uid.is_empty()
                {
                    self.uids.placeholder(uid);
                }
                map.values().for_each(|child| self.learn(child));
            }
            Value::Array(items) => items.iter().for_each(|item| self.learn(item)),
            _ => {}
        }
    }

    fn learn_generated_name(&mut self, metadata: &Value) {
        let text = |field| metadata.get(field).and_then(Value::as_str).unwrap_or("");
        let (prefix, name) = (text("generateName"), text("name"));
        let generated = !prefix.is_empty() && name.len() > prefix.len() && name.starts_with(prefix);
        if !generated || self.generated_names.iter().any(|(known, _)| known == name) {
            return;
        }
        let placeholder = format!("{prefix}<generated:{}>", self.generated_names.len());
        self.generated_names.push((name.to_owned(), placeholder));
        self.generated_names
            .sort_by(|(left, _), (right, _)| right.len().cmp(&left.len()).then(left.cmp(right)));
    }

    fn rewrite(&mut self, value: &Value, key: Option<&str>) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(key, child)| (self.replace_known(key), self.rewrite(child, Some(key))))
                    .collect::<Map<String, Value>>(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(|item| self.rewrite(item, None)).collect()),
            Value::String(text) if !text.is_empty() => Value::String(self.rewrite_text(text, key)),
            other => other.clone(),
        }
    }

    fn rewrite_text(&mut self, text: &str, key: Option<&str>) -> String {
        match key {
            Some("uid") => self.uids.placeholder(text),
            Some("resourceVersion") => self.resource_versions.placeholder(text),
            Some("continue") => self.continues.placeholder(text),
            Some(key) if is_time_field(key) && text.parse::<jiff::Timestamp>().is_ok() => TIME.to_owned(),
            _ => self.replace_known(text),
        }
    }

    /// `text` with the uids and generated names it contains replaced.
    fn replace_known(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for (name, placeholder) in &self.generated_names {
            if text.contains(name.as_str()) {
                text = text.replace(name.as_str(), placeholder);
            }
        }
        for (uid, number) in &self.uids.numbers {
            if text.contains(uid.as_str()) {
                text = text.replace(uid.as_str(), &format!("<uid:{number}>"));
            }
        }
        text
    }
}

/// What every time becomes.
const TIME: &str = "<time>";

/// Whether a field holds a time by Kubernetes' naming conventions.
fn is_time_field(key: &str) -> bool {
    key == "time" || key.ends_with("Time") || key.ends_with("Timestamp")
}

/// One kind of placeholder, numbered by first appearance of each value.
#[derive(Debug)]
struct Placeholders {
    label: &'static str,
    numbers: HashMap<String, usize>,
}

impl Placeholders {
    fn new(label: &'static str) -> Self {
        Placeholders {
            label,
            numbers: HashMap::new(),
        }
    }

    fn placeholder(&mut self, value: &str) -> String {
        let next = self.numbers.len();
        let number = *self.numbers.entry(value.to_owned()).or_insert(next);
        format!("<{}:{number}>", self.label)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_same_uid_gets_the_same_placeholder_in_owner_references() {
        let mut normalizer = Normalizer::new();
        let owner = json!({"metadata": {"name": "web", "uid": "u-1"}});
        let owned = json!({"metadata": {"name": "web-1", "uid": "u-2",
            "ownerReferences": [{"kind": "ReplicaSet", "name": "web", "uid": "u-1"}]}});
        assert_eq!(normalizer.normalize(&owner)["metadata"]["uid"], "<uid:0>");
        let owned = normalizer.normalize(&owned);
        assert_eq!(owned["metadata"]["uid"], "<uid:1>");
        assert_eq!(owned["metadata"]["ownerReferences"][0]["uid"], "<uid:0>");
    }

    #[test]
    fn managed_fields_times_and_condition_times_are_replaced_but_other_strings_are_not() {
        let mut normalizer = Normalizer::new();
        let object = json!({
            "metadata": {
                "creationTimestamp": "2026-03-01T12:00:00Z",
                "managedFields": [{"manager": "kubectl", "operation": "Apply",
                    "time": "2026-03-01T12:00:00Z", "fieldsV1": {"f:data": {}}}],
            },
            "status": {"conditions": [{"type": "Ready", "status": "True",
                "lastTransitionTime": "2026-03-01T12:00:05Z", "reason": "2026-03-01T12:00:05Z"}]},
            "spec": {"startTime": "soon"},
        });
        let normalized = normalizer.normalize(&object);
        assert_eq!(normalized["metadata"]["creationTimestamp"], "<time>");
        assert_eq!(normalized["metadata"]["managedFields"][0]["time"], "<time>");
        assert_eq!(
            normalized["status"]["conditions"][0]["lastTransitionTime"],
            "<time>"
        );
        assert_eq!(
            normalized["status"]["conditions"][0]["reason"],
            "2026-03-01T12:00:05Z"
        );
        assert_eq!(normalized["spec"]["startTime"], "soon");
        assert_eq!(normalized["metadata"]["managedFields"][0]["manager"], "kubectl");
    }

    #[test]
    fn a_generated_name_is_replaced_wherever_it_appears_even_before_its_object() {
        let mut normalizer = Normalizer::new();
        let event = json!({"kind": "Event", "involvedObject": {"kind": "Pod", "name": "web-x7k2p"},
            "message": "Created pod: web-x7k2p"});
        let pod = json!({"kind": "Pod", "metadata": {"name": "web-x7k2p", "generateName": "web-"}});
        let normalized = normalizer.normalize_all([&event, &pod]);
        assert_eq!(normalized[0]["involvedObject"]["name"], "web-<generated:0>");
        assert_eq!(normalized[0]["message"], "Created pod: web-<generated:0>");
        assert_eq!(normalized[1]["metadata"]["name"], "web-<generated:0>");
        assert_eq!(normalized[1]["metadata"]["generateName"], "web-");
    }

    #[test]
    fn a_uid_inside_a_managed_fields_key_is_the_uid_placeholder() {
        let mut normalizer = Normalizer::new();
        let object = json!({"metadata": {
            "managedFields": [{"fieldsV1": {"f:metadata": {"f:ownerReferences": {
                "k:{\"uid\":\"u-owner\"}": {}}}}}],
            "ownerReferences": [{"name": "owner", "uid": "u-owner"}],
        }});
        let normalized = normalizer.normalize(&object);
        let references =
            &normalized["metadata"]["managedFields"][0]["fieldsV1"]["f:metadata"]["f:ownerReferences"];
        assert!(
            references.get("k:{\"uid\":\"<uid:0>\"}").is_some(),
            "{references}"
        );
        assert_eq!(normalized["metadata"]["ownerReferences"][0]["uid"], "<uid:0>");
    }

    #[test]
    fn a_name_equal_to_its_generate_name_prefix_is_not_generated() {
        let mut normalizer = Normalizer::new();
        let object = json!({"metadata": {"name": "web-", "generateName": "web-"}});
        assert_eq!(normalizer.normalize(&object), object);
    }

    #[test]
    fn numbering_carries_over_between_calls_and_empty_values_stay_empty() {
        let mut normalizer = Normalizer::new();
        let list = json!({"metadata": {"resourceVersion": "10", "continue": "abc"}, "items": [
            {"metadata": {"resourceVersion": "7", "uid": ""}},
            {"metadata": {"resourceVersion": "10"}},
        ]});
        let normalized = normalizer.normalize(&list);
        assert_eq!(
            normalized["items"][0]["metadata"]["resourceVersion"],
            "<resourceVersion:0>"
        );
        assert_eq!(normalized["items"][0]["metadata"]["uid"], "");
        assert_eq!(
            normalized["items"][1]["metadata"]["resourceVersion"],
            "<resourceVersion:1>"
        );
        assert_eq!(normalized["metadata"]["resourceVersion"], "<resourceVersion:1>");
        assert_eq!(normalized["metadata"]["continue"], "<continue:0>");
        let later = normalizer.normalize(&json!({"metadata": {"resourceVersion": "11"}}));
        assert_eq!(later["metadata"]["resourceVersion"], "<resourceVersion:2>");
    }
}
