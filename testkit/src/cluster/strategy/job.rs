//! Jobs: batch/v1's defaults, the selector and labels the Job strategy
//! generates from the uid on create (unless `manualSelector`), and what an
//! update may not change.

use serde_json::{Map, Value, json};

use super::json::{default_pointer, default_value, object_at, objects_in};
use super::pod_spec::default_template_of;
use super::replication_controller::is_empty_map;
use crate::cluster::request::errors::FieldError;

/// The label (and selector key) naming the Job that owns a pod, by uid.
const CONTROLLER_UID: &str = "batch.kubernetes.io/controller-uid";
/// The label naming the Job that owns a pod, by name.
const JOB_NAME: &str = "batch.kubernetes.io/job-name";
/// The same two labels under their pre-1.27 names, still written.
const LEGACY_CONTROLLER_UID: &str = "controller-uid";
const LEGACY_JOB_NAME: &str = "job-name";

pub(crate) fn default(job: &mut Map<String, Value>) {
    let Some(spec) = object_at(job, "spec") else {
        return;
    };
    let neither = spec.get("completions").is_none_or(Value::is_null)
        && spec.get("parallelism").is_none_or(Value::is_null);
    if neither {
        spec.insert("completions".into(), json!(1));
    }
    default_pointer(spec, "parallelism", json!(1));
    let per_index = spec
        .get("backoffLimitPerIndex")
        .is_some_and(|limit| !limit.is_null());
    default_pointer(spec, "backoffLimit", json!(if per_index { i32::MAX } else { 6 }));
    default_pointer(spec, "completionMode", json!("NonIndexed"));
    default_pointer(spec, "suspend", json!(false));
    default_pointer(spec, "manualSelector", json!(false));
    if let Some(policy) = spec.get_mut("podFailurePolicy").and_then(Value::as_object_mut) {
        for rule in objects_in(policy, "rules") {
            for pattern in objects_in(rule, "onPodConditions") {
                default_value(pattern, "status", json!("True"));
            }
        }
    }
    let has_failure_policy = spec
        .get("podFailurePolicy")
        .is_some_and(|policy| !policy.is_null());
    let replacement = if has_failure_policy {
        "Failed"
    } else {
        "TerminatingOrFailed"
    };
    default_pointer(spec, "podReplacementPolicy", json!(replacement));
    default_template_of(spec);
    let template_labels = spec
        .get("template")
        .and_then(|template| template.pointer("/metadata/labels"))
        .filter(|labels| labels.is_object())
        .cloned();
    if let Some(labels) = template_labels
        && let Some(metadata) = object_at(job, "metadata")
        && is_empty_map(metadata.get("labels"))
    {
        metadata.insert("labels".into(), labels);
    }
}

/// The Job strategy on create: unless the client manages the selector, pods
/// are selected by the Job's uid, and the template carries that uid and
/// the Job's name.
pub(crate) fn prepare_for_create(job: &mut Map<String, Value>, uid: &str, name: &str) {
    let Some(spec) = object_at(job, "spec") else {
        return;
    };
    if spec.get("manualSelector").and_then(Value::as_bool) == Some(true) {
        return;
    }
    let labels = object_at(spec, "template")
        .and_then(|template| object_at(template, "metadata"))
        .and_then(|metadata| object_at(metadata, "labels"));
    if let Some(labels) = labels {
        for (key, value) in [
            (CONTROLLER_UID, uid),
            (JOB_NAME, name),
            (LEGACY_CONTROLLER_UID, uid),
            (LEGACY_JOB_NAME, name),
        ] {
            labels.entry(key).or_insert_with(|| json!(value));
        }
    }
    if let Some(match_labels) =
        object_at(spec, "selector").and_then(|selector| object_at(selector, "matchLabels"))
    {
        match_labels.entry(CONTROLLER_UID).or_insert_with(|| json!(uid));
    }
}

/// The fields of a pod template a suspended Job that never started may
/// still change (its scheduling directives).
const MUTABLE_WHILE_SUSPENDED: [&str; 6] = [
    "/metadata/labels",
    "/metadata/annotations",
    "/spec/nodeSelector",
    "/spec/tolerations",
    "/spec/affinity",
    "/spec/schedulingGates",
];

/// What batch/v1 validation refuses in an update of a Job's spec.
pub(crate) fn update_errors(old: &Value, new: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let (old_spec, new_spec) = (&old["spec"], &new["spec"]);
    let suspended_unstarted =
        old_spec["suspend"] == true && old.pointer("/status/startTime").is_none_or(Value::is_null);
    let template = |spec: &Value| {
        let mut template = spec["template"].clone();
        if suspended_unstarted {
            for pointer in MUTABLE_WHILE_SUSPENDED {
                let Some((parent, field)) = pointer.rsplit_once('/') else {
                    continue;
                };
                if let Some(parent) = template.pointer_mut(parent).and_then(Value::as_object_mut) {
                    parent.remove(field);
                }
            }
        }
        template
    };
    if template(old_spec) != template(new_spec) {
        errors.push(FieldError::invalid(
            "spec.template",
            &new_spec["template"].to_string(),
            "field is immutable",
        ));
    }
    let elastic = new_spec["completionMode"] == "Indexed"
        && old_spec["completions"] == old_spec["parallelism"]
        && new_spec["completions"] == new_spec["parallelism"];
    if old_spec["completions"] != new_spec["completions"] && !elastic {
        let why = "field is immutable";
        errors.push(FieldError::invalid(
            "spec.completions",
            &new_spec["completions"].to_string(),
            why,
        ));
    }
    if old_spec["podFailurePolicy"] != new_spec["podFailurePolicy"] {
        errors.push(FieldError::invalid(
            "spec.podFailurePolicy",
            "",
            "field is immutable",
        ));
    }
    errors
}
