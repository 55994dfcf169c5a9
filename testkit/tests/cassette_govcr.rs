//! go-vcr cassettes (format versions 1 and 2, written by hand in the format
//! go-vcr's recorder writes for client-go) import into rudder cassettes.

use std::path::PathBuf;

use futures::StreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use rudder::types::{ListParams, WatchEvent, WatchParams};
use rudder::{Api, Rest, Typed};
use rudder_testkit::cassette::{Body, Replayer, govcr};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/cassettes/go-vcr")
        .join(name)
}

#[test]
fn a_version_1_cassette_imports_as_a_reviewable_rudder_cassette() {
    let path = fixture("v1-client-go.yaml");
    let cassette = govcr::import_file(&path).expect("the v1 cassette imports");
    insta::assert_snapshot!(cassette.to_yaml().expect("YAML"));
}

#[test]
fn a_version_2_cassette_keeps_a_protobuf_body_byte_for_byte() {
    let path = fixture("v2-protobuf.yaml");
    let cassette = govcr::import_file(&path).expect("the v2 cassette imports");
    let Body::Base64(bytes) = &cassette.interactions[0].response.body else {
        panic!(
            "a protobuf body stays binary: {:?}",
            cassette.interactions[0].response.body
        );
    };
    assert!(bytes.starts_with(b"k8s\0"), "{bytes:?}");
    assert!(
        std::str::from_utf8(bytes).is_err(),
        "the fixture's body is not UTF-8"
    );
    assert_eq!(bytes.len(), 70);
    insta::assert_snapshot!(cassette.to_yaml().expect("YAML"));
}

#[test]
fn either_format_is_read_by_load_any_and_round_trips_through_rudder_yaml() {
    for name in ["v1-client-go.yaml", "v2-protobuf.yaml"] {
        let path = fixture(name);
        let text = std::fs::read_to_string(&path).expect("the fixture");
        assert!(govcr::is_govcr(&text), "{name}");
        let imported = govcr::load_any(&path).expect("go-vcr is detected");
        let folder = tempfile::tempdir().expect("a folder");
        let converted = folder.path().join("converted.yaml");
        imported.save(&converted).expect("the import saves");
        let converted_text = std::fs::read_to_string(&converted).expect("the saved cassette");
        assert!(
            !govcr::is_govcr(&converted_text),
            "{name}: a rudder cassette is not go-vcr"
        );
        assert_eq!(
            govcr::load_any(&converted).expect("a rudder cassette"),
            imported,
            "{name}"
        );
    }
}

fn replayer(name: &str) -> std::sync::Arc<Replayer> {
    let path = fixture(name);
    let cassette = govcr::import_file(&path).expect("the cassette imports");
    std::sync::Arc::new(Replayer::new(cassette, path))
}

fn request(method: &str, uri: &str, accept: &str, body: &str) -> rudder::rest::Request {
    http::Request::builder()
        .method(method)
        .uri(uri)
        .header("accept", accept)
        .header("content-type", "application/json")
        .body(bytes::Bytes::from(body.to_owned()))
        .expect("a request")
}

#[tokio::test]
async fn a_version_1_cassette_replays_through_api_and_its_watch_replays_as_events() {
    let replayer = replayer("v1-client-go.yaml");
    let configmaps: Api<ConfigMap> = Api::namespaced(replayer.clone(), "default");

    let list = configmaps
        .list(&ListParams::default().limit(500))
        .await
        .expect("the list");
    assert!(list.items.is_empty());
    // client-go's own body (with its `creationTimestamp: null`), as recorded.
    let created = replayer
        .send(request(
            "POST",
            "/api/v1/namespaces/default/configmaps?fieldManager=e2e.test",
            "application/json, */*",
            r#"{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"settings","namespace":"default","creationTimestamp":null},"data":{"mode":"fast"}}"#,
        ))
        .await
        .expect("the create");
    assert_eq!(created.status(), 201);
    assert_eq!(
        created.headers()["warning"],
        "299 - \"a warning the server sent\""
    );
    assert!(
        configmaps
            .get_opt("missing")
            .await
            .expect("a 404 is None")
            .is_none()
    );

    let params = WatchParams::default()
        .from_version("41")
        .bookmarks(true)
        .timeout(17);
    let events: Vec<_> = configmaps
        .watch(&params)
        .await
        .expect("the watch")
        .collect()
        .await;
    let kinds: Vec<String> = events
        .into_iter()
        .map(|event| match event.expect("an event") {
            WatchEvent::Added(object) => {
                format!("ADDED {}", object.metadata.resource_version.unwrap_or_default())
            }
            WatchEvent::Deleted(object) => {
                format!("DELETED {}", object.metadata.resource_version.unwrap_or_default())
            }
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(kinds, ["ADDED 42", "DELETED 43"]);
    replayer.assert_all_used();
}

#[tokio::test]
async fn a_version_2_cassette_replays_its_protobuf_body_byte_for_byte() {
    let replayer = replayer("v2-protobuf.yaml");
    let path = "/api/v1/namespaces/default/configmaps/settings";
    let answer = replayer
        .send(request(
            "GET",
            path,
            "application/vnd.kubernetes.protobuf, */*",
            "",
        ))
        .await
        .expect("the get");
    assert_eq!(
        answer.headers()["content-type"],
        "application/vnd.kubernetes.protobuf"
    );
    let recorded = std::fs::read_to_string(fixture("v2-protobuf.yaml")).expect("the fixture");
    let base64_text = recorded
        .lines()
        .find_map(|line| line.trim().strip_prefix("body: !!binary "))
        .expect("a !!binary body");
    let expected =
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, base64_text).expect("base64");
    assert_eq!(answer.body().as_ref(), expected.as_slice());

    let deleted = replayer
        .send(request(
            "DELETE",
            path,
            "application/json",
            r#"{"propagationPolicy":"Background"}"#,
        ))
        .await
        .expect("the delete");
    assert_eq!(deleted.status(), 200);
    replayer.assert_all_used();
}
