//! DELETE and deletecollection: preconditions, finalizers and
//! `deletionTimestamp`, pods' grace period, and the propagation policy that
//! the garbage collector ([`super::gc`]) then carries out.

use std::sync::Arc;

use rudder::Status;
use rudder::types::StatusDetails;
use serde_json::{Value, json};

use crate::cluster::controls::clock::rfc3339;
use crate::cluster::crd;
use crate::cluster::gc;
use crate::cluster::meta;
use crate::cluster::registry::ResourceKind;
use crate::cluster::request::body::{ListBody, Served};
use crate::cluster::request::call::{Call, Reply};
use crate::cluster::request::errors::{self, bad_request};
use crate::cluster::request::selector::ObjectFilter;
use crate::cluster::store::ObjectKey;
use crate::cluster::store::state::State;

/// The finalizer that keeps an owner until its dependents are gone.
pub(crate) const FOREGROUND_FINALIZER: &str = "foregroundDeletion";
/// The finalizer that keeps an owner until its dependents are orphaned.
pub(crate) const ORPHAN_FINALIZER: &str = "orphan";

/// `propagationPolicy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Propagation {
    Background,
    Foreground,
    Orphan,
}

/// `DeleteOptions`, from the body and the query.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct DeleteOptions {
    pub uid: Option<String>,
    pub resource_version: Option<String>,
    pub propagation: Option<Propagation>,
    pub grace_period_seconds: Option<i64>,
    pub dry_run: bool,
}

fn parse_propagation(text: &str) -> Result<Propagation, Status> {
    match text {
        "Background" => Ok(Propagation::Background),
        "Foreground" => Ok(Propagation::Foreground),
        "Orphan" => Ok(Propagation::Orphan),
        other => Err(bad_request(format!(
            "propagationPolicy: Unsupported value: \"{other}\": supported values: \"Foreground\", \"Background\", \"Orphan\""
        ))),
    }
}

impl DeleteOptions {
    pub fn parse(call: &Call) -> Result<Self, Status> {
        let mut options = DeleteOptions {
            propagation: call
                .options
                .propagation_policy
                .as_deref()
                .map(parse_propagation)
                .transpose()?,
            grace_period_seconds: call.options.grace_period_seconds,
            dry_run: call.options.dry_run,
            ..DeleteOptions::default()
        };
        if call.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(options);
        }
        let body = call.body_object()?;
        let text = |pointer: &str| body.pointer(pointer).and_then(Value::as_str).map(str::to_owned);
        options.uid = text("/preconditions/uid");
        options.resource_version = text("/preconditions/resourceVersion");
        if let Some(policy) = text("/propagationPolicy") {
            options.propagation = Some(parse_propagation(&policy)?);
        }
        if let Some(orphan) = body.get("orphanDependents").and_then(Value::as_bool) {
            options.propagation.get_or_insert(if orphan {
                Propagation::Orphan
            } else {
                Propagation::Background
            });
        }
        if let Some(grace) = body.get("gracePeriodSeconds").and_then(Value::as_i64) {
            options.grace_period_seconds = Some(grace);
        }
        if let Some(dry_run) = body.get("dryRun").and_then(Value::as_array) {
            options.dry_run |= dry_run.iter().any(|mode| mode == "All");
        }
        Ok(options)
    }
}

/// What a deletion did.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Deletion {
    /// The object is gone.
    Removed(Arc<Value>),
    /// The object stays, marked for deletion, until its finalizers are done.
    Pending(Arc<Value>),
}

/// DELETE of one object.
pub(crate) fn delete(state: &mut State, call: &Call) -> Result<Reply, Status> {
    let options = DeleteOptions::parse(call)?;
    let key = State::key(&call.kind, call.namespace(), call.name());
    let deletion = delete_object(state, &call.kind, &key, &options)?;
    gc::settle(state);
    Ok(match deletion {
        Deletion::Pending(object) => Reply::ok(Served::stored(&call.kind, &call.version, &object)),
        Deletion::Removed(object) if returns_deleted_object(&call.kind) => {
            Reply::ok(Served::stored(&call.kind, &call.version, &object))
        }
        Deletion::Removed(object) => Reply::ok(success(&call.kind, &object)),
    })
}

/// Whether the server answers a deletion with the deleted object rather
/// than a `Status`: custom resources, pods and services do.
fn returns_deleted_object(kind: &ResourceKind) -> bool {
    kind.custom || (kind.api.group.is_empty() && matches!(kind.api.plural.as_str(), "pods" | "services"))
}

/// The `Status` a deletion of a built-in kind answers with.
fn success(kind: &ResourceKind, object: &Value) -> Value {
    let mut status = Status {
        status: "Success".into(),
        ..Status::default()
    };
    status.details = Some(StatusDetails {
        name: meta::text(object, "name").to_owned(),
        group: kind.api.group.clone(),
        kind: kind.api.plural.clone(),
        uid: meta::text(object, "uid").to_owned(),
        ..StatusDetails::default()
    });
    let mut wire = status.to_wire_json();
    wire["code"] = json!(200);
    wire
}

/// Deletes the object under `key` as `options` ask.
pub(crate) fn delete_object(
    state: &mut State,
    kind: &ResourceKind,
    key: &ObjectKey,
    options: &DeleteOptions,
) -> Result<Deletion, Status> {
    let Some(existing) = state.store.get(key).cloned() else {
        return Err(errors::not_found(&kind.qualified(), &key.name));
    };
    check_preconditions(kind, &existing, options)?;
    let mut object = (*existing).clone();
    let mut finalizers = meta::finalizers(&object);
    let propagation = options.propagation.unwrap_or(if kind.orphans_by_default {
        Propagation::Orphan
    } else {
        Propagation::Background
    });
    let has_dependents = gc::has_dependents(state, meta::text(&object, "uid"));
    let policy_finalizer = match propagation {
        Propagation::Foreground => Some(FOREGROUND_FINALIZER),
        Propagation::Orphan if has_dependents => Some(ORPHAN_FINALIZER),
        _ => None,
    };
    if let Some(finalizer) = policy_finalizer
        && !finalizers.iter().any(|existing| existing == finalizer)
    {
        finalizers.push(finalizer.to_owned());
    }
    if crd::is_crd_key(key) && !meta::is_deleting(&object) {
        crd::add_cleanup_finalizer(&mut finalizers);
    }
    let now = state.clock.now();
    let grace = pod_grace_period(kind, &object, options);
    // A namespace always waits for the namespace controller to empty it.
    let is_namespace = kind.api.group.is_empty() && kind.api.plural == "namespaces";
    if finalizers.is_empty() && grace == 0 && !is_namespace {
        return remove(state, key, options);
    }
    if !meta::is_deleting(&object)
        && let Some(generation) = object.pointer("/metadata/generation").and_then(Value::as_i64)
    {
        // Marking an object for deletion is a change of its desired state.
        meta::set(&mut object, "generation", Some(json!(generation + 1)));
    }
    if !meta::is_deleting(&object) || grace > 0 {
        let when = now
            .checked_add(jiff::SignedDuration::from_secs(grace))
            .unwrap_or(now);
        meta::set(
            &mut object,
            "deletionTimestamp",
            Some(Value::String(rfc3339(when))),
        );
        meta::set(&mut object, "deletionGracePeriodSeconds", Some(json!(grace)));
    }
    meta::set_finalizers(&mut object, &finalizers);
    if is_namespace {
        object["status"]["phase"] = json!("Terminating");
    }
    if options.dry_run {
        return Ok(Deletion::Pending(Arc::new(object)));
    }
    if object == *existing {
        return Ok(Deletion::Pending(existing));
    }
    let change = state.put(key.clone(), object);
    Ok(Deletion::Pending(change.object.clone()))
}

fn remove(state: &mut State, key: &ObjectKey, options: &DeleteOptions) -> Result<Deletion, Status> {
    if options.dry_run {
        let object = state.store.get(key).cloned().unwrap_or_default();
        return Ok(Deletion::Removed(object));
    }
    let object = state
        .remove(key)
        .map(|change| change.object.clone())
        .unwrap_or_default();
    Ok(Deletion::Removed(object))
}

/// The grace period of a pod bound to a node (the kubelet's to end);
/// every other object has none.
fn pod_grace_period(kind: &ResourceKind, object: &Value, options: &DeleteOptions) -> i64 {
    let bound = object
        .pointer("/spec/nodeName")
        .and_then(Value::as_str)
        .is_some_and(|node| !node.is_empty());
    let running = !matches!(
        object.pointer("/status/phase").and_then(Value::as_str),
        Some("Succeeded" | "Failed")
    );
    if !(kind.api.group.is_empty() && kind.api.plural == "pods" && bound && running) {
        return 0;
    }
    options
        .grace_period_seconds
        .unwrap_or_else(|| {
            object
                .pointer("/spec/terminationGracePeriodSeconds")
                .and_then(Value::as_i64)
                .unwrap_or(30)
        })
        .max(0)
}

fn check_preconditions(
    kind: &ResourceKind,
    existing: &Arc<Value>,
    options: &DeleteOptions,
) -> Result<(), Status> {
    let name = meta::text(existing, "name");
    if let Some(uid) = &options.uid {
        let stored = meta::text(existing, "uid");
        if uid != stored {
            return Err(errors::conflict_because(
                &kind.qualified(),
                name,
                &format!("Precondition failed: UID in precondition: {uid}, UID in object meta: {stored}"),
            ));
        }
    }
    if let Some(version) = &options.resource_version {
        let stored = meta::text(existing, "resourceVersion");
        if version != stored {
            return Err(errors::conflict_because(
                &kind.qualified(),
                name,
                &format!(
                    "Precondition failed: ResourceVersion in precondition: {version}, ResourceVersion in object meta: {stored}"
                ),
            ));
        }
    }
    Ok(())
}

/// DELETE of a collection: every selected object, each as a DELETE would.
pub(crate) fn delete_collection(state: &mut State, call: &Call) -> Result<Reply, Status> {
    let options = DeleteOptions::parse(call)?;
    let filter = ObjectFilter::parse(
        &call.kind,
        call.namespace.as_deref().filter(|_| call.kind.namespaced()),
        call.options.label_selector.as_deref(),
        call.options.field_selector.as_deref(),
    )?;
    let keys: Vec<ObjectKey> = state
        .store
        .candidates(
            &call.kind.api.group,
            &call.kind.api.plural,
            filter.namespace(),
            filter.labels(),
        )
        .filter(|(_, object)| filter.matches(&call.kind, object))
        .map(|(key, _)| key.clone())
        .collect();
    let mut items = Vec::new();
    for key in keys {
        match delete_object(state, &call.kind, &key, &options)? {
            Deletion::Removed(object) | Deletion::Pending(object) => {
                items.push(Served::stored(&call.kind, &call.version, &object));
            }
        }
    }
    gc::settle(state);
    let head = json!({
        "kind": call.kind.list_kind(),
        "apiVersion": call.kind.api_version_at(&call.version),
        "metadata": {"resourceVersion": state.store.revision().to_string()},
    });
    Ok(Reply::ok(ListBody::new(head, items, false)))
}
