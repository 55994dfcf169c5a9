//! Watch streams: decoded line by line whatever the chunk boundaries, with a
//! line limit, a clear error for a bad line, and the server's errors.

mod api_support;

mod proptest_support;

use proptest_support::cases;
use std::sync::Arc;

use api_support::{ChunkedRest, event, pod, rest_for, status};
use futures::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use proptest::prelude::*;
use rudder::Error;
use rudder::typed::{Api, LineError, Typed};
use rudder::types::{WatchEvent, WatchParams};
use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A watch body with every event type, and a pod whose name is not ASCII so
/// that some split points fall inside a UTF-8 character.
fn recorded_watch() -> String {
    let mut renamed = pod("default", "café-ünïcødé-☸", "Running");
    renamed["metadata"]["annotations"] = json!({"note": "日本語のテキスト"});
    [
        event("ADDED", pod("default", "a", "Pending")),
        event("MODIFIED", pod("default", "a", "Running")),
        event("ADDED", renamed),
        event(
            "BOOKMARK",
            json!({"kind": "Pod", "apiVersion": "v1", "metadata": {"resourceVersion": "2099", "annotations": {"k8s.io/initial-events-end": "true"}}}),
        ),
        event("DELETED", pod("default", "a", "Running")),
    ]
    .concat()
}

/// What a watch yields, summed up: event type and name (or resourceVersion).
fn summary(events: Vec<rudder::Result<WatchEvent<Pod>>>) -> Vec<String> {
    events
        .into_iter()
        .map(|event| match event {
            Ok(WatchEvent::Added(pod)) => format!("ADDED {}", pod.metadata.name.unwrap_or_default()),
            Ok(WatchEvent::Modified(pod)) => format!("MODIFIED {}", pod.metadata.name.unwrap_or_default()),
            Ok(WatchEvent::Deleted(pod)) => format!("DELETED {}", pod.metadata.name.unwrap_or_default()),
            Ok(WatchEvent::Bookmark(bookmark)) => format!("BOOKMARK {}", bookmark.metadata.resource_version),
            Ok(WatchEvent::Error(status)) => format!("ERROR {}", status.code),
            Err(error) => format!("Err {error}"),
        })
        .collect()
}

async fn watch_chunks(
    chunks: Vec<bytes::Bytes>,
    max_line: Option<usize>,
) -> Vec<rudder::Result<WatchEvent<Pod>>> {
    let rest = ChunkedRest::new(chunks);
    let mut pods: Api<Pod> = Api::namespaced(rest, "default");
    if let Some(max_line) = max_line {
        pods = pods.with_max_line(max_line);
    }
    pods.watch(&WatchParams::default()).await.unwrap().collect().await
}

fn expected_summary() -> Vec<String> {
    [
        "ADDED a",
        "MODIFIED a",
        "ADDED café-ünïcødé-☸",
        "BOOKMARK 2099",
        "DELETED a",
    ]
    .map(String::from)
    .to_vec()
}

/// A line of a watch body: a good event (named by its index) or garbage.
fn watch_line() -> impl Strategy<Value = (bool, String)> {
    prop_oneof![
        "[a-z]{1,6}".prop_map(|name| (true, event("ADDED", pod("default", &name, "Running")))),
        "[ -~]{1,30}".prop_map(|text| (false, format!("{}\n", text.replace('\n', "")))),
        Just((false, "{\"type\":\"ADDED\"}\n".to_owned())),
    ]
}

proptest! {
    #![proptest_config(cases(64))]

    #[test]
    fn events_decode_the_same_at_any_chunk_boundaries(cuts in prop::collection::vec(any::<usize>(), 0..40)) {
        let body = recorded_watch();
        let chunks = ChunkedRest::split(body.as_bytes(), &cuts);
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let events = runtime.block_on(watch_chunks(chunks, None));
        prop_assert_eq!(summary(events), expected_summary());
    }

    #[test]
    fn garbage_lines_are_errors_and_good_lines_events_at_any_chunk_boundaries(
        lines in prop::collection::vec(watch_line(), 0..12),
        cuts in prop::collection::vec(any::<usize>(), 0..20),
    ) {
        let body: String = lines.iter().map(|(_, line)| line.as_str()).collect();
        let chunks = ChunkedRest::split(body.as_bytes(), &cuts);
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let events = runtime.block_on(watch_chunks(chunks, None));
        // A blank-looking garbage line (spaces only) may be skipped as a keep-alive.
        let decoded: Vec<bool> = events.iter().map(Result::is_ok).collect();
        let good: Vec<bool> = lines.iter().filter(|(_, l)| !l.trim().is_empty()).map(|(good, _)| *good).collect();
        prop_assert_eq!(decoded, good);
    }
}

#[tokio::test]
async fn one_byte_chunks_decode() {
    let body = recorded_watch();
    let chunks = body
        .as_bytes()
        .iter()
        .map(|byte| bytes::Bytes::copy_from_slice(&[*byte]))
        .collect();
    assert_eq!(summary(watch_chunks(chunks, None).await), expected_summary());
}

#[tokio::test]
async fn a_bad_line_is_an_error_naming_its_start_and_the_watch_goes_on() {
    let body = [
        event("ADDED", pod("default", "a", "Pending")),
        "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":42}}}\n".to_owned(),
        event("DELETED", pod("default", "a", "Pending")),
    ]
    .concat();
    let events = watch_chunks(vec![body.into()], None).await;
    assert_eq!(events.len(), 3);
    let Err(Error::Stream {
        verb,
        url,
        source: LineError::Undecodable { start, .. },
    }) = &events[1]
    else {
        panic!("expected an undecodable line, got {:?}", events[1]);
    };
    assert_eq!(verb, "GET");
    assert_eq!(
        url,
        "/api/v1/namespaces/default/pods?watch=true&allowWatchBookmarks=true"
    );
    assert_eq!(start, r#"{"type":"ADDED","object":{"metadata":{"name":42}}}"#);
    assert!(
        events[1]
            .as_ref()
            .unwrap_err()
            .to_string()
            .contains(r#"the line that starts with "{\"type\":\"ADDED\"#)
    );
    assert!(matches!(events[2], Ok(WatchEvent::Deleted(_))));
}

#[tokio::test]
async fn an_over_long_line_ends_the_watch_with_an_error() {
    let long = event("ADDED", pod("default", &"x".repeat(5000), "Pending"));
    let body = [
        event("ADDED", pod("default", "a", "Pending")),
        long,
        event("DELETED", pod("default", "a", "Pending")),
    ]
    .concat();
    let events = watch_chunks(
        ChunkedRest::split(body.as_bytes(), &[100, 2000, 4000]),
        Some(4096),
    )
    .await;
    assert_eq!(events.len(), 2, "{:?}", summary(events));
    let Err(Error::Stream {
        source: LineError::TooLong { limit, start },
        ..
    }) = &events[1]
    else {
        panic!("expected a too-long line, got {:?}", events[1]);
    };
    assert_eq!(*limit, 4096);
    assert!(
        start.starts_with(r#"{"object":{"apiVersion":"v1","kind":"Pod""#) && start.ends_with("..."),
        "{start}"
    );
}

#[tokio::test]
async fn a_watch_over_http_decodes_every_event_and_sends_the_params() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/namespaces/default/pods"))
        .and(query_param("watch", "true"))
        .and(query_param("resourceVersion", "2000"))
        .and(query_param("allowWatchBookmarks", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_string(recorded_watch()))
        .mount(&server)
        .await;
    let pods: Api<Pod> = Api::namespaced(rest_for(&server), "default");
    let events = pods
        .watch(&WatchParams::default().from_version("2000"))
        .await
        .unwrap()
        .collect()
        .await;
    assert_eq!(summary(events), expected_summary());
}

#[tokio::test]
async fn a_watch_from_a_compacted_version_gets_an_error_event() {
    let expired = status(410, "Expired", "too old resource version: 1 (2099)", json!({}));
    let body = event("ERROR", expired);
    let events = watch_chunks(vec![body.into()], None).await;
    assert_eq!(summary(events), ["ERROR 410"]);
}

#[tokio::test]
async fn a_refused_watch_is_an_api_error() {
    let rest = Arc::new(ChunkedRest {
        status: 403,
        chunks: vec![
            serde_json::to_vec(&status(
                403,
                "Forbidden",
                r#"pods is forbidden: User "bob" cannot watch resource "pods" in API group "" in the namespace "default""#,
                json!({"kind": "pods"}),
            ))
            .unwrap()
            .into(),
        ],
        uris: Default::default(),
    });
    let pods: Api<Pod> = Api::namespaced(rest, "default");
    let error = pods.watch(&WatchParams::default()).await.err().expect("a 403");
    assert!(error.is_forbidden(), "{error}");
    assert!(
        error
            .to_string()
            .starts_with("GET /api/v1/namespaces/default/pods?watch=true"),
        "{error}"
    );
}
