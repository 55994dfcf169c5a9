//! A kubectl session recorded through `rudder-testkit record` in front of
//! `rudder-testkit serve` (HTTPS, with a token), then replayed by `rudder-testkit replay` with no
//! cluster: the same kubectl commands print the same output (AGE aside).

mod cli_support;
mod kubectl_support;

use std::path::Path;

use cli_support::Daemon;
use kubectl_support::{KUBECTL_TIMEOUT, Lines, kubectl_available, kubectl_command, run_kubectl};

/// kubectl against one kubeconfig, with a discovery cache of its own so
/// that the recorded and the replayed session ask the same questions.
struct Kubectl<'a> {
    kubeconfig: &'a Path,
    cache: tempfile::TempDir,
}

impl Kubectl<'_> {
    async fn ok(&self, args: &[&str], stdin: Option<&str>) -> String {
        let command = kubectl_command(self.kubeconfig, self.cache.path(), args);
        let output = run_kubectl(command, args, stdin).await;
        assert!(
            output.success,
            "kubectl {args:?} failed:\n{}{}",
            output.stdout, output.stderr
        );
        output.stdout
    }

    fn spawn(&self, args: &[&str]) -> Lines {
        Lines::spawn(kubectl_command(self.kubeconfig, self.cache.path(), args))
    }
}

const CONFIGMAP: &str = "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: default
data:
  mode: fast
";

/// The bearer token the served cluster requires; the cassette must not hold it.
const UPSTREAM_TOKEN: &str = "upstream-s3cret-token";

/// What the served cluster starts with.
const SEED: &str = "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: cluster-info
  namespace: kube-public
data:
  greeting: hello
";

/// The session, as what each command printed, AGE columns removed.
async fn session(kubeconfig: &Path) -> Vec<String> {
    let kubectl = Kubectl {
        kubeconfig,
        cache: tempfile::tempdir().expect("a cache folder"),
    };
    let mut printed = vec![
        kubectl.ok(&["get", "configmaps", "-A"], None).await,
        kubectl.ok(&["apply", "-f", "-"], Some(CONFIGMAP)).await,
        kubectl
            .ok(
                &[
                    "patch",
                    "configmap",
                    "settings",
                    "-p",
                    r#"{"data":{"mode":"slow"}}"#,
                ],
                None,
            )
            .await,
        kubectl
            .ok(&["get", "configmap", "settings", "-o", "yaml"], None)
            .await,
    ];
    let mut watch = kubectl.spawn(&["get", "configmaps", "-w"]);
    let mut watched = watch.read_until(&["settings"]).await;
    printed.push(kubectl.ok(&["create", "configmap", "watched"], None).await);
    watched.extend(watch.read_until(&["watched"]).await);
    watch.child.kill().await.expect("the watch stops");
    printed.push(watched.join("\n"));
    printed.push(
        kubectl
            .ok(&["delete", "configmap", "settings", "watched"], None)
            .await,
    );
    printed.push(kubectl.ok(&["get", "configmaps", "-A"], None).await);
    printed.iter().map(|output| without_age(output)).collect()
}

/// The session's end state, from `seed-from`, seeds a fresh fake: the
/// seeded object is there, the deleted ones are not.
fn assert_seed_state(cassette: &Path) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_rudder-testkit"))
        .arg("seed-from")
        .arg(cassette)
        .output()
        .expect("seed-from runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seed = String::from_utf8(output.stdout).expect("UTF-8 YAML");
    let fresh = rudder_testkit::FakeCluster::new();
    fresh
        .seed_yaml(&seed)
        .unwrap_or_else(|error| panic!("{error}\n{seed}"));
    let names: Vec<String> = fresh
        .objects()
        .iter()
        .filter(|object| object["kind"] == "ConfigMap")
        .map(|object| {
            format!(
                "{}/{}",
                object["metadata"]["namespace"], object["metadata"]["name"]
            )
        })
        .collect();
    assert_eq!(names, ["\"kube-public\"/\"cluster-info\""], "{seed}");
}

/// A table without its AGE column (the one thing that depends on when it
/// is printed); other output unchanged.
fn without_age(output: &str) -> String {
    let mut lines = output.lines();
    let Some(header) = lines.next() else {
        return String::new();
    };
    let Some(age) = header.split_whitespace().position(|word| word == "AGE") else {
        return output.to_owned();
    };
    output
        .lines()
        .map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            words
                .iter()
                .enumerate()
                .filter(|(index, _)| *index != age)
                .map(|(_, word)| *word)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kubectl_session_recorded_through_the_proxy_replays_with_the_same_output() {
    if !kubectl_available().await {
        return;
    }
    let folder = tempfile::tempdir().expect("a folder");
    let cassette = folder.path().join("kubectl-session.yaml");
    let cassette_arg = cassette.to_str().expect("a UTF-8 path");

    let seed = folder.path().join("seed.yaml");
    std::fs::write(&seed, SEED).expect("the seed file");
    let seed_arg = seed.to_str().expect("a UTF-8 path");
    let cluster = Daemon::start(
        &[
            "serve",
            "--fixtures",
            seed_arg,
            "--tls",
            "--token",
            UPSTREAM_TOKEN,
        ],
        folder.path().join("cluster.kubeconfig"),
    )
    .await;
    let cluster_kubeconfig = cluster.kubeconfig.to_str().expect("a UTF-8 path").to_owned();
    let record = Daemon::start(
        &[
            "record",
            "--kubeconfig",
            &cluster_kubeconfig,
            "--out",
            cassette_arg,
            "--tls",
        ],
        folder.path().join("record.kubeconfig"),
    )
    .await;
    let recorded = tokio::time::timeout(KUBECTL_TIMEOUT, session(&record.kubeconfig))
        .await
        .expect("the recorded session ends in time");
    let record_said = record.stop("TERM").await;
    assert!(
        record_said.iter().any(|line| line.starts_with("wrote ")),
        "{record_said:?}"
    );
    cluster.stop("TERM").await;
    let written = std::fs::read_to_string(&cassette).expect("the cassette");
    assert!(
        !written.contains(UPSTREAM_TOKEN),
        "the upstream's token reached the cassette"
    );
    assert_seed_state(&cassette);

    // No cluster from here on: only the cassette.
    let replay = Daemon::start(
        &["replay", cassette_arg, "--tls"],
        folder.path().join("replay.kubeconfig"),
    )
    .await;
    let replayed = tokio::time::timeout(KUBECTL_TIMEOUT, session(&replay.kubeconfig))
        .await
        .expect("the replayed session ends in time");
    replay.stop("TERM").await;

    assert_eq!(recorded.len(), replayed.len());
    for (step, (recorded, replayed)) in recorded.iter().zip(&replayed).enumerate() {
        assert_eq!(recorded, replayed, "step {step} printed something else on replay");
    }
    assert!(
        recorded[0].contains("NAMESPACE NAME DATA\nkube-public cluster-info 1"),
        "{}",
        recorded[0]
    );
    assert!(recorded[3].contains("mode: slow"), "{}", recorded[3]);
    assert!(recorded[4].contains("watched"), "{}", recorded[4]);
}
