//! rudder and kubectl share one discovery disk cache: the folder for a
//! server is named from the `server` string exactly as written, and each
//! reads what the other wrote. Fails (does not skip) under CI without kubectl.

#[path = "../testkit/tests/kubectl_support/mod.rs"]
mod kubectl_support;

use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;

use kubectl_support::{KUBECTL_TIMEOUT, kubectl_available};
use rudder::config::{Kubeconfig, KubeconfigOptions};
use rudder::discovery::{Discovery, DiscoveryClient, server_cache_dir};
use rudder::{Config, HttpRest, Rest};
use rudder_testkit::FakeCluster;

/// A kubeconfig for `server` whose `server:` is written `as_written`: an
/// upper-case scheme, which URL parsers normalise and kubectl's folder name keeps.
fn kubeconfig_written_as(server_url: &str, as_written: &str, dir: &Path) -> std::path::PathBuf {
    let yaml = format!(
        "apiVersion: v1\nkind: Config\nclusters: [{{name: fake, cluster: {{server: '{as_written}'}}}}]\nusers: [{{name: me, user: {{}}}}]\ncontexts: [{{name: fake, context: {{cluster: fake, user: me}}}}]\ncurrent-context: fake\n"
    );
    assert!(as_written.eq_ignore_ascii_case(server_url));
    let path = dir.join("kubeconfig");
    std::fs::write(&path, yaml).unwrap();
    path
}

/// `kubectl api-resources` with this kubeconfig and cache; its stdout.
async fn kubectl_api_resources(kubeconfig: &Path, cache: &Path, extra: &[&str]) -> String {
    let output = tokio::process::Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .arg("--cache-dir")
        .arg(cache)
        .arg("api-resources")
        .args(extra)
        .env_remove("KUBECONFIG")
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(KUBECTL_TIMEOUT, output)
        .await
        .expect("kubectl finishes")
        .expect("kubectl runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "kubectl api-resources {extra:?} failed:\n{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

fn config_from(kubeconfig: &Path) -> Config {
    let kubeconfig = Kubeconfig::read(kubeconfig).unwrap();
    Config::from_custom_kubeconfig(&kubeconfig, &KubeconfigOptions::default()).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn rudder_and_kubectl_share_one_discovery_cache_folder() {
    if !kubectl_available().await {
        return;
    }
    let cluster = FakeCluster::new();
    let server = cluster.serve().await.unwrap();
    let url = server.url().to_owned();
    let as_written = url.replacen("http://", "HTTP://", 1);
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = kubeconfig_written_as(&url, &as_written, dir.path());
    let config = config_from(&kubeconfig);

    // kubectl writes, rudder reads (with a server that can no longer answer).
    let kubectl_cache = dir.path().join("kubectl-cache");
    kubectl_api_resources(&kubeconfig, &kubectl_cache, &[]).await;
    let folder = server_cache_dir(&kubectl_cache, &as_written);
    assert!(
        folder.join("servergroups.json").is_file(),
        "kubectl wrote no cache in {}",
        folder.display()
    );
    let dead: Arc<dyn Rest> =
        Arc::new(HttpRest::new(Config::new("http://127.0.0.1:9".parse().unwrap())).unwrap());
    let from_kubectl = DiscoveryClient::builder(dead)
        .disk_cache(config.discovery_cache_key())
        .cache_dir(&kubectl_cache)
        .build();
    let pods = from_kubectl
        .resolve("pods")
        .await
        .expect("pods from kubectl's cache");
    assert_eq!(pods.resource.plural, "pods");

    // rudder writes, kubectl reads with --cached after the server is gone.
    let rudder_cache = dir.path().join("rudder-cache");
    let live: Arc<dyn Rest> = Arc::new(HttpRest::new(config.clone()).unwrap());
    let writer = DiscoveryClient::builder(live)
        .disk_cache(config.discovery_cache_key())
        .cache_dir(&rudder_cache)
        .build();
    writer.resolve("deployments").await.unwrap();
    // kubectl is another process: it sees the files once they have landed.
    writer.flush_cache().await;
    assert!(folder_has_groups(&rudder_cache, &as_written));
    server.shutdown().await;
    let listed = kubectl_api_resources(&kubeconfig, &rudder_cache, &["--cached"]).await;
    assert!(
        listed.lines().any(|line| line.starts_with("deployments ")),
        "{listed}"
    );
}

fn folder_has_groups(cache: &Path, server: &str) -> bool {
    server_cache_dir(cache, server)
        .join("servergroups.json")
        .is_file()
}
