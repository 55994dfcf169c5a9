//! Pods: core/v1's Pod defaulters on top of the pod spec's, what the
//! admission plugins enabled by default add on create (Priority,
//! DefaultTolerationSeconds), and the Pod strategy's status on create
//! (`phase: Pending` and the QoS class).

use serde_json::{Map, Value, json};

use super::json::{default_pointer, existing_object, object_at, objects_in, text};
use super::pod_spec::default_pod_spec;
use super::quantity;

/// The taints a pod tolerates for five minutes unless it says otherwise
/// (the DefaultTolerationSeconds admission plugin).
const NODE_PROBLEM_TAINTS: [&str; 2] = ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"];

/// The built-in priority classes and their values.
const SYSTEM_PRIORITIES: [(&str, i64); 2] = [
    ("system-node-critical", 2_000_001_000),
    ("system-cluster-critical", 2_000_000_000),
];

/// Defaults on every write: the pod spec's, then the Pod's own.
pub(crate) fn default(pod: &mut Map<String, Value>) {
    let Some(spec) = object_at(pod, "spec") else {
        return;
    };
    default_pod_spec(spec);
    for list in ["containers", "initContainers"] {
        for container in objects_in(spec, list) {
            requests_from_limits(container);
        }
    }
    default_pointer(spec, "enableServiceLinks", json!(true));
    if spec.get("hostNetwork").and_then(Value::as_bool) == Some(true) {
        for list in ["containers", "initContainers"] {
            for port in objects_in(spec, list).flat_map(|container| objects_in(container, "ports")) {
                let container_port = port.get("containerPort").cloned().unwrap_or_else(|| json!(0));
                super::json::default_value(port, "hostPort", container_port);
            }
        }
    }
}

/// A container's requests default to its limits, resource by resource.
fn requests_from_limits(container: &mut Map<String, Value>) {
    let Some(resources) = existing_object(container, "resources") else {
        return;
    };
    let Some(Value::Object(limits)) = resources.get("limits") else {
        return;
    };
    // Only the limits that requests lack are copied.
    let missing: Vec<(String, Value)> = match resources.get("requests") {
        Some(Value::Object(requests)) => limits
            .iter()
            .filter(|(resource, _)| !requests.contains_key(*resource))
            .map(|(resource, quantity)| (resource.clone(), quantity.clone()))
            .collect(),
        None | Some(Value::Null) => limits.clone().into_iter().collect(),
        Some(_) => return,
    };
    if let Some(requests) = object_at(resources, "requests") {
        requests.extend(missing);
    }
}

/// The Pod strategy and admission on create: priority, tolerations of
/// node problems, and a fresh status.
pub(crate) fn prepare_for_create(pod: &mut Map<String, Value>) {
    if let Some(spec) = object_at(pod, "spec") {
        admit_priority(spec);
        admit_default_tolerations(spec);
    }
    let qos = pod.get("spec").map(qos_class).unwrap_or("BestEffort");
    pod.insert("status".into(), json!({"phase": "Pending", "qosClass": qos}));
}

/// The Priority admission plugin: a pod's priority comes from its class
/// (0 and `PreemptLowerPriority` when it names none).
fn admit_priority(spec: &mut Map<String, Value>) {
    let class = text(spec, "priorityClassName");
    let priority = SYSTEM_PRIORITIES
        .iter()
        .find(|(name, _)| *name == class)
        .map_or(0, |(_, value)| *value);
    if class.is_empty() || priority != 0 {
        default_pointer(spec, "priority", json!(priority));
        default_pointer(spec, "preemptionPolicy", "PreemptLowerPriority");
    }
}

/// The DefaultTolerationSeconds admission plugin.
fn admit_default_tolerations(spec: &mut Map<String, Value>) {
    let tolerated = |tolerations: &[Value], key: &str| {
        tolerations.iter().any(|toleration| {
            let effect = toleration["effect"].as_str().unwrap_or_default();
            let tolerates_all = toleration["operator"] == "Exists"
                && toleration["key"].as_str().unwrap_or_default().is_empty();
            tolerates_all || (toleration["key"] == key && (effect.is_empty() || effect == "NoExecute"))
        })
    };
    if spec.get("tolerations").is_none_or(Value::is_null) {
        spec.insert("tolerations".into(), json!([]));
    }
    let Some(tolerations) = spec.get_mut("tolerations").and_then(Value::as_array_mut) else {
        return;
    };
    for key in NODE_PROBLEM_TAINTS {
        if !tolerated(tolerations, key) {
            tolerations.push(
                json!({"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}),
            );
        }
    }
}

/// The compute resources the QoS class looks at.
const QOS_RESOURCES: [&str; 2] = ["cpu", "memory"];

/// The pod's QoS class, as the kubelet and the API server compute it:
/// `BestEffort` with no requests or limits, `Guaranteed` when every
/// container limits cpu and memory and requests equal limits, else
/// `Burstable`. Pod-level resources, when set, decide alone.
pub(crate) fn qos_class(spec: &Value) -> &'static str {
    let pod_level = &spec["resources"];
    let has_pod_level = ["requests", "limits"]
        .iter()
        .any(|field| pod_level[field].as_object().is_some_and(|map| !map.is_empty()));
    let containers: Vec<&Value> = if has_pod_level {
        vec![pod_level]
    } else {
        ["containers", "initContainers"]
            .iter()
            .filter_map(|list| spec[list].as_array())
            .flatten()
            .map(|container| &container["resources"])
            .collect()
    };
    let (mut requests, mut limits) = (Totals::default(), Totals::default());
    let mut guaranteed = true;
    for resources in containers {
        requests.add(&resources["requests"]);
        limits.add(&resources["limits"]);
        let limited = QOS_RESOURCES
            .iter()
            .all(|resource| quantity::parse(&resources["limits"][resource]).is_some_and(|value| value > 0.0));
        guaranteed &= limited;
    }
    if requests.is_empty() && limits.is_empty() {
        "BestEffort"
    } else if guaranteed && requests == limits {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

/// Sums of the non-zero cpu and memory quantities.
#[derive(Default, PartialEq)]
struct Totals([Option<f64>; 2]);

impl Totals {
    fn add(&mut self, list: &Value) {
        for (slot, resource) in self.0.iter_mut().zip(QOS_RESOURCES) {
            if let Some(value) = quantity::parse(&list[resource]).filter(|value| *value > 0.0) {
                *slot = Some(slot.unwrap_or(0.0) + value);
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.0.iter().all(Option::is_none)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::qos_class;

    #[test]
    fn qos_follows_requests_and_limits() {
        let with = |resources| json!({"containers": [{"name": "a", "resources": resources}]});
        assert_eq!(qos_class(&with(json!({}))), "BestEffort");
        assert_eq!(
            qos_class(&with(json!({"requests": {"cpu": "100m"}}))),
            "Burstable"
        );
        let equal =
            json!({"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"cpu": "1000m", "memory": "1Gi"}});
        assert_eq!(qos_class(&with(equal)), "Guaranteed");
        let only_cpu = json!({"requests": {"cpu": "1"}, "limits": {"cpu": "1"}});
        assert_eq!(qos_class(&with(only_cpu)), "Burstable");
    }
}
