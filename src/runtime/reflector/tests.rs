//! The store: atomic relists, indexes kept in step, readiness.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ConfigMap;

use super::{Store, Writer, WriterDropped};
use crate::runtime::watcher::Event;

fn configmap(name: &str, app: &str) -> ConfigMap {
    let mut configmap = ConfigMap::default();
    configmap.metadata.name = Some(name.into());
    configmap.metadata.namespace = Some("default".into());
    configmap.metadata.labels = Some(BTreeMap::from([("app".to_owned(), app.to_owned())]));
    configmap
}

fn names(store: &Store<ConfigMap>) -> Vec<String> {
    store.keys().into_iter().map(|key| key.name).collect()
}

fn by_app(store: &Store<ConfigMap>, app: &str) -> Vec<String> {
    let mut names: Vec<String> = store
        .by_index("label:app", app)
        .iter()
        .filter_map(|configmap| configmap.metadata.name.clone())
        .collect();
    names.sort();
    names
}

#[test]
fn a_relist_is_invisible_until_it_is_complete_then_replaces_everything() {
    let mut writer = Writer::new().index_by_label("app");
    let store = writer.as_reader();
    for event in [
        Event::Init,
        Event::InitApply(configmap("a", "web")),
        Event::InitApply(configmap("b", "web")),
        Event::InitDone,
    ] {
        writer.apply(event);
    }
    writer.apply(Event::Init);
    writer.apply(Event::InitApply(configmap("c", "db")));
    assert_eq!(names(&store), ["a", "b"], "a relist under way is not visible");
    writer.apply(Event::InitApply(configmap("a", "db")));
    writer.apply(Event::InitDone);
    assert_eq!(names(&store), ["a", "c"]);
    assert_eq!(by_app(&store, "web"), Vec::<String>::new());
    assert_eq!(by_app(&store, "db"), ["a", "c"]);
    assert_eq!(store.index_values("label:app"), ["db"]);
}

#[test]
fn an_unfinished_list_is_dropped_when_another_begins() {
    let mut writer = Writer::new();
    let store = writer.as_reader();
    writer.apply(Event::Init);
    writer.apply(Event::InitApply(configmap("stale", "web")));
    writer.apply(Event::Init);
    writer.apply(Event::InitApply(configmap("fresh", "web")));
    writer.apply(Event::InitDone);
    assert_eq!(names(&store), ["fresh"]);
}

#[test]
fn applies_and_deletes_keep_the_indexes_in_step() {
    let mut writer = Writer::new()
        .index_by_label("app")
        .index_by("first-letter", |configmap: &ConfigMap| {
            let name = configmap.metadata.name.clone().unwrap_or_default();
            name.chars().next().map(String::from).into_iter().collect()
        });
    let store = writer.as_reader();
    writer.apply(Event::Apply(configmap("a1", "web")));
    writer.apply(Event::Apply(configmap("a2", "web")));
    writer.apply(Event::Apply(configmap("a1", "db")));
    assert_eq!(by_app(&store, "web"), ["a2"]);
    assert_eq!(by_app(&store, "db"), ["a1"]);
    assert_eq!(store.by_index("first-letter", "a").len(), 2);
    writer.apply(Event::Delete(configmap("a2", "web")));
    assert_eq!(by_app(&store, "web"), Vec::<String>::new());
    assert_eq!(store.index_values("label:app"), ["db"]);
    assert_eq!(
        store
            .get(Some("default"), "a1")
            .unwrap()
            .metadata
            .labels
            .as_ref()
            .unwrap()["app"],
        "db"
    );
    assert!(store.by_index("no-such-index", "a").is_empty());
}

#[test]
fn an_index_added_late_covers_what_is_already_held() {
    let mut writer = Writer::new();
    writer.apply(Event::Apply(configmap("a", "web")));
    let writer = writer.index_by_label("app");
    assert_eq!(by_app(&writer.as_reader(), "web"), ["a"]);
}

#[tokio::test]
async fn readiness_comes_with_the_first_complete_list() {
    let mut writer = Writer::<ConfigMap>::new();
    let store = writer.as_reader();
    let waiting = tokio::spawn({
        let store = store.clone();
        async move { store.wait_until_ready().await }
    });
    writer.apply(Event::Init);
    assert!(!store.is_ready());
    writer.apply(Event::InitDone);
    assert_eq!(waiting.await.unwrap(), Ok(()));
    assert!(store.is_ready());
}

#[tokio::test]
async fn a_dropped_writer_is_an_error_for_those_waiting() {
    let writer = Writer::<ConfigMap>::new();
    let store = writer.as_reader();
    drop(writer);
    assert_eq!(store.wait_until_ready().await, Err(WriterDropped));
}

#[tokio::test]
async fn a_store_made_ready_stays_ready_after_its_writer_is_gone() {
    let mut writer = Writer::<ConfigMap>::new();
    let store = writer.as_reader();
    writer.apply(Event::Init);
    writer.apply(Event::InitDone);
    drop(writer);
    assert_eq!(store.wait_until_ready().await, Ok(()));
}
