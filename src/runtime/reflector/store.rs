//! `Store` and `Writer`: a cache of objects that many read and one keeps
//! up to date from a watcher's events.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use tokio::sync::watch;

use crate::runtime::watcher::Event;
use crate::runtime::{Object, ObjectKey};

use super::index::{Index, IndexFn};

/// What the store holds: the objects by key, and the indexes over them.
struct Contents<K> {
    objects: HashMap<ObjectKey, Arc<K>>,
    indexes: BTreeMap<String, Index<K>>,
}

struct Shared<K> {
    contents: RwLock<Contents<K>>,
}

/// A read-only, cheaply cloned view of the objects a [`Writer`] keeps.
///
/// Reads take a short lock and hand out `Arc`s, so they never wait for a
/// list to arrive: before the first list is complete the store is empty
/// (see [`wait_until_ready`](Self::wait_until_ready)), and a relist
/// replaces the contents in one swap.
pub struct Store<K> {
    shared: Arc<Shared<K>>,
    ready: watch::Receiver<bool>,
}

impl<K> Clone for Store<K> {
    fn clone(&self) -> Self {
        Store {
            shared: self.shared.clone(),
            ready: self.ready.clone(),
        }
    }
}

impl<K> std::fmt::Debug for Store<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("len", &self.len())
            .field("ready", &self.is_ready())
            .finish()
    }
}

/// The writer was dropped before the first list completed, so the store never will be ready.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the store's writer was dropped before the first list completed")]
pub struct WriterDropped;

impl<K> Store<K> {
    fn read(&self) -> RwLockReadGuard<'_, Contents<K>> {
        self.shared
            .contents
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The object `name` in `namespace` (`None` for a cluster-scoped object).
    pub fn get(&self, namespace: Option<&str>, name: &str) -> Option<Arc<K>> {
        self.get_key(&ObjectKey::new(namespace, name))
    }

    /// The object filed under `key`.
    pub fn get_key(&self, key: &ObjectKey) -> Option<Arc<K>> {
        self.read().objects.get(key).cloned()
    }

    /// Every object, in no particular order.
    pub fn state(&self) -> Vec<Arc<K>> {
        self.read().objects.values().cloned().collect()
    }

    /// The keys of every object, sorted.
    pub fn keys(&self) -> Vec<ObjectKey> {
        let mut keys: Vec<ObjectKey> = self.read().objects.keys().cloned().collect();
        keys.sort();
        keys
    }

    /// How many objects it holds.
    pub fn len(&self) -> usize {
        self.read().objects.len()
    }

    /// Whether it holds no object.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The objects the index `index` files under `value` (client-go's
    /// `ByIndex`); none for an index that does not exist.
    pub fn by_index(&self, index: &str, value: &str) -> Vec<Arc<K>> {
        let contents = self.read();
        let Some(keys) = contents
            .indexes
            .get(index)
            .and_then(|index| index.entries.get(value))
        else {
            return Vec::new();
        };
        keys.iter()
            .filter_map(|key| contents.objects.get(key).cloned())
            .collect()
    }

    /// The values the index `index` has objects for, sorted (client-go's `ListIndexFuncValues`).
    pub fn index_values(&self, index: &str) -> Vec<String> {
        let mut values: Vec<String> = self
            .read()
            .indexes
            .get(index)
            .map(|index| index.entries.keys().cloned().collect())
            .unwrap_or_default();
        values.sort();
        values
    }

    /// Whether the first list has completed.
    pub fn is_ready(&self) -> bool {
        *self.ready.borrow()
    }

    /// Waits until the first list has completed.
    ///
    /// # Errors
    /// [`WriterDropped`] when the writer went away first.
    pub async fn wait_until_ready(&self) -> Result<(), WriterDropped> {
        let mut ready = self.ready.clone();
        ready
            .wait_for(|ready| *ready)
            .await
            .map(|_| ())
            .map_err(|_| WriterDropped)
    }
}

/// Keeps a [`Store`] up to date from a watcher's events; the only writer.
///
/// ```
/// use k8s_openapi::api::core::v1::Pod;
/// use rudder::runtime::reflector::Writer;
/// use rudder::runtime::watcher::Event;
///
/// let mut writer = Writer::<Pod>::new().index_by_label("app");
/// let store = writer.as_reader();
/// let mut pod = Pod::default();
/// pod.metadata.name = Some("web-1".into());
/// pod.metadata.namespace = Some("default".into());
/// pod.metadata.labels = Some([("app".to_owned(), "web".to_owned())].into());
/// for event in [Event::Init, Event::InitApply(pod), Event::InitDone] {
///     writer.apply(event);
/// }
/// assert!(store.is_ready());
/// assert!(store.get(Some("default"), "web-1").is_some());
/// assert_eq!(store.by_index("label:app", "web").len(), 1);
/// ```
pub struct Writer<K> {
    store: Store<K>,
    ready: watch::Sender<bool>,
    /// The objects of a list under way, swapped in whole when it completes.
    listing: Option<HashMap<ObjectKey, Arc<K>>>,
}

impl<K: Object> Default for Writer<K> {
    fn default() -> Self {
        Writer::new()
    }
}

impl<K: Object> Writer<K> {
    /// An empty store, not yet ready.
    pub fn new() -> Self {
        let (ready, receiver) = watch::channel(false);
        let contents = Contents {
            objects: HashMap::new(),
            indexes: BTreeMap::new(),
        };
        Writer {
            store: Store {
                shared: Arc::new(Shared {
                    contents: RwLock::new(contents),
                }),
                ready: receiver,
            },
            ready,
            listing: None,
        }
    }

    /// Adds the index `name`: each object is filed under every value
    /// `values_of` gives for it (client-go's `Indexers`). Objects already
    /// held are indexed at once.
    pub fn index_by(self, name: &str, values_of: impl Fn(&K) -> Vec<String> + Send + Sync + 'static) -> Self {
        let values_of: Arc<IndexFn<K>> = Arc::new(values_of);
        {
            let mut contents = self.write();
            let index = Index::new(values_of).rebuilt(contents.objects.iter());
            contents.indexes.insert(name.to_owned(), index);
        }
        self
    }

    /// Adds the index `label:<key>`: objects by the value of their label `key`.
    pub fn index_by_label(self, key: &str) -> Self {
        let label = key.to_owned();
        self.index_by(&format!("label:{key}"), move |object: &K| {
            object
                .metadata()
                .labels
                .as_ref()
                .and_then(|labels| labels.get(&label))
                .map(|value| vec![value.clone()])
                .unwrap_or_default()
        })
    }

    /// A reader of the store.
    pub fn as_reader(&self) -> Store<K> {
        self.store.clone()
    }

    fn write(&self) -> RwLockWriteGuard<'_, Contents<K>> {
        self.store
            .shared
            .contents
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies one watcher event.
    pub fn apply(&mut self, event: Event<K>) {
        match event {
            Event::Init => self.listing = Some(HashMap::new()),
            Event::InitApply(object) => {
                let listing = self.listing.get_or_insert_with(HashMap::new);
                listing.insert(object.key(), Arc::new(object));
            }
            Event::InitDone => {
                let listed = self.listing.take().unwrap_or_default();
                self.replace_all(listed);
                self.ready.send_replace(true);
            }
            Event::Apply(object) => self.upsert(object),
            Event::Delete(object) => self.remove(&object.key()),
        }
    }

    /// Swaps in a complete list; the indexes are built before the lock is taken.
    fn replace_all(&mut self, objects: HashMap<ObjectKey, Arc<K>>) {
        let indexes: BTreeMap<String, Index<K>> = {
            let contents = self.store.read();
            contents
                .indexes
                .iter()
                .map(|(name, index)| (name.clone(), index.rebuilt(objects.iter())))
                .collect()
        };
        let mut contents = self.write();
        contents.objects = objects;
        contents.indexes = indexes;
    }

    fn upsert(&mut self, object: K) {
        let key = object.key();
        let object = Arc::new(object);
        let mut contents = self.write();
        let Contents { objects, indexes } = &mut *contents;
        if let Some(old) = objects.insert(key.clone(), object.clone()) {
            indexes.values_mut().for_each(|index| index.remove(&key, &old));
        }
        indexes.values_mut().for_each(|index| index.insert(&key, &object));
    }

    fn remove(&mut self, key: &ObjectKey) {
        let mut contents = self.write();
        let Contents { objects, indexes } = &mut *contents;
        if let Some(old) = objects.remove(key) {
            indexes.values_mut().for_each(|index| index.remove(key, &old));
        }
    }
}
