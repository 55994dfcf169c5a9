//! The fake cluster through the SDK's own layers (`Api<K>`,
//! `DynamicClient`): what a controller sees.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::StreamExt;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use rudder::types::{
    ApiResource, DeleteParams, DynamicObject, ListParams, ObjectMeta, Patch, PatchParams, PostParams,
    PropagationPolicy, Scope, WatchEvent, WatchParams,
};
use rudder::{Api, Dynamic, DynamicClient, Rest, Typed};
use rudder_testkit::FakeCluster;
use serde_json::json;

fn rest(cluster: &FakeCluster) -> Arc<dyn Rest> {
    Arc::new(cluster.clone())
}

fn configmap(name: &str, labels: &[(&str, &str)], value: &str) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.into()),
            labels: Some(
                labels
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            ),
            ..ObjectMeta::default()
        },
        data: Some(BTreeMap::from([("value".to_owned(), value.to_owned())])),
        ..ConfigMap::default()
    }
}

fn pod(name: &str, node: &str, phase: &str, app: &str) -> serde_json::Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "default", "labels": {"app": app}},
        "spec": {"nodeName": node, "containers": [{"name": "c", "image": "x"}]},
        "status": {"phase": phase}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_read_modify_write_through_api_ends_with_every_increment() {
    const TASKS: usize = 12;
    let cluster = FakeCluster::new();
    let api: Api<ConfigMap> = Api::namespaced(rest(&cluster), "default");
    api.create(&PostParams::default(), &configmap("counter", &[], "0"))
        .await
        .unwrap();
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let api = api.clone();
            tokio::spawn(async move {
                loop {
                    let mut current = api.get("counter").await.unwrap();
                    let data = current.data.get_or_insert_default();
                    let value: u64 = data["value"].parse().unwrap();
                    data.insert("value".into(), (value + 1).to_string());
                    tokio::task::yield_now().await;
                    match api.replace("counter", &PostParams::default(), &current).await {
                        Ok(_) => return,
                        Err(error) if error.is_conflict() => continue,
                        Err(error) => panic!("{error}"),
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let counter = api.get("counter").await.unwrap();
    assert_eq!(counter.data.unwrap()["value"], TASKS.to_string());
}

#[tokio::test]
async fn label_and_field_selectors_filter_lists() {
    let cluster = FakeCluster::new();
    cluster
        .seed_all([
            pod("a", "n1", "Running", "web"),
            pod("b", "n2", "Running", "db"),
            pod("c", "n1", "Pending", "web"),
        ])
        .unwrap();
    let api: Api<Pod> = Api::namespaced(rest(&cluster), "default");
    let cases = [
        (ListParams::default().labels("app=web"), vec!["a", "c"]),
        (ListParams::default().labels("app in (db, cache)"), vec!["b"]),
        (ListParams::default().labels("app!=web"), vec!["b"]),
        (ListParams::default().labels("!app"), vec![]),
        (ListParams::default().fields("spec.nodeName=n1"), vec!["a", "c"]),
        (
            ListParams::default().fields("status.phase=Running,metadata.name!=a"),
            vec!["b"],
        ),
        (
            ListParams::default()
                .labels("app=web")
                .fields("status.phase=Pending"),
            vec!["c"],
        ),
        (
            ListParams::default().fields("metadata.namespace=default"),
            vec!["a", "b", "c"],
        ),
    ];
    for (params, expected) in cases {
        let list = api.list(&params).await.unwrap();
        let names: Vec<String> = list
            .items
            .iter()
            .filter_map(|pod| pod.metadata.name.clone())
            .collect();
        assert_eq!(names, expected, "{params:?}");
    }
}

#[tokio::test]
async fn unsupported_field_labels_and_bad_selectors_are_bad_requests() {
    let cluster = FakeCluster::new();
    let configmaps: Api<ConfigMap> = Api::namespaced(rest(&cluster), "default");
    let error = configmaps
        .list(&ListParams::default().fields("status.phase=Running"))
        .await
        .unwrap_err();
    let status = error.status().unwrap();
    assert_eq!(
        (status.code, status.message.as_str()),
        (400, "field label not supported: status.phase")
    );
    let error = configmaps
        .list(&ListParams::default().labels("a in ("))
        .await
        .unwrap_err();
    assert_eq!(error.status().unwrap().code, 400);
}

#[tokio::test]
async fn a_watch_with_a_selector_sees_objects_leave_and_enter_it() {
    let cluster = FakeCluster::new();
    let api: Api<ConfigMap> = Api::namespaced(rest(&cluster), "default");
    api.create(&PostParams::default(), &configmap("a", &[("tier", "front")], "1"))
        .await
        .unwrap();
    let start = cluster.resource_version().to_string();
    let mut events = api
        .watch(&WatchParams::default().labels("tier=front").from_version(&start))
        .await
        .unwrap();
    let mut current = api.get("a").await.unwrap();
    current.metadata.labels = Some(BTreeMap::from([("tier".to_owned(), "back".to_owned())]));
    let current = api.replace("a", &PostParams::default(), &current).await.unwrap();
    let mut back = current.clone();
    back.metadata.labels = Some(BTreeMap::from([("tier".to_owned(), "front".to_owned())]));
    api.replace("a", &PostParams::default(), &back).await.unwrap();
    api.create(
        &PostParams::default(),
        &configmap("other", &[("tier", "back")], "1"),
    )
    .await
    .unwrap();
    let mut kinds = Vec::new();
    for _ in 0..2 {
        match events.next().await.unwrap().unwrap() {
            WatchEvent::Deleted(object) => kinds.push(("DELETED", object.metadata.name.unwrap())),
            WatchEvent::Added(object) => kinds.push(("ADDED", object.metadata.name.unwrap())),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(kinds, [("DELETED", "a".to_owned()), ("ADDED", "a".to_owned())]);
}

#[tokio::test]
async fn watch_resumption_through_api_loses_and_repeats_nothing() {
    let cluster = FakeCluster::builder().watch_buffer(4).build();
    let api: Api<ConfigMap> = Api::namespaced(rest(&cluster), "default");
    let mut version = cluster.resource_version().to_string();
    let writer = {
        let api = api.clone();
        tokio::spawn(async move {
            for index in 0..30 {
                api.create(
                    &PostParams::default(),
                    &configmap(&format!("c{index:02}"), &[], "1"),
                )
                .await
                .unwrap();
            }
        })
    };
    let mut seen = Vec::new();
    while seen.len() < 30 {
        let mut events = api
            .watch(&WatchParams::default().from_version(&version))
            .await
            .unwrap();
        while let Some(event) = events.next().await {
            match event.unwrap() {
                WatchEvent::Added(object) => {
                    version = object.metadata.resource_version.clone().unwrap();
                    seen.push(object.metadata.name.unwrap());
                }
                other => panic!("unexpected {other:?}"),
            }
            if seen.len() == 30 {
                break;
            }
        }
    }
    writer.await.unwrap();
    let expected: Vec<String> = (0..30).map(|index| format!("c{index:02}")).collect();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn pagination_through_api_is_consistent_across_writes() {
    let cluster = FakeCluster::new();
    let api: Api<ConfigMap> = Api::namespaced(rest(&cluster), "default");
    for index in 0..9 {
        api.create(&PostParams::default(), &configmap(&format!("c{index}"), &[], "1"))
            .await
            .unwrap();
    }
    let mut names = Vec::new();
    let mut params = ListParams::default().limit(4);
    loop {
        let page = api.list(&params).await.unwrap();
        names.extend(page.items.iter().filter_map(|item| item.metadata.name.clone()));
        api.create(
            &PostParams::default(),
            &configmap(&format!("late{}", names.len()), &[], "1"),
        )
        .await
        .unwrap();
        match page.metadata.continue_.filter(|token| !token.is_empty()) {
            Some(token) => params = ListParams::default().limit(4).continue_token(&token),
            None => break,
        }
    }
    let expected: Vec<String> = (0..9).map(|index| format!("c{index}")).collect();
    assert_eq!(names, expected);
}

#[tokio::test]
async fn finalizers_and_cascading_deletion_through_api() {
    let cluster = FakeCluster::new();
    let deployments: Api<Deployment> = Api::namespaced(rest(&cluster), "default");
    let configmaps: Api<ConfigMap> = Api::namespaced(rest(&cluster), "default");
    let owner: Deployment = serde_json::from_value(json!({
        "metadata": {"name": "web"},
        "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "c", "image": "x"}]}}}
    }))
    .unwrap();
    let owner = deployments.create(&PostParams::default(), &owner).await.unwrap();
    let mut dependent = configmap("dependent", &[], "1");
    dependent.metadata.owner_references = Some(vec![
        k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference {
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            name: "web".into(),
            uid: owner.metadata.uid.clone().unwrap(),
            ..Default::default()
        },
    ]);
    dependent.metadata.finalizers = Some(vec!["example.com/hold".into()]);
    configmaps
        .create(&PostParams::default(), &dependent)
        .await
        .unwrap();

    deployments
        .delete(
            "web",
            &DeleteParams::default().propagation(PropagationPolicy::Foreground),
        )
        .await
        .unwrap();
    let waiting = deployments.get("web").await.unwrap();
    assert_eq!(
        waiting.metadata.finalizers,
        Some(vec!["foregroundDeletion".to_owned()])
    );
    let held = configmaps.get("dependent").await.unwrap();
    assert!(held.metadata.deletion_timestamp.is_some());

    configmaps
        .patch(
            "dependent",
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"finalizers": null}})),
        )
        .await
        .unwrap();
    assert!(configmaps.get_opt("dependent").await.unwrap().is_none());
    assert!(
        deployments.get_opt("web").await.unwrap().is_none(),
        "the owner goes with its last dependent"
    );
}

#[tokio::test]
async fn crd_lifecycle_through_the_dynamic_client() {
    let cluster = FakeCluster::new();
    cluster
        .seed_yaml(include_str!("../../fixtures/seed/foo-crd.yaml"))
        .unwrap();
    let foos = ApiResource::new(
        "samplecontroller.k8s.io",
        "v1alpha1",
        "Foo",
        "foos",
        Scope::Namespaced,
    );
    let client = DynamicClient::namespaced(rest(&cluster), foos.clone(), "default").unwrap();
    let object: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "samplecontroller.k8s.io/v1alpha1", "kind": "Foo",
        "metadata": {"name": "example"}, "spec": {"replicas": 1}
    }))
    .unwrap();
    client.create(&PostParams::default(), &object).await.unwrap();
    let listed = client.list(&ListParams::default()).await.unwrap();
    assert_eq!(listed.items.len(), 1);

    // A custom resource has no strategic merge keys: the server answers 415.
    let strategic = Patch::Strategic(json!({"spec": {"replicas": 2}}));
    let refused = client
        .patch("example", &PatchParams::default(), &strategic)
        .await
        .unwrap_err();
    assert_eq!(refused.status().map(|status| status.code), Some(415), "{refused}");
    // The scale subresource the CRD declares reads and writes spec.replicas.
    let scale = client.get_subresource("scale", "example").await.unwrap();
    assert_eq!(scale.kind, "Scale");
    assert_eq!(scale.data["spec"]["replicas"], 1);
    let merge = Patch::Merge(json!({"spec": {"replicas": 3}}));
    client
        .patch_subresource("scale", "example", &PatchParams::default(), &merge)
        .await
        .unwrap();
    assert_eq!(client.get("example").await.unwrap().data["spec"]["replicas"], 3);

    let crds = ApiResource::new(
        "apiextensions.k8s.io",
        "v1",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        Scope::Cluster,
    );
    let crd_client = DynamicClient::cluster(rest(&cluster), crds).unwrap();
    crd_client
        .delete("foos.samplecontroller.k8s.io", &DeleteParams::default())
        .await
        .unwrap();
    let gone = client.list(&ListParams::default()).await.unwrap_err();
    assert!(gone.is_not_found(), "{gone}");
}

#[tokio::test]
async fn each_patch_type_through_api() {
    let cluster = FakeCluster::new();
    let pods: Api<Pod> = Api::namespaced(rest(&cluster), "default");
    cluster.seed(&pod("p", "n1", "Running", "web")).unwrap();

    let strategic = Patch::Strategic(json!({"spec": {"containers": [{"name": "side", "image": "y"}]}}));
    let patched = pods
        .patch("p", &PatchParams::default(), &strategic)
        .await
        .unwrap();
    let names: Vec<String> = patched
        .spec
        .unwrap()
        .containers
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, ["side", "c"], "containers merge by name");

    let failing_test = Patch::Json(json!([{"op": "test", "path": "/metadata/labels/app", "value": "db"}]));
    let error = pods
        .patch("p", &PatchParams::default(), &failing_test)
        .await
        .unwrap_err();
    assert_eq!(error.status().unwrap().code, 422, "{error}");

    let json_patch = Patch::Json(json!([
        {"op": "test", "path": "/metadata/labels/app", "value": "web"},
        {"op": "add", "path": "/metadata/labels/tier", "value": "front"}
    ]));
    let patched = pods
        .patch("p", &PatchParams::default(), &json_patch)
        .await
        .unwrap();
    assert_eq!(patched.metadata.labels.unwrap()["tier"], "front");

    let configmaps: Api<ConfigMap> = Api::namespaced(rest(&cluster), "default");
    let applied =
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "applied"}, "data": {"a": "1"}});
    let created = configmaps
        .patch("applied", &PatchParams::apply("alice"), &Patch::Apply(applied))
        .await
        .unwrap();
    assert_eq!(
        created.metadata.managed_fields.unwrap()[0].manager.as_deref(),
        Some("alice")
    );
    let rival =
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "applied"}, "data": {"a": "2"}});
    let conflict = configmaps
        .patch(
            "applied",
            &PatchParams::apply("bob"),
            &Patch::Apply(rival.clone()),
        )
        .await
        .unwrap_err();
    assert!(conflict.is_conflict(), "{conflict}");
    let forced = configmaps
        .patch(
            "applied",
            &PatchParams::apply("bob").force(),
            &Patch::Apply(rival),
        )
        .await
        .unwrap();
    assert_eq!(forced.data.unwrap()["a"], "2");
}
