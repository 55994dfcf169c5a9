//! The `rudder-testkit` command: help, a served fixture folder, and the
//! errors a user can make (a bad fixture, a port in use, a bad option).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const BINARY: &str = env!("CARGO_BIN_EXE_rudder-testkit");

fn run(args: &[&str]) -> std::process::Output {
    Command::new(BINARY)
        .args(args)
        .output()
        .expect("rudder-testkit runs")
}

#[test]
fn help_is_printed_for_the_program_and_for_serve() {
    let main = run(&["--help"]);
    assert!(main.status.success());
    assert!(String::from_utf8_lossy(&main.stdout).contains("Usage: rudder-testkit <COMMAND>"));
    let serve = run(&["serve", "--help"]);
    assert!(serve.status.success());
    let text = String::from_utf8_lossy(&serve.stdout);
    for option in ["--fixtures", "--port", "--tls", "--token", "--kubeconfig-out"] {
        assert!(text.contains(option), "{option} missing from:\n{text}");
    }
}

#[test]
fn a_bad_option_is_a_usage_error() {
    let output = run(&["serve", "--prot", "80"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unknown option \"--prot\" for serve"), "{stderr}");
}

#[test]
fn a_bad_fixture_names_the_file_the_document_and_the_object() {
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("bad.yaml");
    std::fs::write(
        &file,
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fine}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: Not_Valid}\n",
    )
    .unwrap();
    let output = run(&["serve", "--fixtures", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("bad.yaml, document 2: cannot create ConfigMap \"Not_Valid\""),
        "{stderr}"
    );

    std::fs::write(&file, "a: [\n").unwrap();
    let output = run(&["serve", "--fixtures", file.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("bad.yaml: invalid YAML") && stderr.contains("line"),
        "{stderr}"
    );
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let output = run(&["serve", "--port", &port]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{stderr}"
    );
}

#[test]
fn serve_prints_the_kubeconfig_and_the_export_line_then_serves_it() {
    let folder = tempfile::tempdir().unwrap();
    let fixture = folder.path().join("seed.yaml");
    std::fs::write(
        &fixture,
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: seeded, namespace: default}\n",
    )
    .unwrap();
    let kubeconfig = folder.path().join("kubeconfig");
    let mut child = Command::new(BINARY)
        .args(["serve", "--tls", "--token", "t0k", "--fixtures"])
        .arg(&fixture)
        .arg("--kubeconfig-out")
        .arg(&kubeconfig)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(first.contains("https://127.0.0.1:"), "{first}");
    assert_eq!(
        lines.next().unwrap().unwrap(),
        format!("kubeconfig: {}", kubeconfig.display())
    );
    assert_eq!(
        lines.next().unwrap().unwrap(),
        format!("export KUBECONFIG={}", kubeconfig.display())
    );

    // The kubeconfig written works with rudder's own loader and client.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut options = rudder::config::KubeconfigOptions::default();
    options.path = Some(kubeconfig.clone());
    let config = rudder::Config::from_kubeconfig_with(
        &options,
        &rudder::config::Environment::from_vars([("HOME", "/nonexistent")]),
    )
    .expect("the kubeconfig loads");
    let found = runtime.block_on(async {
        let rest: std::sync::Arc<dyn rudder::Rest> =
            std::sync::Arc::new(rudder::HttpRest::new(config).unwrap());
        let api: rudder::Api<k8s_openapi::api::core::v1::ConfigMap> =
            rudder::Api::namespaced(rest, "default");
        rudder::Typed::get(&api, "seeded").await
    });
    child.kill().unwrap();
    let _ = child.wait();
    assert_eq!(
        found.expect("the seeded object").metadata.name.as_deref(),
        Some("seeded")
    );
}
