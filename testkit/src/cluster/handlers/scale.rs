//! The scale subresource (`autoscaling/v1 Scale`) of deployments,
//! replicasets, statefulsets and CRDs that declare one.

use rudder::Status;
use serde_json::{Value, json};

use crate::cluster::handlers::write::{self, UpdateTarget};
use crate::cluster::meta;
use crate::cluster::registry::ResourceKind;
use crate::cluster::request::call::{Call, Reply};
use crate::cluster::request::errors::{self, bad_request};
use crate::cluster::store::state::State;

/// The `Scale` view of `object`.
pub(crate) fn scale_of(kind: &ResourceKind, object: &Value) -> Result<Value, Status> {
    let paths = kind.scale.as_ref().ok_or_else(errors::path_not_found)?;
    let spec_replicas = meta::at_path(object, &paths.spec_replicas)
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let status_replicas = meta::at_path(object, &paths.status_replicas)
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let selector = match &paths.label_selector {
        Some(path) => meta::at_path(object, path)
            .and_then(Value::as_str)
            .map(str::to_owned),
        None => object
            .pointer("/spec/selector/matchLabels")
            .and_then(Value::as_object)
            .map(|labels| {
                labels
                    .iter()
                    .map(|(key, value)| format!("{key}={}", value.as_str().unwrap_or("")))
                    .collect::<Vec<_>>()
                    .join(",")
            }),
    };
    let mut status = json!({"replicas": status_replicas});
    if let Some(selector) = selector {
        status["selector"] = Value::String(selector);
    }
    let metadata = object.get("metadata").cloned().unwrap_or_else(|| json!({}));
    let pick = |field: &str| metadata.get(field).cloned().unwrap_or(Value::Null);
    Ok(json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": pick("name"),
            "namespace": pick("namespace"),
            "uid": pick("uid"),
            "resourceVersion": pick("resourceVersion"),
            "creationTimestamp": pick("creationTimestamp"),
        },
        "spec": {"replicas": spec_replicas},
        "status": status,
    }))
}

/// GET of `/scale`.
pub(crate) fn get(state: &State, call: &Call) -> Result<Reply, Status> {
    let key = State::key(&call.kind, call.namespace(), call.name());
    let object = state
        .store
        .get(&key)
        .ok_or_else(|| errors::not_found(&call.kind.qualified(), call.name()))?;
    Ok(Reply::ok(scale_of(&call.kind, object)?))
}

/// PUT of `/scale`.
pub(crate) fn update(state: &mut State, call: &Call) -> Result<Reply, Status> {
    let scale = call.body_object()?;
    update_from_scale(state, call, scale)
}

/// Writes the replicas of `scale` into the object, as an update of it.
pub(crate) fn update_from_scale(state: &mut State, call: &Call, scale: Value) -> Result<Reply, Status> {
    let paths = call.kind.scale.clone().ok_or_else(errors::path_not_found)?;
    let key = State::key(&call.kind, call.namespace(), call.name());
    let existing = state
        .store
        .get(&key)
        .cloned()
        .ok_or_else(|| errors::not_found(&call.kind.qualified(), call.name()))?;
    let replicas = scale
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .ok_or_else(|| bad_request("spec.replicas: Required value"))?;
    if replicas < 0 {
        return Err(errors::invalid(
            "autoscaling",
            "Scale",
            call.name(),
            &[errors::FieldError::invalid(
                "spec.replicas",
                &replicas.to_string(),
                "must be greater than or equal to 0",
            )],
        ));
    }
    let mut object = (*existing).clone();
    meta::set_at_path(&mut object, &paths.spec_replicas, json!(replicas));
    let asked_version = scale
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    meta::set(
        &mut object,
        "resourceVersion",
        Some(Value::String(asked_version.to_owned())),
    );
    let reply = write::update_object(state, call, UpdateTarget::Main, object)?;
    Ok(Reply::ok(scale_of(&call.kind, &reply.body.into_value())?))
}
