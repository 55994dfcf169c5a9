//! A recorded session becomes seed state: a fresh fake cluster seeded from
//! the cassette holds what the recorded cluster held at the end.

use std::sync::Arc;

use futures::StreamExt;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use rudder::types::{DeleteParams, ListParams, Patch, PatchParams, PostParams, WatchParams};
use rudder::{Api, Rest, Typed};
use rudder_testkit::FakeCluster;
use rudder_testkit::cassette::Recorder;
use serde_json::{Value, json};

fn object<K: serde::de::DeserializeOwned>(value: Value) -> K {
    serde_json::from_value(value).expect("a valid object")
}

/// Writes, reads, a watch and deletes, through a recorder around `cluster`.
async fn session(rest: Arc<dyn Rest>) {
    let namespaces: Api<Namespace> = Api::all(rest.clone());
    namespaces
        .create(
            &PostParams::default(),
            &object(json!({"metadata": {"name": "shop"}})),
        )
        .await
        .expect("the namespace");
    let shop: Api<ConfigMap> = Api::namespaced(rest.clone(), "shop");
    let default: Api<ConfigMap> = Api::namespaced(rest.clone(), "default");
    let watch = default
        .watch(&WatchParams::default())
        .await
        .expect("a watch on default");
    for (api, name) in [(&shop, "kept"), (&shop, "removed"), (&default, "watched")] {
        let configmap = object(json!({"metadata": {"name": name}, "data": {"version": "1"}}));
        api.create(&PostParams::default(), &configmap)
            .await
            .expect("a create");
    }
    let merge = Patch::Merge(json!({"data": {"version": "2"}}));
    shop.patch("kept", &PatchParams::default(), &merge)
        .await
        .expect("a patch");
    default
        .patch("watched", &PatchParams::default(), &merge)
        .await
        .expect("a patch");
    shop.delete("removed", &DeleteParams::default())
        .await
        .expect("a delete");
    let deployments: Api<Deployment> = Api::namespaced(rest.clone(), "shop");
    let deployment = object(
        json!({"metadata": {"name": "web", "labels": {"app": "web"}}, "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "nginx"}]}}
        }}),
    );
    deployments
        .create(&PostParams::default(), &deployment)
        .await
        .expect("a deployment");
    let listed = Api::<ConfigMap>::all(rest.clone())
        .list(&ListParams::default())
        .await
        .expect("a list");
    assert!(!listed.items.is_empty());
    // The watch saw the default namespace's create and patch.
    let events: Vec<_> = watch.take(2).collect().await;
    assert_eq!(events.len(), 2);
}

/// What matters of the objects a test made (not the namespaces every fake starts with).
fn contents(cluster: &FakeCluster) -> Vec<Value> {
    cluster
        .objects()
        .into_iter()
        .filter(|object| {
            let name = object["metadata"]["name"].as_str().unwrap_or("");
            !(object["kind"] == "Namespace" && (name.starts_with("kube-") || name == "default"))
        })
        .map(|object| {
            json!({
                "kind": object["kind"], "namespace": object["metadata"]["namespace"],
                "name": object["metadata"]["name"], "labels": object["metadata"]["labels"],
                "data": object["data"], "spec": object["spec"],
            })
        })
        .collect()
}

#[tokio::test]
async fn a_fresh_cluster_seeded_from_a_recorded_session_holds_what_the_recorded_one_held() {
    let folder = tempfile::tempdir().expect("a folder");
    let recorded = FakeCluster::new();
    let recorder = Arc::new(Recorder::new(
        recorded.clone(),
        folder.path().join("session.yaml"),
    ));
    session(recorder.clone()).await;
    let cassette = recorder.cassette();

    let seed = cassette.seed_yaml();
    let fresh = FakeCluster::new();
    fresh
        .seed_yaml(&seed)
        .expect("the seed is accepted by a fresh fake");
    assert_eq!(contents(&fresh), contents(&recorded));
    insta::assert_snapshot!(seed);
}
