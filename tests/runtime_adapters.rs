//! The stream adapters and the shared watch, on scripted events.

use std::collections::BTreeMap;
use std::time::Duration;

use futures::{Stream, StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use rudder::runtime::watcher::{Error, Event};
use rudder::runtime::{PredicateExt, SharedWatch, WatchStreamExt, predicates};
use tokio::sync::mpsc;

fn deployment(name: &str, uid: &str, generation: i64, app: &str) -> Deployment {
    let mut deployment = Deployment::default();
    deployment.metadata.name = Some(name.into());
    deployment.metadata.namespace = Some("default".into());
    deployment.metadata.uid = Some(uid.into());
    deployment.metadata.generation = Some(generation);
    deployment.metadata.labels = Some(BTreeMap::from([("app".to_owned(), app.to_owned())]));
    deployment
}

fn scripted(events: Vec<Event<Deployment>>) -> impl Stream<Item = Result<Event<Deployment>, Error>> {
    futures::stream::iter(events.into_iter().map(Ok))
}

fn name(deployment: &Deployment) -> String {
    let generation = deployment.metadata.generation.unwrap_or_default();
    format!(
        "{}@{generation}",
        deployment.metadata.name.clone().unwrap_or_default()
    )
}

fn summary(event: &Event<Deployment>) -> String {
    match event {
        Event::Init => "Init".into(),
        Event::InitApply(object) => format!("InitApply {}", name(object)),
        Event::InitDone => "InitDone".into(),
        Event::Apply(object) => format!("Apply {}", name(object)),
        Event::Delete(object) => format!("Delete {}", name(object)),
    }
}

fn events() -> Vec<Event<Deployment>> {
    vec![
        Event::Init,
        Event::InitApply(deployment("a", "u1", 1, "web")),
        Event::InitDone,
        Event::Apply(deployment("b", "u2", 1, "web")),
        Event::Delete(deployment("a", "u1", 1, "web")),
    ]
}

#[tokio::test]
async fn applied_objects_leave_out_deletions_and_touched_objects_keep_them() {
    let applied: Vec<String> = scripted(events())
        .applied_objects()
        .map_ok(|d| name(&d))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(applied, ["a@1", "b@1"]);
    let touched: Vec<String> = scripted(events())
        .touched_objects()
        .map_ok(|d| name(&d))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(touched, ["a@1", "b@1", "a@1"]);
}

#[tokio::test]
async fn a_generation_filter_passes_only_spec_changes_new_objects_and_whole_lists() {
    let events = vec![
        Event::Init,
        Event::InitApply(deployment("a", "u1", 1, "web")),
        Event::InitApply(deployment("b", "u2", 1, "web")),
        Event::InitDone,
        // A status or label change: same generation.
        Event::Apply(deployment("a", "u1", 1, "db")),
        Event::Apply(deployment("a", "u1", 2, "db")),
        // Deleted and created again under the same name: a new object.
        Event::Delete(deployment("b", "u2", 1, "web")),
        Event::Apply(deployment("b", "u3", 1, "web")),
        // A relist without `a`: its memory goes, so its return passes.
        // The relist itself passes whole, unchanged `b` included.
        Event::Init,
        Event::InitApply(deployment("b", "u3", 1, "web")),
        Event::InitDone,
        Event::Apply(deployment("a", "u1", 2, "db")),
    ];
    let passed: Vec<String> = scripted(events)
        .predicate_filter(predicates::generation)
        .map_ok(|event| summary(&event))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        passed,
        [
            "Init",
            "InitApply a@1",
            "InitApply b@1",
            "InitDone",
            "Apply a@2",
            "Delete b@1",
            "Apply b@1",
            "Init",
            "InitApply b@1",
            "InitDone",
            "Apply a@2",
        ]
    );
}

#[tokio::test]
async fn a_label_filter_passes_only_label_changes() {
    let events = vec![
        Event::Apply(deployment("a", "u1", 1, "web")),
        Event::Apply(deployment("a", "u1", 2, "web")),
        Event::Apply(deployment("a", "u1", 2, "db")),
    ];
    let passed: Vec<String> = scripted(events)
        .predicate_filter(predicates::labels)
        .applied_objects()
        .map_ok(|d| name(&d))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(passed, ["a@1", "a@2"]);
}

/// Reads what a subscriber has been sent so far.
async fn drain(
    subscriber: &mut (impl Stream<Item = Result<Event<Deployment>, Error>> + Unpin),
) -> Vec<String> {
    let mut seen = Vec::new();
    while let Ok(Some(event)) = tokio::time::timeout(Duration::from_millis(10), subscriber.next()).await {
        seen.push(summary(&event.unwrap()));
    }
    seen
}

#[tokio::test(start_paused = true)]
async fn subscribers_share_one_watch_and_late_ones_start_from_a_complete_view() {
    let (upstream, events) = mpsc::unbounded_channel::<Event<Deployment>>();
    let events = futures::stream::poll_fn({
        let mut events = events;
        move |context| events.poll_recv(context)
    })
    .map(Ok);
    let shared = SharedWatch::new(events, 4);
    let mut early = Box::pin(shared.subscribe());
    for event in [
        Event::Init,
        Event::InitApply(deployment("a", "u1", 1, "web")),
        Event::InitDone,
    ] {
        upstream.send(event).unwrap();
    }
    assert_eq!(drain(&mut early).await, ["Init", "InitApply a@1", "InitDone"]);

    upstream
        .send(Event::Apply(deployment("b", "u2", 1, "web")))
        .unwrap();
    assert_eq!(drain(&mut early).await, ["Apply b@1"]);
    let mut late = Box::pin(shared.subscribe());
    let mut late_view = drain(&mut late).await;
    late_view[1..3].sort();
    assert_eq!(late_view, ["Init", "InitApply a@1", "InitApply b@1", "InitDone"]);

    // Joining during a relist: the newcomer waits for it to complete.
    upstream.send(Event::Init).unwrap();
    upstream
        .send(Event::InitApply(deployment("c", "u3", 1, "web")))
        .unwrap();
    drain(&mut early).await;
    let mut during_relist = Box::pin(shared.subscribe());
    assert!(drain(&mut during_relist).await.is_empty());
    upstream.send(Event::InitDone).unwrap();
    assert_eq!(
        drain(&mut during_relist).await,
        ["Init", "InitApply c@1", "InitDone"]
    );
    assert_eq!(drain(&mut late).await, ["Init", "InitApply c@1", "InitDone"]);
    assert_eq!(shared.store().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_filtered_stream_keeps_each_relist_complete_so_a_store_fed_from_it_loses_nothing() {
    // A relist must stay a complete list after the filter: a store (here a
    // shared watch's) swaps it in whole, and would otherwise drop every
    // object that had not changed.
    let events = scripted(vec![
        Event::Init,
        Event::InitApply(deployment("a", "u1", 1, "web")),
        Event::InitApply(deployment("b", "u2", 1, "web")),
        Event::InitDone,
        Event::Init,
        Event::InitApply(deployment("a", "u1", 1, "web")),
        Event::InitApply(deployment("b", "u2", 2, "web")),
        Event::InitDone,
    ])
    .chain(futures::stream::pending())
    .predicate_filter(predicates::generation);
    let shared = SharedWatch::new(events, 16);
    let mut subscriber = Box::pin(shared.subscribe());
    tokio::time::sleep(Duration::from_millis(10)).await;
    let mut names: Vec<String> = shared.store().state().iter().map(|d| name(d)).collect();
    names.sort();
    assert_eq!(names, ["a@1", "b@2"]);
    let mut seen = drain(&mut subscriber).await;
    seen.retain(|event| event.starts_with("Init"));
    assert_eq!(seen.len(), 8, "both lists whole: {seen:?}");
}

#[tokio::test(start_paused = true)]
async fn a_shared_watch_stops_watching_once_every_handle_and_subscriber_is_gone_even_when_nothing_happens() {
    // The watch itself (a connection to the server) must not outlive its
    // consumers just because the resource is quiet.
    struct Watching(std::sync::Arc<std::sync::atomic::AtomicBool>);
    impl Drop for Watching {
        fn drop(&mut self) {
            self.0.store(false, std::sync::atomic::Ordering::SeqCst);
        }
    }
    let watching = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let guard = Watching(watching.clone());
    let quiet = scripted(vec![
        Event::Init,
        Event::InitApply(deployment("a", "u1", 1, "web")),
        Event::InitDone,
    ])
    .chain(futures::stream::pending())
    .map(move |event| {
        let _ = &guard;
        event
    });
    let shared = SharedWatch::new(quiet, 4);
    let mut subscriber = Box::pin(shared.subscribe());
    assert_eq!(drain(&mut subscriber).await.len(), 3);
    drop(shared);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        watching.load(std::sync::atomic::Ordering::SeqCst),
        "a subscriber remains"
    );
    drop(subscriber);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        !watching.load(std::sync::atomic::Ordering::SeqCst),
        "the watch was kept"
    );
}
