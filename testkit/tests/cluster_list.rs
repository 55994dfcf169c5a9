//! Lists on the fake cluster: namespaces, pagination that is a consistent
//! snapshot across concurrent writes, expired continue tokens, and
//! resourceVersion / resourceVersionMatch semantics.

mod cluster_support;

use cluster_support::*;
use http::Method;
use rudder::rest::ResourcePath;
use rudder_testkit::FakeCluster;
use serde_json::{Value, json};

async fn list(cluster: &FakeCluster, path: &ResourcePath, query: &[(&str, &str)]) -> Answer {
    send(cluster, Method::GET, path, query, None).await
}

fn names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| name(item).to_owned())
        .collect()
}

#[tokio::test]
async fn lists_cover_one_namespace_or_all() {
    let cluster = FakeCluster::new();
    create(
        &cluster,
        &ResourcePath::core("v1", "namespaces"),
        &json!({"metadata": {"name": "team"}}),
    )
    .await;
    create(&cluster, &configmaps("default"), &configmap("b", "1")).await;
    create(&cluster, &configmaps("team"), &configmap("a", "1")).await;
    let one = list(&cluster, &configmaps("team"), &[]).await.body;
    assert_eq!(names(&one), ["a"]);
    assert_eq!(one["kind"], "ConfigMapList");
    assert_eq!(one["apiVersion"], "v1");
    assert_eq!(rv(&one), cluster.resource_version());
    let all = list(&cluster, &ResourcePath::core("v1", "configmaps"), &[])
        .await
        .body;
    assert_eq!(names(&all), ["b", "a"], "sorted by namespace, then name");
}

#[tokio::test]
async fn pagination_is_a_consistent_snapshot_across_concurrent_writes() {
    let cluster = FakeCluster::new();
    for index in 0..10 {
        create(
            &cluster,
            &configmaps("default"),
            &configmap(&format!("c{index:02}"), "1"),
        )
        .await;
    }
    let first = list(&cluster, &configmaps("default"), &[("limit", "4")])
        .await
        .body;
    assert_eq!(names(&first), ["c00", "c01", "c02", "c03"]);
    assert_eq!(first["metadata"]["remainingItemCount"], 6);
    let snapshot = rv(&first);

    // Writes between pages: a new object, a deletion and a change.
    create(&cluster, &configmaps("default"), &configmap("c05a", "1")).await;
    send(
        &cluster,
        Method::DELETE,
        &configmaps("default").name("c07"),
        &[],
        None,
    )
    .await;
    send(
        &cluster,
        Method::PUT,
        &configmaps("default").name("c08"),
        &[],
        Some(&configmap("c08", "changed")),
    )
    .await;

    let mut collected = names(&first);
    let mut token = first["metadata"]["continue"].as_str().unwrap().to_owned();
    loop {
        let page = list(
            &cluster,
            &configmaps("default"),
            &[("limit", "4"), ("continue", &token)],
        )
        .await
        .body;
        assert_eq!(
            rv(&page),
            snapshot,
            "every page is read at the first page's revision"
        );
        for item in page["items"].as_array().unwrap() {
            if name(item) == "c08" {
                assert_eq!(item["data"]["value"], "1", "the snapshot's version of the object");
            }
        }
        collected.extend(names(&page));
        match page["metadata"]["continue"].as_str() {
            Some(next) => token = next.to_owned(),
            None => break,
        }
    }
    let expected: Vec<String> = (0..10).map(|index| format!("c{index:02}")).collect();
    assert_eq!(collected, expected);
}

#[tokio::test]
async fn a_continue_token_older_than_the_history_is_expired() {
    let cluster = FakeCluster::builder().history_limit(3).build();
    for index in 0..3 {
        create(
            &cluster,
            &configmaps("default"),
            &configmap(&format!("c{index}"), "1"),
        )
        .await;
    }
    let first = list(&cluster, &configmaps("default"), &[("limit", "1")])
        .await
        .body;
    let token = first["metadata"]["continue"].as_str().unwrap().to_owned();
    create(&cluster, &configmaps("default"), &configmap("later", "1")).await;
    cluster.compact();
    let expired = list(
        &cluster,
        &configmaps("default"),
        &[("limit", "1"), ("continue", &token)],
    )
    .await;
    assert_eq!(expired.code, 410);
    assert_eq!(expired.body["reason"], "Expired");
    assert!(
        expired.body["message"]
            .as_str()
            .unwrap()
            .starts_with("The provided continue parameter is too old")
    );
    let garbage = list(&cluster, &configmaps("default"), &[("continue", "not-a-token")]).await;
    assert_eq!(garbage.code, 400);
}

/// The query, the expected code and the names listed.
type VersionCase<'a> = (Vec<(&'a str, &'a str)>, u16, Vec<&'a str>);

#[tokio::test]
async fn resource_version_match_exact_reads_from_history() {
    let cluster = FakeCluster::new();
    create(&cluster, &configmaps("default"), &configmap("a", "1")).await;
    let then = cluster.resource_version().to_string();
    create(&cluster, &configmaps("default"), &configmap("b", "1")).await;
    let cases: Vec<VersionCase> = vec![
        (vec![], 200, vec!["a", "b"]),
        (vec![("resourceVersion", "0")], 200, vec!["a", "b"]),
        (
            vec![
                ("resourceVersion", &then),
                ("resourceVersionMatch", "NotOlderThan"),
            ],
            200,
            vec!["a", "b"],
        ),
        (
            vec![("resourceVersion", &then), ("resourceVersionMatch", "Exact")],
            200,
            vec!["a"],
        ),
        (
            vec![("resourceVersion", "999999"), ("resourceVersionMatch", "Exact")],
            504,
            vec![],
        ),
        (vec![("resourceVersionMatch", "Exact")], 422, vec![]),
        (
            vec![("resourceVersion", "0"), ("resourceVersionMatch", "Exact")],
            422,
            vec![],
        ),
    ];
    for (query, code, expected) in cases {
        let answer = list(&cluster, &configmaps("default"), &query).await;
        assert_eq!(answer.code, code, "{query:?}: {:?}", answer.body);
        if code == 200 {
            assert_eq!(names(&answer.body), expected, "{query:?}");
        }
    }
    cluster.compact();
    let gone = list(
        &cluster,
        &configmaps("default"),
        &[("resourceVersion", &then), ("resourceVersionMatch", "Exact")],
    )
    .await;
    assert_eq!(gone.code, 410);
    assert!(
        gone.body["message"]
            .as_str()
            .unwrap()
            .starts_with("too old resource version")
    );
}

#[tokio::test]
async fn delete_collection_deletes_what_is_selected() {
    let cluster = FakeCluster::new();
    for name in ["a", "b"] {
        create(&cluster, &configmaps("default"), &configmap(name, "1")).await;
    }
    create(&cluster, &configmaps("kube-system"), &configmap("keep", "1")).await;
    let answer = send(&cluster, Method::DELETE, &configmaps("default"), &[], None).await;
    assert_eq!(answer.code, 200);
    assert_eq!(names(&answer.body), ["a", "b"]);
    assert!(names(&list(&cluster, &configmaps("default"), &[]).await.body).is_empty());
    assert_eq!(
        names(&list(&cluster, &configmaps("kube-system"), &[]).await.body),
        ["keep"]
    );
}
