//! What kube-apiserver adds to a minimal object of each built-in kind on
//! create: its defaulters, its admission plugins and its registry strategy.
//! Each snapshot was checked by hand against v1.37's
//! `pkg/apis/{core,apps,batch}/v1/defaults.go` and the kinds' strategies.

mod cluster_support;

use cluster_support::*;
use http::Method;
use rudder::rest::ResourcePath;
use rudder_testkit::FakeCluster;
use serde_json::{Value, json};

fn cluster() -> FakeCluster {
    FakeCluster::builder().deterministic().build()
}

fn pod_template() -> Value {
    json!({
        "metadata": {"labels": {"app": "web"}},
        "spec": {"containers": [{"name": "web", "image": "nginx"}]}
    })
}

/// An apps/v1 workload selecting the template's `app: web`.
fn workload(kind: &str, name: &str) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": kind, "metadata": {"name": name},
        "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": pod_template()}
    })
}

fn apps(plural: &str) -> ResourcePath {
    ResourcePath::new("apps", "v1", plural).namespace("default")
}

fn core(plural: &str) -> ResourcePath {
    ResourcePath::core("v1", plural).namespace("default")
}

fn batch(plural: &str) -> ResourcePath {
    ResourcePath::new("batch", "v1", plural).namespace("default")
}

async fn created(path: &ResourcePath, object: Value) -> Value {
    create(&cluster(), path, &object).await
}

#[tokio::test]
async fn a_pod_gets_its_spec_defaults_admission_and_a_pending_status() {
    let pod = json!({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
        "spec": {"containers": [{
            "name": "web", "image": "nginx:1.27",
            "ports": [{"containerPort": 80}],
            "readinessProbe": {"httpGet": {"port": 80}},
            "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}},
            "env": [{"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}]
        }],
        "volumes": [{"name": "config", "configMap": {"name": "settings"}}, {"name": "scratch"}]}
    });
    insta::assert_json_snapshot!(created(&core("pods"), pod).await);
}

#[tokio::test]
async fn a_deployment_gets_a_rolling_update_and_template_defaults() {
    let deployment = workload("Deployment", "web");
    insta::assert_json_snapshot!(created(&apps("deployments"), deployment).await);
}

#[tokio::test]
async fn a_replicaset_gets_one_replica() {
    let replica_set = workload("ReplicaSet", "web");
    insta::assert_json_snapshot!(created(&apps("replicasets"), replica_set).await);
}

#[tokio::test]
async fn a_statefulset_gets_ordered_pods_partition_zero_and_claim_defaults() {
    let stateful_set = json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
        "spec": {
            "serviceName": "db",
            "selector": {"matchLabels": {"app": "web"}}, "template": pod_template(),
            "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {
                "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]
        }
    });
    insta::assert_json_snapshot!(created(&apps("statefulsets"), stateful_set).await);
}

#[tokio::test]
async fn a_daemonset_rolls_one_node_at_a_time() {
    let daemon_set = workload("DaemonSet", "agent");
    insta::assert_json_snapshot!(created(&apps("daemonsets"), daemon_set).await);
}

#[tokio::test]
async fn a_job_gets_a_selector_and_labels_from_its_uid() {
    let job = json!({
        "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "pi"},
        "spec": {"template": {"spec": {
            "restartPolicy": "Never",
            "containers": [{"name": "pi", "image": "perl:5.34"}]}}}
    });
    insta::assert_json_snapshot!(created(&batch("jobs"), job).await);
}

#[tokio::test]
async fn a_job_with_a_manual_selector_keeps_its_own() {
    let job = json!({
        "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "pi"},
        "spec": {
            "manualSelector": true,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {
                "restartPolicy": "Never", "containers": [{"name": "pi", "image": "perl"}]}}}
    });
    let job = created(&batch("jobs"), job).await;
    assert_eq!(job["spec"]["selector"], json!({"matchLabels": {"app": "web"}}));
    assert_eq!(
        job["spec"]["template"]["metadata"]["labels"],
        json!({"app": "web"})
    );
    assert_eq!(
        job["metadata"]["labels"],
        json!({"app": "web"}),
        "the template's labels"
    );
}

#[tokio::test]
async fn a_cronjob_gets_its_history_limits() {
    let cron_job = json!({
        "apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "nightly"},
        "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": {"spec": {
            "restartPolicy": "OnFailure", "containers": [{"name": "run", "image": "busybox:1.36"}]}}}}}
    });
    insta::assert_json_snapshot!(created(&batch("cronjobs"), cron_job).await);
}

#[tokio::test]
async fn a_replicationcontroller_selects_its_template_labels() {
    let controller = json!({
        "apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": "web"},
        "spec": {"template": pod_template()}
    });
    insta::assert_json_snapshot!(created(&core("replicationcontrollers"), controller).await);
}

#[tokio::test]
async fn a_service_gets_a_cluster_ip_and_its_port_defaults() {
    let service = json!({
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}
    });
    insta::assert_json_snapshot!(created(&core("services"), service).await);
}

#[tokio::test]
async fn a_nodeport_service_gets_node_ports_and_a_traffic_policy() {
    let service = json!({
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
        "spec": {"type": "NodePort", "selector": {"app": "web"},
                 "ports": [{"name": "http", "port": 80, "targetPort": "http"}, {"name": "dns", "port": 53, "protocol": "UDP"}]}
    });
    insta::assert_json_snapshot!(created(&core("services"), service).await);
}

#[tokio::test]
async fn a_secret_is_opaque() {
    let secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "token"}, "stringData": {"token": "abc"}});
    insta::assert_json_snapshot!(created(&core("secrets"), secret).await);
}

#[tokio::test]
async fn a_claim_is_a_pending_filesystem() {
    let claim = json!({
        "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}
    });
    insta::assert_json_snapshot!(created(&core("persistentvolumeclaims"), claim).await);
}

#[tokio::test]
async fn a_namespace_is_active_labelled_and_finalized_by_kubernetes() {
    let namespace = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}});
    insta::assert_json_snapshot!(created(&ResourcePath::core("v1", "namespaces"), namespace).await);
}

#[tokio::test]
async fn defaults_apply_on_update_and_patch_too() {
    let cluster = cluster();
    let path = apps("deployments");
    let deployment = workload("Deployment", "web");
    create(&cluster, &path, &deployment).await;
    let mut replaced = deployment.clone();
    replaced["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx:1.27");
    let updated = send(
        &cluster,
        Method::PUT,
        &path.clone().name("web"),
        &[],
        Some(&replaced),
    )
    .await;
    assert_eq!(updated.code, 200, "{:?}", updated.body);
    let container = &updated.body["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(
        container["imagePullPolicy"], "IfNotPresent",
        "defaulted again for the new image"
    );
    assert_eq!(updated.body["spec"]["revisionHistoryLimit"], 10);
    assert_eq!(updated.body["metadata"]["generation"], 2, "the template changed");
    assert_eq!(updated.body["status"], json!({}), "status from the stored object");

    let unchanged = send(
        &cluster,
        Method::PUT,
        &path.clone().name("web"),
        &[],
        Some(&replaced),
    )
    .await;
    assert_eq!(
        unchanged.body["metadata"]["generation"], 2,
        "defaults alone are no change"
    );
    assert_eq!(
        unchanged.body["metadata"]["resourceVersion"],
        updated.body["metadata"]["resourceVersion"]
    );
}

fn service(name: &str, spec: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": spec})
}

/// The first cause of the 422 a create of Service `b` with `spec` gets.
async fn refusal(cluster: &FakeCluster, spec: Value) -> (String, String) {
    let answer = send(
        cluster,
        Method::POST,
        &core("services"),
        &[],
        Some(&service("b", spec)),
    )
    .await;
    assert_eq!(answer.code, 422, "{}", answer.body);
    let cause = &answer.body["details"]["causes"][0];
    let text = |field: &str| cause[field].as_str().unwrap_or_default().to_owned();
    (text("field"), text("message"))
}

#[tokio::test]
async fn service_allocations_conflict_and_are_released_on_delete() {
    let cluster = cluster();
    let path = core("services");
    let held =
        json!({"type": "NodePort", "ports": [{"port": 80, "nodePort": 30080}], "clusterIP": "10.96.0.10"});
    let first = create(&cluster, &path, &service("a", held.clone())).await;
    assert_eq!(first["spec"]["clusterIPs"], json!(["10.96.0.10"]));

    let taken = send(
        &cluster,
        Method::POST,
        &path,
        &[],
        Some(&service(
            "b",
            json!({"ports": [{"port": 80}], "clusterIP": "10.96.0.10"}),
        )),
    )
    .await;
    assert_eq!(
        taken.body["message"],
        "Service \"b\" is invalid: spec.clusterIPs: Invalid value: []string{\"10.96.0.10\"}: failed to allocate IP 10.96.0.10: provided IP is already allocated"
    );
    let (_, outside) = refusal(
        &cluster,
        json!({"ports": [{"port": 80}], "clusterIP": "192.168.0.1"}),
    )
    .await;
    assert_eq!(
        outside,
        "Invalid value: []string{\"192.168.0.1\"}: failed to allocate IP 192.168.0.1: the provided IP (192.168.0.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12"
    );
    let port_taken = refusal(
        &cluster,
        json!({"type": "NodePort", "ports": [{"port": 80, "nodePort": 30080}]}),
    )
    .await;
    let expected = (
        "spec.ports[0].nodePort",
        "Invalid value: 30080: provided port is already allocated",
    );
    assert_eq!((port_taken.0.as_str(), port_taken.1.as_str()), expected);
    let (_, out_of_range) = refusal(
        &cluster,
        json!({"type": "NodePort", "ports": [{"port": 80, "nodePort": 80}]}),
    )
    .await;
    assert_eq!(
        out_of_range,
        "Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767"
    );

    let deleted = send(&cluster, Method::DELETE, &path.clone().name("a"), &[], None).await;
    assert_eq!(deleted.code, 200);
    let again = create(&cluster, &path, &service("b", held)).await;
    assert_eq!(
        again["spec"]["ports"][0]["nodePort"], 30080,
        "released with the Service"
    );
}

#[tokio::test]
async fn an_update_that_leaves_out_the_allocations_keeps_them() {
    let cluster = cluster();
    let path = core("services");
    let service = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                         "spec": {"type": "NodePort", "ports": [{"port": 80}]}});
    let created = create(&cluster, &path, &service).await;
    let updated = send(
        &cluster,
        Method::PUT,
        &path.clone().name("web"),
        &[],
        Some(&service),
    )
    .await;
    assert_eq!(updated.code, 200, "{:?}", updated.body);
    assert_eq!(updated.body["spec"]["clusterIP"], created["spec"]["clusterIP"]);
    assert_eq!(
        updated.body["spec"]["ports"][0]["nodePort"],
        created["spec"]["ports"][0]["nodePort"]
    );
}

#[tokio::test]
async fn a_jobs_template_and_completions_are_fixed_once_it_runs() {
    let cluster = cluster();
    let job = json!({
        "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "pi"},
        "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "pi", "image": "perl"}]}}}
    });
    let created = create(&cluster, &batch("jobs"), &job).await;
    let mut changed = created.clone();
    changed["spec"]["template"]["spec"]["containers"][0]["image"] = json!("perl:5.40");
    changed["spec"]["completions"] = json!(3);
    let refused = send(
        &cluster,
        Method::PUT,
        &batch("jobs").name("pi"),
        &[],
        Some(&changed),
    )
    .await;
    assert_eq!(refused.code, 422, "{}", refused.body);
    let fields: Vec<&str> = refused.body["details"]["causes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|cause| cause["field"].as_str())
        .collect();
    assert_eq!(fields, ["spec.template", "spec.completions"]);

    let mut suspended = created.clone();
    suspended["spec"]["suspend"] = json!(true);
    let suspended = send(
        &cluster,
        Method::PUT,
        &batch("jobs").name("pi"),
        &[],
        Some(&suspended),
    )
    .await
    .body;
    let mut rescheduled = suspended.clone();
    rescheduled["spec"]["template"]["spec"]["nodeSelector"] = json!({"zone": "a"});
    let allowed = send(
        &cluster,
        Method::PUT,
        &batch("jobs").name("pi"),
        &[],
        Some(&rescheduled),
    )
    .await;
    assert_eq!(
        allowed.code, 200,
        "a suspended Job that never ran may move: {}",
        allowed.body
    );
}

#[tokio::test]
async fn a_namespace_keeps_its_finalizers_through_an_update() {
    let cluster = cluster();
    let path = ResourcePath::core("v1", "namespaces");
    let namespace = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}});
    let created = create(&cluster, &path, &namespace).await;
    let mut emptied = created.clone();
    emptied["spec"] = json!({});
    emptied["metadata"]["labels"] = json!({});
    let updated = send(
        &cluster,
        Method::PUT,
        &path.clone().name("team"),
        &[],
        Some(&emptied),
    )
    .await
    .body;
    assert_eq!(
        updated["spec"]["finalizers"],
        json!(["kubernetes"]),
        "only /finalize changes them"
    );
    assert_eq!(
        updated["metadata"]["labels"],
        json!({"kubernetes.io/metadata.name": "team"})
    );
}

#[tokio::test]
async fn a_pods_qos_class_follows_its_resources() {
    let cluster = cluster();
    let pod = |name: &str, resources: Value| {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
               "spec": {"containers": [{"name": "c", "image": "busybox:1.36", "resources": resources}]}})
    };
    let best_effort = create(&cluster, &core("pods"), &pod("a", json!({}))).await;
    assert_eq!(best_effort["status"]["qosClass"], "BestEffort");
    let burstable = create(
        &cluster,
        &core("pods"),
        &pod("b", json!({"requests": {"memory": "64Mi"}})),
    )
    .await;
    assert_eq!(burstable["status"]["qosClass"], "Burstable");
    let guaranteed = create(
        &cluster,
        &core("pods"),
        &pod("c", json!({"limits": {"cpu": "1", "memory": "1Gi"}})),
    )
    .await;
    assert_eq!(
        guaranteed["status"]["qosClass"], "Guaranteed",
        "requests default to limits"
    );
    assert_eq!(
        guaranteed["spec"]["containers"][0]["resources"]["requests"],
        json!({"cpu": "1", "memory": "1Gi"})
    );
    let partial = create(
        &cluster,
        &core("pods"),
        &pod(
            "d",
            json!({"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "500m"}}),
        ),
    )
    .await;
    assert_eq!(
        partial["spec"]["containers"][0]["resources"]["requests"],
        json!({"cpu": "500m", "memory": "1Gi"}),
        "a request set is kept; only the missing ones come from the limits"
    );
    assert_eq!(partial["status"]["qosClass"], "Burstable");
}

#[tokio::test]
async fn an_apply_that_creates_is_defaulted_and_owns_what_it_sent() {
    let cluster = cluster();
    let deployment = workload("Deployment", "web");
    let apply = rudder::rest::RequestBuilder::new(Method::PATCH, &apps("deployments").name("web"))
        .expect("a path")
        .query("fieldManager", "gitops")
        .body(deployment.to_string(), "application/apply-patch+yaml");
    let applied = send_request(&cluster, apply).await;
    assert_eq!(applied.code, 201, "{}", applied.body);
    assert_eq!(
        applied.body["spec"]["strategy"]["rollingUpdate"]["maxSurge"],
        "25%"
    );
    assert_eq!(applied.body["status"], json!({}));
    let entries = applied.body["metadata"]["managedFields"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["operation"], "Apply");
    assert!(
        entries[0]["fieldsV1"]["f:spec"]
            .get("f:revisionHistoryLimit")
            .is_none(),
        "an applier owns what it sent, not the defaults"
    );
}
