//! What a controller did on two independent fake clusters (each with its own
//! random uids and real clock) normalizes to the same snapshot.

use k8s_openapi::api::core::v1::ConfigMap;
use rudder::Typed;
use rudder::types::{ListParams, Patch, PatchParams, PostParams};
use rudder_testkit::FakeCluster;
use rudder_testkit::snapshot::Normalizer;
use serde_json::{Value, json};

/// A generated parent, a child it owns, and a server-side apply on the child.
async fn controller_session(cluster: &FakeCluster) -> Value {
    let configmaps = cluster.client().default_namespaced::<ConfigMap>();
    let parent: ConfigMap = serde_json::from_value(json!({
        "metadata": {"generateName": "parent-"}, "data": {"role": "parent"}
    }))
    .expect("a ConfigMap");
    let parent = configmaps
        .create(&PostParams::default(), &parent)
        .await
        .expect("the parent is created");
    let child: ConfigMap = serde_json::from_value(json!({
        "metadata": {"name": "child", "ownerReferences": [{
            "apiVersion": "v1", "kind": "ConfigMap",
            "name": parent.metadata.name, "uid": parent.metadata.uid,
        }]},
        "data": {"owner": parent.metadata.name},
    }))
    .expect("a ConfigMap");
    configmaps
        .create(&PostParams::default(), &child)
        .await
        .expect("the child is created");
    let params = PatchParams::apply("snapshot-test");
    let apply = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "child"}, "data": {"applied": "yes"}});
    configmaps
        .patch("child", &params, &Patch::Apply(apply))
        .await
        .expect("the apply succeeds");
    let list = configmaps.list(&ListParams::default()).await.expect("the list");
    serde_json::to_value(list).expect("a list serializes")
}

#[tokio::test]
async fn two_runs_on_fresh_clusters_give_one_snapshot() {
    let first = Normalizer::new().normalize(&controller_session(&FakeCluster::new()).await);
    let second = Normalizer::new().normalize(&controller_session(&FakeCluster::new()).await);
    assert_eq!(first, second);
    insta::assert_yaml_snapshot!(first);
}
