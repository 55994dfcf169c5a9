//! Every verb of `Api<K>` over the live client against wiremock, with
//! bodies in the shapes kube-apiserver sends, errors included.

mod api_support;

#[allow(dead_code)] // the tests use part of the example type
#[path = "../examples/shared/foo.rs"]
mod foo;

use api_support::{foo, list, not_found, pod, rest_for, status};
use foo::Foo;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::autoscaling::v1::{Scale, ScaleSpec};
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use rudder::typed::{Api, PodLogs, Typed};
use rudder::types::{
    DeleteParams, Deletion, FieldValidation, LabelSelector, ListParams, LogParams, Patch, PatchParams,
    PostParams, PropagationPolicy,
};
use rudder::{Error, Resource};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PODS: &str = "/api/v1/namespaces/default/pods";
const FOOS: &str = "/apis/samplecontroller.k8s.io/v1alpha1/namespaces/default/foos";

async fn pods() -> (MockServer, Api<Pod>) {
    let server = MockServer::start().await;
    let api = Api::namespaced(rest_for(&server), "default");
    (server, api)
}

#[tokio::test]
async fn get_decodes_the_object() {
    let (server, pods) = pods().await;
    Mock::given(method("GET"))
        .and(path(format!("{PODS}/web")))
        .respond_with(ResponseTemplate::new(200).set_body_json(pod("default", "web", "Running")))
        .expect(1)
        .mount(&server)
        .await;
    let pod = pods.get("web").await.unwrap();
    assert_eq!(pod.meta().name.as_deref(), Some("web"));
    assert_eq!(pod.status.unwrap().phase.as_deref(), Some("Running"));
}

#[tokio::test]
async fn get_of_a_missing_object_is_not_found_with_verb_and_url() {
    let (server, pods) = pods().await;
    Mock::given(method("GET"))
        .and(path(format!("{PODS}/nope")))
        .respond_with(ResponseTemplate::new(404).set_body_json(not_found("pods", "nope")))
        .mount(&server)
        .await;
    let error = pods.get("nope").await.unwrap_err();
    assert!(error.is_not_found());
    assert_eq!(
        error.to_string(),
        r#"GET /api/v1/namespaces/default/pods/nope: 404 NotFound: pods "nope" not found"#
    );
}

#[tokio::test]
async fn get_opt_is_none_on_404_and_some_otherwise() {
    let (server, pods) = pods().await;
    Mock::given(method("GET"))
        .and(path(format!("{PODS}/nope")))
        .respond_with(ResponseTemplate::new(404).set_body_json(not_found("pods", "nope")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{PODS}/web")))
        .respond_with(ResponseTemplate::new(200).set_body_json(pod("default", "web", "Pending")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{PODS}/forbidden")))
        .respond_with(ResponseTemplate::new(403).set_body_json(status(
            403,
            "Forbidden",
            r#"pods "forbidden" is forbidden: User "system:serviceaccount:default:x" cannot get resource "pods" in API group "" in the namespace "default""#,
            json!({"name": "forbidden", "kind": "pods"}),
        )))
        .mount(&server)
        .await;
    assert_eq!(pods.get_opt("nope").await.unwrap(), None);
    assert!(pods.get_opt("web").await.unwrap().is_some());
    assert!(pods.get_opt("forbidden").await.unwrap_err().is_forbidden());
}

#[tokio::test]
async fn a_body_that_is_not_the_kind_is_a_decode_error_naming_verb_and_url() {
    let (server, pods) = pods().await;
    Mock::given(method("GET"))
        .and(path(format!("{PODS}/web")))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"metadata\": 7}"))
        .mount(&server)
        .await;
    let error = pods.get("web").await.unwrap_err();
    assert!(matches!(error, Error::Decode { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .starts_with("GET /api/v1/namespaces/default/pods/web: cannot decode the response body:"),
        "{error}"
    );
}

#[tokio::test]
async fn list_sends_the_params_and_decodes_items_and_metadata() {
    let (server, pods) = pods().await;
    Mock::given(method("GET"))
        .and(path(PODS))
        .and(query_param("labelSelector", "app=web"))
        .and(query_param("limit", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list(
            "PodList",
            vec![pod("default", "a", "Running"), pod("default", "b", "Pending")],
            "2051",
            Some("eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MjA1MSwic3RhcnQiOiJiXHUwMDAwIn0"),
        )))
        .mount(&server)
        .await;
    let page = pods
        .list(&ListParams::default().labels("app=web").limit(2))
        .await
        .unwrap();
    let names: Vec<_> = page.iter().map(|pod| pod.meta().name.clone().unwrap()).collect();
    assert_eq!(names, ["a", "b"]);
    assert_eq!(page.resource_version(), Some("2051"));
    assert!(page.continue_token().is_some());
    assert_eq!(page.remaining_item_count(), Some(1));

    // A built selector is sent as its text.
    let built = pods
        .list(
            &ListParams::default()
                .labels_from(&LabelSelector::new().eq("app", "web"))
                .limit(2),
        )
        .await
        .unwrap();
    assert_eq!(built, page);
}

#[tokio::test]
async fn create_posts_the_object_and_reports_already_exists_and_invalid() {
    let server = MockServer::start().await;
    let foos: Api<Foo> = Api::namespaced(rest_for(&server), "default");
    let wanted = Foo::new("example-foo", "example-foo", 1);
    Mock::given(method("POST"))
        .and(path(FOOS))
        .and(query_param("fieldManager", "rudder-test"))
        .and(query_param("fieldValidation", "Strict"))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "apiVersion": "samplecontroller.k8s.io/v1alpha1",
            "kind": "Foo",
            "metadata": {"name": "example-foo"},
            "spec": {"deploymentName": "example-foo", "replicas": 1}
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(foo("example-foo", 1, None)))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let params = PostParams::default()
        .manager("rudder-test")
        .validation(FieldValidation::Strict);
    let created = foos.create(&params, &wanted).await.unwrap();
    assert_eq!(created.meta().uid.as_deref(), Some("uid-example-foo"));

    Mock::given(method("POST"))
        .and(path(FOOS))
        .respond_with(ResponseTemplate::new(409).set_body_json(status(
            409,
            "AlreadyExists",
            r#"foos.samplecontroller.k8s.io "example-foo" already exists"#,
            json!({"name": "example-foo", "group": "samplecontroller.k8s.io", "kind": "foos"}),
        )))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let error = foos.create(&params, &wanted).await.unwrap_err();
    assert!(error.is_already_exists() && !error.is_conflict(), "{error}");

    Mock::given(method("POST"))
        .and(path(FOOS))
        .respond_with(ResponseTemplate::new(422).set_body_json(status(
            422,
            "Invalid",
            r#"Foo.samplecontroller.k8s.io "example-foo" is invalid: spec.replicas: Invalid value: 20: spec.replicas in body should be less than or equal to 10"#,
            json!({
                "name": "example-foo",
                "group": "samplecontroller.k8s.io",
                "kind": "Foo",
                "causes": [{
                    "reason": "FieldValueInvalid",
                    "message": "Invalid value: 20: spec.replicas in body should be less than or equal to 10",
                    "field": "spec.replicas"
                }]
            }),
        )))
        .mount(&server)
        .await;
    let error = foos
        .create(&params, &Foo::new("example-foo", "example-foo", 20))
        .await
        .unwrap_err();
    assert!(error.is_invalid());
    let causes = &error.status().unwrap().details.as_ref().unwrap().causes;
    assert_eq!(causes[0].field, "spec.replicas");
}

#[tokio::test]
async fn replace_puts_the_object_and_reports_a_conflict() {
    let server = MockServer::start().await;
    let config_maps: Api<ConfigMap> = Api::namespaced(rest_for(&server), "default");
    let stored = json!({"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "web", "namespace": "default", "resourceVersion": "12"}, "data": {"k": "v2"}});
    Mock::given(method("PUT"))
        .and(path("/api/v1/namespaces/default/configmaps/web"))
        .and(body_json(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "web", "resourceVersion": "11"}, "data": {"k": "v2"}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(&stored))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/v1/namespaces/default/configmaps/web"))
        .respond_with(ResponseTemplate::new(409).set_body_json(status(
            409,
            "Conflict",
            r#"Operation cannot be fulfilled on configmaps "web": the object has been modified; please apply your changes to the latest version and try again"#,
            json!({"name": "web", "kind": "configmaps"}),
        )))
        .mount(&server)
        .await;
    let mut config_map: ConfigMap = serde_json::from_value(
        json!({"metadata": {"name": "web", "resourceVersion": "11"}, "data": {"k": "v2"}}),
    )
    .unwrap();
    let replaced = config_maps
        .replace("web", &PostParams::default(), &config_map)
        .await
        .unwrap();
    assert_eq!(replaced.meta().resource_version.as_deref(), Some("12"));
    config_map.meta_mut().resource_version = Some("10".into());
    let error = config_maps
        .replace("web", &PostParams::default(), &config_map)
        .await
        .unwrap_err();
    assert!(error.is_conflict());
}

#[tokio::test]
async fn each_patch_type_is_sent_with_its_content_type() {
    let (server, pods) = pods().await;
    let cases = [
        (
            Patch::Merge(json!({"metadata": {"labels": {"tier": "front"}}})),
            "application/merge-patch+json",
        ),
        (
            Patch::Strategic(json!({"spec": {"activeDeadlineSeconds": 60}})),
            "application/strategic-merge-patch+json",
        ),
        (
            Patch::Json(json!([{"op": "add", "path": "/metadata/labels/tier", "value": "front"}])),
            "application/json-patch+json",
        ),
    ];
    for (patch, content_type) in cases {
        let _guard = Mock::given(method("PATCH"))
            .and(path(format!("{PODS}/web")))
            .and(header("content-type", content_type))
            .and(body_json(patch.body()))
            .and(query_param_is_missing("fieldManager"))
            .respond_with(ResponseTemplate::new(200).set_body_json(pod("default", "web", "Running")))
            .expect(1)
            .mount_as_scoped(&server)
            .await;
        pods.patch("web", &PatchParams::default(), &patch).await.unwrap();
    }
}

#[tokio::test]
async fn apply_sends_the_field_manager_and_force() {
    let (server, pods) = pods().await;
    Mock::given(method("PATCH"))
        .and(path(format!("{PODS}/web")))
        .and(header("content-type", "application/apply-patch+yaml"))
        .and(query_param("fieldManager", "my-controller"))
        .and(query_param("force", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_json(pod("default", "web", "Running")))
        .expect(1)
        .mount(&server)
        .await;
    let patch = Patch::apply(
        &json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "labels": {"a": "b"}}}),
    )
    .unwrap();
    pods.patch("web", &PatchParams::apply("my-controller").force(), &patch)
        .await
        .unwrap();
    let error = pods
        .patch("web", &PatchParams::default(), &patch)
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Request(_)),
        "refused before sending: {error}"
    );
}

#[tokio::test]
async fn delete_returns_the_object_while_it_terminates() {
    let (server, pods) = pods().await;
    let mut terminating = pod("default", "web", "Running");
    terminating["metadata"]["deletionTimestamp"] = json!("2026-11-26T10:05:00Z");
    terminating["metadata"]["deletionGracePeriodSeconds"] = json!(30);
    Mock::given(method("DELETE"))
        .and(path(format!("{PODS}/web")))
        .and(body_json(
            json!({"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Foreground"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(terminating))
        .mount(&server)
        .await;
    let deletion = pods
        .delete(
            "web",
            &DeleteParams::default().propagation(PropagationPolicy::Foreground),
        )
        .await
        .unwrap();
    let pod = deletion.object().expect("the terminating pod");
    assert!(pod.meta().deletion_timestamp.is_some());
}

#[tokio::test]
async fn delete_returns_the_status_when_the_object_is_gone() {
    let server = MockServer::start().await;
    let config_maps: Api<ConfigMap> = Api::namespaced(rest_for(&server), "default");
    Mock::given(method("DELETE"))
        .and(path("/api/v1/namespaces/default/configmaps/web"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
            "details": {"name": "web", "kind": "configmaps", "uid": "0b9f2c5e-6f1d-4d0e-9a51-2f0c1d7e8a11"}
        })))
        .mount(&server)
        .await;
    let deletion = config_maps.delete("web", &DeleteParams::default()).await.unwrap();
    let Deletion::Status(status) = deletion else {
        panic!("expected a Status, got {deletion:?}");
    };
    assert_eq!(status.status, "Success");
    assert_eq!(status.details.unwrap().name, "web");
}

#[tokio::test]
async fn deleting_what_is_gone_fails_unless_asked_to_succeed() {
    let server = MockServer::start().await;
    let config_maps: Api<ConfigMap> = Api::namespaced(rest_for(&server), "default");
    Mock::given(method("DELETE"))
        .and(path("/api/v1/namespaces/default/configmaps/gone"))
        .respond_with(ResponseTemplate::new(404).set_body_json(not_found("configmaps", "gone")))
        .mount(&server)
        .await;
    let error = config_maps
        .delete("gone", &DeleteParams::default())
        .await
        .unwrap_err();
    assert!(error.is_not_found());
    let deletion = config_maps
        .delete("gone", &DeleteParams::default().ignore_not_found())
        .await
        .unwrap();
    assert_eq!(deletion.status().map(|status| status.code), Some(404));
}

#[tokio::test]
async fn delete_collection_sends_the_selector_and_returns_the_list() {
    let (server, pods) = pods().await;
    Mock::given(method("DELETE"))
        .and(path(PODS))
        .and(query_param("labelSelector", "app=web"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list(
            "PodList",
            vec![pod("default", "a", "Running")],
            "3000",
            None,
        )))
        .mount(&server)
        .await;
    let deletion = pods
        .delete_collection(&DeleteParams::default(), &ListParams::default().labels("app=web"))
        .await
        .unwrap();
    assert_eq!(deletion.object().unwrap().items.len(), 1);
}

#[tokio::test]
async fn status_subresource_get_replace_and_patch() {
    let server = MockServer::start().await;
    let foos: Api<Foo> = Api::namespaced(rest_for(&server), "default");
    let status_path = format!("{FOOS}/example-foo/status");
    Mock::given(method("GET"))
        .and(path(&status_path))
        .respond_with(ResponseTemplate::new(200).set_body_json(foo("example-foo", 1, Some(0))))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(&status_path))
        .respond_with(ResponseTemplate::new(200).set_body_json(foo("example-foo", 1, Some(1))))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path(&status_path))
        .and(header("content-type", "application/merge-patch+json"))
        .and(body_json(json!({"status": {"availableReplicas": 1}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(foo("example-foo", 1, Some(1))))
        .mount(&server)
        .await;
    let mut current = foos.get_status("example-foo").await.unwrap();
    assert_eq!(current.status.as_ref().unwrap().available_replicas, 0);
    current.status = Some(foo::FooStatus {
        available_replicas: 1,
    });
    let replaced = foos
        .replace_status("example-foo", &PostParams::default(), &current)
        .await
        .unwrap();
    assert_eq!(replaced.status.unwrap().available_replicas, 1);
    let patch = Patch::Merge(json!({"status": {"availableReplicas": 1}}));
    let patched = foos
        .patch_status("example-foo", &PatchParams::default(), &patch)
        .await
        .unwrap();
    assert_eq!(patched.status.unwrap().available_replicas, 1);
}

#[tokio::test]
async fn scale_subresource_get_replace_and_patch() {
    let server = MockServer::start().await;
    let deployments: Api<Deployment> = Api::namespaced(rest_for(&server), "default");
    let scale_path = "/apis/apps/v1/namespaces/default/deployments/web/scale";
    let scale = |replicas: i32| {
        json!({
            "kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": {"name": "web", "namespace": "default", "resourceVersion": "77"},
            "spec": {"replicas": replicas},
            "status": {"replicas": 2, "selector": "app=web"}
        })
    };
    Mock::given(method("GET"))
        .and(path(scale_path))
        .respond_with(ResponseTemplate::new(200).set_body_json(scale(2)))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(scale_path))
        .respond_with(ResponseTemplate::new(200).set_body_json(scale(5)))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path(scale_path))
        .and(body_json(json!({"spec": {"replicas": 3}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(scale(3)))
        .mount(&server)
        .await;
    let current = deployments.get_scale("web").await.unwrap();
    assert_eq!(
        current.status.as_ref().unwrap().selector.as_deref(),
        Some("app=web")
    );
    let wanted = Scale {
        spec: Some(ScaleSpec { replicas: Some(5) }),
        ..current
    };
    let replaced = deployments
        .replace_scale("web", &PostParams::default(), &wanted)
        .await
        .unwrap();
    assert_eq!(replaced.spec.unwrap().replicas, Some(5));
    let patched = deployments
        .patch_scale(
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 3}})),
        )
        .await
        .unwrap();
    assert_eq!(patched.spec.unwrap().replicas, Some(3));
}

#[tokio::test]
async fn logs_are_read_whole_and_line_by_line() {
    let (server, pods) = pods().await;
    Mock::given(method("GET"))
        .and(path(format!("{PODS}/web/log")))
        .and(query_param("container", "app"))
        .and(query_param("tailLines", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_string("line one\nline two\n"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{PODS}/web/log")))
        .and(query_param("follow", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_string("started\nserving on :8080\nGET / 200"))
        .mount(&server)
        .await;
    let text = pods
        .logs("web", &LogParams::default().container("app").tail(2))
        .await
        .unwrap();
    assert_eq!(text, "line one\nline two\n");
    let lines: Vec<String> = futures::TryStreamExt::try_collect(
        pods.log_lines("web", &LogParams::default().follow())
            .await
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(lines, ["started", "serving on :8080", "GET / 200"]);
}

#[tokio::test]
async fn logs_of_a_missing_pod_are_not_found() {
    let (server, pods) = pods().await;
    Mock::given(method("GET"))
        .and(path(format!("{PODS}/nope/log")))
        .respond_with(ResponseTemplate::new(404).set_body_json(not_found("pods", "nope")))
        .mount(&server)
        .await;
    let error = pods
        .log_lines("nope", &LogParams::default().follow())
        .await
        .err()
        .expect("a 404");
    assert!(error.is_not_found(), "{error}");
}

#[tokio::test]
async fn a_cluster_scoped_kind_uses_cluster_paths() {
    let server = MockServer::start().await;
    let nodes: Api<k8s_openapi::api::core::v1::Node> = Api::cluster(rest_for(&server));
    Mock::given(method("GET"))
        .and(path("/api/v1/nodes/node-1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"kind": "Node", "apiVersion": "v1", "metadata": {"name": "node-1"}})),
        )
        .mount(&server)
        .await;
    assert_eq!(
        nodes.get("node-1").await.unwrap().meta().name.as_deref(),
        Some("node-1")
    );
}

#[tokio::test]
async fn an_all_namespaces_handle_refuses_to_name_an_object() {
    let server = MockServer::start().await;
    let pods: Api<Pod> = Api::all(rest_for(&server));
    let error = pods.get("web").await.unwrap_err();
    assert!(error.to_string().contains("needs a namespace"), "{error}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn names_and_namespaces_that_would_change_the_path_are_refused_before_sending() {
    let server = MockServer::start().await;
    let rest = rest_for(&server);
    for namespace in ["", ".", "..", "../kube-system", "a/b"] {
        let pods: Api<Pod> = Api::namespaced(rest.clone(), namespace);
        let error = pods.list(&ListParams::default()).await.unwrap_err();
        assert!(matches!(error, Error::Request(_)), "{namespace:?}: {error}");
    }
    let pods: Api<Pod> = Api::namespaced(rest, "default");
    for name in ["", ".", "..", "a/b", "../../secrets/x", "a%2Fb"] {
        let error = pods.get(name).await.unwrap_err();
        assert!(matches!(error, Error::Request(_)), "{name:?}: {error}");
        let error = pods.delete(name, &DeleteParams::default()).await.unwrap_err();
        assert!(matches!(error, Error::Request(_)), "{name:?}: {error}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());

    // Other odd characters cannot change the path: they are percent-encoded.
    let pods: Api<Pod> = Api::namespaced(rest_for(&server), "default");
    for name in ["web?watch=true", "a#b"] {
        pods.get_opt(name).await.unwrap();
    }
    let paths: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|request| {
            format!(
                "{}{}",
                request.url.path(),
                request.url.query().map(|q| format!("?{q}")).unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(
        paths,
        [format!("{PODS}/web%3Fwatch=true"), format!("{PODS}/a%23b")]
    );
}
