//! The CustomResourceDefinition itself: its defaults, its validation
//! (names, schemas), and what the API extensions controllers do with it. A
//! stored CRD is a servable resource: creating one registers its kind in the
//! same call (and reports `NamesAccepted` and `Established`); deleting one
//! removes its objects, then the kind.

use jiff::Timestamp;
use rudder::types::{ApiResource, Scope};
use serde_json::{Value, json};

use super::cel;
use super::messages;
use super::schema::CrdSchemas;
use super::selectable;
use super::structural::structural_errors;
use crate::cluster::controls::clock::rfc3339;
use crate::cluster::meta;
use crate::cluster::registry::{Registry, ResourceKind, ScalePaths};
use crate::cluster::request::errors::FieldError;
use crate::cluster::store::{Change, ChangeType, ObjectKey};

/// The group of CRDs.
pub(crate) const CRD_GROUP: &str = "apiextensions.k8s.io";

/// The finalizer the real server puts on CRDs so their objects go first.
pub(crate) const CLEANUP_FINALIZER: &str = "customresourcecleanup.apiextensions.k8s.io";

/// Whether `key` is a CRD's.
pub(crate) fn is_crd_key(key: &ObjectKey) -> bool {
    key.group == CRD_GROUP && key.plural == "customresourcedefinitions"
}

/// The kind a CRD defines, if its spec is complete.
pub(crate) fn kind_of(crd: &Value) -> Option<ResourceKind> {
    let spec = crd.get("spec")?;
    let group = spec.get("group")?.as_str()?;
    let names = spec.get("names")?;
    let plural = names.get("plural")?.as_str()?;
    let kind_name = names.get("kind")?.as_str()?;
    let scope = match spec.get("scope").and_then(Value::as_str) {
        Some("Cluster") => Scope::Cluster,
        _ => Scope::Namespaced,
    };
    let versions = spec.get("versions")?.as_array()?;
    let served: Vec<&Value> = versions
        .iter()
        .filter(|version| version.get("served").and_then(Value::as_bool).unwrap_or(false))
        .collect();
    let storage = versions
        .iter()
        .find(|version| version.get("storage").and_then(Value::as_bool).unwrap_or(false))
        .or_else(|| served.first().copied())?;
    let storage_name = storage.get("name")?.as_str()?;
    let mut version_names = vec![storage_name.to_owned()];
    version_names.extend(
        served
            .iter()
            .filter_map(|version| version.get("name").and_then(Value::as_str))
            .filter(|name| *name != storage_name)
            .map(str::to_owned),
    );
    let mut kind = ResourceKind::new(ApiResource::new(group, storage_name, kind_name, plural, scope));
    kind.versions = version_names;
    kind.custom = true;
    let schemas = CrdSchemas::of_crd(crd);
    kind.selectable_fields = selectable::field_names(schemas.selectable_fields(storage_name));
    kind.crd_schemas = Some(schemas);
    if let Some(singular) = names.get("singular").and_then(Value::as_str) {
        kind.singular = singular.to_owned();
    }
    kind.short_names = meta::strings(names.get("shortNames"));
    kind.categories = meta::strings(names.get("categories"));
    let subresources = storage.get("subresources");
    kind.status = subresources.and_then(|sub| sub.get("status")).is_some();
    kind.scale = subresources
        .and_then(|sub| sub.get("scale"))
        .map(|scale| ScalePaths {
            spec_replicas: text(scale, "specReplicasPath", ".spec.replicas"),
            status_replicas: text(scale, "statusReplicasPath", ".status.replicas"),
            label_selector: scale
                .get("labelSelectorPath")
                .and_then(Value::as_str)
                .map(str::to_owned),
        });
    Some(kind)
}

fn text(value: &Value, field: &str, default: &str) -> String {
    value
        .get(field)
        .and_then(Value::as_str)
        .unwrap_or(default)
        .to_owned()
}

/// The CRD-specific validation: a complete spec, a name that is
/// `plural.group`, and for every version a structural schema (v1 requires
/// one) whose CEL rules compile.
pub(crate) fn validation_errors(crd: &Value) -> Vec<FieldError> {
    let Some(kind) = kind_of(crd) else {
        return vec![FieldError::required(
            "spec",
            "group, names.plural, names.kind and at least one served version are required",
        )];
    };
    let name = meta::text(crd, "name");
    let expected = format!("{}.{}", kind.api.plural, kind.api.group);
    if name != expected {
        return vec![FieldError::invalid(
            "metadata.name",
            name,
            "must be spec.names.plural+\".\"+spec.group",
        )];
    }
    let versions = crd.pointer("/spec/versions").and_then(Value::as_array);
    let mut errors = Vec::new();
    for (at, version) in versions.into_iter().flatten().enumerate() {
        let path = format!("spec.versions[{at}].schema.openAPIV3Schema");
        match version.pointer("/schema/openAPIV3Schema") {
            Some(schema) => {
                errors.extend(structural_errors(schema, &path));
                errors.extend(cel::compile_errors(schema, &path));
            }
            None => errors.push(messages::required(&path, "schemas are required")),
        }
    }
    errors
}

/// The v1 defaults of a CRD (`SetDefaults_CustomResourceDefinition`):
/// `names.singular` and `names.listKind` from the kind, conversion
/// strategy `None`, and the storage version as the first stored version.
pub(crate) fn apply_defaults(crd: &mut Value) {
    let Some(spec) = crd.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    if let Some(names) = spec.get_mut("names").and_then(Value::as_object_mut) {
        let kind = names.get("kind").and_then(Value::as_str).unwrap_or("").to_owned();
        let is_unset = |names: &serde_json::Map<String, Value>, field: &str| {
            names.get(field).and_then(Value::as_str).is_none_or(str::is_empty)
        };
        if is_unset(names, "singular") {
            names.insert("singular".into(), Value::String(kind.to_lowercase()));
        }
        if is_unset(names, "listKind") && !kind.is_empty() {
            names.insert("listKind".into(), Value::String(format!("{kind}List")));
        }
    }
    let conversion = spec
        .entry("conversion")
        .or_insert_with(|| json!({"strategy": "None"}));
    if conversion.get("strategy").and_then(Value::as_str) == Some("Webhook")
        && conversion.get("conversionReviewVersions").is_none()
    {
        conversion["conversionReviewVersions"] = json!(["v1"]);
    }
}

/// What the CRD strategy does on update: a new storage version joins
/// `status.storedVersions`, so the versions objects may still be stored in
/// stay listed until a migration removes them.
pub(crate) fn record_storage_version(crd: &mut Value) {
    let storage = crd
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .and_then(|versions| {
            versions
                .iter()
                .find(|version| version.get("storage").and_then(Value::as_bool) == Some(true))
        })
        .and_then(|version| version.get("name"))
        .cloned();
    let Some(storage) = storage else { return };
    let Some(map) = crd.as_object_mut() else { return };
    let status = map.entry("status").or_insert_with(|| json!({}));
    if !status.is_object() {
        *status = json!({});
    }
    let stored = status
        .as_object_mut()
        .map(|status| status.entry("storedVersions").or_insert_with(|| json!([])));
    if let Some(Value::Array(stored)) = stored
        && !stored.contains(&storage)
    {
        stored.push(storage);
    }
}

/// What the API server does on the first delete of a CRD: its cleanup
/// finalizer keeps it until its custom resources are gone.
pub(crate) fn add_cleanup_finalizer(finalizers: &mut Vec<String>) {
    if !finalizers.iter().any(|finalizer| finalizer == CLEANUP_FINALIZER) {
        finalizers.push(CLEANUP_FINALIZER.to_owned());
    }
}

/// What the API extensions controllers do to a new CRD: accepted names,
/// stored versions, and the `NamesAccepted` and `Established` conditions.
pub(crate) fn establish(crd: &mut Value, now: Timestamp) {
    let Some(kind) = kind_of(crd) else { return };
    let names = crd.pointer("/spec/names").cloned().unwrap_or_else(|| json!({}));
    let stored_versions = crd
        .pointer("/status/storedVersions")
        .and_then(Value::as_array)
        .filter(|versions| !versions.is_empty())
        .cloned()
        .unwrap_or_else(|| vec![Value::String(kind.api.version.clone())]);
    let time = rfc3339(now);
    let condition = |kind: &str, reason: &str, message: &str| json!({"type": kind, "status": "True", "lastTransitionTime": time, "reason": reason, "message": message});
    if let Some(map) = crd.as_object_mut() {
        map.insert(
            "status".into(),
            json!({
                "acceptedNames": names,
                "storedVersions": stored_versions,
                "conditions": [
                    condition("NamesAccepted", "NoConflicts", "no conflicts found"),
                    condition("Established", "InitialNamesAccepted", "the initial names have been accepted"),
                ],
            }),
        );
    }
}

/// Keeps the registry in step with a CRD change: registered while the CRD
/// is stored, removed with it.
pub(crate) fn sync_registry(registry: &mut Registry, change: &Change) {
    let previous_kind = change.previous.as_deref().and_then(kind_of);
    match change.change_type {
        ChangeType::Deleted => {
            if let Some(kind) = previous_kind {
                registry.remove(&kind.api.group, &kind.api.plural);
            }
        }
        ChangeType::Added | ChangeType::Modified => {
            if let Some(kind) = kind_of(&change.object) {
                registry.register(kind);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn foo_crd() -> Value {
        json!({
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {"name": "foos.samplecontroller.k8s.io"},
            "spec": {
                "group": "samplecontroller.k8s.io",
                "scope": "Namespaced",
                "names": {"plural": "foos", "singular": "foo", "kind": "Foo", "shortNames": ["fo"]},
                "versions": [
                    {"name": "v1alpha1", "served": true, "storage": true,
                     "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}},
                     "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.availableReplicas"}}},
                    {"name": "v1beta1", "served": true, "storage": false,
                     "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}
                ]
            }
        })
    }

    #[test]
    fn a_crd_defines_a_kind_with_its_subresources() {
        let kind = kind_of(&foo_crd()).expect("a kind");
        assert_eq!(kind.api.plural, "foos");
        assert_eq!(kind.versions, ["v1alpha1", "v1beta1"]);
        assert!(kind.status && kind.custom);
        assert_eq!(kind.scale.unwrap().status_replicas, ".status.availableReplicas");
        assert!(validation_errors(&foo_crd()).is_empty());
    }

    #[test]
    fn established_crds_have_both_conditions_and_their_stored_version() {
        let mut crd = foo_crd();
        establish(&mut crd, Timestamp::UNIX_EPOCH);
        assert_eq!(crd["status"]["conditions"][1]["type"], "Established");
        assert_eq!(crd["status"]["storedVersions"], json!(["v1alpha1"]));
        assert!(
            meta::finalizers(&crd).is_empty(),
            "the cleanup finalizer comes with the first delete"
        );
    }

    #[test]
    fn a_new_storage_version_joins_the_stored_versions() {
        let mut crd = foo_crd();
        crd["status"] = json!({"storedVersions": ["v1alpha1"]});
        crd["spec"]["versions"][0]["storage"] = json!(false);
        crd["spec"]["versions"][1]["storage"] = json!(true);
        record_storage_version(&mut crd);
        assert_eq!(crd["status"]["storedVersions"], json!(["v1alpha1", "v1beta1"]));
    }

    #[test]
    fn defaults_fill_names_and_conversion() {
        let mut crd = foo_crd();
        crd["spec"]["names"] = json!({"plural": "foos", "kind": "Foo"});
        apply_defaults(&mut crd);
        assert_eq!(crd["spec"]["names"]["singular"], "foo");
        assert_eq!(crd["spec"]["names"]["listKind"], "FooList");
        assert_eq!(crd["spec"]["conversion"], json!({"strategy": "None"}));
    }
}
