//! A metadata-only watcher: the fake answers `as=PartialObjectMetadata`
//! with metadata alone, for lists, streaming lists and watches.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use rudder::DynamicClient;
use rudder::runtime::metadata::{MetadataApi, PartialObjectMetadata};
use rudder::runtime::reflector::{self, Store, Writer};
use rudder::runtime::watcher::{self, Config, InitialList};
use rudder::typed::{Api, Typed};
use rudder::types::{DeleteParams, PostParams, Resource};
use rudder_testkit::FakeCluster;

fn configmap(name: &str, app: &str) -> ConfigMap {
    let mut configmap = ConfigMap::default();
    configmap.metadata.name = Some(name.into());
    configmap.metadata.labels = Some(BTreeMap::from([("app".to_owned(), app.to_owned())]));
    configmap.data = Some(BTreeMap::from([("secret-ish".to_owned(), "x".repeat(64))]));
    configmap
}

fn reflect(api: MetadataApi, config: Config) -> Store<PartialObjectMetadata> {
    let writer = Writer::new().index_by_label("app");
    let store = writer.as_reader();
    tokio::spawn(reflector::reflector(writer, watcher::watcher(api, config)).for_each(|_| async {}));
    store
}

async fn metadata_follows_the_server(initial_list: InitialList) {
    let cluster = FakeCluster::new();
    let api: Api<ConfigMap> = cluster.client().default_namespaced();
    api.create(&PostParams::default(), &configmap("a", "web"))
        .await
        .unwrap();
    api.create(&PostParams::default(), &configmap("b", "db"))
        .await
        .unwrap();
    let store = reflect(
        MetadataApi::of(&api),
        Config::default().initial_list(initial_list).page_size(1),
    );
    store.wait_until_ready().await.unwrap();
    let a = store.get(Some("default"), "a").unwrap();
    assert_eq!(a.kind, "PartialObjectMetadata");
    assert_eq!(a.api_version, "meta.k8s.io/v1");
    assert_eq!(store.by_index("label:app", "db").len(), 1);

    api.create(&PostParams::default(), &configmap("c", "web"))
        .await
        .unwrap();
    api.delete("b", &DeleteParams::default()).await.unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut names: Vec<String> = store.keys().into_iter().map(|key| key.name).collect();
    names.sort();
    assert_eq!(names, ["a", "c"]);
    let c = store.get(Some("default"), "c").unwrap();
    assert_eq!(
        c.kind, "PartialObjectMetadata",
        "watch events carry metadata only"
    );
    assert_eq!(
        c.metadata.resource_version,
        api.get("c").await.unwrap().metadata.resource_version
    );
}

#[tokio::test(start_paused = true)]
async fn a_metadata_watcher_with_a_streaming_list_holds_only_metadata() {
    metadata_follows_the_server(InitialList::Streaming).await;
}

#[tokio::test(start_paused = true)]
async fn a_metadata_watcher_with_paged_lists_holds_only_metadata() {
    metadata_follows_the_server(InitialList::Paged).await;
}

#[tokio::test]
async fn metadata_of_a_dynamic_resource_by_get_and_list() {
    let cluster = FakeCluster::new();
    let api: Api<ConfigMap> = cluster.client().default_namespaced();
    api.create(&PostParams::default(), &configmap("a", "web"))
        .await
        .unwrap();
    let dynamic = DynamicClient::all(Arc::new(cluster.clone()), ConfigMap::api_resource());
    let metadata = MetadataApi::of_dynamic(&dynamic);
    let listed = metadata.list(&Default::default()).await.unwrap();
    assert_eq!(listed.items.len(), 1);
    assert_eq!(listed.items[0].kind, "PartialObjectMetadata");
    assert!(listed.resource_version().is_some());
    let one = MetadataApi::of(&api).get("a").await.unwrap();
    assert_eq!(one.metadata.labels.unwrap()["app"], "web");
}
