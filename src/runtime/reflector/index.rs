//! Secondary indexes of a store, like client-go's indexers: named key
//! functions, and for each value they give, the objects that gave it.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use crate::runtime::ObjectKey;

/// Computes the values an object is filed under in one index (none, one or many).
pub type IndexFn<K> = dyn Fn(&K) -> Vec<String> + Send + Sync;

/// One index: its key function and, per value, the keys of the objects.
pub(super) struct Index<K> {
    pub(super) values_of: Arc<IndexFn<K>>,
    pub(super) entries: HashMap<String, BTreeSet<ObjectKey>>,
}

impl<K> Clone for Index<K> {
    fn clone(&self) -> Self {
        Index {
            values_of: self.values_of.clone(),
            entries: self.entries.clone(),
        }
    }
}

impl<K> Index<K> {
    pub(super) fn new(values_of: Arc<IndexFn<K>>) -> Self {
        Index {
            values_of,
            entries: HashMap::new(),
        }
    }

    pub(super) fn insert(&mut self, key: &ObjectKey, object: &K) {
        for value in (self.values_of)(object) {
            self.entries.entry(value).or_default().insert(key.clone());
        }
    }

    pub(super) fn remove(&mut self, key: &ObjectKey, object: &K) {
        for value in (self.values_of)(object) {
            if let Some(keys) = self.entries.get_mut(&value) {
                keys.remove(key);
                if keys.is_empty() {
                    self.entries.remove(&value);
                }
            }
        }
    }

    /// The same key function over `objects`.
    pub(super) fn rebuilt<'a>(&self, objects: impl Iterator<Item = (&'a ObjectKey, &'a Arc<K>)>) -> Self
    where
        K: 'a,
    {
        let mut index = Index::new(self.values_of.clone());
        for (key, object) in objects {
            index.insert(key, object);
        }
        index
    }
}
