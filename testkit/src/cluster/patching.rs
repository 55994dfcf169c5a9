//! PATCH: picks the patch type from `Content-Type`, applies it to the stored
//! object, and stores the result as an update would. The patch algorithms
//! themselves are pure functions of the testkit's `patch` module.

use rudder::Status;
use serde_json::Value;

use super::call::{Call, Reply};
use super::errors::{self, bad_request};
use super::meta;
use super::scale;
use super::state::State;
use super::write::{self, UpdateTarget};

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
            "application/apply-patch+yaml" | "application/apply-patch+cbor" => Some(PatchType::Apply),
            _ => None,
        }
    }
}

/// Applies `patch` of `patch_type` to `object`.
///
/// The seam to the `patch` module: until it lands, only merge patch is
/// applied here, and the other types answer 415.
fn apply_patch(
    patch_type: PatchType,
    object: &Value,
    patch: &[u8],
    content_type: &str,
) -> Result<Value, Status> {
    match patch_type {
        PatchType::Merge => {
            let patch: Value = serde_json::from_slice(patch)
                .map_err(|error| bad_request(format!("error decoding patch: {error}")))?;
            let mut patched = object.clone();
            merge_patch(&mut patched, &patch);
            Ok(patched)
        }
        PatchType::Json | PatchType::StrategicMerge | PatchType::Apply => {
            Err(errors::unsupported_media_type(content_type))
        }
    }
}

/// RFC 7386, kept only until the `patch` module replaces it.
fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch_map) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(serde_json::Map::new());
    }
    let Some(target_map) = target.as_object_mut() else {
        return;
    };
    for (key, value) in patch_map {
        if value.is_null() {
            target_map.remove(key);
        } else {
            merge_patch(target_map.entry(key.clone()).or_insert(Value::Null), value);
        }
    }
}

/// PATCH of an object, its status, or its scale.
pub(crate) fn patch(state: &mut State, call: &Call) -> Result<Reply, Status> {
    let patch_type = PatchType::from_content_type(&call.content_type)
        .ok_or_else(|| errors::unsupported_media_type(&call.content_type))?;
    if patch_type == PatchType::StrategicMerge && call.kind.custom {
        return Err(errors::unsupported_media_type(&call.content_type));
    }
    if patch_type == PatchType::Apply && call.options.field_manager.is_none() {
        return Err(errors::invalid(
            "meta.k8s.io",
            "PatchOptions",
            "",
            &[errors::FieldError::required(
                "fieldManager",
                "is required for apply requests",
            )],
        ));
    }
    let key = State::key(&call.kind, call.namespace(), call.name());
    let existing = state.store.get(&key).cloned();
    let target = match call.subresource.as_deref() {
        Some("status") => UpdateTarget::Status,
        Some("scale") => {
            let existing = existing.ok_or_else(|| errors::not_found(&call.kind.qualified(), call.name()))?;
            let current = scale::scale_of(&call.kind, &existing)?;
            let patched = apply_patch(patch_type, &current, &call.body, &call.content_type)?;
            return scale::update_from_scale(state, call, patched);
        }
        _ => UpdateTarget::Main,
    };
    let Some(existing) = existing else {
        if patch_type == PatchType::Apply {
            let mut object = apply_patch(
                patch_type,
                &Value::Object(Default::default()),
                &call.body,
                &call.content_type,
            )?;
            return write::create_object(state, call, &mut object);
        }
        return Err(errors::not_found(&call.kind.qualified(), call.name()));
    };
    let mut patched = apply_patch(patch_type, &existing, &call.body, &call.content_type)?;
    if meta::text(&patched, "resourceVersion").is_empty() {
        meta::set(
            &mut patched,
            "resourceVersion",
            existing.pointer("/metadata/resourceVersion").cloned(),
        );
    }
    write::update_object(state, call, target, patched)
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
