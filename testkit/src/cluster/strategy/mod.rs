//! What kube-apiserver does to an object of each kind on the way in, one
//! file a kind (as kube keeps `pkg/apis/<group>/v1/defaults.go` and
//! `pkg/registry/<group>/<kind>/strategy.go`): the defaults applied on
//! every write (create, update, patch and apply alike), the create and
//! update rules of the registry strategies, and the cross-kind rules
//! (names, spec rules, immutable fields, selectable fields).
//!
//! The handlers call, in the server's order: [`default`] after decoding,
//! [`prepare_for_create`] or [`prepare_for_update`], then validation.

use serde_json::{Map, Value, json};

use crate::cluster::registry::ResourceKind;
use crate::cluster::request::errors::FieldError;

mod cron_job;
mod daemon_set;
mod deployment;
pub(super) mod fields;
pub(super) mod immutable;
mod job;
mod json;
mod namespace;
mod persistent_volume_claim;
mod pod;
mod pod_spec;
mod quantity;
mod replica_set;
mod replication_controller;
mod secret;
mod service;
pub(super) mod spec_rules;
mod stateful_set;
pub(super) mod validation;

pub(crate) use service::Allocated as ServiceAllocations;

/// Whether `kind` is the built-in `group`/`plural`.
fn is(kind: &ResourceKind, group: &str, plural: &str) -> bool {
    !kind.custom && kind.api.group == group && kind.api.plural == plural
}

/// Whether `kind` is core/v1 Services, whose writes need the allocations
/// of the stored Services.
pub(crate) fn is_service(kind: &ResourceKind) -> bool {
    is(kind, "", "services")
}

/// The kind's defaulters, as the server runs them after decoding every
/// body (and every stored object it reads back). Idempotent.
pub(crate) fn default(kind: &ResourceKind, object: &mut Value) {
    let Some(map) = object.as_object_mut() else { return };
    if kind.custom {
        return;
    }
    match (kind.api.group.as_str(), kind.api.plural.as_str()) {
        ("", "pods") => pod::default(map),
        ("", "podtemplates") => {
            if let Some(template) = map.get_mut("template").and_then(Value::as_object_mut) {
                pod_spec::default_template(template);
            }
        }
        ("", "replicationcontrollers") => replication_controller::default(map),
        ("", "services") => service::default(map),
        ("", "secrets") => secret::default(map),
        ("", "persistentvolumeclaims") => persistent_volume_claim::default(map),
        ("", "persistentvolumes") => persistent_volume_claim::default_volume(map),
        ("", "namespaces") => namespace::default(map),
        ("", "endpoints") => default_endpoint_ports(map),
        ("apps", "deployments") => deployment::default(map),
        ("apps", "replicasets") => replica_set::default(map),
        ("apps", "statefulsets") => stateful_set::default(map),
        ("apps", "daemonsets") => daemon_set::default(map),
        ("batch", "jobs") => job::default(map),
        ("batch", "cronjobs") => cron_job::default(map),
        _ => {}
    }
    // A built-in status is a Go struct, not a pointer: always written.
    if kind.status {
        json::default_pointer(map, "status", json!({}));
    }
}

fn default_endpoint_ports(endpoints: &mut Map<String, Value>) {
    for subset in json::objects_in(endpoints, "subsets") {
        for port in json::objects_in(subset, "ports") {
            json::default_value(port, "protocol", json!("TCP"));
        }
    }
}

/// The registry strategy's `PrepareForCreate`, once the object has its
/// uid: a fresh status, and each kind's own create rules. `services` are
/// the stored Services' allocations (only read for a Service).
pub(crate) fn prepare_for_create(
    kind: &ResourceKind,
    object: &mut Value,
    services: &ServiceAllocations,
) -> Vec<FieldError> {
    let uid = crate::cluster::meta::text(object, "uid").to_owned();
    let name = crate::cluster::meta::text(object, "name").to_owned();
    let Some(map) = object.as_object_mut() else {
        return Vec::new();
    };
    if kind.status {
        map.remove("status");
    }
    let errors = match (kind.custom, kind.api.group.as_str(), kind.api.plural.as_str()) {
        (false, "", "pods") => {
            pod::prepare_for_create(map);
            Vec::new()
        }
        (false, "", "namespaces") => {
            namespace::prepare_for_create(map);
            Vec::new()
        }
        (false, "", "secrets") => {
            secret::fold_string_data(map);
            Vec::new()
        }
        (false, "", "services") => service::allocate(map, services),
        (false, "batch", "jobs") => {
            job::prepare_for_create(map, &uid, &name);
            Vec::new()
        }
        _ => Vec::new(),
    };
    // What the create answer shows is the stored object read back, defaulted.
    default(kind, object);
    errors
}

/// The registry strategy's `PrepareForUpdate` of the main resource
/// (status has already been taken from `old`).
pub(crate) fn prepare_for_update(
    kind: &ResourceKind,
    object: &mut Value,
    old: &Value,
    services: &ServiceAllocations,
) -> Vec<FieldError> {
    let Some(map) = object.as_object_mut() else {
        return Vec::new();
    };
    let errors = match (kind.custom, kind.api.group.as_str(), kind.api.plural.as_str()) {
        (false, "", "namespaces") => {
            namespace::prepare_for_update(map, old);
            Vec::new()
        }
        (false, "", "secrets") => {
            secret::fold_string_data(map);
            Vec::new()
        }
        (false, "", "services") => service::reallocate(map, old, services),
        _ => Vec::new(),
    };
    default(kind, object);
    errors
}

/// Each kind's update validation beyond the immutable fields.
pub(crate) fn update_errors(kind: &ResourceKind, old: &Value, new: &Value) -> Vec<FieldError> {
    if is(kind, "batch", "jobs") {
        job::update_errors(old, new)
    } else {
        Vec::new()
    }
}
