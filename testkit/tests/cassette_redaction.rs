//! Nothing secret reaches a cassette: a session that writes and reads
//! Secrets over HTTPS with a bearer token and a client certificate leaves
//! none of its secret values in the file, plain or base64; the redacted
//! cassette still replays.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use futures::StreamExt;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use rudder::types::{ListParams, Patch, PatchParams, PostParams, WatchParams};
use rudder::{Client, HttpRest, Rest, Typed};
use rudder_testkit::FakeCluster;
use rudder_testkit::cassette::{Recorder, Replayer};
use serde_json::json;

const TOKEN: &str = "bearer-token-7f3a9c";
const PASSWORD: &str = "hunter2-password";
const API_KEY: &str = "sk-live-5551234";
const ROTATED: &str = "rotated-password-9";
const NAMED: &str = "db.internal.example.corp";

fn secret() -> Secret {
    serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "db"},
        "data": {"password": STANDARD.encode(PASSWORD)},
        "stringData": {"apiKey": API_KEY}
    }))
    .unwrap()
}

async fn session(client: &Client) -> Vec<String> {
    let secrets = client.default_namespaced::<Secret>();
    let created = secrets.create(&PostParams::default(), &secret()).await.unwrap();
    let start = created.metadata.resource_version.clone().unwrap();
    let rotate = Patch::Strategic(json!({"data": {"password": STANDARD.encode(ROTATED)}}));
    secrets
        .patch("db", &PatchParams::default(), &rotate)
        .await
        .unwrap();
    let got = secrets.get("db").await.unwrap();
    let listed = secrets.list(&ListParams::default()).await.unwrap();
    let params = WatchParams {
        allow_watch_bookmarks: false,
        ..WatchParams::default()
    }
    .from_version(&start);
    let mut events = secrets.watch(&params).await.unwrap();
    let event = events.next().await.unwrap().unwrap();
    drop(events);
    let config_maps = client.default_namespaced::<ConfigMap>();
    let settings: ConfigMap = serde_json::from_value(json!({
        "metadata": {"name": "settings"}, "data": {"database": format!("postgres://{NAMED}:5432")}
    }))
    .unwrap();
    config_maps
        .create(&PostParams::default(), &settings)
        .await
        .unwrap();
    let data = got.data.unwrap_or_default().into_iter();
    vec![
        data.map(|(key, value)| format!("{key}={}", String::from_utf8_lossy(&value.0)))
            .collect::<Vec<_>>()
            .join(","),
        format!("{}", listed.items.len()),
        format!("{event:?}")
            .split('(')
            .next()
            .unwrap_or_default()
            .to_owned(),
    ]
}

fn assert_absent(text: &str, what: &str, value: &str) {
    for encoded in [
        value.to_owned(),
        STANDARD.encode(value),
        STANDARD_NO_PAD.encode(value),
    ] {
        assert!(
            !text.contains(&encoded),
            "the cassette holds the {what} ({encoded}):\n{text}"
        );
    }
}

#[tokio::test]
async fn no_secret_value_reaches_the_cassette_in_any_encoding() {
    let cluster = FakeCluster::builder().deterministic().build();
    let server = cluster
        .server()
        .token(TOKEN)
        .client_certificate()
        .start()
        .await
        .unwrap();
    let identity = server.client_identity().expect("a client certificate").clone();
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("secrets.yaml");
    let recorder = Arc::new(Recorder::new(HttpRest::new(server.config()).unwrap(), &path));
    recorder.redact(NAMED);
    let live = session(&Client::new(recorder.clone() as Arc<dyn Rest>, "default")).await;
    recorder.finish().unwrap();

    let text = std::fs::read_to_string(&path).unwrap();
    for (what, value) in [
        ("bearer token", TOKEN),
        ("secret data", PASSWORD),
        ("secret stringData", API_KEY),
        ("patched secret data", ROTATED),
        ("user-named string", NAMED),
    ] {
        assert_absent(&text, what, value);
    }
    for pem in [
        &identity.certificate_pem,
        &identity.key_pem,
        server.ca_pem().unwrap(),
    ] {
        for line in pem
            .lines()
            .filter(|line| !line.starts_with("-----") && line.len() > 16)
        {
            assert!(!text.contains(line), "the cassette holds PEM material: {line}");
        }
    }
    let address = server.url().trim_start_matches("https://");
    assert!(
        !text.contains(address),
        "the cassette holds the server address {address}"
    );
    assert!(
        text.contains(&STANDARD.encode("<redacted:secret-data:0>")),
        "{text}"
    );
    assert!(text.contains("<redacted:user:0>"), "{text}");

    drop(server);
    let replayer = Arc::new(Replayer::open(&path).unwrap());
    let replayed = session(&Client::new(replayer.clone() as Arc<dyn Rest>, "default")).await;
    replayer.assert_all_used();
    assert_eq!(replayed[1..], live[1..]);
    assert_eq!(
        replayed[0],
        "apiKey=<redacted:secret-data:1>,password=<redacted:secret-data:2>"
    );
}
