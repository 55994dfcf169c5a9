//! PATCH: picks the patch type from `Content-Type`, applies it to the
//! stored object with the testkit's `patch` module (pure functions), and
//! stores the result as an update would. Server-side apply creates the
//! object when it does not exist, and records `managedFields`.

use rudder::Status;
use rudder::types::{StatusCause, StatusDetails};
use serde_json::Value;

use crate::cluster::controls::clock::rfc3339;
use crate::cluster::handlers::scale;
use crate::cluster::handlers::write::{self, UpdateTarget};
use crate::cluster::meta;
use crate::cluster::registry::ResourceKind;
use crate::cluster::request::call::{Call, Reply};
use crate::cluster::request::errors::{self, bad_request};
use crate::cluster::store::state::State;
use crate::patch::{self as algorithms, ApplyRequest, ManagedFieldsEntry, PatchError, TypeSchema};

/// The four patch types, by media type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PatchType {
    Json,
    Merge,
    StrategicMerge,
    Apply,
}

impl PatchType {
    pub fn from_content_type(content_type: &str) -> Option<Self> {
        let media_type = content_type.split(';').next().unwrap_or("").trim();
        match media_type {
            "application/json-patch+json" => Some(PatchType::Json),
            "application/merge-patch+json" => Some(PatchType::Merge),
            "application/strategic-merge-patch+json" => Some(PatchType::StrategicMerge),
            "application/apply-patch+yaml" => Some(PatchType::Apply),
            _ => None,
        }
    }
}

/// The strategic-merge schema of a built-in kind; `None` for CRDs.
fn schema_of(kind: &ResourceKind) -> Option<TypeSchema> {
    if kind.custom {
        return None;
    }
    algorithms::schema_for(&kind.api.gvk()).ok()
}

/// The API server's answer to a patch that cannot be applied.
fn patch_failure(kind: &ResourceKind, name: &str, content_type: &str, error: PatchError) -> Status {
    match error {
        PatchError::UnknownKind(_) => errors::unsupported_media_type(content_type),
        PatchError::Conflicts(conflicts) => {
            let message = PatchError::Conflicts(conflicts.clone()).to_string();
            let causes = conflicts
                .iter()
                .map(|conflict| StatusCause {
                    reason: "FieldManagerConflict".into(),
                    message: format!(
                        "conflict with {:?}{}",
                        conflict.manager,
                        conflict
                            .api_version
                            .as_deref()
                            .map(|version| format!(" using {version}"))
                            .unwrap_or_default()
                    ),
                    field: conflict.field.clone(),
                })
                .collect();
            Status::failure(409, "Conflict", message).with_details(StatusDetails {
                name: name.to_owned(),
                group: kind.api.group.clone(),
                kind: kind.api.plural.clone(),
                causes,
                ..StatusDetails::default()
            })
        }
        PatchError::Invalid(_) | PatchError::ManagedFields(_) => bad_request(error.to_string()),
        other => Status::failure(422, "Invalid", other.to_string()),
    }
}

fn parse_json(body: &[u8]) -> Result<Value, Status> {
    serde_json::from_slice(body).map_err(|error| bad_request(format!("error decoding patch: {error}")))
}

/// Applies a JSON, merge or strategic merge patch to `object`.
fn apply_patch(call: &Call, patch_type: PatchType, object: &Value, body: &[u8]) -> Result<Value, Status> {
    let failure = |error| patch_failure(&call.kind, call.name(), &call.content_type, error);
    let patch = parse_json(body)?;
    match patch_type {
        PatchType::Json => algorithms::json_patch(object, &patch).map_err(failure),
        PatchType::Merge => algorithms::merge_patch(object, &patch).map_err(failure),
        PatchType::StrategicMerge => {
            let schema = algorithms::schema_for(&call.kind.api.gvk()).map_err(failure)?;
            algorithms::strategic_merge(object, &patch, schema).map_err(failure)
        }
        PatchType::Apply => Err(errors::unsupported_media_type(&call.content_type)),
    }
}

/// PATCH of an object, its status, or its scale.
pub(crate) fn patch(state: &mut State, call: &Call) -> Result<Reply, Status> {
    let patch_type = PatchType::from_content_type(&call.content_type)
        .ok_or_else(|| errors::unsupported_media_type(&call.content_type))?;
    if patch_type == PatchType::StrategicMerge && call.kind.custom {
        return Err(errors::unsupported_media_type(&call.content_type));
    }
    let key = State::key(&call.kind, call.namespace(), call.name());
    let existing = state.store.get(&key).cloned();
    let target = match call.subresource.as_deref() {
        Some("status") => UpdateTarget::Status,
        Some("scale") => {
            let existing = existing.ok_or_else(|| errors::not_found(&call.kind.qualified(), call.name()))?;
            let current = scale::scale_of(&call.kind, &existing)?;
            let patched = apply_patch(call, patch_type, &current, &call.body)?;
            return scale::update_from_scale(state, call, patched);
        }
        _ => UpdateTarget::Main,
    };
    if patch_type == PatchType::Apply {
        return server_side_apply(state, call, target, existing.as_deref());
    }
    let Some(existing) = existing else {
        return Err(errors::not_found(&call.kind.qualified(), call.name()));
    };
    let mut patched = apply_patch(call, patch_type, &existing, &call.body)?;
    if meta::text(&patched, "resourceVersion").is_empty() {
        meta::set(
            &mut patched,
            "resourceVersion",
            existing.pointer("/metadata/resourceVersion").cloned(),
        );
    }
    write::update_object(state, call, target, patched)
}

/// `application/apply-patch+yaml`: the manager's whole intent, merged with
/// ownership tracking; creates the object when there is none.
fn server_side_apply(
    state: &mut State,
    call: &Call,
    target: UpdateTarget,
    live: Option<&Value>,
) -> Result<Reply, Status> {
    let Some(manager) = call.options.field_manager.as_deref() else {
        return Err(errors::invalid(
            "meta.k8s.io",
            "PatchOptions",
            "",
            &[errors::FieldError::required(
                "fieldManager",
                "is required for apply requests",
            )],
        ));
    };
    let text =
        std::str::from_utf8(&call.body).map_err(|_| bad_request("the apply configuration is not UTF-8"))?;
    let applied: Value =
        serde_saphyr::from_str(text).map_err(|error| bad_request(format!("error decoding YAML: {error}")))?;
    let failure = |error| patch_failure(&call.kind, call.name(), &call.content_type, error);
    let managed = live
        .map(ManagedFieldsEntry::from_object)
        .transpose()
        .map_err(failure)?
        .unwrap_or_default();
    let time = rfc3339(state.clock.now());
    let request = ApplyRequest {
        manager,
        force: call.options.force,
        time: &time,
        schema: schema_of(&call.kind),
    };
    let mut object = algorithms::apply(live, &applied, &request, &managed)
        .map_err(failure)?
        .object;
    if meta::text(&object, "name").is_empty() {
        meta::set(&mut object, "name", Some(Value::String(call.name().to_owned())));
    }
    match live {
        None => write::create_object(state, call, object),
        Some(live) => {
            meta::set(
                &mut object,
                "resourceVersion",
                live.pointer("/metadata/resourceVersion").cloned(),
            );
            write::update_object(state, call, target, object)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_name_the_patch_type() {
        assert_eq!(
            PatchType::from_content_type("application/merge-patch+json"),
            Some(PatchType::Merge)
        );
        assert_eq!(
            PatchType::from_content_type("application/apply-patch+yaml; charset=utf-8"),
            Some(PatchType::Apply)
        );
        assert_eq!(PatchType::from_content_type("application/json"), None);
    }
}
