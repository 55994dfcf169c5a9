//! Pods in the shape of real ones, generated deterministically from their
//! index, and the checksum every run computes over what it decoded.

use k8s_openapi::api::core::v1::Pod;
use serde_json::json;

/// The namespace every generated pod lives in.
pub const NAMESPACE: &str = "bench";

/// A pseudo-random number fixed by `seed` (splitmix64).
fn mix(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn hex(value: u64, digits: usize) -> String {
    format!("{value:016x}")[..digits].to_owned()
}

/// The pod number `index`: labels, annotations, an owner, two containers with
/// env, ports, probes and mounts, managedFields, and a running status. 4-9 KB.
pub fn pod(index: usize) -> Pod {
    let seed = mix(index as u64);
    let app = ["checkout", "payments", "catalog", "search", "gateway"][index % 5];
    let template_hash = hex(mix(index as u64 / 50), 10);
    let name = format!("{app}-{template_hash}-{}", hex(seed, 5));
    let uid = format!(
        "{}-{}-{}-{}-{}",
        hex(seed, 8),
        hex(mix(seed), 4),
        hex(mix(seed + 1), 4),
        hex(mix(seed + 2), 4),
        hex(mix(seed + 3), 12)
    );
    let node = format!("node-{:02}", seed % 40);
    let pod_ip = format!("10.244.{}.{}", seed % 250, (seed >> 8) % 250);
    let host_ip = format!("172.18.0.{}", 2 + seed % 40);
    let second = seed % 60;
    let created = format!(
        "2026-11-{:02}T{:02}:{:02}:{second:02}Z",
        1 + seed % 28,
        seed % 24,
        (seed >> 5) % 60
    );
    let started = format!(
        "2026-11-{:02}T{:02}:{:02}:{second:02}Z",
        1 + seed % 28,
        seed % 24,
        ((seed >> 5) % 60).min(58) + 1
    );
    let version = format!("1.{}.{}", seed % 20, (seed >> 4) % 10);
    let extra_env = (0..(seed % 5) as usize)
        .map(|n| json!({"name": format!("FEATURE_FLAG_{n}"), "value": if (seed >> n) & 1 == 1 {"enabled"} else {"disabled"}}))
        .collect::<Vec<_>>();
    let mut app_env = vec![
        json!({"name": "LOG_LEVEL", "value": "info"}),
        json!({"name": "DATABASE_URL", "value": format!("postgres://{app}-db.{NAMESPACE}.svc.cluster.local:5432/{app}")}),
        json!({"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}}),
        json!({"name": "POD_IP", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "status.podIP"}}}),
        json!({"name": "API_TOKEN", "valueFrom": {"secretKeyRef": {"name": format!("{app}-secrets"), "key": "api-token"}}}),
    ];
    app_env.extend(extra_env);
    let value = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "generateName": format!("{app}-{template_hash}-"),
            "namespace": NAMESPACE,
            "uid": uid,
            "resourceVersion": (1_000_000 + index).to_string(),
            "creationTimestamp": created,
            "labels": {
                "app.kubernetes.io/name": app,
                "app.kubernetes.io/part-of": "shop",
                "app.kubernetes.io/version": version,
                "pod-template-hash": template_hash,
                "tier": if seed.is_multiple_of(2) { "backend" } else { "frontend" },
            },
            "annotations": {
                "kubectl.kubernetes.io/restartedAt": created,
                "prometheus.io/scrape": "true",
                "prometheus.io/port": "9090",
                "checksum/config": format!("{}{}{}{}", hex(mix(seed + 4), 16), hex(mix(seed + 5), 16), hex(mix(seed + 6), 16), hex(mix(seed + 7), 16)),
            },
            "ownerReferences": [{
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "name": format!("{app}-{template_hash}"),
                "uid": format!("{}-0000-4000-8000-{}", hex(mix(index as u64 / 50), 8), hex(mix(index as u64 / 50 + 1), 12)),
                "controller": true,
                "blockOwnerDeletion": true,
            }],
            "managedFields": [
                {
                    "manager": "kube-controller-manager",
                    "operation": "Update",
                    "apiVersion": "v1",
                    "time": created,
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {
                        "f:metadata": {
                            "f:annotations": {".": {}, "f:checksum/config": {}, "f:kubectl.kubernetes.io/restartedAt": {}, "f:prometheus.io/port": {}, "f:prometheus.io/scrape": {}},
                            "f:generateName": {},
                            "f:labels": {".": {}, "f:app.kubernetes.io/name": {}, "f:app.kubernetes.io/part-of": {}, "f:app.kubernetes.io/version": {}, "f:pod-template-hash": {}, "f:tier": {}},
                            "f:ownerReferences": {".": {}, format!("k:{{\"uid\":\"{}\"}}", hex(mix(index as u64 / 50), 8)): {}},
                        },
                        "f:spec": {
                            "f:containers": {
                                "k:{\"name\":\"app\"}": {".": {}, "f:env": {".": {}, "k:{\"name\":\"LOG_LEVEL\"}": {".": {}, "f:name": {}, "f:value": {}}, "k:{\"name\":\"POD_NAME\"}": {".": {}, "f:name": {}, "f:valueFrom": {".": {}, "f:fieldRef": {}}}}, "f:image": {}, "f:imagePullPolicy": {}, "f:livenessProbe": {".": {}, "f:httpGet": {".": {}, "f:path": {}, "f:port": {}, "f:scheme": {}}, "f:periodSeconds": {}}, "f:name": {}, "f:ports": {".": {}, "k:{\"containerPort\":8080,\"protocol\":\"TCP\"}": {".": {}, "f:containerPort": {}, "f:name": {}, "f:protocol": {}}}, "f:readinessProbe": {".": {}, "f:httpGet": {".": {}, "f:path": {}, "f:port": {}}}, "f:resources": {".": {}, "f:limits": {".": {}, "f:memory": {}}, "f:requests": {".": {}, "f:cpu": {}, "f:memory": {}}}, "f:volumeMounts": {".": {}, "k:{\"mountPath\":\"/etc/app\"}": {".": {}, "f:mountPath": {}, "f:name": {}, "f:readOnly": {}}}},
                                "k:{\"name\":\"metrics\"}": {".": {}, "f:image": {}, "f:name": {}, "f:ports": {".": {}, "k:{\"containerPort\":9090,\"protocol\":\"TCP\"}": {".": {}, "f:containerPort": {}, "f:name": {}}}},
                            },
                            "f:dnsPolicy": {}, "f:enableServiceLinks": {}, "f:restartPolicy": {}, "f:schedulerName": {}, "f:securityContext": {}, "f:terminationGracePeriodSeconds": {},
                            "f:volumes": {".": {}, "k:{\"name\":\"config\"}": {".": {}, "f:configMap": {".": {}, "f:defaultMode": {}, "f:name": {}}, "f:name": {}}},
                        },
                    },
                },
                {
                    "manager": "kubelet",
                    "operation": "Update",
                    "apiVersion": "v1",
                    "time": started,
                    "fieldsType": "FieldsV1",
                    "subresource": "status",
                    "fieldsV1": {
                        "f:status": {
                            "f:conditions": {"k:{\"type\":\"ContainersReady\"}": {".": {}, "f:lastProbeTime": {}, "f:lastTransitionTime": {}, "f:status": {}, "f:type": {}}, "k:{\"type\":\"Initialized\"}": {".": {}, "f:lastProbeTime": {}, "f:lastTransitionTime": {}, "f:status": {}, "f:type": {}}, "k:{\"type\":\"Ready\"}": {".": {}, "f:lastProbeTime": {}, "f:lastTransitionTime": {}, "f:status": {}, "f:type": {}}},
                            "f:containerStatuses": {}, "f:hostIP": {}, "f:hostIPs": {}, "f:phase": {}, "f:podIP": {}, "f:podIPs": {".": {}, format!("k:{{\"ip\":\"{pod_ip}\"}}"): {".": {}, "f:ip": {}}}, "f:startTime": {},
                        },
                    },
                },
            ],
        },
        "spec": {
            "containers": [
                {
                    "name": "app",
                    "image": format!("registry.example.com/shop/{app}:{version}"),
                    "imagePullPolicy": "IfNotPresent",
                    "env": app_env,
                    "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                    "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"}, "initialDelaySeconds": 10, "periodSeconds": 10, "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3},
                    "readinessProbe": {"httpGet": {"path": "/ready", "port": "http", "scheme": "HTTP"}, "periodSeconds": 5, "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3},
                    "resources": {"limits": {"memory": "512Mi"}, "requests": {"cpu": format!("{}m", 100 + seed % 400), "memory": "256Mi"}},
                    "volumeMounts": [
                        {"name": "config", "mountPath": "/etc/app", "readOnly": true},
                        {"name": "kube-api-access", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true},
                    ],
                    "terminationMessagePath": "/dev/termination-log",
                    "terminationMessagePolicy": "File",
                },
                {
                    "name": "metrics",
                    "image": "registry.example.com/observability/exporter:0.14.2",
                    "imagePullPolicy": "IfNotPresent",
                    "args": ["--listen=:9090", "--upstream=http://127.0.0.1:8080/metrics"],
                    "env": [{"name": "EXPORTER_MODE", "value": "sidecar"}, {"name": "NODE_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}}}],
                    "ports": [{"name": "metrics", "containerPort": 9090, "protocol": "TCP"}],
                    "readinessProbe": {"tcpSocket": {"port": 9090}, "periodSeconds": 10, "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3},
                    "resources": {"limits": {"cpu": "100m", "memory": "64Mi"}, "requests": {"cpu": "10m", "memory": "32Mi"}},
                    "volumeMounts": [{"name": "kube-api-access", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true}],
                    "terminationMessagePath": "/dev/termination-log",
                    "terminationMessagePolicy": "File",
                },
            ],
            "volumes": [
                {"name": "config", "configMap": {"name": format!("{app}-config"), "defaultMode": 420}},
                {"name": "kube-api-access", "projected": {"defaultMode": 420, "sources": [
                    {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                    {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                    {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}},
                ]}},
            ],
            "nodeName": node,
            "serviceAccountName": app,
            "serviceAccount": app,
            "restartPolicy": "Always",
            "dnsPolicy": "ClusterFirst",
            "schedulerName": "default-scheduler",
            "securityContext": {"runAsNonRoot": true, "fsGroup": 2000},
            "terminationGracePeriodSeconds": 30,
            "enableServiceLinks": true,
            "preemptionPolicy": "PreemptLowerPriority",
            "priority": 0,
            "tolerations": [
                {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
                {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
            ],
        },
        "status": {
            "phase": "Running",
            "conditions": [
                {"type": "PodReadyToStartContainers", "status": "True", "lastTransitionTime": started},
                {"type": "Initialized", "status": "True", "lastTransitionTime": created},
                {"type": "Ready", "status": "True", "lastTransitionTime": started},
                {"type": "ContainersReady", "status": "True", "lastTransitionTime": started},
                {"type": "PodScheduled", "status": "True", "lastTransitionTime": created},
            ],
            "hostIP": host_ip,
            "hostIPs": [{"ip": host_ip}],
            "podIP": pod_ip,
            "podIPs": [{"ip": pod_ip}],
            "startTime": created,
            "qosClass": "Burstable",
            "containerStatuses": [
                {"name": "app", "ready": true, "started": true, "restartCount": seed % 3, "image": format!("registry.example.com/shop/{app}:{version}"), "imageID": format!("registry.example.com/shop/{app}@sha256:{}{}{}{}", hex(mix(seed + 8), 16), hex(mix(seed + 9), 16), hex(mix(seed + 10), 16), hex(mix(seed + 11), 16)), "containerID": format!("containerd://{}{}{}{}", hex(mix(seed + 12), 16), hex(mix(seed + 13), 16), hex(mix(seed + 14), 16), hex(mix(seed + 15), 16)), "state": {"running": {"startedAt": started}}, "lastState": {}},
                {"name": "metrics", "ready": true, "started": true, "restartCount": 0, "image": "registry.example.com/observability/exporter:0.14.2", "imageID": format!("registry.example.com/observability/exporter@sha256:{}{}{}{}", hex(mix(seed + 16), 16), hex(mix(seed + 17), 16), hex(mix(seed + 18), 16), hex(mix(seed + 19), 16)), "containerID": format!("containerd://{}{}{}{}", hex(mix(seed + 20), 16), hex(mix(seed + 21), 16), hex(mix(seed + 22), 16), hex(mix(seed + 23), 16)), "state": {"running": {"startedAt": started}}, "lastState": {}},
            ],
        },
    });
    serde_json::from_value(value).expect("the generated pod is a valid Pod")
}

/// A small pod, as a GET of a simple object returns.
pub fn small_pod() -> Pod {
    let value = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "probe", "namespace": NAMESPACE, "uid": "5b0d8a8e-1f0c-4c1e-9a59-2d4c5e7f9a10", "resourceVersion": "4242", "creationTimestamp": "2026-11-01T00:00:00Z", "labels": {"app": "probe"}},
        "spec": {"containers": [{"name": "probe", "image": "registry.example.com/probe:1.0", "ports": [{"containerPort": 8080, "protocol": "TCP"}]}], "nodeName": "node-01"},
        "status": {"phase": "Running", "podIP": "10.244.0.7", "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "2026-11-01T00:00:05Z"}]},
    });
    serde_json::from_value(value).expect("the small pod is a valid Pod")
}

/// FNV-1a of `bytes`: the one hash every workload's checksum is made of.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(FNV_OFFSET, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(FNV_PRIME)
    })
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

/// FNV-1a over the fields a client must have decoded.
fn fnv(hash: &mut u64, bytes: &[u8]) {
    for byte in bytes {
        *hash ^= u64::from(*byte);
        *hash = hash.wrapping_mul(FNV_PRIME);
    }
    *hash ^= 0xff;
    *hash = hash.wrapping_mul(FNV_PRIME);
}

/// A checksum over decoded fields from every part of the pod. Pods are
/// combined by adding their checksums, so the order they come in does not matter.
pub fn checksum(pod: &Pod) -> u64 {
    let mut hash = FNV_OFFSET;
    let meta = &pod.metadata;
    for text in [&meta.name, &meta.namespace, &meta.uid, &meta.resource_version]
        .into_iter()
        .flatten()
    {
        fnv(&mut hash, text.as_bytes());
    }
    for (key, value) in meta.labels.iter().flatten() {
        fnv(&mut hash, key.as_bytes());
        fnv(&mut hash, value.as_bytes());
    }
    fnv(
        &mut hash,
        &meta.annotations.as_ref().map_or(0, |a| a.len()).to_le_bytes(),
    );
    for owner in meta.owner_references.iter().flatten() {
        fnv(&mut hash, owner.uid.as_bytes());
    }
    for managed in meta.managed_fields.iter().flatten() {
        fnv(&mut hash, managed.manager.as_deref().unwrap_or("").as_bytes());
        let fields = managed.fields_v1.as_ref().map(|fields| &fields.0);
        let field_count = fields
            .and_then(|value| value.as_object())
            .map_or(0, |object| object.len());
        fnv(&mut hash, &field_count.to_le_bytes());
    }
    for container in pod.spec.iter().flat_map(|spec| &spec.containers) {
        fnv(&mut hash, container.name.as_bytes());
        fnv(&mut hash, container.image.as_deref().unwrap_or("").as_bytes());
        fnv(
            &mut hash,
            &container.env.as_ref().map_or(0, Vec::len).to_le_bytes(),
        );
        fnv(
            &mut hash,
            &container.volume_mounts.as_ref().map_or(0, Vec::len).to_le_bytes(),
        );
        for port in container.ports.iter().flatten() {
            fnv(&mut hash, &port.container_port.to_le_bytes());
        }
    }
    if let Some(status) = &pod.status {
        fnv(&mut hash, status.pod_ip.as_deref().unwrap_or("").as_bytes());
        fnv(
            &mut hash,
            &status.conditions.as_ref().map_or(0, Vec::len).to_le_bytes(),
        );
        for container in status.container_statuses.iter().flatten() {
            fnv(
                &mut hash,
                container.container_id.as_deref().unwrap_or("").as_bytes(),
            );
            fnv(&mut hash, &container.restart_count.to_le_bytes());
        }
    }
    hash
}
