//! Deletion on the fake cluster: finalizers and deletionTimestamp,
//! preconditions, pods' grace period, namespace deletion, and cascading
//! deletion through ownerReferences (Background, Foreground, Orphan).

mod cluster_support;

use std::time::Duration;

use cluster_support::*;
use http::Method;
use rudder::rest::ResourcePath;
use rudder_testkit::FakeCluster;
use serde_json::{Value, json};

#[tokio::test]
async fn a_finalizer_keeps_the_object_until_it_is_removed() {
    let cluster = FakeCluster::new();
    let mut object = configmap("guarded", "1");
    object["metadata"]["finalizers"] = json!(["example.com/cleanup"]);
    create(&cluster, &configmaps("default"), &object).await;

    let deleted = send(
        &cluster,
        Method::DELETE,
        &configmaps("default").name("guarded"),
        &[],
        None,
    )
    .await;
    assert_eq!(deleted.code, 200);
    assert!(deleted.body["metadata"]["deletionTimestamp"].is_string());
    let still_there = get(&cluster, &configmaps("default").name("guarded")).await;
    assert_eq!(still_there.code, 200);

    let mut adding = still_there.body.clone();
    adding["metadata"]["finalizers"] = json!(["example.com/cleanup", "example.com/another"]);
    let refused = send(
        &cluster,
        Method::PUT,
        &configmaps("default").name("guarded"),
        &[],
        Some(&adding),
    )
    .await;
    assert_eq!(refused.code, 422, "no new finalizers on an object being deleted");

    let mut released = still_there.body.clone();
    released["metadata"]["finalizers"] = json!([]);
    let answer = send(
        &cluster,
        Method::PUT,
        &configmaps("default").name("guarded"),
        &[],
        Some(&released),
    )
    .await;
    assert_eq!(answer.code, 200);
    assert_eq!(
        get(&cluster, &configmaps("default").name("guarded")).await.code,
        404
    );
}

#[tokio::test]
async fn deletion_preconditions_are_checked() {
    let cluster = FakeCluster::new();
    let created = create(&cluster, &configmaps("default"), &configmap("a", "1")).await;
    let cases = [
        (
            json!({"preconditions": {"uid": "not-the-uid"}}),
            409,
            "Precondition failed: UID in precondition: not-the-uid",
        ),
        (
            json!({"preconditions": {"resourceVersion": "1"}}),
            409,
            "Precondition failed: ResourceVersion in precondition: 1",
        ),
    ];
    for (options, code, message) in cases {
        let answer = send(
            &cluster,
            Method::DELETE,
            &configmaps("default").name("a"),
            &[],
            Some(&options),
        )
        .await;
        assert_eq!(answer.code, code);
        assert!(
            answer.body["message"].as_str().unwrap().contains(message),
            "{:?}",
            answer.body
        );
    }
    let matching = json!({"preconditions": {"uid": created["metadata"]["uid"], "resourceVersion": created["metadata"]["resourceVersion"]}});
    let answer = send(
        &cluster,
        Method::DELETE,
        &configmaps("default").name("a"),
        &[],
        Some(&matching),
    )
    .await;
    assert_eq!(answer.code, 200);
    assert_eq!(answer.body["status"], "Success");
    assert_eq!(answer.body["details"]["name"], "a");
    let again = send(
        &cluster,
        Method::DELETE,
        &configmaps("default").name("a"),
        &[],
        None,
    )
    .await;
    assert_eq!(again.code, 404);
}

fn pods() -> ResourcePath {
    ResourcePath::core("v1", "pods").namespace("default")
}

#[tokio::test]
async fn a_bound_pod_stays_for_its_grace_period() {
    let cluster = FakeCluster::builder().deterministic().build();
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
        "spec": {"nodeName": "n1", "terminationGracePeriodSeconds": 10, "containers": [{"name": "c", "image": "x"}]}});
    create(&cluster, &pods(), &pod).await;
    let deleted = send(&cluster, Method::DELETE, &pods().name("p"), &[], None)
        .await
        .body;
    assert_eq!(deleted["metadata"]["deletionGracePeriodSeconds"], 10);
    cluster.advance(Duration::from_secs(5));
    assert_eq!(get(&cluster, &pods().name("p")).await.code, 200);
    cluster.advance(Duration::from_secs(5));
    assert_eq!(get(&cluster, &pods().name("p")).await.code, 404);

    create(&cluster, &pods(), &pod).await;
    send(
        &cluster,
        Method::DELETE,
        &pods().name("p"),
        &[("gracePeriodSeconds", "0")],
        None,
    )
    .await;
    assert_eq!(
        get(&cluster, &pods().name("p")).await.code,
        404,
        "grace 0 deletes at once"
    );
}

fn owned_by(name: &str, owner: &Value) -> Value {
    let mut object = configmap(name, "1");
    object["metadata"]["ownerReferences"] = json!([{
        "apiVersion": "apps/v1", "kind": "Deployment",
        "name": owner["metadata"]["name"], "uid": owner["metadata"]["uid"],
        "blockOwnerDeletion": true,
    }]);
    object
}

fn owner_deployment() -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "owner"},
        "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "c", "image": "x"}]}}}})
}

fn deployments() -> ResourcePath {
    ResourcePath::new("apps", "v1", "deployments").namespace("default")
}

#[tokio::test]
async fn cascading_deletion_follows_the_propagation_policy() {
    for policy in ["Background", "Foreground", "Orphan"] {
        let cluster = FakeCluster::new();
        let owner = create(&cluster, &deployments(), &owner_deployment()).await;
        let mut guarded = owned_by("guarded", &owner);
        guarded["metadata"]["finalizers"] = json!(["example.com/hold"]);
        create(&cluster, &configmaps("default"), &owned_by("dependent", &owner)).await;
        create(&cluster, &configmaps("default"), &guarded).await;

        let options = json!({"propagationPolicy": policy});
        let answer = send(
            &cluster,
            Method::DELETE,
            &deployments().name("owner"),
            &[],
            Some(&options),
        )
        .await;
        assert_eq!(answer.code, 200, "{policy}: {:?}", answer.body);
        let owner_now = get(&cluster, &deployments().name("owner")).await;
        let dependent = get(&cluster, &configmaps("default").name("dependent")).await;
        let guarded_now = get(&cluster, &configmaps("default").name("guarded")).await;
        match policy {
            "Background" => {
                assert_eq!(owner_now.code, 404, "{policy}: the owner goes at once");
                assert_eq!(dependent.code, 404, "{policy}: the collector deletes dependents");
                assert!(guarded_now.body["metadata"]["deletionTimestamp"].is_string());
            }
            "Foreground" => {
                assert_eq!(
                    owner_now.code, 200,
                    "{policy}: the owner waits for its dependents"
                );
                assert_eq!(
                    owner_now.body["metadata"]["finalizers"],
                    json!(["foregroundDeletion"])
                );
                assert_eq!(dependent.code, 404);
                let mut released = guarded_now.body.clone();
                released["metadata"]["finalizers"] = json!([]);
                send(
                    &cluster,
                    Method::PUT,
                    &configmaps("default").name("guarded"),
                    &[],
                    Some(&released),
                )
                .await;
                assert_eq!(
                    get(&cluster, &deployments().name("owner")).await.code,
                    404,
                    "gone once its dependents are"
                );
            }
            _ => {
                assert_eq!(
                    owner_now.code, 404,
                    "{policy}: the owner goes once orphaning is done"
                );
                assert_eq!(dependent.code, 200);
                assert!(
                    dependent.body["metadata"].get("ownerReferences").is_none(),
                    "{:?}",
                    dependent.body
                );
                assert!(guarded_now.body["metadata"].get("deletionTimestamp").is_none());
            }
        }
    }
}

#[tokio::test]
async fn deleting_a_namespace_deletes_what_it_holds() {
    let cluster = FakeCluster::new();
    let namespaces = ResourcePath::core("v1", "namespaces");
    create(&cluster, &namespaces, &json!({"metadata": {"name": "team"}})).await;
    create(&cluster, &configmaps("team"), &configmap("a", "1")).await;
    let mut held = configmap("held", "1");
    held["metadata"]["finalizers"] = json!(["example.com/hold"]);
    create(&cluster, &configmaps("team"), &held).await;

    let deleted = send(
        &cluster,
        Method::DELETE,
        &namespaces.clone().name("team"),
        &[],
        None,
    )
    .await;
    assert_eq!(deleted.code, 200);
    assert_eq!(deleted.body["status"]["phase"], "Terminating");
    assert_eq!(get(&cluster, &configmaps("team").name("a")).await.code, 404);
    assert_eq!(
        get(&cluster, &namespaces.clone().name("team")).await.code,
        200,
        "held by the finalized object"
    );
    let refused = send(
        &cluster,
        Method::POST,
        &configmaps("team"),
        &[],
        Some(&configmap("new", "1")),
    )
    .await;
    assert_eq!(refused.code, 403);
    assert!(
        refused.body["message"]
            .as_str()
            .unwrap()
            .ends_with("because it is being terminated")
    );

    let mut released = get(&cluster, &configmaps("team").name("held")).await.body;
    released["metadata"]["finalizers"] = json!([]);
    send(
        &cluster,
        Method::PUT,
        &configmaps("team").name("held"),
        &[],
        Some(&released),
    )
    .await;
    assert_eq!(get(&cluster, &namespaces.name("team")).await.code, 404);
}
