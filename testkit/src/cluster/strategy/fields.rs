//! The fields each kind can be selected on with a field selector, as the
//! real API server lists them (its `GetAttrs`/field label conversions).
//! `metadata.name` and `metadata.namespace` work for every kind.

use serde_json::Value;

use crate::cluster::registry::ResourceKind;

/// The selectable fields of a kind beyond `metadata.name`/`metadata.namespace`,
/// each with the JSON path it reads.
fn kind_fields(group: &str, plural: &str) -> &'static [(&'static str, &'static [&'static str])] {
    match (group, plural) {
        ("", "pods") => &[
            ("spec.nodeName", &["spec", "nodeName"]),
            ("spec.restartPolicy", &["spec", "restartPolicy"]),
            ("spec.schedulerName", &["spec", "schedulerName"]),
            ("spec.serviceAccountName", &["spec", "serviceAccountName"]),
            ("spec.hostNetwork", &["spec", "hostNetwork"]),
            ("status.phase", &["status", "phase"]),
            ("status.podIP", &["status", "podIP"]),
            ("status.nominatedNodeName", &["status", "nominatedNodeName"]),
        ],
        ("", "events") => &[
            ("involvedObject.kind", &["involvedObject", "kind"]),
            ("involvedObject.namespace", &["involvedObject", "namespace"]),
            ("involvedObject.name", &["involvedObject", "name"]),
            ("involvedObject.uid", &["involvedObject", "uid"]),
            ("involvedObject.apiVersion", &["involvedObject", "apiVersion"]),
            (
                "involvedObject.resourceVersion",
                &["involvedObject", "resourceVersion"],
            ),
            ("involvedObject.fieldPath", &["involvedObject", "fieldPath"]),
            ("reason", &["reason"]),
            ("reportingComponent", &["reportingComponent"]),
            ("source", &["source", "component"]),
            ("type", &["type"]),
        ],
        ("events.k8s.io", "events") => &[
            ("regarding.kind", &["regarding", "kind"]),
            ("regarding.namespace", &["regarding", "namespace"]),
            ("regarding.name", &["regarding", "name"]),
            ("regarding.uid", &["regarding", "uid"]),
            ("reason", &["reason"]),
            ("reportingController", &["reportingController"]),
            ("type", &["type"]),
        ],
        ("", "secrets") => &[("type", &["type"])],
        ("", "namespaces") => &[("status.phase", &["status", "phase"])],
        ("", "nodes") => &[("spec.unschedulable", &["spec", "unschedulable"])],
        ("", "replicationcontrollers") => &[("status.replicas", &["status", "replicas"])],
        ("apps", "replicasets") => &[("status.replicas", &["status", "replicas"])],
        ("batch", "jobs") => &[("status.successful", &["status", "succeeded"])],
        ("", "persistentvolumes") | ("", "persistentvolumeclaims") => &[],
        ("certificates.k8s.io", "certificatesigningrequests") => {
            &[("spec.signerName", &["spec", "signerName"])]
        }
        _ => &[],
    }
}

/// Whether `field` can be selected on for `kind`.
pub(crate) fn is_supported(kind: &ResourceKind, field: &str) -> bool {
    field == "metadata.name"
        || (field == "metadata.namespace" && kind.namespaced())
        || kind_fields(&kind.api.group, &kind.api.plural)
            .iter()
            .any(|(name, _)| *name == field)
        || super::super::crd::is_selectable(kind, field)
}

/// The value of a selectable field in `object`, as the server renders it
/// (absent strings are empty, booleans `true`/`false`, numbers in decimal).
pub(crate) fn value_of(kind: &ResourceKind, object: &Value, field: &str) -> String {
    if let Some(value) = super::super::crd::selectable_value(kind, object, field) {
        return value;
    }
    let path: Vec<&str> = match field {
        "metadata.name" => vec!["metadata", "name"],
        "metadata.namespace" => vec!["metadata", "namespace"],
        _ => match kind_fields(&kind.api.group, &kind.api.plural)
            .iter()
            .find(|(name, _)| *name == field)
        {
            Some((_, path)) => path.to_vec(),
            None => return String::new(),
        },
    };
    let value = path.iter().try_fold(object, |value, key| value.get(key));
    match value {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Bool(flag)) => flag.to_string(),
        Some(Value::Number(number)) => number.to_string(),
        // The server renders an unset boolean such as spec.unschedulable as false.
        None if field == "spec.unschedulable" || field == "spec.hostNetwork" => "false".into(),
        None if field == "status.successful" => "0".into(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::registry::Registry;

    #[test]
    fn pods_select_on_phase_and_node_but_configmaps_do_not() {
        let registry = Registry::with_defaults();
        let pods = registry.by_resource("", "pods").unwrap();
        let configmaps = registry.by_resource("", "configmaps").unwrap();
        assert!(is_supported(pods, "status.phase"));
        assert!(is_supported(pods, "metadata.namespace"));
        assert!(!is_supported(configmaps, "status.phase"));
        let pod = serde_json::json!({"metadata": {"name": "a"}, "spec": {"nodeName": "n1"}});
        assert_eq!(value_of(pods, &pod, "spec.nodeName"), "n1");
        assert_eq!(value_of(pods, &pod, "status.phase"), "");
    }
}
