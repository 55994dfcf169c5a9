//! Label and field selectors on lists and watches of the fake cluster,
//! including the per-kind fields the real server supports.

mod cluster_support;

use cluster_support::*;
use http::Method;
use rudder::rest::ResourcePath;
use rudder_testkit::FakeCluster;
use serde_json::{Value, json};

fn pods() -> ResourcePath {
    ResourcePath::core("v1", "pods").namespace("default")
}

fn pod(name: &str, labels: Value, node: &str, phase: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "default", "labels": labels},
        "spec": {"nodeName": node, "restartPolicy": "Always", "containers": [{"name": "c", "image": "x"}]},
        "status": {"phase": phase}})
}

fn seeded() -> FakeCluster {
    let cluster = FakeCluster::new();
    cluster
        .seed_all([
            pod("a", json!({"app": "web", "tier": "front"}), "n1", "Running"),
            pod("b", json!({"app": "db"}), "n2", "Running"),
            pod(
                "c",
                json!({"app": "web", "tier": "back", "rank": "3"}),
                "n1",
                "Pending",
            ),
        ])
        .expect("seeded");
    cluster
}

fn names(list: &Value) -> Vec<&str> {
    list["items"].as_array().unwrap().iter().map(name).collect()
}

#[tokio::test]
async fn label_selectors_in_their_full_syntax() {
    let cluster = seeded();
    let cases = [
        ("app=web", vec!["a", "c"]),
        ("app==web", vec!["a", "c"]),
        ("app!=web", vec!["b"]),
        ("app in (db,cache)", vec!["b"]),
        ("app notin (web)", vec!["b"]),
        ("tier", vec!["a", "c"]),
        ("!tier", vec!["b"]),
        ("app=web,tier=back", vec!["c"]),
        ("rank>2", vec!["c"]),
        ("app=nothing", vec![]),
    ];
    for (selector, expected) in cases {
        let answer = send(
            &cluster,
            Method::GET,
            &pods(),
            &[("labelSelector", selector)],
            None,
        )
        .await;
        assert_eq!(answer.code, 200, "{selector}: {:?}", answer.body);
        assert_eq!(names(&answer.body), expected, "{selector}");
    }
}

#[tokio::test]
async fn field_selectors_on_the_fields_each_kind_supports() {
    let cluster = seeded();
    let cases = [
        ("metadata.name=b", vec!["b"]),
        ("metadata.namespace=default", vec!["a", "b", "c"]),
        ("spec.nodeName=n1", vec!["a", "c"]),
        ("status.phase=Running", vec!["a", "b"]),
        ("status.phase!=Running", vec!["c"]),
        ("spec.nodeName=n1,status.phase=Running", vec!["a"]),
        ("spec.restartPolicy=Always", vec!["a", "b", "c"]),
    ];
    for (selector, expected) in cases {
        let answer = send(
            &cluster,
            Method::GET,
            &pods(),
            &[("fieldSelector", selector)],
            None,
        )
        .await;
        assert_eq!(answer.code, 200, "{selector}: {:?}", answer.body);
        assert_eq!(names(&answer.body), expected, "{selector}");
    }
    let both = send(
        &cluster,
        Method::GET,
        &pods(),
        &[
            ("labelSelector", "app=web"),
            ("fieldSelector", "status.phase=Pending"),
        ],
        None,
    )
    .await;
    assert_eq!(names(&both.body), ["c"]);
}

#[tokio::test]
async fn events_and_secrets_select_on_their_own_fields() {
    let cluster = FakeCluster::new();
    cluster
        .seed_all([
            json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e1", "namespace": "default"},
                "involvedObject": {"kind": "Pod", "name": "a"}, "reason": "Started", "type": "Normal"}),
            json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e2", "namespace": "default"},
                "involvedObject": {"kind": "Pod", "name": "b"}, "reason": "BackOff", "type": "Warning"}),
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "tls", "namespace": "default"}, "type": "kubernetes.io/tls"}),
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "plain", "namespace": "default"}, "type": "Opaque"}),
        ])
        .expect("seeded");
    let events = ResourcePath::core("v1", "events").namespace("default");
    let secrets = ResourcePath::core("v1", "secrets").namespace("default");
    let cases = [
        (&events, "involvedObject.name=b", vec!["e2"]),
        (&events, "type=Warning", vec!["e2"]),
        (&events, "reason=Started,involvedObject.kind=Pod", vec!["e1"]),
        (&secrets, "type=kubernetes.io/tls", vec!["tls"]),
    ];
    for (path, selector, expected) in cases {
        let answer = send(&cluster, Method::GET, path, &[("fieldSelector", selector)], None).await;
        assert_eq!(names(&answer.body), expected, "{selector}");
    }
}

#[tokio::test]
async fn unsupported_fields_and_malformed_selectors_are_bad_requests() {
    let cluster = seeded();
    let configmaps = ResourcePath::core("v1", "configmaps").namespace("default");
    let unsupported = send(
        &cluster,
        Method::GET,
        &configmaps,
        &[("fieldSelector", "status.phase=Running")],
        None,
    )
    .await;
    assert_eq!(unsupported.code, 400);
    assert_eq!(
        unsupported.body["message"],
        "field label not supported: status.phase"
    );
    for (key, selector) in [
        ("labelSelector", "app in (web"),
        ("labelSelector", "app=-bad-"),
        ("fieldSelector", "novalue"),
    ] {
        let answer = send(&cluster, Method::GET, &pods(), &[(key, selector)], None).await;
        assert_eq!(answer.code, 400, "{key}={selector}: {:?}", answer.body);
        assert_eq!(answer.body["reason"], "BadRequest");
    }
}

#[tokio::test]
async fn a_watch_sees_objects_leave_its_selection_as_deleted_and_enter_as_added() {
    let cluster = seeded();
    let start = cluster.resource_version().to_string();
    let mut watch = Watch::open(
        &cluster,
        &pods(),
        &[("resourceVersion", &start), ("labelSelector", "tier=front")],
    )
    .await;
    let merge = |labels: Value| json!({"metadata": {"labels": labels}});
    let patch = |name: &str, body: Value| {
        rudder::rest::RequestBuilder::new(Method::PATCH, &pods().name(name))
            .unwrap()
            .body(body.to_string(), "application/merge-patch+json")
    };
    send_request(&cluster, patch("a", merge(json!({"tier": "back"})))).await;
    send_request(&cluster, patch("b", merge(json!({"tier": "front"})))).await;
    send_request(&cluster, patch("c", merge(json!({"other": "x"})))).await;
    send_request(&cluster, patch("b", merge(json!({"extra": "y"})))).await;
    let mut seen = Vec::new();
    for _ in 0..3 {
        let (kind, object) = watch.next().await.unwrap();
        seen.push(format!("{kind} {}", name(&object)));
    }
    assert_eq!(seen, ["DELETED a", "ADDED b", "MODIFIED b"]);
}

#[tokio::test]
async fn a_list_with_a_selector_has_no_remaining_item_count() {
    let cluster = seeded();
    let page = send(
        &cluster,
        Method::GET,
        &pods(),
        &[("labelSelector", "app"), ("limit", "1")],
        None,
    )
    .await
    .body;
    assert!(page["metadata"]["continue"].is_string());
    assert!(page["metadata"].get("remainingItemCount").is_none());
}
