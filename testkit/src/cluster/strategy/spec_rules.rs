//! The spec rules of kube-apiserver's validation that controllers trip over
//! most: pods need containers with a name and an image; workloads need a
//! selector that matches their template's labels and replicas that are not
//! negative. A controller that forgets one of these fails on a real cluster,
//! so it fails here too, with the server's field paths and wording.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1 as metav1;
use rudder::types::LabelSelector;
use serde_json::Value;

use crate::cluster::registry::ResourceKind;
use crate::cluster::request::errors::FieldError;

/// Where each workload kind keeps its pod template.
const WORKLOADS: [(&str, &str); 4] = [
    ("apps", "deployments"),
    ("apps", "replicasets"),
    ("apps", "statefulsets"),
    ("apps", "daemonsets"),
];

/// The spec errors of a built-in object (none for kinds without rules).
pub(crate) fn spec_errors(kind: &ResourceKind, object: &Value) -> Vec<FieldError> {
    let resource = (kind.api.group.as_str(), kind.api.plural.as_str());
    let spec = object.get("spec").unwrap_or(&Value::Null);
    match resource {
        ("", "pods") => pod_spec_errors("spec", spec),
        ("batch", "jobs") => pod_spec_errors("spec.template.spec", &spec["template"]["spec"]),
        _ if WORKLOADS.contains(&resource) => workload_errors(kind, spec),
        _ => Vec::new(),
    }
}

fn pod_spec_errors(path: &str, pod_spec: &Value) -> Vec<FieldError> {
    let containers = pod_spec["containers"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    if containers.is_empty() {
        return vec![FieldError::required(&format!("{path}.containers"), "")];
    }
    let mut errors = Vec::new();
    for (index, container) in containers.iter().enumerate() {
        for field in ["name", "image"] {
            if container[field].as_str().unwrap_or_default().is_empty() {
                errors.push(FieldError::required(
                    &format!("{path}.containers[{index}].{field}"),
                    "",
                ));
            }
        }
    }
    errors
}

fn workload_errors(kind: &ResourceKind, spec: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Some(replicas) = spec["replicas"].as_i64().filter(|replicas| *replicas < 0) {
        errors.push(FieldError::invalid(
            "spec.replicas",
            &replicas.to_string(),
            "must be greater than or equal to 0",
        ));
    }
    errors.extend(selector_errors(kind, spec));
    errors.extend(pod_spec_errors("spec.template.spec", &spec["template"]["spec"]));
    errors
}

fn selector_errors(kind: &ResourceKind, spec: &Value) -> Vec<FieldError> {
    let Some(selector) = spec.get("selector").filter(|selector| !selector.is_null()) else {
        return vec![FieldError::required("spec.selector", "")];
    };
    let parsed = serde_json::from_value::<metav1::LabelSelector>(selector.clone())
        .ok()
        .and_then(|selector| LabelSelector::try_from(&selector).ok());
    let Some(parsed) = parsed else {
        return vec![FieldError::invalid(
            "spec.selector",
            &selector.to_string(),
            "invalid label selector",
        )];
    };
    if parsed.is_empty() {
        let why = format!("empty selector is invalid for {}", kind.api.kind.to_lowercase());
        return vec![FieldError::invalid("spec.selector", &selector.to_string(), &why)];
    }
    let labels: BTreeMap<String, String> =
        serde_json::from_value(spec["template"]["metadata"]["labels"].clone()).unwrap_or_default();
    if parsed.matches(&labels) {
        Vec::new()
    } else {
        vec![FieldError::invalid(
            "spec.template.metadata.labels",
            &format!("{labels:?}"),
            "`selector` does not match template `labels`",
        )]
    }
}
