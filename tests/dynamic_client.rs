//! Every verb of `DynamicClient` over the live client against wiremock,
//! on the sample-controller Foo and on built-in kinds, with no compiled-in types.

mod api_support;

use api_support::{event, foo, list, not_found, pod, rest_for, status};
use futures::{StreamExt, TryStreamExt};
use rudder::dynamic::{Dynamic, DynamicClient};
use rudder::types::{
    ApiResource, DeleteParams, Deletion, DynamicObject, ListParams, Patch, PatchParams, PostParams, Scope,
    WatchEvent, WatchParams,
};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const FOOS: &str = "/apis/samplecontroller.k8s.io/v1alpha1/namespaces/default/foos";

fn foos_resource() -> ApiResource {
    ApiResource::new(
        "samplecontroller.k8s.io",
        "v1alpha1",
        "Foo",
        "foos",
        Scope::Namespaced,
    )
}

async fn foos() -> (MockServer, DynamicClient) {
    let server = MockServer::start().await;
    let client = DynamicClient::namespaced(rest_for(&server), foos_resource(), "default").unwrap();
    (server, client)
}

async fn respond(server: &MockServer, verb: &str, at: &str, code: u16, body: serde_json::Value) {
    Mock::given(method(verb))
        .and(path(at))
        .respond_with(ResponseTemplate::new(code).set_body_json(body))
        .mount(server)
        .await;
}

#[tokio::test]
async fn get_and_get_opt_keep_every_field() {
    let (server, foos) = foos().await;
    respond(
        &server,
        "GET",
        &format!("{FOOS}/example-foo"),
        200,
        foo("example-foo", 1, Some(1)),
    )
    .await;
    respond(
        &server,
        "GET",
        &format!("{FOOS}/nope"),
        404,
        not_found("foos.samplecontroller.k8s.io", "nope"),
    )
    .await;
    let object = foos.get("example-foo").await.unwrap();
    assert_eq!(object.kind, "Foo");
    assert_eq!(object.data["spec"]["deploymentName"], "example-foo");
    assert_eq!(object.data["status"]["availableReplicas"], 1);
    assert!(foos.get("nope").await.unwrap_err().is_not_found());
    assert_eq!(foos.get_opt("nope").await.unwrap(), None);
}

#[tokio::test]
async fn list_items_of_a_built_in_kind_get_their_api_version_and_kind() {
    let server = MockServer::start().await;
    let pods = ApiResource::new("", "v1", "Pod", "pods", Scope::Namespaced);
    let client = DynamicClient::all(rest_for(&server), pods);
    let mut item = pod("default", "a", "Running");
    item.as_object_mut().unwrap().remove("kind");
    item.as_object_mut().unwrap().remove("apiVersion");
    Mock::given(method("GET"))
        .and(path("/api/v1/pods"))
        .and(query_param("fieldSelector", "status.phase=Running"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list("PodList", vec![item], "90", None)))
        .mount(&server)
        .await;
    let page = client
        .list(&ListParams::default().fields("status.phase=Running"))
        .await
        .unwrap();
    assert_eq!(page.items[0].name(), Some("a"));
    assert_eq!(page.items[0].data["status"]["phase"], "Running");
    assert_eq!(page.resource_version(), Some("90"));
    // Filled in from the resource, so the item can be told apart and sent back.
    assert_eq!(page.items[0].api_version, "v1");
    assert_eq!(page.items[0].kind, "Pod");
    let streamed: Vec<_> = client
        .list_stream(&ListParams::default().fields("status.phase=Running"))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        (streamed[0].api_version.as_str(), streamed[0].kind.as_str()),
        ("v1", "Pod")
    );
}

#[tokio::test]
async fn create_and_replace_send_the_object_as_is() {
    let (server, foos) = foos().await;
    let object = DynamicObject::new("example-foo", &foos_resource())
        .with_data(json!({"spec": {"deploymentName": "example-foo", "replicas": 1}}));
    let sent = json!({
        "apiVersion": "samplecontroller.k8s.io/v1alpha1",
        "kind": "Foo",
        "metadata": {"name": "example-foo"},
        "spec": {"deploymentName": "example-foo", "replicas": 1}
    });
    Mock::given(method("POST"))
        .and(path(FOOS))
        .and(body_json(&sent))
        .respond_with(ResponseTemplate::new(201).set_body_json(foo("example-foo", 1, None)))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("{FOOS}/example-foo")))
        .respond_with(ResponseTemplate::new(409).set_body_json(status(
            409,
            "Conflict",
            r#"Operation cannot be fulfilled on foos.samplecontroller.k8s.io "example-foo": the object has been modified; please apply your changes to the latest version and try again"#,
            json!({"name": "example-foo", "group": "samplecontroller.k8s.io", "kind": "foos"}),
        )))
        .mount(&server)
        .await;
    let created = foos.create(&PostParams::default(), &object).await.unwrap();
    assert_eq!(created.metadata.uid.as_deref(), Some("uid-example-foo"));
    let error = foos
        .replace("example-foo", &PostParams::default(), &created)
        .await
        .unwrap_err();
    assert!(error.is_conflict());
}

#[tokio::test]
async fn patch_and_apply_send_their_content_types() {
    let (server, foos) = foos().await;
    Mock::given(method("PATCH"))
        .and(path(format!("{FOOS}/example-foo")))
        .and(header("content-type", "application/merge-patch+json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(foo("example-foo", 2, None)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("{FOOS}/example-foo")))
        .and(header("content-type", "application/apply-patch+yaml"))
        .and(query_param("fieldManager", "gitops"))
        .and(body_json(json!({
            "apiVersion": "samplecontroller.k8s.io/v1alpha1",
            "kind": "Foo",
            "metadata": {"name": "example-foo"},
            "spec": {"replicas": 4}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(foo("example-foo", 4, None)))
        .expect(1)
        .mount(&server)
        .await;
    let patched = foos
        .patch(
            "example-foo",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 2}})),
        )
        .await
        .unwrap();
    assert_eq!(patched.data["spec"]["replicas"], 2);
    let wanted =
        DynamicObject::new("example-foo", &foos_resource()).with_data(json!({"spec": {"replicas": 4}}));
    let applied = foos.apply(&PatchParams::apply("gitops"), &wanted).await.unwrap();
    assert_eq!(applied.data["spec"]["replicas"], 4);
    let nameless = DynamicObject::default();
    let error = foos
        .apply(&PatchParams::apply("gitops"), &nameless)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("metadata.name"), "{error}");
}

#[tokio::test]
async fn delete_returns_object_or_status_and_delete_collection_the_list() {
    let (server, foos) = foos().await;
    let mut finalizing = foo("held", 1, None);
    finalizing["metadata"]["deletionTimestamp"] = json!("2026-11-26T10:05:00Z");
    finalizing["metadata"]["finalizers"] = json!(["samplecontroller.k8s.io/cleanup"]);
    respond(&server, "DELETE", &format!("{FOOS}/held"), 200, finalizing).await;
    respond(
        &server,
        "DELETE",
        &format!("{FOOS}/example-foo"),
        200,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": {"name": "example-foo", "group": "samplecontroller.k8s.io", "kind": "foos", "uid": "uid-example-foo"}}),
    )
    .await;
    respond(
        &server,
        "DELETE",
        FOOS,
        200,
        list("FooList", vec![foo("a", 1, None)], "7", None),
    )
    .await;
    let held = foos.delete("held", &DeleteParams::default()).await.unwrap();
    assert!(held.object().unwrap().metadata.deletion_timestamp.is_some());
    let gone = foos
        .delete("example-foo", &DeleteParams::default())
        .await
        .unwrap();
    assert!(matches!(gone, Deletion::Status(status) if status.status == "Success"));
    let all = foos
        .delete_collection(&DeleteParams::default(), &ListParams::default())
        .await
        .unwrap();
    assert_eq!(all.object().unwrap().items[0].name(), Some("a"));
}

#[tokio::test]
async fn watch_decodes_dynamic_objects() {
    let (server, foos) = foos().await;
    let body = [
        event("ADDED", foo("a", 1, None)),
        event("MODIFIED", foo("a", 2, None)),
    ]
    .concat();
    Mock::given(method("GET"))
        .and(path(FOOS))
        .and(query_param("watch", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_string(body))
        .mount(&server)
        .await;
    let events: Vec<WatchEvent<DynamicObject>> = foos
        .watch(&WatchParams::default())
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert!(matches!(&events[1], WatchEvent::Modified(object) if object.data["spec"]["replicas"] == 2));
}

#[tokio::test]
async fn subresources_get_replace_and_patch() {
    let (server, foos) = foos().await;
    let status_path = format!("{FOOS}/example-foo/status");
    respond(&server, "GET", &status_path, 200, foo("example-foo", 1, Some(0))).await;
    respond(&server, "PUT", &status_path, 200, foo("example-foo", 1, Some(1))).await;
    Mock::given(method("PATCH"))
        .and(path(format!("{FOOS}/example-foo/scale")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": {"name": "example-foo", "namespace": "default"},
            "spec": {"replicas": 3}, "status": {"replicas": 1}
        })))
        .mount(&server)
        .await;
    let current = foos.get_subresource("status", "example-foo").await.unwrap();
    assert_eq!(current.data["status"]["availableReplicas"], 0);
    let replaced = foos
        .replace_subresource("status", "example-foo", &PostParams::default(), &current)
        .await
        .unwrap();
    assert_eq!(replaced.data["status"]["availableReplicas"], 1);
    let scale = foos
        .patch_subresource(
            "scale",
            "example-foo",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 3}})),
        )
        .await
        .unwrap();
    assert_eq!(scale.kind, "Scale");
}

#[tokio::test]
async fn the_pager_works_on_dynamic_objects() {
    let (server, foos) = foos().await;
    Mock::given(method("GET"))
        .and(path(FOOS))
        .and(query_param("limit", "1"))
        .and(wiremock::matchers::query_param_is_missing("continue"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list(
            "FooList",
            vec![foo("a", 1, None)],
            "9",
            Some("t1"),
        )))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(FOOS))
        .and(query_param("continue", "t1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list(
            "FooList",
            vec![foo("b", 1, None)],
            "9",
            None,
        )))
        .mount(&server)
        .await;
    let params = ListParams::default().limit(1);
    let all = foos.list_all(&params).await.unwrap();
    assert_eq!(all.items.len(), 2);
    let streamed: Vec<_> = foos
        .list_stream(&params)
        .map(|item| item.unwrap().name().map(str::to_owned))
        .collect()
        .await;
    assert_eq!(streamed, [Some("a".to_owned()), Some("b".to_owned())]);
}

#[tokio::test]
async fn handles_of_the_wrong_scope_are_refused() {
    let server = MockServer::start().await;
    let nodes = ApiResource::new("", "v1", "Node", "nodes", Scope::Cluster);
    let error = DynamicClient::namespaced(rest_for(&server), nodes.clone(), "default").unwrap_err();
    assert!(error.to_string().contains("nodes is cluster-scoped"), "{error}");
    let error = DynamicClient::cluster(rest_for(&server), foos_resource()).unwrap_err();
    assert!(error.to_string().contains("foos is namespaced"), "{error}");
    let client = DynamicClient::cluster(rest_for(&server), nodes).unwrap();
    respond(
        &server,
        "GET",
        "/api/v1/nodes/node-1",
        200,
        json!({"kind": "Node", "apiVersion": "v1", "metadata": {"name": "node-1"}}),
    )
    .await;
    assert_eq!(client.get("node-1").await.unwrap().name(), Some("node-1"));
    assert_eq!(client.resource().plural, "nodes");
}
