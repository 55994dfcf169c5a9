//! The columns kube-apiserver prints for the common built-in kinds.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::age::age;
use super::column::Column;
use crate::cluster::meta::strings;

/// A built-in kind with its own columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BuiltinKind {
    Pod,
    Deployment,
    Service,
    ConfigMap,
    Secret,
    Namespace,
    Node,
    CustomResourceDefinition,
}

impl BuiltinKind {
    /// The kind served at `group`/`plural`, if it is one with its own columns.
    pub fn of_resource(group: &str, plural: &str) -> Option<Self> {
        Some(match (group, plural) {
            ("", "pods") => BuiltinKind::Pod,
            ("apps", "deployments") => BuiltinKind::Deployment,
            ("", "services") => BuiltinKind::Service,
            ("", "configmaps") => BuiltinKind::ConfigMap,
            ("", "secrets") => BuiltinKind::Secret,
            ("", "namespaces") => BuiltinKind::Namespace,
            ("", "nodes") => BuiltinKind::Node,
            ("apiextensions.k8s.io", "customresourcedefinitions") => BuiltinKind::CustomResourceDefinition,
            _ => return None,
        })
    }

    pub fn columns(self) -> Vec<Column> {
        let string = |name: &str, description: &str| Column::new(name, "string", description);
        let integer = |name: &str, description: &str| Column::new(name, "integer", description);
        match self {
            BuiltinKind::Pod => vec![
                Column::name(),
                string(
                    "Ready",
                    "The aggregate readiness state of this pod for accepting traffic.",
                ),
                string("Status", "The aggregate status of the containers in this pod."),
                string(
                    "Restarts",
                    "The number of times the containers in this pod have been restarted.",
                ),
                Column::age(),
                string("IP", "IP address allocated to the pod.").wide(),
                string("Node", "Name of the node the pod is assigned to.").wide(),
                string("Nominated Node", "Name of the node the pod is nominated to.").wide(),
                string("Readiness Gates", "Pod readiness gates that are true.").wide(),
            ],
            BuiltinKind::Deployment => vec![
                Column::name(),
                string("Ready", "Number of the pod with ready state."),
                integer(
                    "Up-to-date",
                    "Total number of non-terminated pods that have the desired template spec.",
                ),
                integer(
                    "Available",
                    "Total number of available pods (ready for at least minReadySeconds).",
                ),
                Column::age(),
                string("Containers", "Names of each container in the template.").wide(),
                string("Images", "Images referenced by each container in the template.").wide(),
                string("Selector", "Label selector for pods.").wide(),
            ],
            BuiltinKind::Service => vec![
                Column::name(),
                string("Type", "The type of the service."),
                string("Cluster-IP", "The IP address of the service."),
                string("External-IP", "The external IP addresses of the service."),
                string("Port(s)", "The ports the service exposes."),
                Column::age(),
                string(
                    "Selector",
                    "Route service traffic to pods with labels matching this selector.",
                )
                .wide(),
            ],
            BuiltinKind::ConfigMap => vec![
                Column::name(),
                integer("Data", "Number of keys in data and binaryData."),
                Column::age(),
            ],
            BuiltinKind::Secret => vec![
                Column::name(),
                string("Type", "The type of the secret."),
                integer("Data", "Number of keys in data."),
                Column::age(),
            ],
            BuiltinKind::Namespace => vec![
                Column::name(),
                string("Status", "The phase of the namespace."),
                Column::age(),
            ],
            BuiltinKind::Node => vec![
                Column::name(),
                string("Status", "The status of the node."),
                string("Roles", "The roles of the node."),
                Column::age(),
                string("Version", "Kubelet version."),
                string("Internal-IP", "Internal IP address of the node.").wide(),
                string("External-IP", "External IP address of the node.").wide(),
                string("OS-Image", "OS image reported by the node.").wide(),
                string("Kernel-Version", "Kernel version reported by the node.").wide(),
                string("Container-Runtime", "Container runtime reported by the node.").wide(),
            ],
            BuiltinKind::CustomResourceDefinition => vec![
                Column::name(),
                Column::new("Created At", "date", "When the definition was created."),
            ],
        }
    }

    pub fn cells(self, object: &Value, now: Timestamp) -> Vec<Value> {
        let name = text(object, "/metadata/name");
        let created = age(
            object
                .pointer("/metadata/creationTimestamp")
                .and_then(Value::as_str),
            now,
        );
        match self {
            BuiltinKind::Pod => pod_cells(object, name, created),
            BuiltinKind::Deployment => {
                let desired = number(object, "/spec/replicas");
                let ready = number(object, "/status/readyReplicas");
                let template = "/spec/template/spec/containers";
                vec![
                    json!(name),
                    json!(format!("{ready}/{desired}")),
                    json!(number(object, "/status/updatedReplicas")),
                    json!(number(object, "/status/availableReplicas")),
                    json!(created),
                    json!(join_field(object, template, "name")),
                    json!(join_field(object, template, "image")),
                    json!(selector(object.pointer("/spec/selector/matchLabels"))),
                ]
            }
            BuiltinKind::Service => service_cells(object, name, created),
            BuiltinKind::ConfigMap => {
                let count = |pointer| {
                    object
                        .pointer(pointer)
                        .and_then(Value::as_object)
                        .map_or(0, |map| map.len())
                };
                vec![
                    json!(name),
                    json!(count("/data") + count("/binaryData")),
                    json!(created),
                ]
            }
            BuiltinKind::Secret => {
                let data = object
                    .pointer("/data")
                    .and_then(Value::as_object)
                    .map_or(0, |map| map.len());
                let kind = object
                    .pointer("/type")
                    .and_then(Value::as_str)
                    .unwrap_or("Opaque");
                vec![json!(name), json!(kind), json!(data), json!(created)]
            }
            BuiltinKind::Namespace => {
                let phase = object
                    .pointer("/status/phase")
                    .and_then(Value::as_str)
                    .unwrap_or("Active");
                vec![json!(name), json!(phase), json!(created)]
            }
            BuiltinKind::Node => node_cells(object, name, created),
            // kube-apiserver prints the timestamp itself here, not an age.
            BuiltinKind::CustomResourceDefinition => {
                vec![json!(name), json!(text(object, "/metadata/creationTimestamp"))]
            }
        }
    }
}

fn pod_cells(pod: &Value, name: String, created: String) -> Vec<Value> {
    let containers = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let statuses = pod
        .pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let ready = statuses.iter().filter(|status| status["ready"] == true).count();
    let restarts: i64 = statuses
        .iter()
        .filter_map(|status| status["restartCount"].as_i64())
        .sum();
    let mut reason = pod
        .pointer("/status/reason")
        .or_else(|| pod.pointer("/status/phase"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    for status in statuses {
        let waiting = status.pointer("/state/waiting/reason");
        let terminated = status.pointer("/state/terminated/reason");
        if let Some(why) = waiting.or(terminated).and_then(Value::as_str) {
            reason = why.to_owned();
        }
    }
    if pod
        .pointer("/metadata/deletionTimestamp")
        .is_some_and(|value| !value.is_null())
    {
        reason = "Terminating".to_owned();
    }
    let gates = pod.pointer("/spec/readinessGates").and_then(Value::as_array);
    let gates = match gates {
        Some(gates) if !gates.is_empty() => {
            let conditions = pod.pointer("/status/conditions").and_then(Value::as_array);
            let met = gates
                .iter()
                .filter(|gate| {
                    conditions.is_some_and(|conditions| {
                        conditions
                            .iter()
                            .any(|c| c["type"] == gate["conditionType"] && c["status"] == "True")
                    })
                })
                .count();
            format!("{met}/{}", gates.len())
        }
        _ => "<none>".to_owned(),
    };
    vec![
        json!(name),
        json!(format!("{ready}/{containers}")),
        json!(reason),
        json!(restarts.to_string()),
        json!(created),
        json!(or_none(pod, "/status/podIP")),
        json!(or_none(pod, "/spec/nodeName")),
        json!(or_none(pod, "/status/nominatedNodeName")),
        json!(gates),
    ]
}

fn service_cells(service: &Value, name: String, created: String) -> Vec<Value> {
    let kind = service
        .pointer("/spec/type")
        .and_then(Value::as_str)
        .unwrap_or("ClusterIP");
    let mut external: Vec<String> = strings(service.pointer("/spec/externalIPs"));
    if let Some(ingress) = service
        .pointer("/status/loadBalancer/ingress")
        .and_then(Value::as_array)
    {
        for entry in ingress {
            if let Some(address) = entry["ip"].as_str().or(entry["hostname"].as_str()) {
                external.push(address.to_owned());
            }
        }
    }
    let external = match (external.is_empty(), kind) {
        (false, _) => external.join(","),
        (true, "LoadBalancer") => "<pending>".to_owned(),
        (true, "ExternalName") => text(service, "/spec/externalName"),
        (true, _) => "<none>".to_owned(),
    };
    let ports: Vec<String> = service
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|port| {
            let protocol = port["protocol"].as_str().unwrap_or("TCP");
            match port["nodePort"].as_i64() {
                Some(node_port) => format!("{}:{node_port}/{protocol}", port["port"]),
                None => format!("{}/{protocol}", port["port"]),
            }
        })
        .collect();
    let ports = if ports.is_empty() {
        "<none>".to_owned()
    } else {
        ports.join(",")
    };
    vec![
        json!(name),
        json!(kind),
        json!(or_none(service, "/spec/clusterIP")),
        json!(external),
        json!(ports),
        json!(created),
        json!(selector(service.pointer("/spec/selector"))),
    ]
}

fn node_cells(node: &Value, name: String, created: String) -> Vec<Value> {
    let conditions = node.pointer("/status/conditions").and_then(Value::as_array);
    let ready = conditions.and_then(|conditions| conditions.iter().find(|c| c["type"] == "Ready"));
    let mut status = match ready.and_then(|c| c["status"].as_str()) {
        Some("True") => "Ready".to_owned(),
        Some("False") => "NotReady".to_owned(),
        _ => "Unknown".to_owned(),
    };
    if node.pointer("/spec/unschedulable") == Some(&Value::Bool(true)) {
        status.push_str(",SchedulingDisabled");
    }
    let mut roles: Vec<&str> = node
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .map(|labels| {
            labels
                .keys()
                .filter_map(|key| key.strip_prefix("node-role.kubernetes.io/"))
                .filter(|role| !role.is_empty())
                .collect()
        })
        .unwrap_or_default();
    roles.sort_unstable();
    let roles = if roles.is_empty() {
        "<none>".to_owned()
    } else {
        roles.join(",")
    };
    let address = |kind: &str| {
        node.pointer("/status/addresses")
            .and_then(Value::as_array)
            .and_then(|addresses| addresses.iter().find(|a| a["type"] == kind))
            .and_then(|a| a["address"].as_str())
            .unwrap_or("<none>")
            .to_owned()
    };
    vec![
        json!(name),
        json!(status),
        json!(roles),
        json!(created),
        json!(text(node, "/status/nodeInfo/kubeletVersion")),
        json!(address("InternalIP")),
        json!(address("ExternalIP")),
        json!(or_none(node, "/status/nodeInfo/osImage")),
        json!(or_none(node, "/status/nodeInfo/kernelVersion")),
        json!(or_none(node, "/status/nodeInfo/containerRuntimeVersion")),
    ]
}

fn text(object: &Value, pointer: &str) -> String {
    object
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
}

fn or_none(object: &Value, pointer: &str) -> String {
    match object.pointer(pointer).and_then(Value::as_str) {
        Some(value) if !value.is_empty() => value.to_owned(),
        _ => "<none>".to_owned(),
    }
}

fn number(object: &Value, pointer: &str) -> i64 {
    object.pointer(pointer).and_then(Value::as_i64).unwrap_or(0)
}

fn join_field(object: &Value, pointer: &str, field: &str) -> String {
    object
        .pointer(pointer)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item[field].as_str())
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default()
}

fn selector(labels: Option<&Value>) -> String {
    match labels.and_then(Value::as_object) {
        Some(labels) if !labels.is_empty() => labels
            .iter()
            .map(|(key, value)| format!("{key}={}", value.as_str().unwrap_or("")))
            .collect::<Vec<_>>()
            .join(","),
        _ => "<none>".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2026-01-01T00:10:00Z".parse().unwrap()
    }

    #[test]
    fn a_running_pod_reads_like_kubectl_get_pods() {
        let pod = json!({
            "metadata": {"name": "web-0", "creationTimestamp": "2026-01-01T00:05:00Z"},
            "spec": {"containers": [{"name": "a"}, {"name": "b"}], "nodeName": "node-1"},
            "status": {"phase": "Running", "podIP": "10.0.0.7", "containerStatuses": [
                {"name": "a", "ready": true, "restartCount": 2},
                {"name": "b", "ready": false, "restartCount": 1, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}
            ]}
        });
        let cells = BuiltinKind::Pod.cells(&pod, now());
        assert_eq!(
            cells,
            vec![
                json!("web-0"),
                json!("1/2"),
                json!("CrashLoopBackOff"),
                json!("3"),
                json!("5m"),
                json!("10.0.0.7"),
                json!("node-1"),
                json!("<none>"),
                json!("<none>")
            ]
        );
        assert_eq!(cells.len(), BuiltinKind::Pod.columns().len());
    }

    #[test]
    fn every_kind_has_a_cell_per_column_even_for_an_empty_object() {
        let kinds = [
            BuiltinKind::Pod,
            BuiltinKind::Deployment,
            BuiltinKind::Service,
            BuiltinKind::ConfigMap,
            BuiltinKind::Secret,
            BuiltinKind::Namespace,
            BuiltinKind::Node,
            BuiltinKind::CustomResourceDefinition,
        ];
        for kind in kinds {
            assert_eq!(
                kind.cells(&json!({}), now()).len(),
                kind.columns().len(),
                "{kind:?}"
            );
        }
    }

    #[test]
    fn a_node_port_service_shows_both_ports() {
        let service = json!({"metadata": {"name": "web"}, "spec": {"type": "NodePort", "clusterIP": "10.96.0.10",
            "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}], "selector": {"app": "web"}}});
        let cells = BuiltinKind::Service.cells(&service, now());
        assert_eq!(cells[1], "NodePort");
        assert_eq!(cells[4], "80:30080/TCP");
        assert_eq!(cells[6], "app=web");
    }
}
