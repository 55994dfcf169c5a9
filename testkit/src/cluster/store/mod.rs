//! The objects and their history: one revision counter for the whole
//! cluster (etcd's), and a bounded log of changes from which reads at an
//! older resourceVersion and watches that resume are served.

mod labels;
pub(super) mod state;

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};
use std::sync::Arc;

use rudder::types::LabelSelector;
use serde_json::Value;

use crate::cluster::meta;
use labels::LabelIndex;

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

    /// Whether the key comes after the [`position`](Self::position)
    /// `start` in list order (by namespace, then name). Not a comparison
    /// of the position strings: `a-b/x` sorts before `a/x` as text, but
    /// namespace `a` lists before `a-b`.
    pub fn is_after(&self, start: &str) -> bool {
        let (namespace, name) = start.split_once('/').unwrap_or((start, ""));
        (self.namespace.as_str(), self.name.as_str()) > (namespace, name)
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
    /// Shared with the store and its label index.
    pub key: Arc<ObjectKey>,
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
    /// The keys are shared with the label index, which files each object
    /// under each of its labels.
    objects: BTreeMap<Arc<ObjectKey>, Arc<Value>>,
    history: VecDeque<Arc<Change>>,
    history_limit: usize,
    /// Every revision up to this one has left the history.
    compacted_through: u64,
    /// The objects garbage collection has to look at after a write: those
    /// being deleted and those with owners. Kept as objects are written, so
    /// that a write costs the collector these, not every object stored.
    collectable: BTreeSet<Arc<ObjectKey>>,
    /// The uid of every stored object (what an owner reference must name).
    uids: HashSet<String>,
    /// The current objects by label, so that a list by label visits only
    /// the objects carrying it.
    labels: LabelIndex,
}

/// Whether garbage collection has anything to do with `object`: it is being
/// deleted, or it has owners that may be gone.
fn is_collectable(object: &Value) -> bool {
    meta::is_deleting(object)
        || object
            .pointer("/metadata/ownerReferences")
            .and_then(Value::as_array)
            .is_some_and(|references| !references.is_empty())
}

impl Store {
    pub fn new(history_limit: usize) -> Self {
        Store {
            revision: 1,
            objects: BTreeMap::new(),
            history: VecDeque::new(),
            history_limit: history_limit.max(1),
            compacted_through: 1,
            collectable: BTreeSet::new(),
            uids: HashSet::new(),
            labels: LabelIndex::default(),
        }
    }

    /// The objects being deleted or with owners, in key order.
    pub fn collectable(&self) -> impl Iterator<Item = (&ObjectKey, &Arc<Value>)> {
        self.collectable
            .iter()
            .filter_map(|key| Some((&**key, self.objects.get(key)?)))
    }

    /// Whether a stored object has `uid`.
    pub fn has_uid(&self, uid: &str) -> bool {
        self.uids.contains(uid)
    }

    /// Keeps `uids` in step with a write; an update keeps its uid, so
    /// nothing changes (most writes).
    fn index_uid(&mut self, previous: Option<&Value>, current: Option<&Value>) {
        let (old, new) = (
            previous.map(|object| meta::text(object, "uid")),
            current.map(|object| meta::text(object, "uid")),
        );
        if old == new {
            return;
        }
        if let Some(old) = old {
            self.uids.remove(old);
        }
        if let Some(new) = new.filter(|uid| !uid.is_empty()) {
            self.uids.insert(new.to_owned());
        }
    }

    /// Keeps `collectable`, `uids` and `labels` in step with a write of `key`.
    fn index(&mut self, key: &Arc<ObjectKey>, previous: Option<&Value>, current: Option<&Arc<Value>>) {
        self.labels.update(key, previous, current);
        self.index_uid(previous, current.map(|current| &**current));
        if current.is_some_and(|current| is_collectable(current)) {
            self.collectable.insert(key.clone());
        } else {
            self.collectable.remove(&**key);
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
        self.objects_in(group, plural, None)
    }

    /// The current objects of a resource in `namespace` (every namespace
    /// when `None`), in key order.
    pub fn objects_in<'a>(
        &'a self,
        group: &'a str,
        plural: &'a str,
        namespace: Option<&'a str>,
    ) -> impl Iterator<Item = (&'a ObjectKey, &'a Arc<Value>)> + 'a {
        let start = ObjectKey {
            group: group.to_owned(),
            plural: plural.to_owned(),
            namespace: namespace.unwrap_or_default().to_owned(),
            name: String::new(),
        };
        self.objects
            .range(start..)
            .take_while(move |(key, _)| {
                key.group == group
                    && key.plural == plural
                    && namespace.is_none_or(|namespace| key.namespace == namespace)
            })
            .map(|(key, object)| (&**key, object))
    }

    /// The current objects of a resource in `namespace` that may match
    /// `labels`, in key order: through the label index when a requirement
    /// can use it, else every object there. The caller checks the full
    /// selector on each.
    pub fn candidates<'a>(
        &'a self,
        group: &'a str,
        plural: &'a str,
        namespace: Option<&'a str>,
        labels: &LabelSelector,
    ) -> Box<dyn Iterator<Item = (&'a ObjectKey, &'a Arc<Value>)> + 'a> {
        match self.labels.candidates(group, plural, labels) {
            Some(objects) => Box::new(
                objects
                    .into_iter()
                    .filter(move |(key, _)| namespace.is_none_or(|namespace| key.namespace == namespace)),
            ),
            None => Box::new(self.objects_in(group, plural, namespace)),
        }
    }

    /// Every current object, of every resource.
    pub fn all_objects(&self) -> impl Iterator<Item = (&ObjectKey, &Arc<Value>)> {
        self.objects.iter().map(|(key, object)| (&**key, object))
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
        // One search of the map; an update keeps the key the store and the
        // label index already share (the new one is dropped).
        let (shared, previous) = match self.objects.entry(Arc::new(key)) {
            Entry::Vacant(slot) => {
                let shared = slot.key().clone();
                slot.insert(object.clone());
                (shared, None)
            }
            Entry::Occupied(mut slot) => (slot.key().clone(), Some(slot.insert(object.clone()))),
        };
        self.index(&shared, previous.as_deref(), Some(&object));
        let change_type = if previous.is_some() {
            ChangeType::Modified
        } else {
            ChangeType::Added
        };
        self.record(Change {
            revision,
            change_type,
            key: shared,
            object,
            previous,
        })
    }

    /// Removes the object under `key`; the deletion has its own revision.
    pub fn remove(&mut self, key: &ObjectKey) -> Option<Arc<Change>> {
        let (shared, previous) = self.objects.remove_entry(key)?;
        self.index(&shared, Some(&previous), None);
        let mut last = (*previous).clone();
        let revision = self.stamp(&mut last);
        Some(self.record(Change {
            revision,
            change_type: ChangeType::Deleted,
            key: shared,
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

    /// A resource's objects as they were at `revision`: the stored ones
    /// themselves at the current revision (a list of 100,000 objects copies
    /// none of them), else rebuilt by undoing the later changes.
    pub fn snapshot<'a>(
        &'a self,
        group: &'a str,
        plural: &'a str,
        revision: u64,
    ) -> Result<Snapshot<'a>, Compacted> {
        if revision >= self.revision {
            return Ok(Snapshot::Current {
                store: self,
                group,
                plural,
            });
        }
        let mut objects: BTreeMap<ObjectKey, Arc<Value>> = self
            .objects_of(group, plural)
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        let later = self.changes_since(revision)?;
        for change in later.iter().rev() {
            if change.key.group != group || change.key.plural != plural {
                continue;
            }
            match (&change.change_type, &change.previous) {
                (ChangeType::Added, _) => {
                    objects.remove(&*change.key);
                }
                (_, Some(previous)) => {
                    objects.insert(ObjectKey::clone(&change.key), previous.clone());
                }
                (_, None) => {}
            }
        }
        Ok(Snapshot::Rebuilt(objects))
    }
}

/// A resource's objects at one revision, in key order.
pub(crate) enum Snapshot<'a> {
    /// The current objects, read in place.
    Current {
        store: &'a Store,
        group: &'a str,
        plural: &'a str,
    },
    /// The objects as they were at an older revision.
    Rebuilt(BTreeMap<ObjectKey, Arc<Value>>),
}

impl Snapshot<'_> {
    /// The objects in `namespace` (every namespace when `None`) that may
    /// match `labels`, in key order (see [`Store::candidates`]); a rebuilt
    /// snapshot has no index and gives all of them.
    pub fn candidates<'s>(
        &'s self,
        namespace: Option<&'s str>,
        labels: &LabelSelector,
    ) -> Box<dyn Iterator<Item = (&'s ObjectKey, &'s Arc<Value>)> + 's> {
        match self {
            Snapshot::Current { store, group, plural } => store.candidates(group, plural, namespace, labels),
            Snapshot::Rebuilt(objects) => Box::new(
                objects
                    .iter()
                    .filter(move |(key, _)| namespace.is_none_or(|namespace| key.namespace == namespace)),
            ),
        }
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
        let objects: Vec<_> = snapshot.candidates(None, &LabelSelector::new()).collect();
        assert_eq!(objects.len(), 1);
        assert_eq!(objects[0].0, &key("a"));
        assert_eq!(objects[0].1["data"]["v"], "1");
    }

    #[test]
    fn objects_with_owners_or_being_deleted_are_the_collectable_ones() {
        let mut store = Store::new(100);
        store.put(key("plain"), json!({"metadata": {"name": "plain", "uid": "u1"}}));
        store.put(
            key("owned"),
            json!({"metadata": {"name": "owned", "uid": "u2", "ownerReferences": [{"uid": "u1"}]}}),
        );
        store.put(
            key("going"),
            json!({"metadata": {"name": "going", "uid": "u3", "deletionTimestamp": "2024-01-01T00:00:00Z"}}),
        );
        let names: Vec<&str> = store.collectable().map(|(key, _)| key.name.as_str()).collect();
        assert_eq!(names, ["going", "owned"]);
        store.put(key("owned"), json!({"metadata": {"name": "owned", "uid": "u2"}}));
        store.remove(&key("going"));
        assert_eq!(store.collectable().count(), 0);
        assert!(store.has_uid("u1") && store.has_uid("u2"));
        assert!(!store.has_uid("u3"));
    }

    #[test]
    fn a_snapshot_at_the_current_revision_is_the_stored_objects() {
        let mut store = Store::new(100);
        store.put(key("b"), object("b", "1"));
        store.put(key("a"), object("a", "1"));
        let snapshot = store.snapshot("", "configmaps", store.revision()).unwrap();
        let names: Vec<&str> = snapshot
            .candidates(None, &LabelSelector::new())
            .map(|(key, _)| key.name.as_str())
            .collect();
        assert_eq!(names, ["a", "b"]);
        assert!(matches!(snapshot, Snapshot::Current { .. }));
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
