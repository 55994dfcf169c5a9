//! Everything the fake cluster holds behind its one lock: the kinds it
//! serves, the objects, the watches, the clock and the id generator. Every
//! write goes through [`State::put`] or [`State::remove`], which is what
//! keeps watches complete and in order.

use std::sync::Arc;

use rudder::Status;
use serde_json::Value;

use crate::cluster::controls::clock::{Clock, IdGenerator};
use crate::cluster::crd;
use crate::cluster::registry::{Registry, ResourceKind};
use crate::cluster::request::errors;
use crate::cluster::store::{Change, ObjectKey, Store};
use crate::cluster::watch::WatchHub;

/// The fake's whole state.
#[derive(Debug)]
pub(crate) struct State {
    pub registry: Registry,
    pub store: Store,
    pub watches: WatchHub,
    pub clock: Clock,
    pub ids: IdGenerator,
}

impl State {
    pub fn new(
        registry: Registry,
        clock: Clock,
        ids: IdGenerator,
        history_limit: usize,
        watch_buffer: usize,
    ) -> Self {
        State {
            registry,
            store: Store::new(history_limit),
            watches: WatchHub::new(watch_buffer),
            clock,
            ids,
        }
    }

    /// The kind stored under `group`/`plural`, or a 404 naming it.
    pub fn kind(&self, group: &str, plural: &str) -> Result<ResourceKind, Status> {
        self.registry
            .by_resource(group, plural)
            .cloned()
            .ok_or_else(errors::path_not_found)
    }

    /// The key of an object of `kind`.
    pub fn key(kind: &ResourceKind, namespace: &str, name: &str) -> ObjectKey {
        ObjectKey {
            group: kind.api.group.clone(),
            plural: kind.api.plural.clone(),
            namespace: if kind.namespaced() {
                namespace.to_owned()
            } else {
                String::new()
            },
            name: name.to_owned(),
        }
    }

    /// Stores an object and tells the watches.
    pub fn put(&mut self, key: ObjectKey, object: Value) -> Arc<Change> {
        let change = self.store.put(key, object);
        self.after_change(&change);
        change
    }

    /// Removes an object and tells the watches.
    pub fn remove(&mut self, key: &ObjectKey) -> Option<Arc<Change>> {
        let change = self.store.remove(key)?;
        self.after_change(&change);
        Some(change)
    }

    fn after_change(&mut self, change: &Arc<Change>) {
        self.watches.publish(change);
        if crd::is_crd_key(&change.key) {
            crd::sync_registry(&mut self.registry, change);
        }
    }

    /// Whether the namespace exists, and if so whether it is being deleted.
    pub fn namespace_phase(&self, namespace: &str) -> Option<bool> {
        let key = ObjectKey {
            group: String::new(),
            plural: "namespaces".into(),
            namespace: String::new(),
            name: namespace.to_owned(),
        };
        self.store
            .get(&key)
            .map(|object| crate::cluster::meta::is_deleting(object))
    }
}
