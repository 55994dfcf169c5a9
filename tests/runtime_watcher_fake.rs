//! The watcher and its store on the fake cluster: list, watch, resume,
//! relist, with either kind of initial list.

use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use rudder::runtime::reflector::{self, Store, Writer};
use rudder::runtime::watcher::{self, Config, InitialList};
use rudder::typed::{Api, Typed};
use rudder::types::{DeleteParams, PostParams};
use rudder_testkit::FakeCluster;

fn configmap(name: &str, value: &str) -> ConfigMap {
    let mut configmap = ConfigMap::default();
    configmap.metadata.name = Some(name.into());
    configmap.data = Some([("value".to_owned(), value.to_owned())].into());
    configmap
}

/// Starts a reflector on `api` in the background and returns its store.
fn reflect(api: Api<ConfigMap>, config: Config) -> Store<ConfigMap> {
    let writer = Writer::new();
    let store = writer.as_reader();
    let events = reflector::reflector(writer, watcher::watcher(api, config));
    tokio::spawn(events.for_each(|_| async {}));
    store
}

/// Lets the background tasks run until they are idle (time is paused).
async fn settle() {
    tokio::time::sleep(Duration::from_secs(5)).await;
}

fn values(store: &Store<ConfigMap>) -> Vec<(String, String)> {
    let mut values: Vec<(String, String)> = store
        .state()
        .iter()
        .map(|configmap| {
            let name = configmap.metadata.name.clone().unwrap_or_default();
            let value = configmap
                .data
                .as_ref()
                .and_then(|data| data.get("value"))
                .cloned();
            (name, value.unwrap_or_default())
        })
        .collect();
    values.sort();
    values
}

async fn list_watch_and_relist(initial_list: InitialList) {
    let cluster = FakeCluster::new();
    let api: Api<ConfigMap> = cluster.client().default_namespaced();
    for index in 0..7 {
        api.create(&PostParams::default(), &configmap(&format!("cm-{index}"), "0"))
            .await
            .unwrap();
    }
    let config = Config::default().initial_list(initial_list).page_size(3);
    let store = reflect(api.clone(), config);
    store.wait_until_ready().await.unwrap();
    assert_eq!(store.len(), 7);

    api.replace("cm-1", &PostParams::default(), &{
        let mut changed = api.get("cm-1").await.unwrap();
        changed.data = Some([("value".to_owned(), "1".to_owned())].into());
        changed
    })
    .await
    .unwrap();
    api.delete("cm-2", &DeleteParams::default()).await.unwrap();
    settle().await;
    assert_eq!(store.len(), 6);
    assert_eq!(
        store.get(Some("default"), "cm-1").unwrap().data.as_ref().unwrap()["value"],
        "1"
    );

    // A closed watch resumes; a compacted history forces a relist.
    cluster.close_watches(None);
    api.create(&PostParams::default(), &configmap("cm-7", "0"))
        .await
        .unwrap();
    settle().await;
    cluster.compact();
    cluster.close_watches(None);
    api.delete("cm-3", &DeleteParams::default()).await.unwrap();
    settle().await;
    let expected = values_of(&api).await;
    assert_eq!(values(&store), expected);
}

async fn values_of(api: &Api<ConfigMap>) -> Vec<(String, String)> {
    let mut values: Vec<(String, String)> = api
        .list_all(&Default::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|configmap| {
            let value = configmap
                .data
                .as_ref()
                .and_then(|data| data.get("value"))
                .cloned();
            (
                configmap.metadata.name.unwrap_or_default(),
                value.unwrap_or_default(),
            )
        })
        .collect();
    values.sort();
    values
}

#[tokio::test(start_paused = true)]
async fn a_paged_list_then_watch_follows_the_server() {
    list_watch_and_relist(InitialList::Paged).await;
}

#[tokio::test(start_paused = true)]
async fn a_streaming_list_then_watch_follows_the_server() {
    list_watch_and_relist(InitialList::Streaming).await;
}

#[tokio::test(start_paused = true)]
async fn a_field_selector_is_sent_on_every_list_and_watch() {
    let cluster = FakeCluster::new();
    let api: Api<ConfigMap> = cluster.client().default_namespaced();
    for name in ["chosen", "other"] {
        api.create(&PostParams::default(), &configmap(name, "0"))
            .await
            .unwrap();
    }
    for initial_list in [InitialList::Paged, InitialList::Streaming] {
        let config = Config::default()
            .fields("metadata.name=chosen")
            .initial_list(initial_list);
        let store = reflect(api.clone(), config);
        store.wait_until_ready().await.unwrap();
        cluster.close_watches(None);
        settle().await;
        assert_eq!(values(&store), [("chosen".to_owned(), "0".to_owned())]);
    }
}

#[tokio::test(start_paused = true)]
async fn subscribers_of_a_shared_watch_cost_the_server_one_watch() {
    use rudder::runtime::SharedWatch;

    let cluster = FakeCluster::new();
    let api: Api<ConfigMap> = cluster.client().default_namespaced();
    api.create(&PostParams::default(), &configmap("a", "0"))
        .await
        .unwrap();
    let shared = SharedWatch::watch(api.clone(), Config::default(), 64);
    let stores: Vec<Store<ConfigMap>> = (0..3)
        .map(|_| {
            let writer = Writer::new();
            let store = writer.as_reader();
            tokio::spawn(reflector::reflector(writer, shared.subscribe()).for_each(|_| async {}));
            store
        })
        .collect();
    api.create(&PostParams::default(), &configmap("b", "0"))
        .await
        .unwrap();
    settle().await;
    let expected = values_of(&api).await;
    for store in stores.iter().chain([&shared.store()]) {
        assert_eq!(values(store), expected);
    }
    assert_eq!(cluster.actions().count("watch", "configmaps"), 1);
}
