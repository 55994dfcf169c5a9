//! The state machine, step by step, against a scripted source: which
//! requests it makes, which events it yields, how it waits.

use std::collections::VecDeque;
use std::sync::Mutex;

use futures::StreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ListMeta;

use super::{Config, Error, Event, InitialList, watcher};
use crate::error::ApiError;
use crate::runtime::{BackoffConfig, ListWatch};
use crate::typed::WatchStream;
use crate::types::{Bookmark, BookmarkMeta, ListParams, ObjectList, Status, WatchEvent, WatchParams};

/// What a scripted watch answers: its events, or a failure to open.
type WatchAnswer = crate::Result<Vec<crate::Result<WatchEvent<ConfigMap>>>>;

/// A source that answers from a script and writes down what it was asked.
/// When a watch script runs out, the watch stays open with nothing to say.
#[derive(Default)]
struct Script {
    lists: Mutex<VecDeque<crate::Result<ObjectList<ConfigMap>>>>,
    watches: Mutex<VecDeque<WatchAnswer>>,
    asked: Mutex<Vec<String>>,
}

impl Script {
    fn list(self, answer: crate::Result<ObjectList<ConfigMap>>) -> Self {
        self.lists.lock().unwrap().push_back(answer);
        self
    }

    fn watch(self, answer: WatchAnswer) -> Self {
        self.watches.lock().unwrap().push_back(answer);
        self
    }

    fn note(&self, request: String) {
        self.asked.lock().unwrap().push(request);
    }
}

#[async_trait::async_trait]
impl ListWatch<ConfigMap> for std::sync::Arc<Script> {
    async fn list_page(&self, params: &ListParams) -> crate::Result<ObjectList<ConfigMap>> {
        self.note(format!(
            "list limit={:?} continue={:?}",
            params.limit, params.continue_token
        ));
        let next = self.lists.lock().unwrap().pop_front();
        next.unwrap_or_else(|| Err(api_error(500, "InternalError")))
    }

    async fn watch_events(&self, params: &WatchParams) -> crate::Result<WatchStream<ConfigMap>> {
        let initial = if params.send_initial_events {
            " initial"
        } else {
            ""
        };
        self.note(format!("watch from={:?}{initial}", params.resource_version));
        let next = self.watches.lock().unwrap().pop_front();
        match next {
            Some(Ok(events)) => Ok(futures::stream::iter(events).boxed()),
            Some(Err(error)) => Err(error),
            None => Ok(futures::stream::pending().boxed()),
        }
    }
}

fn api_error(code: u16, reason: &str) -> crate::Error {
    crate::Error::Api(Box::new(ApiError {
        status: Status::failure(code, reason, "scripted"),
        verb: "GET".into(),
        url: "/api/v1/configmaps".into(),
    }))
}

fn configmap(name: &str, version: &str) -> ConfigMap {
    let mut configmap = ConfigMap::default();
    configmap.metadata.name = Some(name.into());
    configmap.metadata.namespace = Some("default".into());
    configmap.metadata.resource_version = Some(version.into());
    configmap
}

fn page(names: &[&str], version: &str, continue_token: Option<&str>) -> crate::Result<ObjectList<ConfigMap>> {
    Ok(ObjectList {
        metadata: ListMeta {
            resource_version: Some(version.into()),
            continue_: continue_token.map(str::to_owned),
            ..ListMeta::default()
        },
        items: names.iter().map(|name| configmap(name, version)).collect(),
    })
}

fn bookmark(version: &str, initial_events_end: bool) -> crate::Result<WatchEvent<ConfigMap>> {
    let annotations = if initial_events_end {
        [("k8s.io/initial-events-end".to_owned(), "true".to_owned())].into()
    } else {
        Default::default()
    };
    Ok(WatchEvent::Bookmark(Bookmark {
        metadata: BookmarkMeta {
            resource_version: version.into(),
            annotations,
        },
        ..Bookmark::default()
    }))
}

fn gone() -> crate::Result<WatchEvent<ConfigMap>> {
    Ok(WatchEvent::Error(Status::failure(
        410,
        "Expired",
        "too old resource version",
    )))
}

fn paged() -> Config {
    Config::default()
        .initial_list(InitialList::Paged)
        .backoff(BackoffConfig::default().seed(1))
}

/// The first `count` things the watcher yields, summed up, and what it asked.
async fn run(script: Script, config: Config, count: usize) -> (Vec<String>, Vec<String>) {
    let script = std::sync::Arc::new(script);
    let events: Vec<String> = watcher(script.clone(), config)
        .take(count)
        .map(|event| summary(&event))
        .collect()
        .await;
    let asked = script.asked.lock().unwrap().clone();
    (events, asked)
}

fn summary(event: &Result<Event<ConfigMap>, Error>) -> String {
    let name = |configmap: &ConfigMap| configmap.metadata.name.clone().unwrap_or_default();
    match event {
        Ok(Event::Init) => "Init".into(),
        Ok(Event::InitApply(object)) => format!("InitApply {}", name(object)),
        Ok(Event::InitDone) => "InitDone".into(),
        Ok(Event::Apply(object)) => format!("Apply {}", name(object)),
        Ok(Event::Delete(object)) => format!("Delete {}", name(object)),
        Err(Error::List(error) | Error::WatchStart(error) | Error::Watch(error)) => {
            format!("Err {}", error.status().map_or(0, |status| status.code))
        }
        Err(Error::WatchStatus(status)) => format!("Err event {}", status.code),
    }
}

#[tokio::test(start_paused = true)]
async fn pages_are_handed_out_item_by_item_then_the_watch_starts_at_the_list_version() {
    let script = Script::default()
        .list(page(&["a", "b"], "10", Some("page-2")))
        .list(page(&["c"], "10", None))
        .watch(Ok(vec![Ok(WatchEvent::Added(configmap("d", "11")))]));
    let (events, asked) = run(script, paged(), 6).await;
    assert_eq!(
        events,
        [
            "Init",
            "InitApply a",
            "InitApply b",
            "InitApply c",
            "InitDone",
            "Apply d"
        ]
    );
    assert_eq!(
        asked,
        [
            "list limit=Some(500) continue=None",
            "list limit=Some(500) continue=Some(\"page-2\")",
            "watch from=Some(\"10\")",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn an_ended_watch_resumes_from_the_last_version_seen_including_bookmarks() {
    let script = Script::default()
        .list(page(&[], "10", None))
        .watch(Ok(vec![
            Ok(WatchEvent::Modified(configmap("a", "12"))),
            Ok(WatchEvent::Deleted(configmap("b", "13"))),
        ]))
        .watch(Ok(vec![bookmark("20", false)]))
        .watch(Ok(vec![Ok(WatchEvent::Added(configmap("c", "21")))]));
    let (events, asked) = run(script, paged(), 5).await;
    assert_eq!(events, ["Init", "InitDone", "Apply a", "Delete b", "Apply c"]);
    assert_eq!(
        &asked[1..],
        [
            "watch from=Some(\"10\")",
            "watch from=Some(\"13\")",
            "watch from=Some(\"20\")",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn gone_as_an_event_or_an_answer_starts_a_new_list() {
    let script = Script::default()
        .list(page(&["a"], "10", None))
        .watch(Ok(vec![gone()]))
        .list(page(&["b"], "30", None))
        .watch(Err(api_error(410, "Gone")))
        .list(page(&["c"], "40", None));
    let (events, asked) = run(script, paged(), 9).await;
    assert_eq!(
        events,
        [
            "Init",
            "InitApply a",
            "InitDone",
            "Init",
            "InitApply b",
            "InitDone",
            "Init",
            "InitApply c",
            "InitDone"
        ]
    );
    assert_eq!(
        asked.iter().filter(|request| request.starts_with("list")).count(),
        3
    );
}

#[tokio::test(start_paused = true)]
async fn an_expired_continue_token_restarts_the_list_from_the_top() {
    let script = Script::default()
        .list(page(&["a"], "10", Some("page-2")))
        .list(Err(api_error(410, "Expired")))
        .list(page(&["a", "b"], "50", None));
    let (events, asked) = run(script, paged(), 6).await;
    assert_eq!(
        events,
        [
            "Init",
            "InitApply a",
            "Init",
            "InitApply a",
            "InitApply b",
            "InitDone"
        ]
    );
    assert_eq!(asked[2], "list limit=Some(500) continue=None");
}

#[tokio::test(start_paused = true)]
async fn a_streaming_list_ends_at_its_bookmark_and_watches_on() {
    let script = Script::default().watch(Ok(vec![
        Ok(WatchEvent::Added(configmap("a", "5"))),
        bookmark("6", false),
        Ok(WatchEvent::Added(configmap("b", "6"))),
        bookmark("7", true),
        Ok(WatchEvent::Modified(configmap("a", "8"))),
    ]));
    let (events, asked) = run(script, Config::default(), 5).await;
    assert_eq!(
        events,
        ["Init", "InitApply a", "InitApply b", "InitDone", "Apply a"]
    );
    assert_eq!(asked, ["watch from=None initial"]);
}

#[tokio::test(start_paused = true)]
async fn a_streaming_list_cut_short_starts_again() {
    let script = Script::default()
        .watch(Ok(vec![Ok(WatchEvent::Added(configmap("a", "5")))]))
        .watch(Ok(vec![
            Ok(WatchEvent::Added(configmap("a", "5"))),
            bookmark("9", true),
        ]));
    let (events, asked) = run(script, Config::default(), 5).await;
    assert_eq!(events, ["Init", "InitApply a", "Init", "InitApply a", "InitDone"]);
    assert_eq!(asked, ["watch from=None initial", "watch from=None initial"]);
}

#[tokio::test(start_paused = true)]
async fn a_server_that_refuses_streaming_lists_is_listed_in_pages_from_then_on() {
    let script = Script::default()
        .watch(Err(api_error(422, "Invalid")))
        .list(page(&["a"], "10", None))
        .watch(Ok(vec![gone()]))
        .list(page(&["a"], "20", None));
    let (events, asked) = run(script, Config::default(), 6).await;
    assert_eq!(
        events,
        [
            "Init",
            "InitApply a",
            "InitDone",
            "Init",
            "InitApply a",
            "InitDone"
        ]
    );
    assert_eq!(
        asked,
        [
            "watch from=None initial",
            "list limit=Some(500) continue=None",
            "watch from=Some(\"10\")",
            "list limit=Some(500) continue=None",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn failures_are_yielded_and_retried_after_a_growing_backoff() {
    let script = Script::default()
        .list(Err(api_error(500, "InternalError")))
        .list(Err(api_error(503, "ServiceUnavailable")))
        .list(page(&["a"], "10", None))
        .watch(Ok(vec![Ok(WatchEvent::Error(Status::failure(
            500,
            "InternalError",
            "etcd",
        )))]))
        .watch(Err(api_error(500, "InternalError")));
    let config = paged().backoff(BackoffConfig::default().jitter(0.0));
    let script = std::sync::Arc::new(script);
    let start = tokio::time::Instant::now();
    let mut events = std::pin::pin!(watcher(script.clone(), config));
    let mut timeline = Vec::new();
    for _ in 0..7 {
        let event = events.next().await.unwrap();
        timeline.push(format!(
            "{} at {}ms",
            summary(&event),
            start.elapsed().as_millis()
        ));
    }
    assert_eq!(
        timeline,
        [
            "Init at 0ms",
            "Err 500 at 0ms",
            "Err 503 at 800ms",
            "InitApply a at 2400ms",
            "InitDone at 2400ms",
            "Err event 500 at 2400ms",
            "Err 500 at 5600ms",
        ]
    );
    assert_eq!(
        &script.asked.lock().unwrap()[3..],
        ["watch from=Some(\"10\")", "watch from=Some(\"10\")"]
    );
}

#[tokio::test(start_paused = true)]
async fn a_gone_where_no_version_was_asked_for_is_a_failure_with_backoff_not_a_hot_loop() {
    let script = Script::default()
        .list(Err(api_error(410, "Gone")))
        .list(page(&["a"], "10", None))
        .watch(Err(api_error(410, "Gone")));
    let start = tokio::time::Instant::now();
    let (events, asked) = run(script, paged(), 4).await;
    assert_eq!(events, ["Init", "Err 410", "InitApply a", "InitDone"]);
    assert_eq!(asked.len(), 2);
    assert!(start.elapsed() >= std::time::Duration::from_millis(800));

    let streaming = Script::default()
        .watch(Err(api_error(410, "Gone")))
        .watch(Ok(vec![bookmark("3", true)]));
    let (events, _) = run(streaming, Config::default(), 3).await;
    assert_eq!(events, ["Err 410", "Init", "InitDone"]);
}

#[tokio::test(start_paused = true)]
async fn a_server_that_answers_every_watch_with_gone_is_relisted_with_backoff_not_in_a_hot_loop() {
    // client-go waits its backoff before every relist; without it a watch
    // cache that keeps answering 410 would be listed in full back to back.
    let mut script = Script::default();
    for version in ["10", "20", "30"] {
        script = script.list(page(&["a"], version, None)).watch(Ok(vec![gone()]));
    }
    script = script
        .list(page(&["a"], "40", Some("page-2")))
        .list(Err(api_error(410, "Expired")))
        .list(page(&["a"], "50", None));
    let config = paged().backoff(BackoffConfig::default().jitter(0.0));
    let script = std::sync::Arc::new(script);
    let start = tokio::time::Instant::now();
    let mut events = std::pin::pin!(watcher(script.clone(), config));
    let mut inits = Vec::new();
    while inits.len() < 5 {
        if let Ok(Event::Init) = events.next().await.unwrap() {
            inits.push(start.elapsed().as_millis());
        }
    }
    assert_eq!(inits, [0, 800, 2400, 5600, 12000]);
}
