//! The official Python client (`kubernetes` on PyPI) against a served fake
//! cluster: a second interop client beside kubectl, whose generated models
//! read what kube-apiserver always sends (`status: {}` on a new
//! Deployment, defaults, a delete `Status`).
//!
//! The tests fail under CI (`CI=true`) when python3 or the package is
//! missing (`.ci/run` installs it); elsewhere they say why and return.

mod kubectl_support;

use std::process::Stdio;
use std::time::Duration;

use kubectl_support::interop_client_available;
use rudder_testkit::FakeCluster;
use serde_json::Value;
use tokio::process::Command;

/// How long the Python program may take.
const PYTHON_TIMEOUT: Duration = Duration::from_secs(60);

/// Creates a Deployment, reads it back and deletes it, printing what the
/// client's models hold as one JSON line.
const PROGRAM: &str = r#"
import json, sys
from kubernetes import client, config

config.load_kube_config(config_file=sys.argv[1])
apps = client.AppsV1Api()
body = {
    "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
    "spec": {"selector": {"matchLabels": {"app": "web"}},
             "template": {"metadata": {"labels": {"app": "web"}},
                          "spec": {"containers": [{"name": "web", "image": "nginx"}]}}},
}
created = apps.create_namespaced_deployment("default", body)
read = apps.read_namespaced_deployment("web", "default")
# The generated client hands the delete answer back as a model or a dict.
deleted = client.ApiClient().sanitize_for_serialization(apps.delete_namespaced_deployment("web", "default"))
print(json.dumps({
    "status_replicas": read.status.replicas,
    "has_status": read.status is not None,
    "replicas": read.spec.replicas,
    "strategy": read.spec.strategy.type,
    "pull_policy": read.spec.template.spec.containers[0].image_pull_policy,
    "manager": created.metadata.managed_fields[0].manager,
    "deleted": deleted["status"],
    "deleted_kind": deleted["details"]["kind"],
}))
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_client_reads_a_new_deployments_status() {
    let missing = "python3 cannot import kubernetes (pip install kubernetes)";
    if !interop_client_available("python3", &["-c", "import kubernetes"], missing).await {
        return;
    }
    let cluster = FakeCluster::new();
    let server = cluster.serve().await.expect("a served cluster");
    let run = Command::new("python3")
        .arg("-c")
        .arg(PROGRAM)
        .arg(server.kubeconfig_path())
        .env_remove("KUBECONFIG")
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(PYTHON_TIMEOUT, run)
        .await
        .expect("the Python client finishes in time")
        .expect("python3 runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the Python client failed:\n{stderr}");
    let seen: Value = serde_json::from_slice(&output.stdout).expect("one JSON line");
    assert_eq!(
        seen["has_status"], true,
        "status: {{}} decodes into a V1DeploymentStatus"
    );
    assert_eq!(
        seen["status_replicas"],
        Value::Null,
        "no controller has counted replicas"
    );
    assert_eq!(seen["replicas"], 1);
    assert_eq!(seen["strategy"], "RollingUpdate");
    assert_eq!(seen["pull_policy"], "Always");
    assert_eq!(seen["manager"], "OpenAPI-Generator", "the User-Agent's program");
    assert_eq!(seen["deleted"], "Success");
    assert_eq!(seen["deleted_kind"], "deployments");
}
