//! The label index: for each resource, label key and value, the current
//! objects carrying that label (their keys, shared with the store, and the
//! stored objects themselves, so that a list need not look them up again).
//! A list by `k=v`, `k in (..)`, `k`, `k>n` or `k<n` visits only the objects
//! its most selective such requirement admits, not every object of the
//! kind; the full selector is still checked on each of them.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use rudder::types::{LabelRequirement, LabelSelector, Operator};
use serde_json::{Map, Value};

use super::ObjectKey;

/// The objects with one label value, in key order.
type Objects = BTreeMap<Arc<ObjectKey>, Arc<Value>>;
/// Label value → the objects with it.
type ByValue = HashMap<String, Objects>;
/// Label key → its values.
type ByLabel = HashMap<String, ByValue>;

/// The index, kept by [`super::Store`] on every write.
#[derive(Debug, Default)]
pub(crate) struct LabelIndex {
    /// group → plural → label key → label value → objects.
    resources: HashMap<String, HashMap<String, ByLabel>>,
}

/// An object's labels; only string values are labels (a selector sees no
/// other, see `ObjectFilter::matches`).
fn labels_of(object: Option<&Value>) -> Option<&Map<String, Value>> {
    object?.get("metadata")?.get("labels")?.as_object()
}

fn label<'a>(labels: Option<&'a Map<String, Value>>, name: &str) -> Option<&'a str> {
    labels?.get(name)?.as_str()
}

/// The entry for `key`, made when missing (allocating its key only then).
fn slot<'m, V: Default>(map: &'m mut HashMap<String, V>, key: &str) -> &'m mut V {
    if !map.contains_key(key) {
        map.insert(key.to_owned(), V::default());
    }
    map.get_mut(key).expect("inserted above")
}

impl LabelIndex {
    /// Keeps the index in step with a write of `key` (`None`: no object).
    /// Every label of the current object is written, not only the changed
    /// ones: the index holds the object itself, which every write replaces.
    pub fn update(&mut self, key: &Arc<ObjectKey>, previous: Option<&Value>, current: Option<&Arc<Value>>) {
        let (old, new) = (labels_of(previous), labels_of(current.map(|object| &**object)));
        for (name, value) in old.into_iter().flatten() {
            if let Some(value) = value.as_str()
                && label(new, name) != Some(value)
            {
                self.remove(key, name, value);
            }
        }
        let Some(current) = current else {
            return;
        };
        for (name, value) in new.into_iter().flatten() {
            if let Some(value) = value.as_str() {
                self.insert(key, name, value, current);
            }
        }
    }

    /// Files `object` under the label (replacing what `key` had there).
    fn insert(&mut self, key: &Arc<ObjectKey>, name: &str, value: &str, object: &Arc<Value>) {
        let by_plural = slot(&mut self.resources, &key.group);
        let by_label: &mut ByLabel = slot(by_plural, &key.plural);
        let by_value = slot(by_label, name);
        // On a key already there, the map keeps its key and takes the new object.
        slot(by_value, value).insert(key.clone(), object.clone());
    }

    /// Removes `key` from the label's set, and every map left empty (so
    /// the index holds nothing for labels no object carries any more).
    fn remove(&mut self, key: &Arc<ObjectKey>, name: &str, value: &str) {
        let Some(by_plural) = self.resources.get_mut(&key.group) else {
            return;
        };
        let Some(by_label) = by_plural.get_mut(&key.plural) else {
            return;
        };
        let Some(by_value) = by_label.get_mut(name) else {
            return;
        };
        let Some(objects) = by_value.get_mut(value) else {
            return;
        };
        objects.remove(&**key);
        if objects.is_empty() {
            by_value.remove(value);
        }
        if by_value.is_empty() {
            by_label.remove(name);
        }
        if by_label.is_empty() {
            by_plural.remove(&key.plural);
        }
        if by_plural.is_empty() {
            self.resources.remove(&key.group);
        }
    }

    /// The objects of a resource that may match `selector`, in key order:
    /// those its most selective indexed requirement admits. `None` when no
    /// requirement can use the index (`!=`, `notin`, `!k`, or none).
    pub fn candidates(
        &self,
        group: &str,
        plural: &str,
        selector: &LabelSelector,
    ) -> Option<Vec<(&ObjectKey, &Arc<Value>)>> {
        let labels = self
            .resources
            .get(group)
            .and_then(|by_plural| by_plural.get(plural));
        let sets = selector
            .requirements()
            .iter()
            .filter_map(|requirement| admitted(labels, requirement))
            .min_by_key(|sets| sets.iter().map(|set| set.len()).sum::<usize>())?;
        let entries = sets
            .iter()
            .flat_map(|set| set.iter())
            .map(|(key, object)| (&**key, object));
        let mut objects: Vec<(&ObjectKey, &Arc<Value>)> = entries.collect();
        if sets.len() > 1 {
            // An object has one value per label, so the sets are disjoint.
            objects.sort_unstable_by_key(|(key, _)| *key);
        }
        Some(objects)
    }
}

/// The sets of the objects `requirement` admits (it needs the label
/// present), or `None` for a requirement the label's absence can satisfy.
fn admitted<'a>(labels: Option<&'a ByLabel>, requirement: &LabelRequirement) -> Option<Vec<&'a Objects>> {
    let values = labels.and_then(|labels| labels.get(&requirement.key));
    let sets = match requirement.operator {
        Operator::Equals | Operator::In => requirement
            .values
            .iter()
            .filter_map(|value| values?.get(value))
            .collect(),
        Operator::Exists | Operator::GreaterThan | Operator::LessThan => values
            .into_iter()
            .flatten()
            .filter(|(value, _)| requirement.matches_value(Some(value)))
            .map(|(_, set)| set)
            .collect(),
        Operator::NotEquals | Operator::NotIn | Operator::DoesNotExist => return None,
    };
    Some(sets)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key(name: &str) -> Arc<ObjectKey> {
        Arc::new(ObjectKey {
            group: String::new(),
            plural: "pods".into(),
            namespace: "default".into(),
            name: name.into(),
        })
    }

    fn pod(labels: Value) -> Arc<Value> {
        Arc::new(json!({"metadata": {"labels": labels}}))
    }

    fn names(index: &LabelIndex, selector: &str) -> Option<Vec<String>> {
        let selector = LabelSelector::parse(selector).unwrap();
        let objects = index.candidates("", "pods", &selector)?;
        Some(objects.into_iter().map(|(key, _)| key.name.clone()).collect())
    }

    #[test]
    fn the_most_selective_requirement_picks_the_candidates() {
        let mut index = LabelIndex::default();
        index.update(&key("b"), None, Some(&pod(json!({"app": "web", "tier": "a"}))));
        index.update(&key("a"), None, Some(&pod(json!({"app": "web", "tier": "b"}))));
        index.update(&key("c"), None, Some(&pod(json!({"app": "db"}))));
        assert_eq!(names(&index, "app=web").unwrap(), ["a", "b"]);
        assert_eq!(names(&index, "app=web,tier=a").unwrap(), ["b"]);
        assert_eq!(names(&index, "app in (db,web)").unwrap(), ["a", "b", "c"]);
        assert_eq!(names(&index, "tier").unwrap(), ["a", "b"]);
        assert_eq!(names(&index, "app=none").unwrap(), Vec::<String>::new());
        assert_eq!(names(&index, "app!=web"), None);
        assert_eq!(names(&index, "!tier,app notin (x)"), None);
    }

    #[test]
    fn a_relabel_or_a_removal_moves_the_object() {
        let mut index = LabelIndex::default();
        let before = pod(json!({"app": "web"}));
        let after = pod(json!({"app": "db"}));
        index.update(&key("a"), None, Some(&before));
        index.update(&key("a"), Some(&*before), Some(&after));
        assert_eq!(names(&index, "app=web").unwrap(), Vec::<String>::new());
        assert_eq!(names(&index, "app=db").unwrap(), ["a"]);
        index.update(&key("a"), Some(&*after), None);
        assert_eq!(names(&index, "app").unwrap(), Vec::<String>::new());
        assert!(index.resources.is_empty());
    }

    #[test]
    fn integer_comparisons_use_the_values_that_parse() {
        let mut index = LabelIndex::default();
        for (name, tier) in [("a", "1"), ("b", "5"), ("c", "x")] {
            index.update(&key(name), None, Some(&pod(json!({ "tier": tier }))));
        }
        assert_eq!(names(&index, "tier>2").unwrap(), ["b"]);
        assert_eq!(names(&index, "tier<2").unwrap(), ["a"]);
    }

    #[test]
    fn the_index_hands_out_the_object_of_the_last_write() {
        let mut index = LabelIndex::default();
        let first = Arc::new(json!({"metadata": {"labels": {"app": "web"}}, "v": 1}));
        let second = Arc::new(json!({"metadata": {"labels": {"app": "web"}}, "v": 2}));
        index.update(&key("a"), None, Some(&first));
        index.update(&key("a"), Some(&*first), Some(&second));
        let selector = LabelSelector::parse("app=web").unwrap();
        let objects = index.candidates("", "pods", &selector).unwrap();
        assert_eq!(objects.len(), 1);
        assert!(Arc::ptr_eq(objects[0].1, &second));
    }
}
