//! The CRD lifecycle on the fake cluster: a created CRD is servable in the
//! same call, reports its conditions, serves its subresources and versions,
//! appears in discovery, and takes its objects with it when deleted.

mod cluster_support;

use cluster_support::*;
use http::Method;
use rudder::rest::{RequestBuilder, ResourcePath};
use rudder_testkit::FakeCluster;
use serde_json::{Value, json};

const FOO_CRD: &str = include_str!("../../fixtures/seed/foo-crd.yaml");

fn crds() -> ResourcePath {
    ResourcePath::new("apiextensions.k8s.io", "v1", "customresourcedefinitions")
}

fn foos(version: &str) -> ResourcePath {
    ResourcePath::new("samplecontroller.k8s.io", version, "foos").namespace("default")
}

fn foo(name: &str, replicas: i64) -> Value {
    json!({"apiVersion": "samplecontroller.k8s.io/v1alpha1", "kind": "Foo", "metadata": {"name": name},
        "spec": {"deploymentName": name, "replicas": replicas}, "status": {"availableReplicas": 9}})
}

fn crd_value() -> Value {
    serde_saphyr::from_str(FOO_CRD).expect("the fixture parses")
}

#[tokio::test]
async fn a_created_crd_is_established_and_servable_at_once() {
    let cluster = FakeCluster::new();
    assert_eq!(
        get(&cluster, &foos("v1alpha1")).await.code,
        404,
        "not served before the CRD"
    );
    let crd = create(&cluster, &crds(), &crd_value()).await;
    let conditions: Vec<&str> = crd["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|condition| condition["status"] == "True")
        .filter_map(|condition| condition["type"].as_str())
        .collect();
    assert_eq!(conditions, ["NamesAccepted", "Established"]);
    assert_eq!(crd["status"]["acceptedNames"]["kind"], "Foo");

    let created = create(&cluster, &foos("v1alpha1"), &foo("example", 1)).await;
    assert_eq!(created["metadata"]["generation"], 1);
    assert!(created.get("status").is_none(), "status is its own subresource");
    let other_version = get(&cluster, &foos("v1beta1").name("example")).await.body;
    assert_eq!(other_version["apiVersion"], "samplecontroller.k8s.io/v1beta1");

    let list = get(&cluster, &foos("v1alpha1")).await.body;
    assert_eq!(list["kind"], "FooList");
    assert_eq!(
        list["items"][0]["kind"], "Foo",
        "custom resources keep kind in list items"
    );
}

#[tokio::test]
async fn crd_status_and_scale_subresources_follow_the_definition() {
    let cluster = FakeCluster::new();
    create(&cluster, &crds(), &crd_value()).await;
    let created = create(&cluster, &foos("v1alpha1"), &foo("example", 2)).await;
    let mut status = created.clone();
    status["status"] = json!({"availableReplicas": 2});
    let answer = send(
        &cluster,
        Method::PUT,
        &foos("v1alpha1").name("example").subresource("status"),
        &[],
        Some(&status),
    )
    .await;
    assert_eq!(answer.code, 200, "{:?}", answer.body);
    let scale = get(&cluster, &foos("v1alpha1").name("example").subresource("scale"))
        .await
        .body;
    assert_eq!(scale["spec"]["replicas"], 2);
    assert_eq!(scale["status"]["replicas"], 2, "read from statusReplicasPath");
}

#[tokio::test]
async fn strategic_merge_patch_of_a_custom_resource_is_unsupported() {
    let cluster = FakeCluster::new();
    create(&cluster, &crds(), &crd_value()).await;
    create(&cluster, &foos("v1alpha1"), &foo("example", 1)).await;
    let builder = RequestBuilder::new(Method::PATCH, &foos("v1alpha1").name("example"))
        .unwrap()
        .body(
            r#"{"spec":{"replicas":3}}"#,
            "application/strategic-merge-patch+json",
        );
    let answer = send_request(&cluster, builder).await;
    assert_eq!(answer.code, 415);
    assert_eq!(answer.body["reason"], "UnsupportedMediaType");
}

#[tokio::test]
async fn a_crd_name_must_be_plural_dot_group() {
    let cluster = FakeCluster::new();
    let mut crd = crd_value();
    crd["metadata"]["name"] = json!("wrong.example.com");
    let answer = send(&cluster, Method::POST, &crds(), &[], Some(&crd)).await;
    assert_eq!(answer.code, 422);
    assert_eq!(answer.body["details"]["causes"][0]["field"], "metadata.name");
}

#[tokio::test]
async fn deleting_a_crd_removes_its_objects_then_its_resource() {
    let cluster = FakeCluster::new();
    create(&cluster, &crds(), &crd_value()).await;
    create(&cluster, &foos("v1alpha1"), &foo("one", 1)).await;
    create(&cluster, &foos("v1alpha1"), &foo("two", 1)).await;
    let start = cluster.resource_version().to_string();
    let mut watch = Watch::open(&cluster, &foos("v1alpha1"), &[("resourceVersion", &start)]).await;

    let answer = send(
        &cluster,
        Method::DELETE,
        &crds().name("foos.samplecontroller.k8s.io"),
        &[],
        None,
    )
    .await;
    assert_eq!(answer.code, 200, "{:?}", answer.body);
    let events = watch.rest().await;
    let deleted: Vec<&str> = events
        .iter()
        .filter(|(kind, _)| kind == "DELETED")
        .map(|(_, object)| name(object))
        .collect();
    assert_eq!(
        deleted,
        ["one", "two"],
        "watchers see the objects go, then the stream ends"
    );
    assert_eq!(
        get(&cluster, &crds().name("foos.samplecontroller.k8s.io"))
            .await
            .code,
        404
    );
    assert_eq!(
        get(&cluster, &foos("v1alpha1")).await.code,
        404,
        "the resource is no longer served"
    );
}

#[tokio::test]
async fn discovery_follows_crds() {
    let cluster = FakeCluster::new();
    let path = || RequestBuilder::raw(Method::GET, "/apis/samplecontroller.k8s.io/v1alpha1");
    assert_eq!(send_request(&cluster, path()).await.code, 404);
    create(&cluster, &crds(), &crd_value()).await;
    let document = send_request(&cluster, path()).await.body;
    let names: Vec<&str> = document["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|resource| resource["name"].as_str())
        .collect();
    assert_eq!(names, ["foos", "foos/status", "foos/scale"]);
    assert_eq!(document["resources"][0]["shortNames"], json!(["fo"]));
    let groups = send_request(&cluster, RequestBuilder::raw(Method::GET, "/apis"))
        .await
        .body;
    let group = groups["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|group| group["name"] == "samplecontroller.k8s.io")
        .expect("the CRD's group");
    assert_eq!(group["preferredVersion"]["version"], "v1alpha1");
    assert_eq!(group["versions"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_new_storage_version_joins_the_stored_versions() {
    let cluster = FakeCluster::new();
    let mut crd = create(&cluster, &crds(), &crd_value()).await;
    assert_eq!(crd["status"]["storedVersions"], json!(["v1alpha1"]));
    crd["spec"]["versions"][0]["storage"] = json!(false);
    crd["spec"]["versions"][1]["storage"] = json!(true);
    let answer = send(
        &cluster,
        Method::PUT,
        &crds().name("foos.samplecontroller.k8s.io"),
        &[],
        Some(&crd),
    )
    .await;
    assert_eq!(answer.code, 200, "{:?}", answer.body);
    assert_eq!(
        answer.body["status"]["storedVersions"],
        json!(["v1alpha1", "v1beta1"])
    );
}
