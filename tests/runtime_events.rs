//! The event recorder against the fake cluster: one Event per distinct
//! occurrence, repeats folded into its series, a new Event once the series
//! has ended.

use std::time::Duration;

use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::api::events::v1::Event;
use rudder::runtime::events::{EventNote, Recorder, Reporter, SERIES_WINDOW, object_reference};
use rudder::types::{ListParams, ObjectMeta, PostParams};
use rudder::{Api, Typed};
use rudder_testkit::FakeCluster;

fn reporter() -> Reporter {
    Reporter {
        controller: "rudder.test/recorder".into(),
        instance: "recorder-0".into(),
    }
}

async fn config_map(cluster: &FakeCluster, name: &str) -> ConfigMap {
    let config_maps: Api<ConfigMap> = cluster.client().default_namespaced();
    let wanted = ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.into()),
            ..ObjectMeta::default()
        },
        ..ConfigMap::default()
    };
    config_maps.create(&PostParams::default(), &wanted).await.unwrap()
}

async fn events(cluster: &FakeCluster) -> Vec<Event> {
    let events: Api<Event> = cluster.client().default_namespaced();
    events.list(&ListParams::default()).await.unwrap().items
}

#[tokio::test(start_paused = true)]
async fn an_event_is_written_in_its_objects_namespace_with_its_reporter() {
    let cluster = FakeCluster::new();
    let object = config_map(&cluster, "settings").await;
    let recorder = Recorder::new(cluster.client(), reporter());
    let note = EventNote::warning("ErrResourceExists", "Reconcile", "already exists");
    recorder.publish(&object_reference(&object), &note).await.unwrap();

    let [event] = events(&cluster).await.try_into().unwrap();
    assert_eq!(event.type_.as_deref(), Some("Warning"));
    assert_eq!(event.reason.as_deref(), Some("ErrResourceExists"));
    assert_eq!(event.action.as_deref(), Some("Reconcile"));
    assert_eq!(event.note.as_deref(), Some("already exists"));
    assert_eq!(
        event.reporting_controller.as_deref(),
        Some("rudder.test/recorder")
    );
    assert_eq!(event.reporting_instance.as_deref(), Some("recorder-0"));
    let regarding = event.regarding.unwrap();
    assert_eq!(regarding.kind.as_deref(), Some("ConfigMap"));
    assert_eq!(regarding.name.as_deref(), Some("settings"));
    assert_eq!(regarding.uid, object.metadata.uid);
    assert!(event.series.is_none());
    assert!(event.event_time.is_some());
}

#[tokio::test(start_paused = true)]
async fn repeats_bump_the_series_count_of_one_event() {
    let cluster = FakeCluster::new();
    let object = config_map(&cluster, "settings").await;
    let recorder = Recorder::new(cluster.client(), reporter());
    let note = EventNote::warning("ErrResourceExists", "Reconcile", "already exists");
    for _ in 0..4 {
        recorder.publish(&object_reference(&object), &note).await.unwrap();
        tokio::time::sleep(Duration::from_secs(30)).await;
    }

    let [event] = events(&cluster).await.try_into().unwrap();
    let series = event.series.expect("a repeated event has a series");
    assert_eq!(series.count, 4);
    assert_eq!(cluster.actions().count("create", "events"), 1);
    assert_eq!(cluster.actions().count("patch", "events"), 3);
}

#[tokio::test(start_paused = true)]
async fn a_different_reason_note_or_object_is_a_different_event() {
    let cluster = FakeCluster::new();
    let first = config_map(&cluster, "first").await;
    let second = config_map(&cluster, "second").await;
    let recorder = Recorder::new(cluster.client(), reporter());
    let exists = EventNote::warning("ErrResourceExists", "Reconcile", "already exists");
    recorder
        .publish(&object_reference(&first), &exists)
        .await
        .unwrap();
    recorder
        .publish(&object_reference(&second), &exists)
        .await
        .unwrap();
    let other_note = EventNote::warning("ErrResourceExists", "Reconcile", "still exists");
    recorder
        .publish(&object_reference(&first), &other_note)
        .await
        .unwrap();
    let synced = EventNote::normal("Synced", "Reconcile", "already exists");
    recorder
        .publish(&object_reference(&first), &synced)
        .await
        .unwrap();

    let all = events(&cluster).await;
    assert_eq!(all.len(), 4);
    assert!(all.iter().all(|event| event.series.is_none()));
}

#[tokio::test(start_paused = true)]
async fn a_repeat_after_the_series_ended_starts_a_new_event() {
    let cluster = FakeCluster::new();
    let object = config_map(&cluster, "settings").await;
    let recorder = Recorder::new(cluster.client(), reporter());
    let note = EventNote::normal("Synced", "Reconcile", "synced");
    recorder.publish(&object_reference(&object), &note).await.unwrap();
    tokio::time::sleep(SERIES_WINDOW + Duration::from_secs(1)).await;
    recorder.publish(&object_reference(&object), &note).await.unwrap();

    assert_eq!(events(&cluster).await.len(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_series_whose_event_was_deleted_is_created_again() {
    let cluster = FakeCluster::new();
    let object = config_map(&cluster, "settings").await;
    let recorder = Recorder::new(cluster.client(), reporter());
    let note = EventNote::normal("Synced", "Reconcile", "synced");
    recorder.publish(&object_reference(&object), &note).await.unwrap();
    let events_api: Api<Event> = cluster.client().default_namespaced();
    let [first] = events(&cluster).await.try_into().unwrap();
    let name = first.metadata.name.unwrap();
    events_api.delete(&name, &Default::default()).await.unwrap();

    recorder.publish(&object_reference(&object), &note).await.unwrap();

    assert_eq!(events(&cluster).await.len(), 1);
}

#[tokio::test(start_paused = true)]
async fn the_same_new_event_published_at_once_from_many_tasks_is_one_series() {
    let cluster = FakeCluster::new();
    let object = config_map(&cluster, "settings").await;
    // Each write waits, so that the publishes overlap.
    cluster.react(rudder_testkit::cluster::Reactor::delay(
        "*",
        "events",
        Duration::from_millis(50),
    ));
    let recorder = Recorder::new(cluster.client(), reporter());
    let note = EventNote::warning("ErrResourceExists", "Reconcile", "already exists");
    let publishes = (0..5).map(|_| {
        let recorder = recorder.clone();
        let (reference, note) = (object_reference(&object), note.clone());
        tokio::spawn(async move { recorder.publish(&reference, &note).await })
    });
    for publish in publishes.collect::<Vec<_>>() {
        publish.await.unwrap().unwrap();
    }

    let [event] = events(&cluster).await.try_into().unwrap();
    assert_eq!(event.series.map(|series| series.count), Some(5));
}

#[tokio::test(start_paused = true)]
async fn a_write_that_hangs_holds_back_only_its_own_series() {
    let cluster = FakeCluster::new();
    let object = config_map(&cluster, "settings").await;
    // Writes of one event hang (a slow or stuck API server); the others' must not wait for them.
    cluster.react(rudder_testkit::cluster::Reactor::new("*", "events", |_, body| {
        if String::from_utf8_lossy(body).contains("stuck") {
            rudder_testkit::cluster::Reaction::Delay(Duration::from_secs(3600))
        } else {
            rudder_testkit::cluster::Reaction::Continue
        }
    }));
    let recorder = Recorder::new(cluster.client(), reporter());
    let stuck = tokio::spawn({
        let (recorder, reference) = (recorder.clone(), object_reference(&object));
        async move {
            let note = EventNote::warning("Slow", "Reconcile", "stuck");
            recorder.publish(&reference, &note).await
        }
    });
    tokio::time::sleep(Duration::from_millis(10)).await;
    let note = EventNote::normal("Synced", "Reconcile", "synced");
    tokio::time::timeout(
        Duration::from_secs(5),
        recorder.publish(&object_reference(&object), &note),
    )
    .await
    .expect("another event's write held this one back")
    .unwrap();
    let [event] = events(&cluster).await.try_into().unwrap();
    assert_eq!(event.reason.as_deref(), Some("Synced"));
    stuck.abort();
}
