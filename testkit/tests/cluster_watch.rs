//! Watches on the fake cluster: from a resourceVersion, resumption with no
//! event lost or repeated, 410 Gone, synthetic ADDEDs, initial-events
//! bookmarks, periodic bookmarks, timeouts, slow watchers and faults.

mod cluster_support;

use std::time::Duration;

use cluster_support::*;
use http::Method;
use rudder::Status;
use rudder_testkit::FakeCluster;
use serde_json::json;

#[tokio::test]
async fn a_watch_from_a_resource_version_sees_later_changes_in_order() {
    let cluster = FakeCluster::new();
    create(&cluster, &configmaps("default"), &configmap("before", "1")).await;
    let start = cluster.resource_version().to_string();
    let mut watch = Watch::open(&cluster, &configmaps("default"), &[("resourceVersion", &start)]).await;
    create_update_delete(&cluster, "a").await;

    let mut seen = Vec::new();
    for _ in 0..3 {
        let (kind, object) = watch.next().await.expect("an event");
        seen.push((kind, name(&object).to_owned(), rv(&object)));
    }
    let kinds: Vec<&str> = seen.iter().map(|(kind, _, _)| kind.as_str()).collect();
    assert_eq!(kinds, ["ADDED", "MODIFIED", "DELETED"]);
    assert!(seen.iter().all(|(_, name, _)| name == "a"));
    assert!(
        seen.windows(2).all(|pair| pair[0].2 < pair[1].2),
        "revisions increase: {seen:?}"
    );
    assert_eq!(
        seen[2].2,
        cluster.resource_version(),
        "a deletion has its own revision"
    );
}

#[tokio::test]
async fn resuming_from_the_last_seen_version_loses_and_repeats_nothing() {
    let cluster = FakeCluster::new();
    let start = cluster.resource_version().to_string();
    let mut first = Watch::open(&cluster, &configmaps("default"), &[("resourceVersion", &start)]).await;
    for index in 0..5 {
        create(
            &cluster,
            &configmaps("default"),
            &configmap(&format!("c{index}"), "1"),
        )
        .await;
    }
    let mut names = Vec::new();
    let mut last = String::new();
    for _ in 0..2 {
        let (_, object) = first.next().await.expect("an event");
        names.push(name(&object).to_owned());
        last = object["metadata"]["resourceVersion"].as_str().unwrap().to_owned();
    }
    drop(first);
    for index in 5..8 {
        create(
            &cluster,
            &configmaps("default"),
            &configmap(&format!("c{index}"), "1"),
        )
        .await;
    }
    let mut resumed = Watch::open(&cluster, &configmaps("default"), &[("resourceVersion", &last)]).await;
    for _ in 2..8 {
        let (kind, object) = resumed.next().await.expect("an event");
        assert_eq!(kind, "ADDED");
        names.push(name(&object).to_owned());
    }
    let expected: Vec<String> = (0..8).map(|index| format!("c{index}")).collect();
    assert_eq!(names, expected);
}

#[tokio::test]
async fn a_version_older_than_the_history_gets_410_gone_as_an_error_event() {
    let cluster = FakeCluster::builder().history_limit(2).build();
    let start = cluster.resource_version().to_string();
    for index in 0..4 {
        create(
            &cluster,
            &configmaps("default"),
            &configmap(&format!("c{index}"), "1"),
        )
        .await;
    }
    let mut watch = Watch::open(&cluster, &configmaps("default"), &[("resourceVersion", &start)]).await;
    let events = watch.rest().await;
    assert_eq!(events.len(), 1, "{events:?}");
    let (kind, status) = &events[0];
    assert_eq!(kind, "ERROR");
    assert_eq!(status["code"], 410);
    assert_eq!(status["reason"], "Expired");
    assert!(
        status["message"]
            .as_str()
            .unwrap()
            .starts_with("too old resource version: ")
    );
}

#[tokio::test]
async fn version_zero_starts_with_synthetic_added_events() {
    let cluster = FakeCluster::new();
    create(&cluster, &configmaps("default"), &configmap("a", "1")).await;
    create(&cluster, &configmaps("default"), &configmap("b", "1")).await;
    let mut watch = Watch::open(&cluster, &configmaps("default"), &[("resourceVersion", "0")]).await;
    let first = watch.next().await.unwrap();
    let second = watch.next().await.unwrap();
    assert_eq!((first.0.as_str(), name(&first.1)), ("ADDED", "a"));
    assert_eq!((second.0.as_str(), name(&second.1)), ("ADDED", "b"));
    create(&cluster, &configmaps("default"), &configmap("c", "1")).await;
    let live = watch.next().await.unwrap();
    assert_eq!((live.0.as_str(), name(&live.1)), ("ADDED", "c"));
}

#[tokio::test]
async fn send_initial_events_ends_with_the_initial_events_end_bookmark() {
    let cluster = FakeCluster::new();
    create(&cluster, &configmaps("default"), &configmap("a", "1")).await;
    let mut watch = Watch::open(
        &cluster,
        &configmaps("default"),
        &[
            ("sendInitialEvents", "true"),
            ("resourceVersionMatch", "NotOlderThan"),
            ("allowWatchBookmarks", "true"),
        ],
    )
    .await;
    let (kind, object) = watch.next().await.unwrap();
    assert_eq!((kind.as_str(), name(&object)), ("ADDED", "a"));
    let (kind, bookmark) = watch.next().await.unwrap();
    assert_eq!(kind, "BOOKMARK");
    assert_eq!(
        bookmark["metadata"]["annotations"]["k8s.io/initial-events-end"],
        "true"
    );
    assert_eq!(rv(&bookmark), cluster.resource_version());
    assert_eq!(bookmark["kind"], "ConfigMap");
}

#[tokio::test]
async fn send_initial_events_without_not_older_than_is_invalid() {
    let cluster = FakeCluster::new();
    let answer = send(
        &cluster,
        Method::GET,
        &configmaps("default"),
        &[("watch", "true"), ("sendInitialEvents", "true")],
        None,
    )
    .await;
    assert_eq!(answer.code, 422);
}

#[tokio::test]
async fn bookmarks_arrive_when_the_manual_clock_passes_the_interval() {
    let cluster = FakeCluster::builder()
        .deterministic()
        .bookmark_interval(Duration::from_secs(60))
        .build();
    let start = cluster.resource_version().to_string();
    let mut watch = Watch::open(
        &cluster,
        &configmaps("default"),
        &[
            ("resourceVersion", &start),
            ("allowWatchBookmarks", "true"),
            ("timeoutSeconds", "300"),
        ],
    )
    .await;
    cluster.advance(Duration::from_secs(30));
    create(&cluster, &configmaps("default"), &configmap("a", "1")).await;
    cluster.advance(Duration::from_secs(31));
    let (kind, _) = watch.next().await.unwrap();
    assert_eq!(kind, "ADDED");
    let (kind, bookmark) = watch.next().await.unwrap();
    assert_eq!(kind, "BOOKMARK");
    assert_eq!(rv(&bookmark), cluster.resource_version());
    cluster.advance(Duration::from_secs(300));
    let rest = watch.rest().await;
    assert!(
        rest.iter().all(|(kind, _)| kind == "BOOKMARK"),
        "the timeout ends the stream: {rest:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn timeout_seconds_ends_the_stream_on_the_system_clock() {
    let cluster = FakeCluster::new();
    let mut watch = Watch::open(
        &cluster,
        &configmaps("default"),
        &[("timeoutSeconds", "5"), ("resourceVersion", "1")],
    )
    .await;
    assert!(
        watch.next().await.is_none(),
        "paused time runs the timeout, then the stream ends"
    );
    assert_eq!(cluster.open_watches(), 0);
}

#[tokio::test]
async fn a_namespaced_watch_sees_nothing_of_other_namespaces() {
    let cluster = FakeCluster::new();
    create(
        &cluster,
        &rudder::rest::ResourcePath::core("v1", "namespaces"),
        &json!({"metadata": {"name": "other"}}),
    )
    .await;
    let start = cluster.resource_version().to_string();
    let mut watch = Watch::open(&cluster, &configmaps("default"), &[("resourceVersion", &start)]).await;
    create(&cluster, &configmaps("other"), &configmap("elsewhere", "1")).await;
    create(&cluster, &configmaps("default"), &configmap("here", "1")).await;
    let (kind, object) = watch.next().await.unwrap();
    assert_eq!((kind.as_str(), name(&object)), ("ADDED", "here"));
}

#[tokio::test]
async fn a_slow_watcher_is_closed_without_blocking_writers_and_resumes_without_loss() {
    let cluster = FakeCluster::builder().watch_buffer(3).build();
    let start = cluster.resource_version().to_string();
    let mut slow = Watch::open(&cluster, &configmaps("default"), &[("resourceVersion", &start)]).await;
    for index in 0..10 {
        create(
            &cluster,
            &configmaps("default"),
            &configmap(&format!("c{index}"), "1"),
        )
        .await;
    }
    assert_eq!(cluster.open_watches(), 0, "the watch that fell behind was closed");
    let delivered = slow.rest().await;
    assert_eq!(
        delivered.len(),
        3,
        "what was buffered is delivered, then the stream ends"
    );
    let last = delivered.last().unwrap().1["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut resumed = Watch::open(&cluster, &configmaps("default"), &[("resourceVersion", &last)]).await;
    let mut names: Vec<String> = delivered
        .iter()
        .map(|(_, object)| name(object).to_owned())
        .collect();
    for _ in 3..10 {
        names.push(name(&resumed.next().await.unwrap().1).to_owned());
    }
    let expected: Vec<String> = (0..10).map(|index| format!("c{index}")).collect();
    assert_eq!(names, expected);
}

#[tokio::test]
async fn faults_close_open_watches_and_fail_the_next_ones() {
    let cluster = FakeCluster::new();
    let mut open = Watch::open(&cluster, &configmaps("default"), &[("resourceVersion", "1")]).await;
    cluster.close_watches(Some(Status::failure(500, "InternalError", "injected")));
    let events = open.rest().await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].0, "ERROR");
    assert_eq!(events[0].1["message"], "injected");

    cluster.fail_next_watches(2, None);
    for _ in 0..2 {
        let mut failed = Watch::open(&cluster, &configmaps("default"), &[]).await;
        assert!(failed.rest().await.is_empty(), "closed with no event");
    }
    let mut healthy = Watch::open(&cluster, &configmaps("default"), &[("resourceVersion", "0")]).await;
    create(&cluster, &configmaps("default"), &configmap("a", "1")).await;
    assert_eq!(healthy.next().await.unwrap().0, "ADDED");
}

#[tokio::test]
async fn many_concurrent_watchers_each_see_every_event() {
    let cluster = FakeCluster::new();
    let start = cluster.resource_version().to_string();
    let mut watches = Vec::new();
    for _ in 0..8 {
        watches.push(Watch::open(&cluster, &configmaps("default"), &[("resourceVersion", &start)]).await);
    }
    let writers: Vec<_> = (0..4)
        .map(|writer| {
            let cluster = cluster.clone();
            tokio::spawn(async move {
                for index in 0..10 {
                    create(
                        &cluster,
                        &configmaps("default"),
                        &configmap(&format!("w{writer}-{index}"), "1"),
                    )
                    .await;
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap();
    }
    for watch in &mut watches {
        let mut revisions = Vec::new();
        for _ in 0..40 {
            revisions.push(rv(&watch.next().await.unwrap().1));
        }
        assert!(revisions.windows(2).all(|pair| pair[0] < pair[1]));
    }
}

#[tokio::test]
async fn a_watch_of_one_named_object_sees_only_it() {
    let cluster = FakeCluster::new();
    let start = cluster.resource_version().to_string();
    let mut watch = Watch::open(
        &cluster,
        &configmaps("default").name("b"),
        &[("resourceVersion", &start)],
    )
    .await;
    create(&cluster, &configmaps("default"), &configmap("a", "1")).await;
    create(&cluster, &configmaps("default"), &configmap("b", "1")).await;
    let (kind, object) = watch.next().await.unwrap();
    assert_eq!((kind.as_str(), name(&object)), ("ADDED", "b"));
    assert_eq!(cluster.actions().count("watch", "configmaps"), 1);
}
