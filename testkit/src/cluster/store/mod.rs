//! The objects and their history: one revision counter for the whole
//! cluster (etcd's), and a bounded log of changes from which reads at an
//! older resourceVersion and watches that resume are served.

pub(super) mod state;

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use serde_json::Value;

/// Where an object lives: its resource (group and plural, any version) and
/// its namespace and name. Ordered as the API server lists: by namespace,
/// then name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct ObjectKey {
    pub group: String,
    pub plural: String,
    pub namespace: String,
    pub name: String,
}

impl ObjectKey {
    /// The key as a continue token's `start` (`namespace/name`).
    pub fn position(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

/// What a change did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ChangeType {
    Added,
    Modified,
    Deleted,
}

/// One write, as watches see it.
#[derive(Clone, Debug)]
pub(crate) struct Change {
    pub revision: u64,
    pub change_type: ChangeType,
    pub key: ObjectKey,
    /// The object after the change (for a deletion: as it was, with the deletion's revision).
    pub object: Arc<Value>,
    /// The object before the change, for modifications and deletions.
    pub previous: Option<Arc<Value>>,
}

/// A read or watch asked for a revision the history no longer holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Compacted {
    pub asked: u64,
    pub oldest: u64,
}

/// The object store.
#[derive(Debug)]
pub(crate) struct Store {
    revision: u64,
    objects: BTreeMap<ObjectKey, Arc<Value>>,
    history: VecDeque<Arc<Change>>,
    history_limit: usize,
    /// Every revision up to this one has left the history.
    compacted_through: u64,
}

impl Store {
    pub fn new(history_limit: usize) -> Self {
        Store {
            revision: 1,
            objects: BTreeMap::new(),
            history: VecDeque::new(),
            history_limit: history_limit.max(1),
            compacted_through: 1,
        }
    }

    /// The current revision.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// The oldest revision reads and watches can still start from.
    pub fn oldest(&self) -> u64 {
        self.compacted_through
    }

    pub fn get(&self, key: &ObjectKey) -> Option<&Arc<Value>> {
        self.objects.get(key)
    }

    /// Every current object of a resource, in key order.
    pub fn objects_of<'a>(
        &'a self,
        group: &'a str,
        plural: &'a str,
    ) -> impl Iterator<Item = (&'a ObjectKey, &'a Arc<Value>)> + 'a {
        let start = ObjectKey {
            group: group.to_owned(),
            plural: plural.to_owned(),
            namespace: String::new(),
            name: String::new(),
        };
        self.objects
            .range(start..)
            .take_while(move |(key, _)| key.group == group && key.plural == plural)
    }

    /// Every current object, of every resource.
    pub fn all_objects(&self) -> impl Iterator<Item = (&ObjectKey, &Arc<Value>)> {
        self.objects.iter()
    }

    /// The next revision, stamped into `object` as its resourceVersion.
    fn stamp(&mut self, object: &mut Value) -> u64 {
        self.revision += 1;
        if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
            metadata.insert("resourceVersion".into(), Value::String(self.revision.to_string()));
        }
        self.revision
    }

    /// Stores `object` under `key` (a creation or an update).
    pub fn put(&mut self, key: ObjectKey, mut object: Value) -> Arc<Change> {
        let revision = self.stamp(&mut object);
        let object = Arc::new(object);
        let previous = self.objects.insert(key.clone(), object.clone());
        let change_type = if previous.is_some() {
            ChangeType::Modified
        } else {
            ChangeType::Added
        };
        self.record(Change {
            revision,
            change_type,
            key,
            object,
            previous,
        })
    }

    /// Removes the object under `key`; the deletion has its own revision.
    pub fn remove(&mut self, key: &ObjectKey) -> Option<Arc<Change>> {
        let previous = self.objects.remove(key)?;
        let mut last = (*previous).clone();
        let revision = self.stamp(&mut last);
        Some(self.record(Change {
            revision,
            change_type: ChangeType::Deleted,
            key: key.clone(),
            object: Arc::new(last),
            previous: Some(previous),
        }))
    }

    fn record(&mut self, change: Change) -> Arc<Change> {
        let change = Arc::new(change);
        self.history.push_back(change.clone());
        while self.history.len() > self.history_limit {
            if let Some(dropped) = self.history.pop_front() {
                self.compacted_through = dropped.revision;
            }
        }
        change
    }

    /// Forgets the whole history, as an etcd compaction does.
    pub fn compact(&mut self) {
        self.history.clear();
        self.compacted_through = self.revision;
    }

    /// The changes after `revision`, oldest first.
    pub fn changes_since(&self, revision: u64) -> Result<Vec<Arc<Change>>, Compacted> {
        if revision < self.compacted_through {
            return Err(Compacted {
                asked: revision,
                oldest: self.compacted_through,
            });
        }
        Ok(self
            .history
            .iter()
            .filter(|change| change.revision > revision)
            .cloned()
            .collect())
    }

    /// A resource's objects as they were at `revision`, rebuilt by undoing
    /// the later changes.
    pub fn snapshot(
        &self,
        group: &str,
        plural: &str,
        revision: u64,
    ) -> Result<BTreeMap<ObjectKey, Arc<Value>>, Compacted> {
        let mut objects: BTreeMap<ObjectKey, Arc<Value>> = self
            .objects_of(group, plural)
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        if revision >= self.revision {
            return Ok(objects);
        }
        let later = self.changes_since(revision)?;
        for change in later.iter().rev() {
            if change.key.group != group || change.key.plural != plural {
                continue;
            }
            match (&change.change_type, &change.previous) {
                (ChangeType::Added, _) => {
                    objects.remove(&change.key);
                }
                (_, Some(previous)) => {
                    objects.insert(change.key.clone(), previous.clone());
                }
                (_, None) => {}
            }
        }
        Ok(objects)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key(name: &str) -> ObjectKey {
        ObjectKey {
            group: String::new(),
            plural: "configmaps".into(),
            namespace: "default".into(),
            name: name.into(),
        }
    }

    fn object(name: &str, value: &str) -> Value {
        json!({"metadata": {"name": name}, "data": {"v": value}})
    }

    #[test]
    fn every_write_bumps_one_revision() {
        let mut store = Store::new(100);
        let first = store.put(key("a"), object("a", "1"));
        let second = store.put(key("a"), object("a", "2"));
        let third = store.remove(&key("a")).unwrap();
        assert_eq!([first.revision, second.revision, third.revision], [2, 3, 4]);
        assert_eq!(third.object["metadata"]["resourceVersion"], "4");
        assert_eq!(second.change_type, ChangeType::Modified);
    }

    #[test]
    fn a_snapshot_undoes_later_changes() {
        let mut store = Store::new(100);
        store.put(key("a"), object("a", "1"));
        let at = store.revision();
        store.put(key("a"), object("a", "2"));
        store.put(key("b"), object("b", "1"));
        store.remove(&key("a"));
        let snapshot = store.snapshot("", "configmaps", at).unwrap();
        assert_eq!(snapshot.len(), 1);
        assert_eq!(snapshot[&key("a")]["data"]["v"], "1");
    }

    #[test]
    fn reads_older_than_the_history_are_compacted() {
        let mut store = Store::new(2);
        for value in ["1", "2", "3", "4"] {
            store.put(key("a"), object("a", value));
        }
        assert!(store.changes_since(2).is_err());
        assert_eq!(store.changes_since(3).unwrap().len(), 2);
        store.compact();
        assert!(store.snapshot("", "configmaps", 4).is_err());
    }
}
