//! What the control plane's controllers do after a write, run to a fixed
//! point: the garbage collector (ownerReferences with Background,
//! Foreground and Orphan propagation), the namespace controller (emptying a
//! terminating namespace), the CRD cleanup (objects of a deleted CRD), and
//! the end of objects whose finalizers or grace period are done.

use serde_json::Value;

use super::crd;
use super::handlers::delete::{self, DeleteOptions, FOREGROUND_FINALIZER, ORPHAN_FINALIZER, Propagation};
use super::meta;
use super::store::ObjectKey;
use super::store::state::State;

/// How many passes settling may take before the fake gives up (a cycle of
/// owner references could otherwise loop).
const MAX_PASSES: usize = 10_000;

/// Whether any object names `uid` as an owner.
pub(crate) fn has_dependents(state: &State, uid: &str) -> bool {
    !uid.is_empty()
        && state
            .store
            .all_objects()
            .any(|(_, object)| meta::owner_uids(object).iter().any(|owner| owner == uid))
}

/// Runs the controllers until nothing changes.
pub(crate) fn settle(state: &mut State) {
    for _ in 0..MAX_PASSES {
        if !settle_once(state) {
            return;
        }
    }
    tracing::warn!("fake cluster: garbage collection did not settle");
}

/// One pass over the objects being deleted or with owners (the store keeps
/// them apart; nothing else has anything to collect); whether it changed anything.
fn settle_once(state: &mut State) -> bool {
    let now = state.clock.now();
    let snapshot: Vec<(ObjectKey, std::sync::Arc<Value>)> = state
        .store
        .collectable()
        .map(|(key, object)| (key.clone(), object.clone()))
        .collect();
    let is_live = |state: &State, uid: &str| state.store.has_uid(uid);
    for (key, object) in &snapshot {
        if meta::is_deleting(object) {
            if finish_deletion(state, key, object, now) {
                return true;
            }
            continue;
        }
        let owners = meta::owner_uids(object);
        if !owners.is_empty() && owners.iter().all(|uid| !is_live(state, uid)) {
            let options = DeleteOptions {
                propagation: Some(Propagation::Background),
                ..DeleteOptions::default()
            };
            if let Ok(kind) = state.kind(&key.group, &key.plural) {
                let _ = delete::delete_object(state, &kind, key, &options);
                return true;
            }
        }
        if owners.iter().any(|uid| !is_live(state, uid)) {
            let mut updated = (**object).clone();
            let references: Vec<Value> = meta::owner_references(object)
                .into_iter()
                .filter(|reference| {
                    reference
                        .get("uid")
                        .and_then(Value::as_str)
                        .is_some_and(|uid| is_live(state, uid))
                })
                .collect();
            meta::set(&mut updated, "ownerReferences", Some(Value::from(references)));
            state.put(key.clone(), updated);
            return true;
        }
    }
    false
}

/// Moves an object that is being deleted one step on; whether it did.
fn finish_deletion(state: &mut State, key: &ObjectKey, object: &Value, now: jiff::Timestamp) -> bool {
    let finalizers = meta::finalizers(object);
    let uid = meta::text(object, "uid").to_owned();
    if key.group.is_empty() && key.plural == "namespaces" {
        match empty_namespace(state, key, object) {
            NamespaceCleanup::Changed => return true,
            NamespaceCleanup::Waiting => return false,
            NamespaceCleanup::Empty => {}
        }
    }
    if finalizers.is_empty() {
        let due = meta::text(object, "deletionTimestamp")
            .parse::<jiff::Timestamp>()
            .map_or(true, |when| when <= now);
        if due {
            state.remove(key);
            return true;
        }
        return false;
    }
    if finalizers.iter().any(|finalizer| finalizer == ORPHAN_FINALIZER) {
        orphan_dependents(state, &uid);
        return drop_finalizer(state, key, ORPHAN_FINALIZER);
    }
    if finalizers
        .iter()
        .any(|finalizer| finalizer == FOREGROUND_FINALIZER)
    {
        return match delete_dependents(state, &uid) {
            Dependents::Deleting { changed } => changed,
            Dependents::Gone => drop_finalizer(state, key, FOREGROUND_FINALIZER),
        };
    }
    if crd::is_crd_key(key)
        && finalizers
            .iter()
            .any(|finalizer| finalizer == crd::CLEANUP_FINALIZER)
    {
        return clean_up_crd(state, key, object);
    }
    false
}

fn drop_finalizer(state: &mut State, key: &ObjectKey, finalizer: &str) -> bool {
    let Some(object) = state.store.get(key).cloned() else {
        return false;
    };
    let mut updated = (*object).clone();
    let remaining: Vec<String> = meta::finalizers(&object)
        .into_iter()
        .filter(|name| name != finalizer)
        .collect();
    meta::set_finalizers(&mut updated, &remaining);
    state.put(key.clone(), updated);
    true
}

fn dependents_of(state: &State, uid: &str) -> Vec<(ObjectKey, std::sync::Arc<Value>)> {
    state
        .store
        .all_objects()
        .filter(|(_, object)| meta::owner_uids(object).iter().any(|owner| owner == uid))
        .map(|(key, object)| (key.clone(), object.clone()))
        .collect()
}

/// Where the foreground deletion of an owner's dependents is.
enum Dependents {
    /// Some remain; `changed` when this pass started deleting one.
    Deleting { changed: bool },
    /// None remain.
    Gone,
}

/// Starts foreground deletion of each dependent not yet being deleted.
fn delete_dependents(state: &mut State, uid: &str) -> Dependents {
    let dependents = dependents_of(state, uid);
    let options = DeleteOptions {
        propagation: Some(Propagation::Foreground),
        ..DeleteOptions::default()
    };
    if dependents.is_empty() {
        return Dependents::Gone;
    }
    let mut changed = false;
    for (key, object) in &dependents {
        if !meta::is_deleting(object)
            && let Ok(kind) = state.kind(&key.group, &key.plural)
        {
            changed |= delete::delete_object(state, &kind, key, &options).is_ok();
        }
    }
    Dependents::Deleting { changed }
}

fn orphan_dependents(state: &mut State, uid: &str) {
    for (key, object) in dependents_of(state, uid) {
        let mut updated = (*object).clone();
        let references: Vec<Value> = meta::owner_references(&object)
            .into_iter()
            .filter(|reference| reference.get("uid").and_then(Value::as_str) != Some(uid))
            .collect();
        let references = (!references.is_empty()).then(|| Value::from(references));
        meta::set(&mut updated, "ownerReferences", references);
        state.put(key, updated);
    }
}

/// Where the namespace controller is with a terminating namespace.
enum NamespaceCleanup {
    /// It deleted something this pass.
    Changed,
    /// Its contents are being deleted but are not gone yet.
    Waiting,
    /// Nothing is left in it; the namespace itself may go.
    Empty,
}

/// The namespace controller: deletes what the namespace holds, then lets it go.
fn empty_namespace(state: &mut State, key: &ObjectKey, namespace: &Value) -> NamespaceCleanup {
    let name = &key.name;
    let contents: Vec<(ObjectKey, std::sync::Arc<Value>)> = state
        .store
        .all_objects()
        .filter(|(content, _)| {
            content.namespace == *name && !(content.group.is_empty() && content.plural == "namespaces")
        })
        .map(|(key, object)| (key.clone(), object.clone()))
        .collect();
    let mut changed = false;
    for (content_key, object) in &contents {
        if meta::is_deleting(object) {
            continue;
        }
        if let Ok(kind) = state.kind(&content_key.group, &content_key.plural) {
            let options = DeleteOptions {
                grace_period_seconds: Some(0),
                ..DeleteOptions::default()
            };
            changed |= delete::delete_object(state, &kind, content_key, &options).is_ok();
        }
    }
    if changed {
        return NamespaceCleanup::Changed;
    }
    if !contents.is_empty() {
        return NamespaceCleanup::Waiting;
    }
    let spec_finalizers = namespace.pointer("/spec/finalizers").and_then(Value::as_array);
    if spec_finalizers.is_some_and(|finalizers| !finalizers.is_empty()) {
        let mut updated = namespace.clone();
        updated["spec"]["finalizers"] = Value::Array(Vec::new());
        state.put(key.clone(), updated);
        return NamespaceCleanup::Changed;
    }
    NamespaceCleanup::Empty
}

/// The CRD cleanup: deletes the CRD's objects, then drops its finalizer.
fn clean_up_crd(state: &mut State, key: &ObjectKey, crd_object: &Value) -> bool {
    let Some(kind) = crd::kind_of(crd_object) else {
        return drop_finalizer(state, key, crd::CLEANUP_FINALIZER);
    };
    let objects: Vec<(ObjectKey, std::sync::Arc<Value>)> = state
        .store
        .objects_of(&kind.api.group, &kind.api.plural)
        .map(|(key, object)| (key.clone(), object.clone()))
        .collect();
    if objects.is_empty() {
        state.watches.close_resource(&kind.api.group, &kind.api.plural);
        return drop_finalizer(state, key, crd::CLEANUP_FINALIZER);
    }
    let mut changed = false;
    for (object_key, object) in &objects {
        if !meta::is_deleting(object) {
            changed |= delete::delete_object(state, &kind, object_key, &DeleteOptions::default()).is_ok();
        }
    }
    changed
}
