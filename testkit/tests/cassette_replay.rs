//! Replay matching: what is compared and what is ignored, the order of
//! identical requests, and misses that explain themselves.

use bytes::Bytes;
use rudder::Rest;
use rudder::rest::Request;
use rudder_testkit::cassette::{Cassette, ReplayMiss, Replayer};
use serde_json::{Value, json};

const CASSETTE: &str = r#"version: 1
interactions:
- request:
    method: GET
    path: /api/v1/namespaces/default/configmaps/web
  response:
    status: 200
    body:
      json: {kind: ConfigMap, metadata: {name: web, resourceVersion: "1"}}
- request:
    method: GET
    path: /api/v1/namespaces/default/configmaps/web
  response:
    status: 200
    body:
      json: {kind: ConfigMap, metadata: {name: web, resourceVersion: "2"}}
- request:
    method: GET
    path: /api/v1/namespaces/default/configmaps
    query:
      labelSelector: app=web
      limit: 500
  response:
    status: 200
    body:
      json: {kind: ConfigMapList, items: []}
- request:
    method: POST
    path: /api/v1/namespaces/default/secrets
    headers:
      content-type: application/json
    body:
      json:
        kind: Secret
        metadata: {name: db, labels: {tier: data}}
        stringData: {password: <redacted:secret-data:0>}
  response:
    status: 201
    body:
      json: {kind: Secret, metadata: {name: db}}
- request:
    method: GET
    path: /api/v1/namespaces/default/configmaps
    query:
      watch: "true"
      resourceVersion: "7"
      timeoutSeconds: "290"
  response:
    status: 200
    stream:
      events:
      - offset_ms: 0
        data:
          json: {type: ADDED, object: {kind: ConfigMap, metadata: {name: web}}}
      end: server-closed
interaction_count: 5
"#;

fn replayer() -> Replayer {
    Replayer::new(
        Cassette::from_yaml(CASSETTE, "fixtures/cassettes/matching.yaml").unwrap(),
        "fixtures/cassettes/matching.yaml",
    )
}

fn get(uri: &str) -> Request {
    http::Request::get(uri)
        .header("user-agent", "some-agent/1")
        .body(Bytes::new())
        .unwrap()
}

fn post(uri: &str, body: Value) -> Request {
    http::Request::post(uri)
        .header("authorization", "Bearer whatever")
        .body(Bytes::from(body.to_string()))
        .unwrap()
}

async fn json_answer(replayer: &Replayer, request: Request) -> Value {
    let response = replayer.send(request).await.expect("an answer");
    serde_json::from_slice(response.body()).unwrap()
}

async fn miss(replayer: &Replayer, request: Request) -> String {
    let error = replayer.send(request).await.expect_err("a miss");
    let source = std::error::Error::source(&error).expect("a source");
    assert!(source.downcast_ref::<ReplayMiss>().is_some(), "{error:?}");
    error.to_string()
}

#[tokio::test]
async fn identical_requests_get_their_answers_in_recorded_order_then_miss() {
    let replayer = replayer();
    let path = "/api/v1/namespaces/default/configmaps/web";
    assert_eq!(
        json_answer(&replayer, get(path)).await["metadata"]["resourceVersion"],
        "1"
    );
    assert_eq!(
        json_answer(&replayer, get(path)).await["metadata"]["resourceVersion"],
        "2"
    );
    insta::assert_snapshot!("miss_all_played", miss(&replayer, get(path)).await);
}

#[tokio::test]
async fn with_repeats_allowed_the_last_answer_is_given_again() {
    let replayer = replayer().allow_playback_repeats(true);
    let path = "/api/v1/namespaces/default/configmaps/web";
    for expected in ["1", "2", "2"] {
        assert_eq!(
            json_answer(&replayer, get(path)).await["metadata"]["resourceVersion"],
            expected
        );
    }
}

#[tokio::test]
async fn the_query_is_a_map_and_timeout_seconds_is_ignored() {
    let replayer = replayer();
    let list = json_answer(
        &replayer,
        get("/api/v1/namespaces/default/configmaps?limit=500&labelSelector=app%3Dweb"),
    )
    .await;
    assert_eq!(list["kind"], "ConfigMapList");
    let watch = replayer
        .send_stream(get(
            "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=7&timeoutSeconds=17",
        ))
        .await;
    assert!(watch.is_ok());
}

#[tokio::test]
async fn a_watch_resource_version_is_compared_unless_told_otherwise() {
    let uri = "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=99";
    let strict = replayer();
    assert!(strict.send_stream(get(uri)).await.is_err());
    let lenient = replayer().ignore_watch_resource_version(true);
    assert!(lenient.send_stream(get(uri)).await.is_ok());
}

#[tokio::test]
async fn bodies_match_structurally_and_placeholders_match_any_value() {
    let replayer = replayer();
    let body = json!({"stringData": {"password": "real-password"}, "metadata": {"labels": {"tier": "data"}, "name": "db"}, "kind": "Secret"});
    let created = json_answer(&replayer, post("/api/v1/namespaces/default/secrets", body)).await;
    assert_eq!(created["metadata"]["name"], "db");
}

#[tokio::test]
async fn a_miss_shows_the_closest_interactions_and_what_differs() {
    let replayer = replayer();
    insta::assert_snapshot!(
        "miss_query",
        miss(
            &replayer,
            get("/api/v1/namespaces/default/configmaps?labelSelector=app%3Dapi&limit=500&continue=x")
        )
        .await
    );
    let body =
        json!({"kind": "Secret", "metadata": {"name": "db", "labels": {"tier": "web"}}, "type": "Opaque"});
    insta::assert_snapshot!(
        "miss_body",
        miss(&replayer, post("/api/v1/namespaces/default/secrets", body)).await
    );
    insta::assert_snapshot!(
        "miss_path",
        miss(&replayer, get("/api/v1/namespaces/kube-system/configmaps/web")).await
    );
}

#[tokio::test]
#[should_panic(expected = "5 interaction(s) never asked for")]
async fn assert_all_used_lists_what_was_never_asked_for() {
    replayer().assert_all_used();
}

#[tokio::test]
async fn unused_interactions_are_listed() {
    let replayer = replayer();
    json_answer(&replayer, get("/api/v1/namespaces/default/configmaps/web")).await;
    insta::assert_debug_snapshot!("unused", replayer.unused());
}

fn open_error(text: &str) -> String {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("broken.yaml");
    std::fs::write(&path, text).unwrap();
    let error = Replayer::open(&path).err().expect("an error");
    error
        .to_string()
        .replace(&folder.path().display().to_string(), "TMP")
}

#[test]
fn malformed_and_truncated_cassettes_say_where_and_what_was_expected() {
    let unknown_field = CASSETTE.replace("    status: 201\n", "    status: 201\n    statuss: 1\n");
    let bad_end = CASSETTE.replace("end: server-closed", "end: server-gone");
    let truncated = &CASSETTE[..CASSETTE.find("- request:\n    method: POST").unwrap()];
    let cut_in_value = &CASSETTE[..CASSETTE.find("watch: \"true\"").unwrap() + 8];
    let tabs = CASSETTE.replace("  response:\n    status: 201", "  response:\n\tstatus: 201");
    let messages = [
        ("unknown field", open_error(&unknown_field)),
        ("bad stream end", open_error(&bad_end)),
        ("cut between interactions", open_error(truncated)),
        ("cut inside a value", open_error(cut_in_value)),
        ("tab indentation", open_error(&tabs)),
        ("not a cassette", open_error("- just\n- a list\n")),
        ("empty file", open_error("")),
    ];
    let report: String = messages
        .iter()
        .map(|(case, message)| format!("{case}:\n  {message}\n"))
        .collect();
    insta::assert_snapshot!("malformed", report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_each_get_the_answers_recorded_for_their_requests() {
    let replayer = std::sync::Arc::new(replayer());
    let list = tokio::spawn({
        let replayer = replayer.clone();
        async move {
            json_answer(
                &replayer,
                get("/api/v1/namespaces/default/configmaps?limit=500&labelSelector=app%3Dweb"),
            )
            .await
        }
    });
    let reads = tokio::spawn({
        let replayer = replayer.clone();
        async move {
            let mut versions = Vec::new();
            for _ in 0..2 {
                let object = json_answer(&replayer, get("/api/v1/namespaces/default/configmaps/web")).await;
                versions.push(object["metadata"]["resourceVersion"].clone());
            }
            versions
        }
    });
    assert_eq!(list.await.unwrap()["kind"], "ConfigMapList");
    assert_eq!(reads.await.unwrap(), [json!("1"), json!("2")]);
}
