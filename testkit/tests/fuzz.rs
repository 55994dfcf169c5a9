//! Property tests of what the testkit reads from outside: seed YAML and
//! HTTP requests to the served fake. A few dozen cases each in `cargo test`;
//! set `PROPTEST_CASES` for a long run (see the README).

mod proptest_support;

use proptest_support::cases;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use proptest::prelude::*;
use rudder::Rest;
use rudder_testkit::FakeCluster;
use rudder_testkit::server::Server;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::runtime::Runtime;

fn label_value() -> impl Strategy<Value = String> {
    "[a-z0-9]([a-z0-9.-]{0,6}[a-z0-9])?"
}

/// A ConfigMap with random names, labels and data, some in namespaces of their own.
fn config_map() -> impl Strategy<Value = Value> {
    (
        "[a-z]([a-z0-9-]{0,8}[a-z0-9])?",
        prop_oneof![Just("default".to_owned()), "[a-z]{1,6}"],
        prop::collection::btree_map("[a-z]{1,5}", label_value(), 0..3),
        prop::collection::btree_map("[a-zA-Z0-9._-]{1,8}", "\\PC{0,20}", 0..4),
    )
        .prop_map(|(name, namespace, labels, data)| {
            json!({
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": name, "namespace": namespace, "labels": labels},
                "data": data,
            })
        })
}

fn without_server_fields(mut object: Value) -> Value {
    if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        for field in [
            "uid",
            "resourceVersion",
            "creationTimestamp",
            "managedFields",
            "generation",
        ] {
            metadata.remove(field);
        }
    }
    object
}

fn objects_of(cluster: &FakeCluster) -> Vec<Value> {
    cluster.objects().into_iter().map(without_server_fields).collect()
}

proptest! {
    #![proptest_config(cases(32))]

    #[test]
    fn any_seed_text_is_seeded_or_refused_without_panicking(text in "(---\n|[ -~\n]{0,40}|kind: |apiVersion: v1\n|metadata:\n  name: ){0,8}") {
        let cluster = FakeCluster::new();
        match cluster.seed_yaml(&text) {
            Ok(seeded) => {
                let held = cluster.objects();
                for object in seeded {
                    prop_assert!(held.contains(&object), "{object} was seeded but is not held");
                }
            }
            Err(error) => prop_assert!(!error.to_string().is_empty()),
        }
    }

    #[test]
    fn seeded_yaml_gives_back_the_objects_it_held(maps in prop::collection::vec(config_map(), 0..6)) {
        let mut yaml = String::new();
        for map in &maps {
            yaml.push_str("---\n");
            yaml.push_str(&serde_saphyr::to_string(map).expect("a ConfigMap renders as YAML"));
        }
        let first = FakeCluster::new();
        // Two maps may share a name: the second is then refused as AlreadyExists.
        let seeded = first.seed_yaml(&yaml);
        let unique = {
            let mut keys: Vec<String> = maps.iter().map(|m| format!("{}/{}", m["metadata"]["namespace"], m["metadata"]["name"])).collect();
            keys.sort();
            keys.dedup();
            keys.len() == maps.len()
        };
        prop_assert_eq!(seeded.is_ok(), unique);
        prop_assume!(unique);
        let held = objects_of(&first);
        for map in &maps {
            prop_assert!(held.contains(map), "{map} is not among {held:?}");
        }
    }
}

/// One fake cluster served for every request case, on its own runtime.
fn served() -> &'static (Runtime, Server) {
    static SERVED: OnceLock<(Runtime, Server)> = OnceLock::new();
    SERVED.get_or_init(|| {
        let runtime = Runtime::new().expect("a runtime");
        let rest: Arc<dyn Rest> = Arc::new(FakeCluster::new());
        let server = runtime.block_on(Server::builder(rest).start()).expect("a server");
        (runtime, server)
    })
}

/// Sends raw bytes and reads the answer until the server closes, or for a
/// second for an answer that streams.
fn exchange(request: Vec<u8>) -> String {
    let (runtime, server) = served();
    runtime.block_on(async {
        let mut stream = TcpStream::connect(server.address()).await.expect("connected");
        let _ = stream.write_all(&request).await;
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(1), stream.read_to_end(&mut answer)).await;
        String::from_utf8_lossy(&answer).into_owned()
    })
}

fn method() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec!["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
            .prop_map(str::to_owned),
        "[A-Z]{1,8}",
    ]
}

/// Paths the server routes, and random ones; none asks for a watch or a follow.
fn path() -> impl Strategy<Value = String> {
    let known = prop::sample::select(vec![
        "/api",
        "/apis",
        "/api/v1",
        "/apis/apps/v1",
        "/version",
        "/healthz",
        "/readyz",
        "/openapi/v3",
        "/api/v1/namespaces",
        "/api/v1/namespaces/default/configmaps",
        "/api/v1/namespaces/default/configmaps/a",
        "/apis/apps/v1/namespaces/default/deployments/d/scale",
        "/api/v1/namespaces/default/pods/p/log",
        "/api/v1/namespaces/default/configmaps/a/status",
    ]);
    prop_oneof![
        (known, prop::option::of("[a-eg-vx-z0-9=&%.-]{0,16}"))
            .prop_map(|(path, query)| query.map_or(path.to_owned(), |q| format!("{path}?{q}"))),
        "/[a-eg-vx-z0-9/%._-]{0,30}",
    ]
}

fn header() -> impl Strategy<Value = (String, String)> {
    let name = prop_oneof![
        Just("Content-Type".to_owned()),
        Just("Accept".to_owned()),
        Just("Authorization".to_owned()),
        "X-[A-Za-z-]{1,8}",
    ];
    let value = prop_oneof![
        Just("application/json".to_owned()),
        Just("application/merge-patch+json".to_owned()),
        Just("application/strategic-merge-patch+json".to_owned()),
        Just("application/apply-patch+yaml".to_owned()),
        Just("application/json;as=Table;v=v1;g=meta.k8s.io".to_owned()),
        Just("application/vnd.kubernetes.protobuf".to_owned()),
        "[ -~]{0,20}",
    ];
    (name, value)
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..64),
        Just(br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}"#.to_vec()),
        Just(br#"[{"op":"add","path":"/data","value":{}}]"#.to_vec()),
        "\\PC{0,40}".prop_map(String::into_bytes),
    ]
}

proptest! {
    #![proptest_config(cases(48))]

    #[test]
    fn every_request_gets_an_answer_and_errors_are_statuses(
        method in method(),
        path in path(),
        headers in prop::collection::vec(header(), 0..4),
        body in body(),
    ) {
        let mut request = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        for (name, value) in &headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        let mut request = request.into_bytes();
        request.extend_from_slice(&body);
        let answer = exchange(request);

        let status_line = answer.lines().next().unwrap_or_default();
        let code: u16 = status_line
            .strip_prefix("HTTP/1.1 ")
            .and_then(|rest| rest.get(..3))
            .and_then(|code| code.parse().ok())
            .unwrap_or(0);
        prop_assert!((200..600).contains(&code), "no answer: {answer:?}");
        let (head, payload) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
        let json_body = head.to_ascii_lowercase().contains("content-type: application/json");
        if code >= 400 && method != "HEAD" && json_body && !head.to_ascii_lowercase().contains("transfer-encoding") {
            let status: Value = serde_json::from_str(payload).map_err(|e| TestCaseError::fail(format!("{e}: {answer}")))?;
            prop_assert_eq!(&status["kind"], "Status", "{}", answer);
            prop_assert_eq!(&status["code"], code, "{}", answer);
        }
        let health = exchange(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec());
        prop_assert!(health.starts_with("HTTP/1.1 200"), "the server stopped answering: {health}");
    }
}
