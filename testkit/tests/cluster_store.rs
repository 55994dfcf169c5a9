//! Store semantics of the fake cluster: system metadata, errors as the real
//! server sends them, optimistic concurrency, generation, status isolation,
//! the scale subresource, dry-run.

mod cluster_support;

use cluster_support::*;
use http::Method;
use rudder::rest::ResourcePath;
use rudder_testkit::FakeCluster;
use serde_json::{Value, json};

#[tokio::test]
async fn created_objects_get_uid_timestamp_and_resource_version() {
    let cluster = FakeCluster::new();
    let created = create(&cluster, &configmaps("default"), &configmap("a", "1")).await;
    assert_eq!(created["metadata"]["namespace"], "default");
    assert_eq!(created["metadata"]["uid"].as_str().unwrap().len(), 36);
    assert!(
        created["metadata"]["creationTimestamp"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    assert_eq!(rv(&created), cluster.resource_version());
    let fetched = get(&cluster, &configmaps("default").name("a")).await;
    assert_eq!(fetched.body, created);
}

#[tokio::test]
async fn generate_name_adds_a_five_character_suffix() {
    let cluster = FakeCluster::new();
    let object = json!({"metadata": {"generateName": "web-"}, "data": {}});
    let first = create(&cluster, &configmaps("default"), &object).await;
    let second = create(&cluster, &configmaps("default"), &object).await;
    let name = name(&first);
    assert!(name.starts_with("web-") && name.len() == 9, "{name}");
    assert_ne!(name, cluster_support::name(&second));
}

#[tokio::test]
async fn the_default_namespaces_exist() {
    let cluster = FakeCluster::new();
    for namespace in ["default", "kube-system", "kube-public", "kube-node-lease"] {
        let answer = get(&cluster, &ResourcePath::core("v1", "namespaces").name(namespace)).await;
        assert_eq!(answer.code, 200, "{namespace}");
        assert_eq!(answer.body["status"]["phase"], "Active");
    }
}

/// What is done, how, to which path with which body, and the expected code, reason and message.
type ErrorCase = (
    &'static str,
    Method,
    ResourcePath,
    Option<Value>,
    u16,
    &'static str,
    &'static str,
);

#[tokio::test]
async fn errors_have_the_real_codes_reasons_and_messages() {
    let cluster = FakeCluster::new();
    create(&cluster, &configmaps("default"), &configmap("taken", "1")).await;
    let cases: Vec<ErrorCase> = vec![
        (
            "get of a missing object",
            Method::GET,
            configmaps("default").name("x"),
            None,
            404,
            "NotFound",
            "configmaps \"x\" not found",
        ),
        (
            "get of a missing deployment names its group",
            Method::GET,
            ResourcePath::new("apps", "v1", "deployments")
                .namespace("default")
                .name("web"),
            None,
            404,
            "NotFound",
            "deployments.apps \"web\" not found",
        ),
        (
            "create in a missing namespace",
            Method::POST,
            configmaps("nowhere"),
            Some(configmap("a", "1")),
            404,
            "NotFound",
            "namespaces \"nowhere\" not found",
        ),
        (
            "create of an existing name",
            Method::POST,
            configmaps("default"),
            Some(configmap("taken", "2")),
            409,
            "AlreadyExists",
            "configmaps \"taken\" already exists",
        ),
        (
            "an invalid name",
            Method::POST,
            configmaps("default"),
            Some(configmap("Not_Valid", "1")),
            422,
            "Invalid",
            "ConfigMap \"Not_Valid\" is invalid: metadata.name: Invalid value: \"Not_Valid\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        ),
        (
            "no name at all",
            Method::POST,
            configmaps("default"),
            Some(json!({"data": {}})),
            422,
            "Invalid",
            "ConfigMap \"\" is invalid: metadata.name: Required value: name or generateName is required",
        ),
        (
            "a name in the body that is not the one in the URL",
            Method::PUT,
            configmaps("default").name("taken"),
            Some(configmap("other", "1")),
            400,
            "BadRequest",
            "the name of the object (other) does not match the name on the URL (taken)",
        ),
        (
            "a body of another kind",
            Method::POST,
            configmaps("default"),
            Some(json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}})),
            400,
            "BadRequest",
            "Secret in version \"v1\" cannot be handled as a ConfigMap: the kind in the body does not match the resource in the path",
        ),
        (
            "update of a missing object",
            Method::PUT,
            configmaps("default").name("ghost"),
            Some(configmap("ghost", "1")),
            404,
            "NotFound",
            "configmaps \"ghost\" not found",
        ),
        (
            "a POST to a named object",
            Method::POST,
            configmaps("default").name("taken"),
            Some(configmap("taken", "1")),
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
        ),
    ];
    for (case, method, path, body, code, reason, message) in cases {
        let answer = send(&cluster, method, &path, &[], body.as_ref()).await;
        assert_eq!(answer.code, code, "{case}: {:?}", answer.body);
        assert_eq!(answer.body["kind"], "Status", "{case}");
        assert_eq!(answer.body["reason"], reason, "{case}");
        assert_eq!(answer.body["message"], message, "{case}");
        assert_eq!(answer.body["code"], code, "{case}");
    }
}

#[tokio::test]
async fn invalid_objects_list_each_cause() {
    let cluster = FakeCluster::new();
    let answer = send(
        &cluster,
        Method::POST,
        &configmaps("default"),
        &[],
        Some(&configmap("Bad", "1")),
    )
    .await;
    let causes = answer.body["details"]["causes"].as_array().expect("causes");
    assert_eq!(causes.len(), 1);
    assert_eq!(causes[0]["field"], "metadata.name");
    assert_eq!(causes[0]["reason"], "FieldValueInvalid");
    assert_eq!(answer.body["details"]["kind"], "ConfigMap");
}

#[tokio::test]
async fn malformed_json_is_a_bad_request() {
    let cluster = FakeCluster::new();
    let builder = rudder::rest::RequestBuilder::new(Method::POST, &configmaps("default"))
        .unwrap()
        .body("{not json", "application/json");
    let answer = send_request(&cluster, builder).await;
    assert_eq!(answer.code, 400);
    assert_eq!(answer.body["reason"], "BadRequest");
}

#[tokio::test]
async fn a_stale_resource_version_conflicts_and_an_empty_one_does_not() {
    let cluster = FakeCluster::new();
    let created = create(&cluster, &configmaps("default"), &configmap("a", "1")).await;
    let mut first = created.clone();
    first["data"]["value"] = json!("2");
    let updated = send(
        &cluster,
        Method::PUT,
        &configmaps("default").name("a"),
        &[],
        Some(&first),
    )
    .await;
    assert_eq!(updated.code, 200);
    assert!(rv(&updated.body) > rv(&created));

    let mut stale = created.clone();
    stale["data"]["value"] = json!("3");
    let conflict = send(
        &cluster,
        Method::PUT,
        &configmaps("default").name("a"),
        &[],
        Some(&stale),
    )
    .await;
    assert_eq!(conflict.code, 409);
    assert_eq!(
        conflict.body["message"],
        "Operation cannot be fulfilled on configmaps \"a\": the object has been modified; please apply your changes to the latest version and try again"
    );

    let unconditional = configmap("a", "4");
    let forced = send(
        &cluster,
        Method::PUT,
        &configmaps("default").name("a"),
        &[],
        Some(&unconditional),
    )
    .await;
    assert_eq!(forced.code, 200);
    assert_eq!(forced.body["data"]["value"], "4");
    assert_eq!(
        forced.body["metadata"]["uid"], created["metadata"]["uid"],
        "uid is kept"
    );
}

#[tokio::test]
async fn an_update_that_changes_nothing_writes_nothing() {
    let cluster = FakeCluster::new();
    let created = create(&cluster, &configmaps("default"), &configmap("a", "1")).await;
    let before = cluster.resource_version();
    let answer = send(
        &cluster,
        Method::PUT,
        &configmaps("default").name("a"),
        &[],
        Some(&created),
    )
    .await;
    assert_eq!(answer.code, 200);
    assert_eq!(cluster.resource_version(), before);
    assert_eq!(rv(&answer.body), rv(&created));
}

fn deployment(replicas: i64) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "nginx"}]}}
        },
        "status": {"replicas": 99}
    })
}

fn deployments() -> ResourcePath {
    ResourcePath::new("apps", "v1", "deployments").namespace("default")
}

#[tokio::test]
async fn generation_moves_with_the_spec_only() {
    let cluster = FakeCluster::new();
    let created = create(&cluster, &deployments(), &deployment(1)).await;
    assert_eq!(created["metadata"]["generation"], 1);
    assert_eq!(
        created["status"],
        json!({}),
        "status is reset on create, and written empty as the server does"
    );

    let mut relabelled = created.clone();
    relabelled["metadata"]["labels"]["tier"] = json!("front");
    let relabelled = send(
        &cluster,
        Method::PUT,
        &deployments().name("web"),
        &[],
        Some(&relabelled),
    )
    .await
    .body;
    assert_eq!(
        relabelled["metadata"]["generation"], 1,
        "a metadata change is not a spec change"
    );

    let mut scaled = relabelled.clone();
    scaled["spec"]["replicas"] = json!(3);
    let scaled = send(
        &cluster,
        Method::PUT,
        &deployments().name("web"),
        &[],
        Some(&scaled),
    )
    .await
    .body;
    assert_eq!(scaled["metadata"]["generation"], 2);

    let mut status = scaled.clone();
    status["status"] = json!({"replicas": 3, "observedGeneration": 2});
    let status = send(
        &cluster,
        Method::PUT,
        &deployments().name("web").subresource("status"),
        &[],
        Some(&status),
    )
    .await
    .body;
    assert_eq!(
        status["metadata"]["generation"], 2,
        "a status change is not a spec change"
    );
}

#[tokio::test]
async fn status_is_isolated_from_the_main_resource() {
    let cluster = FakeCluster::new();
    let created = create(&cluster, &deployments(), &deployment(1)).await;

    let mut with_status = created.clone();
    with_status["status"] = json!({"replicas": 5});
    with_status["spec"]["replicas"] = json!(2);
    let main = send(
        &cluster,
        Method::PUT,
        &deployments().name("web"),
        &[],
        Some(&with_status),
    )
    .await
    .body;
    assert_eq!(
        main["status"],
        json!({}),
        "an update of the main resource leaves status as stored"
    );
    assert_eq!(main["spec"]["replicas"], 2);

    let mut status_update = main.clone();
    status_update["status"] = json!({"replicas": 2});
    status_update["spec"]["replicas"] = json!(7);
    let status = send(
        &cluster,
        Method::PUT,
        &deployments().name("web").subresource("status"),
        &[],
        Some(&status_update),
    )
    .await
    .body;
    assert_eq!(status["status"]["replicas"], 2);
    assert_eq!(
        status["spec"]["replicas"], 2,
        "an update of /status changes only status"
    );
}

#[tokio::test]
async fn the_scale_subresource_reads_and_writes_replicas() {
    let cluster = FakeCluster::new();
    create(&cluster, &deployments(), &deployment(2)).await;
    let scale = get(&cluster, &deployments().name("web").subresource("scale"))
        .await
        .body;
    assert_eq!(scale["kind"], "Scale");
    assert_eq!(scale["apiVersion"], "autoscaling/v1");
    assert_eq!(scale["spec"]["replicas"], 2);
    assert_eq!(scale["status"]["selector"], "app=web");

    let mut bigger = scale.clone();
    bigger["spec"]["replicas"] = json!(5);
    let answer = send(
        &cluster,
        Method::PUT,
        &deployments().name("web").subresource("scale"),
        &[],
        Some(&bigger),
    )
    .await;
    assert_eq!(answer.code, 200, "{:?}", answer.body);
    assert_eq!(answer.body["spec"]["replicas"], 5);
    let stale = send(
        &cluster,
        Method::PUT,
        &deployments().name("web").subresource("scale"),
        &[],
        Some(&bigger),
    )
    .await;
    assert_eq!(stale.code, 409, "the scale's resourceVersion is checked");
    let deployment = get(&cluster, &deployments().name("web")).await.body;
    assert_eq!(deployment["spec"]["replicas"], 5);
    assert_eq!(deployment["metadata"]["generation"], 2);

    let no_scale = get(&cluster, &configmaps("default").name("x").subresource("scale")).await;
    assert_eq!(no_scale.code, 404);
}

#[tokio::test]
async fn dry_run_validates_and_stores_nothing() {
    let cluster = FakeCluster::new();
    let before = cluster.resource_version();
    let answer = send(
        &cluster,
        Method::POST,
        &configmaps("default"),
        &[("dryRun", "All")],
        Some(&configmap("a", "1")),
    )
    .await;
    assert_eq!(answer.code, 201);
    assert_eq!(answer.body["metadata"]["name"], "a");
    assert_eq!(cluster.resource_version(), before);
    assert_eq!(get(&cluster, &configmaps("default").name("a")).await.code, 404);
    let invalid = send(
        &cluster,
        Method::POST,
        &configmaps("default"),
        &[("dryRun", "All")],
        Some(&configmap("A", "1")),
    )
    .await;
    assert_eq!(invalid.code, 422);
}

#[tokio::test]
async fn cluster_scoped_kinds_refuse_a_namespace_and_pods_start_pending() {
    let cluster = FakeCluster::new();
    let node = json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}});
    let created = create(&cluster, &ResourcePath::core("v1", "nodes"), &node).await;
    assert!(created["metadata"].get("namespace").is_none());
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "x"}]}});
    let pod = create(
        &cluster,
        &ResourcePath::core("v1", "pods").namespace("default"),
        &pod,
    )
    .await;
    assert_eq!(pod["status"]["phase"], "Pending");
}

#[tokio::test]
async fn merge_patch_updates_and_bumps_the_resource_version() {
    let cluster = FakeCluster::new();
    let created = create(&cluster, &configmaps("default"), &configmap("a", "1")).await;
    let builder = rudder::rest::RequestBuilder::new(Method::PATCH, &configmaps("default").name("a"))
        .unwrap()
        .body(r#"{"data":{"extra":"x"}}"#, "application/merge-patch+json");
    let answer = send_request(&cluster, builder).await;
    assert_eq!(answer.code, 200, "{:?}", answer.body);
    assert_eq!(answer.body["data"], json!({"value": "1", "extra": "x"}));
    assert!(rv(&answer.body) > rv(&created));
    let unknown = rudder::rest::RequestBuilder::new(Method::PATCH, &configmaps("default").name("a"))
        .unwrap()
        .body("{}", "text/plain");
    assert_eq!(send_request(&cluster, unknown).await.code, 415);
}
