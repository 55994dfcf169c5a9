//! Test controls of the fake cluster: reactors, the action log, injected
//! latency, seeding from objects and YAML, dumping, deterministic mode.

mod cluster_support;

use std::time::Duration;

use cluster_support::*;
use http::Method;
use k8s_openapi::api::core::v1::ConfigMap;
use rudder::Status;
use rudder::rest::ResourcePath;
use rudder_testkit::FakeCluster;
use rudder_testkit::cluster::{Reaction, Reactor};
use serde_json::json;

#[tokio::test]
async fn a_one_shot_reactor_fails_the_next_matching_request_only() {
    let cluster = FakeCluster::new();
    create(&cluster, &configmaps("default"), &configmap("a", "1")).await;
    cluster.react(
        Reactor::fail(
            "get",
            "configmaps",
            Status::failure(503, "ServiceUnavailable", "injected"),
        )
        .named("a")
        .once(),
    );
    let other = get(&cluster, &configmaps("default").name("b")).await;
    assert_eq!(other.code, 404, "another name passes through");
    let failed = get(&cluster, &configmaps("default").name("a")).await;
    assert_eq!(failed.code, 503);
    assert_eq!(failed.body["message"], "injected");
    assert_eq!(
        get(&cluster, &configmaps("default").name("a")).await.code,
        200,
        "only once"
    );
}

#[tokio::test]
async fn reactors_answer_with_an_object_or_decide_from_the_request() {
    let cluster = FakeCluster::new();
    cluster.react(Reactor::respond(
        "get",
        "configmaps",
        json!({"kind": "ConfigMap", "metadata": {"name": "canned"}}),
    ));
    assert_eq!(
        name(&get(&cluster, &configmaps("default").name("x")).await.body),
        "canned"
    );
    cluster.clear_reactors();

    cluster.react(Reactor::new("create", "*", |action, body| {
        let body: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        if action.namespace.as_deref() == Some("default") && body["data"]["value"] == "forbidden" {
            Reaction::Fail(Status::failure(403, "Forbidden", "not this value"))
        } else {
            Reaction::Continue
        }
    }));
    let refused = send(
        &cluster,
        Method::POST,
        &configmaps("default"),
        &[],
        Some(&configmap("a", "forbidden")),
    )
    .await;
    assert_eq!(refused.code, 403);
    create(&cluster, &configmaps("default"), &configmap("a", "fine")).await;
}

#[tokio::test(start_paused = true)]
async fn delays_and_latency_hold_requests_back() {
    let cluster = FakeCluster::new();
    cluster.react(Reactor::delay("*", "*", Duration::from_secs(3)).once());
    cluster.set_latency(Some(Duration::from_secs(2)));
    let start = tokio::time::Instant::now();
    get(&cluster, &configmaps("default").name("x")).await;
    assert_eq!(start.elapsed().as_secs(), 5);
}

#[tokio::test]
async fn the_action_log_records_what_was_served() {
    let cluster = FakeCluster::new();
    create(&cluster, &configmaps("default"), &configmap("a", "1")).await;
    get(&cluster, &configmaps("default").name("a")).await;
    send(
        &cluster,
        Method::GET,
        &ResourcePath::core("v1", "configmaps"),
        &[],
        None,
    )
    .await;
    send(
        &cluster,
        Method::DELETE,
        &configmaps("default").name("a"),
        &[],
        None,
    )
    .await;
    let actions = cluster.actions();
    let verbs: Vec<&str> = actions.0.iter().map(|action| action.verb.as_str()).collect();
    assert_eq!(verbs, ["create", "get", "list", "delete"]);
    actions.assert_has("delete", "configmaps", "a");
    actions.assert_none("update", "configmaps");
    assert_eq!(actions.count("*", "configmaps"), 4);
    assert_eq!(actions.0[2].namespace, None);
    cluster.clear_actions();
    assert!(cluster.actions().0.is_empty());
}

#[tokio::test]
async fn seeding_from_typed_objects_and_yaml_folders() {
    let cluster = FakeCluster::new();
    let typed = ConfigMap {
        metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
            name: Some("typed".into()),
            namespace: Some("seeded".into()),
            ..Default::default()
        },
        data: Some([("k".to_owned(), "v".to_owned())].into()),
        ..Default::default()
    };
    cluster.seed(&typed).expect("seeded");
    assert_eq!(
        get(&cluster, &configmaps("seeded").name("typed")).await.code,
        200,
        "its namespace was created"
    );

    let folder = format!("{}/../fixtures/seed", env!("CARGO_MANIFEST_DIR"));
    let created = cluster.seed_path(&folder).expect("the seed folder");
    assert_eq!(created.len(), 5);
    let pod = get(
        &cluster,
        &ResourcePath::core("v1", "pods").namespace("shop").name("web-0"),
    )
    .await
    .body;
    assert_eq!(pod["status"]["phase"], "Running", "seeded status is kept");
    let foo = serde_json::json!({"apiVersion": "samplecontroller.k8s.io/v1alpha1", "kind": "Foo", "metadata": {"name": "x", "namespace": "shop"}});
    cluster.seed(&foo).expect("the seeded CRD serves Foo");

    let error = cluster
        .seed_yaml("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad\n")
        .unwrap_err();
    assert!(error.to_string().contains("is invalid"), "{error}");
    let error = cluster.seed_yaml("- not\n- a mapping\n").unwrap_err();
    assert!(error.to_string().contains("document 1"), "{error}");
}

#[tokio::test]
async fn a_deterministic_cluster_answers_the_same_every_time() {
    async fn run() -> (serde_json::Value, String) {
        let cluster = FakeCluster::builder().deterministic().build();
        let object = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "settings-"}, "data": {"a": "1"}});
        let created = create(&cluster, &configmaps("default"), &object).await;
        (created, cluster.dump_yaml())
    }
    let (first, dump) = run().await;
    let (second, _) = run().await;
    assert_eq!(first, second);
    insta::assert_json_snapshot!("deterministic_create", first);
    assert!(dump.contains("name: default"), "{dump}");
    let reloaded = FakeCluster::new();
    let objects: Vec<serde_json::Value> = serde_saphyr::from_multiple(&dump).unwrap();
    assert_eq!(objects.len(), 5, "four namespaces and the configmap");
    let configmap = objects
        .iter()
        .find(|object| object["kind"] == "ConfigMap")
        .unwrap();
    let mut fresh = configmap.clone();
    fresh["metadata"] = json!({"name": configmap["metadata"]["name"], "namespace": "default"});
    reloaded
        .seed(&fresh)
        .expect("a dumped object seeds another cluster");
}

#[tokio::test]
async fn a_deterministic_watch_stream_snapshots() {
    let cluster = FakeCluster::builder().deterministic().build();
    let start = cluster.resource_version().to_string();
    let mut watch = Watch::open(&cluster, &configmaps("default"), &[("resourceVersion", &start)]).await;
    create_update_delete(&cluster, "a").await;
    let mut events = Vec::new();
    for _ in 0..3 {
        let (kind, object) = watch.next().await.unwrap();
        events.push(json!({"type": kind, "object": object}));
    }
    insta::assert_json_snapshot!("deterministic_watch", events);
    let conflict = send(
        &cluster,
        Method::PUT,
        &configmaps("default").name("gone"),
        &[],
        Some(&configmap("gone", "1")),
    )
    .await;
    insta::assert_json_snapshot!("not_found_status", conflict.body);
}
