//! kubectl reading a served fake cluster: version, discovery, `get` in its
//! output forms, selectors, paging, and `explain` from the OpenAPI documents.

mod kubectl_support;

use kubectl_support::{Kube, table};
use serde_json::Value;

const SEED: &str = include_str!("kubectl_support/seed.yaml");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn version_reports_the_fake_server() {
    let Some(kube) = Kube::start("").await else { return };
    let out = kube.ok(&["version", "-o", "json"]).await;
    let version: Value = serde_json::from_str(&out).expect("JSON");
    assert!(
        version["serverVersion"]["gitVersion"]
            .as_str()
            .is_some_and(|v| v.starts_with('v')),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_resources_and_api_versions_come_from_discovery() {
    let Some(kube) = Kube::start("").await else { return };
    let resources = kube.ok(&["api-resources", "--no-headers"]).await;
    let names: Vec<&str> = resources
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    for expected in [
        "pods",
        "configmaps",
        "deployments",
        "namespaces",
        "customresourcedefinitions",
    ] {
        assert!(names.contains(&expected), "{expected} missing from:\n{resources}");
    }
    let versions = kube.ok(&["api-versions"]).await;
    for expected in ["v1", "apps/v1", "apiextensions.k8s.io/v1"] {
        assert!(
            versions.lines().any(|line| line == expected),
            "{expected} missing from:\n{versions}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_prints_the_pod_table_for_one_namespace_and_for_all() {
    let Some(kube) = Kube::start(SEED).await else {
        return;
    };
    let rows = table(&kube.ok(&["get", "pods", "-n", "shop"]).await);
    assert_eq!(rows[0], ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
    assert_eq!(&rows[1][..4], ["db-0", "0/1", "Pending", "0"]);
    assert_eq!(&rows[2][..4], ["web-0", "1/1", "Running", "2"]);

    let all = table(&kube.ok(&["get", "pods", "-A"]).await);
    assert_eq!(&all[0][..2], ["NAMESPACE", "NAME"]);
    let names: Vec<(&str, &str)> = all[1..]
        .iter()
        .map(|row| (row[0].as_str(), row[1].as_str()))
        .collect();
    assert_eq!(names, [("default", "tool"), ("shop", "db-0"), ("shop", "web-0")]);

    let one = table(&kube.ok(&["get", "pod", "web-0", "-n", "shop"]).await);
    assert_eq!(one.len(), 2);
    assert_eq!(one[1][0], "web-0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_wide_shows_the_priority_columns() {
    let Some(kube) = Kube::start(SEED).await else {
        return;
    };
    let rows = table(
        &kube
            .ok(&["get", "pod", "web-0", "-n", "shop", "-o", "wide"])
            .await,
    );
    assert_eq!(
        rows[0],
        [
            "NAME",
            "READY",
            "STATUS",
            "RESTARTS",
            "AGE",
            "IP",
            "NODE",
            "NOMINATED",
            "NODE",
            "READINESS",
            "GATES"
        ]
    );
    assert_eq!(&rows[1][5..], ["10.0.0.7", "node-1", "<none>", "<none>"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_filters_by_label_and_field_selectors() {
    let Some(kube) = Kube::start(SEED).await else {
        return;
    };
    let by_label = kube
        .ok(&["get", "pods", "-A", "-l", "app=web", "-o", "name"])
        .await;
    assert_eq!(by_label, "pod/web-0\n");
    let by_field = kube
        .ok(&[
            "get",
            "pods",
            "-A",
            "--field-selector",
            "status.phase=Running",
            "-o",
            "name",
        ])
        .await;
    assert_eq!(by_field, "pod/tool\npod/web-0\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_prints_json_yaml_and_names() {
    let Some(kube) = Kube::start(SEED).await else {
        return;
    };
    let json: Value =
        serde_json::from_str(&kube.ok(&["get", "configmap", "settings", "-o", "json"]).await).unwrap();
    assert_eq!(json["kind"], "ConfigMap");
    assert_eq!(json["data"]["color"], "blue");
    let yaml = kube.ok(&["get", "configmap", "settings", "-o", "yaml"]).await;
    assert!(
        yaml.contains("kind: ConfigMap") && yaml.contains("color: blue"),
        "{yaml}"
    );
    let list: Value =
        serde_json::from_str(&kube.ok(&["get", "pods", "-n", "shop", "-o", "json"]).await).unwrap();
    assert_eq!(list["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        kube.ok(&["get", "configmaps", "-o", "name"]).await,
        "configmap/settings\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chunked_get_pages_through_every_pod() {
    let Some(kube) = Kube::start(SEED).await else {
        return;
    };
    let names = kube
        .ok(&["get", "pods", "-A", "--chunk-size=1", "-o", "name"])
        .await;
    assert_eq!(names, "pod/tool\npod/db-0\npod/web-0\n");
    let rows = table(&kube.ok(&["get", "pods", "-A", "--chunk-size=1"]).await);
    assert_eq!(rows.len(), 4, "one header and three pods: {rows:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_reads_the_openapi_documents() {
    let Some(kube) = Kube::start("").await else { return };
    let out = kube.ok(&["explain", "deployment.spec.replicas"]).await;
    assert!(out.contains("KIND:       Deployment"), "{out}");
    assert!(out.contains("FIELD: replicas <integer>"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_print_what_the_test_gave_the_pod_and_a_missing_pod_is_not_found() {
    let Some(kube) = Kube::start(SEED).await else {
        return;
    };
    kube.cluster
        .set_pod_logs("shop", "web-0", "listening on :80\nready\n");
    let logs = kube.ok(&["logs", "-n", "shop", "web-0"]).await;
    assert_eq!(logs, "listening on :80\nready\n");
    let empty = kube.ok(&["logs", "-n", "shop", "db-0"]).await;
    assert_eq!(empty, "", "a pod with no log set has an empty log");

    let missing = kube.run(&["logs", "-n", "shop", "nope"]).await;
    assert!(!missing.success);
    assert!(
        missing.stderr.contains("pods \"nope\" not found"),
        "{}",
        missing.stderr
    );
}
