//! kubectl writing to a served fake cluster: create, apply (client- and
//! server-side), replace, the three patch types, label, annotate, scale,
//! delete. Each test checks the stored result through kubectl itself.

mod kubectl_support;

use kubectl_support::Kube;

const DEPLOYMENT: &str = "
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
";

async fn jsonpath(kube: &Kube, object: &str, path: &str) -> String {
    kube.ok(&["get", object, "-o", &format!("jsonpath={path}")]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_from_a_file_and_the_create_subcommands() {
    let Some(kube) = Kube::start("").await else { return };
    assert_eq!(
        kube.ok_with_input(&["create", "-f", "-"], DEPLOYMENT).await,
        "deployment.apps/web created\n"
    );
    // These three send protobuf bodies; the server decodes them.
    assert_eq!(
        kube.ok(&["create", "namespace", "team-a"]).await,
        "namespace/team-a created\n"
    );
    assert_eq!(
        kube.ok(&[
            "create",
            "configmap",
            "settings",
            "-n",
            "team-a",
            "--from-literal=color=blue"
        ])
        .await,
        "configmap/settings created\n"
    );
    assert_eq!(
        kube.ok(&[
            "create",
            "deployment",
            "api",
            "--image=nginx:1.27",
            "--replicas=3",
            "--port=8080"
        ])
        .await,
        "deployment.apps/api created\n"
    );
    assert_eq!(jsonpath(&kube, "deployment/web", "{.spec.replicas}").await, "2");
    assert_eq!(
        kube.ok(&[
            "get",
            "configmap",
            "settings",
            "-n",
            "team-a",
            "-o",
            "jsonpath={.data.color}"
        ])
        .await,
        "blue"
    );
    assert_eq!(
        jsonpath(
            &kube,
            "deployment/api",
            "{.spec.replicas} {.spec.template.spec.containers[0].ports[0].containerPort}"
        )
        .await,
        "3 8080"
    );
    let again = kube.run(&["create", "namespace", "team-a"]).await;
    assert!(!again.success);
    assert!(
        again.stderr.contains("AlreadyExists") || again.stderr.contains("already exists"),
        "{}",
        again.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_twice_creates_then_leaves_unchanged_then_patches() {
    let Some(kube) = Kube::start("").await else { return };
    assert_eq!(
        kube.ok_with_input(&["apply", "-f", "-"], DEPLOYMENT).await,
        "deployment.apps/web created\n"
    );
    assert_eq!(
        kube.ok_with_input(&["apply", "-f", "-"], DEPLOYMENT).await,
        "deployment.apps/web unchanged\n"
    );
    let changed = DEPLOYMENT.replace("replicas: 2", "replicas: 4");
    assert_eq!(
        kube.ok_with_input(&["apply", "-f", "-"], &changed).await,
        "deployment.apps/web configured\n"
    );
    assert_eq!(jsonpath(&kube, "deployment/web", "{.spec.replicas}").await, "4");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_side_apply_records_the_manager() {
    let Some(kube) = Kube::start("").await else { return };
    let out = kube
        .ok_with_input(&["apply", "--server-side", "-f", "-"], DEPLOYMENT)
        .await;
    assert_eq!(out, "deployment.apps/web serverside-applied\n");
    let managers = jsonpath(&kube, "deployment/web", "{.metadata.managedFields[*].manager}").await;
    assert!(managers.contains("kubectl"), "{managers}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replace_puts_the_edited_object() {
    let Some(kube) = Kube::start("").await else { return };
    kube.ok_with_input(&["create", "-f", "-"], DEPLOYMENT).await;
    let current = kube.ok(&["get", "deployment", "web", "-o", "yaml"]).await;
    let edited = current.replace("replicas: 2", "replicas: 7");
    assert_eq!(
        kube.ok_with_input(&["replace", "-f", "-"], &edited).await,
        "deployment.apps/web replaced\n"
    );
    assert_eq!(jsonpath(&kube, "deployment/web", "{.spec.replicas}").await, "7");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patch_with_each_type() {
    let Some(kube) = Kube::start("").await else { return };
    kube.ok_with_input(&["create", "-f", "-"], DEPLOYMENT).await;
    let strategic = r#"{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox"}]}}}}"#;
    kube.ok(&[
        "patch",
        "deployment",
        "web",
        "--type",
        "strategic",
        "-p",
        strategic,
    ])
    .await;
    assert_eq!(
        jsonpath(
            &kube,
            "deployment/web",
            "{.spec.template.spec.containers[*].name}"
        )
        .await,
        "sidecar nginx",
        "a strategic merge adds to the list by name"
    );
    kube.ok(&[
        "patch",
        "deployment",
        "web",
        "--type",
        "merge",
        "-p",
        r#"{"metadata":{"labels":{"team":"blue"}}}"#,
    ])
    .await;
    assert_eq!(
        jsonpath(&kube, "deployment/web", "{.metadata.labels.team}").await,
        "blue"
    );
    let json_patch = r#"[{"op":"replace","path":"/spec/replicas","value":5}]"#;
    kube.ok(&["patch", "deployment", "web", "--type", "json", "-p", json_patch])
        .await;
    assert_eq!(jsonpath(&kube, "deployment/web", "{.spec.replicas}").await, "5");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn label_annotate_and_scale() {
    let Some(kube) = Kube::start("").await else { return };
    kube.ok_with_input(&["create", "-f", "-"], DEPLOYMENT).await;
    assert_eq!(
        kube.ok(&["label", "deployment", "web", "tier=front"]).await,
        "deployment.apps/web labeled\n"
    );
    assert_eq!(
        kube.ok(&["annotate", "deployment", "web", "note=hello"]).await,
        "deployment.apps/web annotated\n"
    );
    assert_eq!(
        kube.ok(&["scale", "deployment", "web", "--replicas=3"]).await,
        "deployment.apps/web scaled\n"
    );
    assert_eq!(
        jsonpath(
            &kube,
            "deployment/web",
            "{.metadata.labels.tier} {.metadata.annotations.note} {.spec.replicas}"
        )
        .await,
        "front hello 3"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_by_name_by_label_and_waiting() {
    let Some(kube) = Kube::start("").await else { return };
    for (name, app) in [("a", "x"), ("b", "x"), ("c", "y")] {
        kube.ok(&["create", "configmap", name, "--from-literal=k=v"])
            .await;
        kube.ok(&["label", "configmap", name, &format!("app={app}")])
            .await;
    }
    assert_eq!(
        kube.ok(&["delete", "configmap", "c", "--wait"]).await,
        "configmap \"c\" deleted\n"
    );
    let by_label = kube.ok(&["delete", "configmap", "-l", "app=x"]).await;
    assert_eq!(by_label, "configmap \"a\" deleted\nconfigmap \"b\" deleted\n");
    let left = kube.run(&["get", "configmaps", "-o", "name"]).await;
    assert_eq!(left.stdout, "", "{}", left.stderr);
    let missing = kube.run(&["delete", "configmap", "a"]).await;
    assert!(!missing.success && missing.stderr.contains("NotFound") || missing.stderr.contains("not found"));
}
