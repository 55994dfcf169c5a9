//! kubectl's long-running commands against a served fake cluster: `get -w`
//! seeing another command's write, `wait` for deletion and for a field, and
//! a CRD applied with kubectl whose objects kubectl then manages.

mod kubectl_support;

use kubectl_support::{Kube, table};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_watch_prints_the_change_another_command_makes() {
    let Some(kube) = Kube::start("").await else { return };
    kube.ok(&["create", "configmap", "first", "--from-literal=a=1"])
        .await;
    let mut watch = kube.spawn(&["get", "configmaps", "-w"]);
    // The initial list is printed first; the watch continues from its resourceVersion.
    watch.until(&["first"]).await;
    kube.ok(&[
        "create",
        "configmap",
        "second",
        "--from-literal=a=1",
        "--from-literal=b=2",
    ])
    .await;
    let line = watch.until(&["second"]).await;
    let cells: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(&cells[..2], ["second", "2"], "{line}");
    assert!(
        !cells[2].contains("invalid"),
        "the age of a watched object is sensible: {line}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_for_delete_returns_once_the_object_is_gone() {
    let Some(kube) = Kube::start("").await else { return };
    kube.ok(&["create", "configmap", "doomed", "--from-literal=a=1"])
        .await;
    let waiting = kube.spawn(&["wait", "--for=delete", "configmap/doomed", "--timeout=60s"]);
    kube.ok(&["delete", "configmap", "doomed", "--wait=false"]).await;
    assert!(waiting.finish().await, "kubectl wait --for=delete succeeds");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_for_jsonpath_sees_a_later_change() {
    let Some(kube) = Kube::start("").await else { return };
    kube.ok(&["create", "deployment", "web", "--image=nginx", "--replicas=1"])
        .await;
    let mut waiting = kube.spawn(&[
        "wait",
        "--for=jsonpath={.spec.replicas}=4",
        "deployment/web",
        "--timeout=60s",
    ]);
    kube.ok(&["scale", "deployment", "web", "--replicas=4"]).await;
    let line = waiting.until(&["condition met"]).await;
    assert_eq!(line, "deployment.apps/web condition met");
    assert!(waiting.finish().await);
}

/// The sample-controller's CRD (a verbatim copy of the Kubernetes file).
const FOO_CRD: &str = include_str!("kubectl_support/foo-crd.yaml");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crd_applied_with_kubectl_makes_its_objects_manageable() {
    let Some(kube) = Kube::start("").await else { return };
    // With a printer column, so `get foos` shows it.
    let crd = FOO_CRD.replace(
        "      storage: true\n",
        "      storage: true\n      additionalPrinterColumns:\n      - {name: Replicas, type: integer, jsonPath: .spec.replicas}\n",
    );
    let created = kube.ok_with_input(&["apply", "-f", "-"], &crd).await;
    assert_eq!(
        created,
        "customresourcedefinition.apiextensions.k8s.io/foos.samplecontroller.k8s.io created\n"
    );
    let foo = "
apiVersion: samplecontroller.k8s.io/v1alpha1
kind: Foo
metadata:
  name: example-foo
spec:
  deploymentName: example-foo
  replicas: 1
";
    assert_eq!(
        kube.ok_with_input(&["apply", "-f", "-"], foo).await,
        "foo.samplecontroller.k8s.io/example-foo created\n"
    );
    let rows = table(&kube.ok(&["get", "foos"]).await);
    assert_eq!(rows[0], ["NAME", "REPLICAS"]);
    assert_eq!(rows[1], ["example-foo", "1"]);
    kube.ok(&[
        "patch",
        "foo",
        "example-foo",
        "--type",
        "merge",
        "-p",
        r#"{"spec":{"replicas":3}}"#,
    ])
    .await;
    assert_eq!(
        kube.ok(&["get", "foo", "example-foo", "-o", "jsonpath={.spec.replicas}"])
            .await,
        "3"
    );
    let explained = kube.ok(&["explain", "foos.spec"]).await;
    assert!(explained.contains("KIND:       Foo"), "{explained}");
    assert_eq!(
        kube.ok(&["delete", "foo", "example-foo"]).await,
        "foo.samplecontroller.k8s.io \"example-foo\" deleted\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_reports_custom_resource_validation_in_the_servers_words() {
    let Some(kube) = Kube::start("").await else { return };
    kube.ok_with_input(&["apply", "-f", "-"], FOO_CRD).await;
    let foo = |spec: &str| {
        format!(
            "apiVersion: samplecontroller.k8s.io/v1alpha1\nkind: Foo\nmetadata:\n  name: bad\nspec: {spec}\n"
        )
    };

    let too_many = kube
        .run_with_input(&["create", "-f", "-"], Some(&foo("{replicas: 11}")))
        .await;
    assert!(!too_many.success);
    assert!(
        too_many.stderr.contains(
            r#"The Foo "bad" is invalid: spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10"#
        ),
        "{}",
        too_many.stderr
    );

    // kubectl asks for strict field validation by default.
    let unknown = kube
        .run_with_input(&["create", "-f", "-"], Some(&foo("{replicas: 1, colour: red}")))
        .await;
    assert!(!unknown.success);
    assert!(
        unknown.stderr.contains(
            r#"Foo in version "v1alpha1" cannot be handled as a Foo: strict decoding error: unknown field "spec.colour""#
        ),
        "{}",
        unknown.stderr
    );
    let warned = kube
        .run_with_input(
            &["create", "--validate=warn", "-f", "-"],
            Some(&foo("{replicas: 1, colour: red}")),
        )
        .await;
    assert!(warned.success, "{}", warned.stderr);
    assert!(
        warned.stderr.contains(r#"unknown field "spec.colour""#),
        "{}",
        warned.stderr
    );
}
