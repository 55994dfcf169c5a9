//! PATCH on the fake cluster: the four patch types, with the cases the
//! Kubernetes docs give for each, on objects, status and scale.

mod cluster_support;

use cluster_support::*;
use http::Method;
use rudder::rest::{RequestBuilder, ResourcePath};
use rudder_testkit::FakeCluster;
use serde_json::{Value, json};

const JSON_PATCH: &str = "application/json-patch+json";
const MERGE: &str = "application/merge-patch+json";
const STRATEGIC: &str = "application/strategic-merge-patch+json";
const APPLY: &str = "application/apply-patch+yaml";

async fn patch(
    cluster: &FakeCluster,
    path: &ResourcePath,
    content_type: &str,
    body: &str,
    query: &[(&str, &str)],
) -> Answer {
    let mut builder = RequestBuilder::new(Method::PATCH, path)
        .unwrap()
        .body(body.to_owned(), content_type);
    for (key, value) in query {
        builder = builder.query(*key, value);
    }
    send_request(cluster, builder).await
}

fn deployments() -> ResourcePath {
    ResourcePath::new("apps", "v1", "deployments").namespace("default")
}

/// The docs' example: a deployment with one nginx container, patched with a
/// second container and tolerations.
fn docs_deployment() -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "patch-demo"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "nginx"}},
            "template": {"metadata": {"labels": {"app": "nginx"}},
                "spec": {"containers": [{"name": "patch-demo-ctr", "image": "nginx", "ports": [{"containerPort": 80}]}],
                    "tolerations": [{"effect": "NoSchedule", "key": "dedicated", "value": "test-team"}]}}}})
}

fn container_names(object: &Value) -> Vec<&str> {
    object["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|container| container["name"].as_str())
        .collect()
}

#[tokio::test]
async fn strategic_merge_merges_containers_by_name_and_replaces_tolerations() {
    let cluster = FakeCluster::new();
    create(&cluster, &deployments(), &docs_deployment()).await;
    let body =
        r#"{"spec":{"template":{"spec":{"containers":[{"name":"patch-demo-ctr-2","image":"redis"}]}}}}"#;
    let answer = patch(&cluster, &deployments().name("patch-demo"), STRATEGIC, body, &[]).await;
    assert_eq!(answer.code, 200, "{:?}", answer.body);
    assert_eq!(
        container_names(&answer.body),
        ["patch-demo-ctr-2", "patch-demo-ctr"]
    );
    assert_eq!(answer.body["metadata"]["generation"], 2);

    let tolerations = r#"{"spec":{"template":{"spec":{"tolerations":[{"effect":"NoSchedule","key":"disktype","value":"ssd"}]}}}}"#;
    let answer = patch(
        &cluster,
        &deployments().name("patch-demo"),
        STRATEGIC,
        tolerations,
        &[],
    )
    .await;
    let list = answer.body["spec"]["template"]["spec"]["tolerations"]
        .as_array()
        .unwrap();
    assert_eq!(list.len(), 1, "tolerations have no merge key: replaced");

    let delete =
        r#"{"spec":{"template":{"spec":{"containers":[{"name":"patch-demo-ctr","$patch":"delete"}]}}}}"#;
    let answer = patch(
        &cluster,
        &deployments().name("patch-demo"),
        STRATEGIC,
        delete,
        &[],
    )
    .await;
    assert_eq!(container_names(&answer.body), ["patch-demo-ctr-2"]);
}

#[tokio::test]
async fn merge_patch_replaces_lists_and_null_removes() {
    let cluster = FakeCluster::new();
    create(&cluster, &deployments(), &docs_deployment()).await;
    let body = r#"{"metadata":{"labels":{"a":"b"}},"spec":{"template":{"spec":{"containers":[{"name":"patch-demo-ctr-3","image":"gcr.io/google-samples/hello-app:2.0"}]}}}}"#;
    let answer = patch(&cluster, &deployments().name("patch-demo"), MERGE, body, &[]).await;
    assert_eq!(
        container_names(&answer.body),
        ["patch-demo-ctr-3"],
        "a merge patch replaces lists"
    );
    let answer = patch(
        &cluster,
        &deployments().name("patch-demo"),
        MERGE,
        r#"{"metadata":{"labels":{"a":null}}}"#,
        &[],
    )
    .await;
    assert!(answer.body["metadata"]["labels"].get("a").is_none());
}

#[tokio::test]
async fn json_patch_applies_operations_in_order_and_test_guards_them() {
    let cluster = FakeCluster::new();
    create(&cluster, &deployments(), &docs_deployment()).await;
    let body = r#"[{"op":"test","path":"/spec/replicas","value":2},{"op":"replace","path":"/spec/replicas","value":3},{"op":"add","path":"/metadata/labels","value":{"x":"y"}}]"#;
    let answer = patch(&cluster, &deployments().name("patch-demo"), JSON_PATCH, body, &[]).await;
    assert_eq!(answer.code, 200, "{:?}", answer.body);
    assert_eq!(answer.body["spec"]["replicas"], 3);
    let before = cluster.resource_version();
    let failing = r#"[{"op":"test","path":"/spec/replicas","value":2},{"op":"replace","path":"/spec/replicas","value":9}]"#;
    let answer = patch(
        &cluster,
        &deployments().name("patch-demo"),
        JSON_PATCH,
        failing,
        &[],
    )
    .await;
    assert_eq!(answer.code, 422, "{:?}", answer.body);
    assert_eq!(
        cluster.resource_version(),
        before,
        "a failed test changes nothing"
    );
    let malformed = patch(
        &cluster,
        &deployments().name("patch-demo"),
        JSON_PATCH,
        "{not json",
        &[],
    )
    .await;
    assert_eq!(malformed.code, 400);
}

#[tokio::test]
async fn server_side_apply_creates_tracks_owners_and_conflicts() {
    // Deterministic: managedFields record the time, which must not move between applies.
    let cluster = FakeCluster::builder().deterministic().build();
    let path = configmaps("default").name("applied");
    let alice = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  a: \"1\"\n";
    let missing_manager = patch(&cluster, &path, APPLY, alice, &[]).await;
    assert_eq!(missing_manager.code, 422);
    let created = patch(&cluster, &path, APPLY, alice, &[("fieldManager", "alice")]).await;
    assert_eq!(created.code, 201, "apply creates: {:?}", created.body);
    assert_eq!(created.body["metadata"]["managedFields"][0]["manager"], "alice");
    assert_eq!(created.body["metadata"]["managedFields"][0]["operation"], "Apply");

    let bob = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  a: \"2\"\n";
    let conflict = patch(&cluster, &path, APPLY, bob, &[("fieldManager", "bob")]).await;
    assert_eq!(conflict.code, 409);
    assert_eq!(conflict.body["reason"], "Conflict");
    assert_eq!(
        conflict.body["details"]["causes"][0]["reason"],
        "FieldManagerConflict"
    );
    assert!(
        conflict.body["message"]
            .as_str()
            .unwrap()
            .starts_with("Apply failed with 1 conflict"),
        "{:?}",
        conflict.body
    );

    let forced = patch(
        &cluster,
        &path,
        APPLY,
        bob,
        &[("fieldManager", "bob"), ("force", "true")],
    )
    .await;
    assert_eq!(forced.code, 200);
    assert_eq!(forced.body["data"]["a"], "2");
    let again = patch(&cluster, &path, APPLY, bob, &[("fieldManager", "bob")]).await;
    assert_eq!(
        rv(&again.body),
        rv(&forced.body),
        "re-applying the same intent writes nothing"
    );
}

#[tokio::test]
async fn patches_of_status_and_scale_touch_only_them() {
    let cluster = FakeCluster::new();
    create(&cluster, &deployments(), &docs_deployment()).await;
    let status = r#"{"status":{"replicas":2},"spec":{"replicas":7}}"#;
    let answer = patch(
        &cluster,
        &deployments().name("patch-demo").subresource("status"),
        MERGE,
        status,
        &[],
    )
    .await;
    assert_eq!(answer.body["status"]["replicas"], 2);
    assert_eq!(answer.body["spec"]["replicas"], 2, "a status patch leaves spec");
    let main = patch(
        &cluster,
        &deployments().name("patch-demo"),
        MERGE,
        r#"{"status":{"replicas":0}}"#,
        &[],
    )
    .await;
    assert_eq!(main.body["status"]["replicas"], 2, "a main patch leaves status");
    let scale = patch(
        &cluster,
        &deployments().name("patch-demo").subresource("scale"),
        MERGE,
        r#"{"spec":{"replicas":4}}"#,
        &[],
    )
    .await;
    assert_eq!(scale.code, 200, "{:?}", scale.body);
    assert_eq!(scale.body["kind"], "Scale");
    assert_eq!(
        get(&cluster, &deployments().name("patch-demo")).await.body["spec"]["replicas"],
        4
    );
}

#[tokio::test]
async fn a_patch_of_a_missing_object_is_not_found_and_unknown_types_are_415() {
    let cluster = FakeCluster::new();
    let missing = patch(&cluster, &configmaps("default").name("nope"), MERGE, "{}", &[]).await;
    assert_eq!(missing.code, 404);
    create(&cluster, &configmaps("default"), &configmap("a", "1")).await;
    let unknown = patch(
        &cluster,
        &configmaps("default").name("a"),
        "application/xml",
        "<a/>",
        &[],
    )
    .await;
    assert_eq!(unknown.code, 415);
}

#[tokio::test]
async fn an_update_by_a_field_manager_is_recorded_and_conflicts_with_a_later_apply() {
    let cluster = FakeCluster::builder().deterministic().build();
    let answer = send(
        &cluster,
        Method::POST,
        &configmaps("default"),
        &[("fieldManager", "controller")],
        Some(&configmap("shared", "1")),
    )
    .await;
    assert_eq!(answer.code, 201);
    assert_eq!(
        answer.body["metadata"]["managedFields"][0]["manager"],
        "controller"
    );
    assert_eq!(answer.body["metadata"]["managedFields"][0]["operation"], "Update");
    let applied = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\ndata:\n  value: \"2\"\n";
    let conflict = patch(
        &cluster,
        &configmaps("default").name("shared"),
        APPLY,
        applied,
        &[("fieldManager", "kubectl")],
    )
    .await;
    assert_eq!(conflict.code, 409, "{:?}", conflict.body);
}
