//! The watcher over real HTTP: the live client (`HttpRest`) against the
//! fake cluster served on loopback, with full objects and metadata only,
//! through a closed watch and a compacted history.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use rudder::runtime::metadata::{MetadataApi, PartialObjectMetadata};
use rudder::runtime::reflector::{self, Store, Writer};
use rudder::runtime::watcher::{self, Config};
use rudder::runtime::{ListWatch, Object};
use rudder::types::{DeleteParams, PostParams};
use rudder::{Api, HttpRest, Rest, Typed};
use rudder_testkit::FakeCluster;

fn configmap(name: &str) -> ConfigMap {
    let mut configmap = ConfigMap::default();
    configmap.metadata.name = Some(name.into());
    configmap.data = Some(BTreeMap::from([("k".to_owned(), "v".to_owned())]));
    configmap
}

fn reflect<K: Object, A: ListWatch<K> + 'static>(api: A) -> Store<K> {
    let writer = Writer::new();
    let store = writer.as_reader();
    tokio::spawn(
        reflector::reflector(writer, watcher::watcher(api, Config::default())).for_each(|_| async {}),
    );
    store
}

fn names<K: Object>(store: &Store<K>) -> Vec<String> {
    store.keys().into_iter().map(|key| key.name).collect()
}

/// Waits (polling, up to 10 s of real time) until the store holds exactly `expected`.
async fn until_holds<K: Object>(store: &Store<K>, expected: &[&str]) {
    for _ in 0..1000 {
        if names(store) == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(names(store), expected);
}

#[tokio::test]
async fn stores_follow_the_served_fake_through_a_closed_watch_and_a_compaction() {
    let cluster = FakeCluster::new();
    let server = cluster.serve().await.unwrap();
    let live: Arc<dyn Rest> = Arc::new(HttpRest::new(server.config()).unwrap());
    let in_process: Api<ConfigMap> = Api::namespaced(Arc::new(cluster.clone()), "default");
    in_process
        .create(&PostParams::default(), &configmap("a"))
        .await
        .unwrap();

    let live_api: Api<ConfigMap> = Api::namespaced(live, "default");
    let full: Store<ConfigMap> = reflect(live_api.clone());
    let metadata: Store<PartialObjectMetadata> = reflect(MetadataApi::of(&live_api));
    full.wait_until_ready().await.unwrap();
    metadata.wait_until_ready().await.unwrap();
    assert_eq!(names(&full), ["a"]);
    assert_eq!(
        metadata.get(Some("default"), "a").unwrap().kind,
        "PartialObjectMetadata"
    );

    in_process
        .create(&PostParams::default(), &configmap("b"))
        .await
        .unwrap();
    until_holds(&full, &["a", "b"]).await;
    until_holds(&metadata, &["a", "b"]).await;

    cluster.close_watches(None);
    in_process.delete("a", &DeleteParams::default()).await.unwrap();
    until_holds(&full, &["b"]).await;
    until_holds(&metadata, &["b"]).await;

    cluster.compact();
    cluster.close_watches(None);
    in_process
        .create(&PostParams::default(), &configmap("c"))
        .await
        .unwrap();
    until_holds(&full, &["b", "c"]).await;
    until_holds(&metadata, &["b", "c"]).await;
    assert!(full.get(Some("default"), "c").unwrap().data.is_some());
    assert_eq!(
        metadata.get(Some("default"), "c").unwrap().kind,
        "PartialObjectMetadata"
    );
}
