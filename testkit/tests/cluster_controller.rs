//! Testing a small controller against `FakeCluster`, as a user would: seed
//! the cluster, run the reconciler, assert on the cluster and on the
//! actions it served, inject a failure.

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use rudder::types::{DeleteParams, ListParams, ObjectMeta, PostParams};
use rudder::{Api, Status, Typed};
use rudder_testkit::FakeCluster;
use rudder_testkit::cluster::Reactor;

/// The controller under test: every ConfigMap labelled `mirror=true` gets a
/// Secret with the same name and data, owned by the ConfigMap.
async fn reconcile(configmaps: &Api<ConfigMap>, secrets: &Api<Secret>) -> rudder::Result<usize> {
    let mut created = 0;
    for configmap in configmaps
        .list(&ListParams::default().labels("mirror=true"))
        .await?
        .items
    {
        let name = configmap.metadata.name.clone().unwrap_or_default();
        if secrets.get_opt(&name).await?.is_some() {
            continue;
        }
        let secret = Secret {
            metadata: ObjectMeta {
                name: Some(name.clone()),
                owner_references: Some(vec![OwnerReference {
                    api_version: "v1".into(),
                    kind: "ConfigMap".into(),
                    name,
                    uid: configmap.metadata.uid.clone().unwrap_or_default(),
                    ..OwnerReference::default()
                }]),
                ..ObjectMeta::default()
            },
            string_data: configmap.data.clone(),
            ..Secret::default()
        };
        secrets.create(&PostParams::default(), &secret).await?;
        created += 1;
    }
    Ok(created)
}

const SEED: &str = "
apiVersion: v1
kind: ConfigMap
metadata: {name: app-config, namespace: default, labels: {mirror: 'true'}}
data: {greeting: hello}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: unrelated, namespace: default}
data: {x: 'y'}
";

#[tokio::test]
async fn the_controller_mirrors_labelled_configmaps_and_the_collector_cleans_up() {
    let cluster = FakeCluster::new();
    cluster.seed_yaml(SEED).unwrap();
    let client = cluster.client();
    let (configmaps, secrets) = (
        client.default_namespaced::<ConfigMap>(),
        client.default_namespaced::<Secret>(),
    );

    assert_eq!(reconcile(&configmaps, &secrets).await.unwrap(), 1);
    assert_eq!(
        reconcile(&configmaps, &secrets).await.unwrap(),
        0,
        "reconciling again changes nothing"
    );
    cluster.actions().assert_has("create", "secrets", "app-config");
    assert_eq!(cluster.actions().count("create", "secrets"), 1);

    configmaps
        .delete("app-config", &DeleteParams::default())
        .await
        .unwrap();
    assert!(
        secrets.get_opt("app-config").await.unwrap().is_none(),
        "the owned secret is collected"
    );
}

#[tokio::test]
async fn the_controller_reports_a_failed_create_and_recovers() {
    let cluster = FakeCluster::new();
    cluster.seed_yaml(SEED).unwrap();
    let configmaps: Api<ConfigMap> = Api::namespaced(Arc::new(cluster.clone()), "default");
    let secrets: Api<Secret> = Api::namespaced(Arc::new(cluster.clone()), "default");
    let quota = Status::failure(403, "Forbidden", "exceeded quota: secrets");
    cluster.react(Reactor::fail("create", "secrets", quota).once());

    let error = reconcile(&configmaps, &secrets).await.unwrap_err();
    assert!(error.is_forbidden(), "{error}");
    assert_eq!(
        reconcile(&configmaps, &secrets).await.unwrap(),
        1,
        "the next pass succeeds"
    );
    let secret = secrets.get("app-config").await.unwrap();
    let data: BTreeMap<String, String> = secret
        .data
        .unwrap_or_default()
        .into_iter()
        .map(|(key, value)| (key, String::from_utf8_lossy(&value.0).into_owned()))
        .collect();
    assert_eq!(data["greeting"], "hello");
}
