//! Defaults of a `PodSpec`, wherever it is: in a Pod and in every pod
//! template (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob,
//! ReplicationController, PodTemplate). These are core/v1's defaulters for
//! the pod spec, its containers, ports, probes, handlers and volumes; what
//! only a Pod gets is in [`super::pod`].

use serde_json::{Map, Value, json};

use super::json::{default_pointer, default_value, existing_object, object_at, objects_in, text};

/// The container lists of a pod spec: each gets the container defaults.
const CONTAINER_LISTS: [&str; 3] = ["containers", "initContainers", "ephemeralContainers"];

/// Defaults a pod template (`{metadata, spec}`) in place.
pub(crate) fn default_template(template: &mut Map<String, Value>) {
    if let Some(spec) = object_at(template, "spec") {
        default_pod_spec(spec);
    }
}

/// Defaults the pod template at `spec.template` of a workload.
pub(crate) fn default_template_of(spec: &mut Map<String, Value>) {
    if let Some(template) = object_at(spec, "template") {
        default_template(template);
    }
}

/// Defaults a pod spec in place.
pub(crate) fn default_pod_spec(spec: &mut Map<String, Value>) {
    default_value(spec, "dnsPolicy", "ClusterFirst");
    default_value(spec, "restartPolicy", "Always");
    default_pointer(spec, "securityContext", json!({}));
    default_pointer(spec, "terminationGracePeriodSeconds", json!(30));
    default_value(spec, "schedulerName", "default-scheduler");
    for list in CONTAINER_LISTS {
        for container in objects_in(spec, list) {
            default_container(container);
        }
    }
    for volume in objects_in(spec, "volumes") {
        default_volume(volume);
    }
}

/// A container's defaults. `resources` is a struct (not a pointer) in Go,
/// so the server always writes it, `{}` when empty.
fn default_container(container: &mut Map<String, Value>) {
    let policy = image_pull_policy(text(container, "image"));
    default_value(container, "imagePullPolicy", policy);
    default_value(container, "terminationMessagePath", "/dev/termination-log");
    default_value(container, "terminationMessagePolicy", "File");
    default_pointer(container, "resources", json!({}));
    for port in objects_in(container, "ports") {
        default_value(port, "protocol", "TCP");
    }
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if let Some(probe) = existing_object(container, probe) {
            default_probe(probe);
        }
    }
    if let Some(lifecycle) = existing_object(container, "lifecycle") {
        for hook in ["postStart", "preStop"] {
            if let Some(handler) = existing_object(lifecycle, hook) {
                default_handler(handler);
            }
        }
    }
    for variable in objects_in(container, "env") {
        if let Some(field_ref) =
            existing_object(variable, "valueFrom").and_then(|from| existing_object(from, "fieldRef"))
        {
            default_value(field_ref, "apiVersion", "v1");
        }
    }
}

/// `Always` for an image tagged `latest` or not tagged at all (which the
/// runtime reads as `latest`), else `IfNotPresent`; an image pinned by
/// digest alone has no tag, so it is `IfNotPresent`.
pub(crate) fn image_pull_policy(image: &str) -> &'static str {
    let (reference, digest) = match image.split_once('@') {
        Some((reference, digest)) => (reference, Some(digest)),
        None => (image, None),
    };
    // A tag follows the last `:` of the last path segment (a `:` before a
    // `/` is a registry's port).
    let last_segment = reference.rsplit('/').next().unwrap_or(reference);
    let tag = match last_segment.split_once(':') {
        Some((_, tag)) => tag,
        None if digest.is_some() => "",
        None => "latest",
    };
    if tag == "latest" { "Always" } else { "IfNotPresent" }
}

fn default_probe(probe: &mut Map<String, Value>) {
    default_value(probe, "timeoutSeconds", json!(1));
    default_value(probe, "periodSeconds", json!(10));
    default_value(probe, "successThreshold", json!(1));
    default_value(probe, "failureThreshold", json!(3));
    default_handler(probe);
}

/// The action of a probe or lifecycle hook: an `httpGet` gets its path and
/// scheme, a `grpc` its (empty) service.
fn default_handler(handler: &mut Map<String, Value>) {
    if let Some(http_get) = existing_object(handler, "httpGet") {
        default_value(http_get, "path", "/");
        default_value(http_get, "scheme", "HTTP");
    }
    if let Some(grpc) = existing_object(handler, "grpc") {
        default_pointer(grpc, "service", "");
    }
}

/// The volume sources whose files get a mode, 0644 (420) by default.
const MODED_SOURCES: [&str; 4] = ["configMap", "secret", "downwardAPI", "projected"];

/// Every source a volume may name; one with none becomes an `emptyDir`.
const VOLUME_SOURCES: [&str; 30] = [
    "hostPath",
    "emptyDir",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "persistentVolumeClaim",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "downwardAPI",
    "fc",
    "azureFile",
    "configMap",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "projected",
    "portworxVolume",
    "scaleIO",
    "storageos",
    "csi",
    "ephemeral",
    "image",
];

fn default_volume(volume: &mut Map<String, Value>) {
    if !VOLUME_SOURCES
        .iter()
        .any(|source| volume.get(*source).is_some_and(|value| !value.is_null()))
    {
        volume.insert("emptyDir".into(), json!({}));
    }
    for source in MODED_SOURCES {
        if let Some(source) = existing_object(volume, source) {
            default_pointer(source, "defaultMode", json!(420));
        }
    }
    if let Some(host_path) = existing_object(volume, "hostPath") {
        default_pointer(host_path, "type", "");
    }
    if let Some(projected) = existing_object(volume, "projected") {
        for projection in objects_in(projected, "sources") {
            if let Some(token) = existing_object(projection, "serviceAccountToken") {
                default_pointer(token, "expirationSeconds", json!(3600));
            }
        }
    }
    if let Some(image) = existing_object(volume, "image") {
        let policy = image_pull_policy(text(image, "reference"));
        default_value(image, "pullPolicy", policy);
    }
}

#[cfg(test)]
mod tests {
    use super::image_pull_policy;

    #[test]
    fn latest_or_no_tag_is_always_pulled() {
        assert_eq!(image_pull_policy("nginx"), "Always");
        assert_eq!(image_pull_policy("nginx:latest"), "Always");
        assert_eq!(image_pull_policy("registry:5000/team/nginx"), "Always");
        assert_eq!(image_pull_policy("nginx:1.27"), "IfNotPresent");
        assert_eq!(image_pull_policy("registry:5000/nginx:1.27"), "IfNotPresent");
        assert_eq!(image_pull_policy("nginx@sha256:abc"), "IfNotPresent");
        assert_eq!(image_pull_policy("nginx:latest@sha256:abc"), "Always");
    }
}
