//! The cassette subcommands of `rudder-testkit`: help, import, seed-from,
//! and the errors a user can make (a truncated cassette, a missing kubeconfig).

mod cli_support;

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

use k8s_openapi::api::core::v1::ConfigMap;
use rudder::types::PostParams;
use rudder::{Api, Typed};
use rudder_testkit::FakeCluster;
use rudder_testkit::cassette::{Cassette, Recorder, Replayer, govcr};

use cli_support::Daemon;

const BINARY: &str = env!("CARGO_BIN_EXE_rudder-testkit");

fn run(args: &[&str]) -> std::process::Output {
    Command::new(BINARY)
        .args(args)
        .output()
        .expect("rudder-testkit runs")
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/cassettes/go-vcr")
        .join(name)
}

#[test]
fn every_subcommand_has_help_naming_its_options() {
    let main = String::from_utf8(run(&["--help"]).stdout).expect("UTF-8");
    for subcommand in ["serve", "record", "replay", "import", "seed-from"] {
        assert!(main.contains(subcommand), "{subcommand} missing from:\n{main}");
    }
    for (subcommand, options) in [
        (
            "record",
            &[
                "--kubeconfig",
                "--context",
                "--out",
                "--port",
                "--tls",
                "--kubeconfig-out",
            ][..],
        ),
        (
            "replay",
            &[
                "<FILE>",
                "--port",
                "--tls",
                "--kubeconfig-out",
                "--allow-repeats",
                "--pace",
            ],
        ),
        ("import", &["<FILE>", "--out"]),
        ("seed-from", &["<FILE>"]),
    ] {
        let output = run(&[subcommand, "--help"]);
        assert!(output.status.success(), "{subcommand}");
        let help = String::from_utf8(output.stdout).expect("UTF-8");
        for option in options {
            assert!(
                help.contains(option),
                "{option} missing from {subcommand} --help:\n{help}"
            );
        }
    }
}

#[test]
fn import_writes_a_rudder_cassette_equal_to_the_library_import() {
    let folder = tempfile::tempdir().expect("a folder");
    let out = folder.path().join("imported.yaml");
    let source = fixture("v2-protobuf.yaml");
    let output = run(&[
        "import",
        source.to_str().expect("UTF-8"),
        "--out",
        out.to_str().expect("UTF-8"),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("imported 2 interaction(s)"));
    assert_eq!(
        Cassette::load(&out).expect("a rudder cassette"),
        govcr::import_file(&source).expect("the import")
    );
}

#[tokio::test]
async fn seed_from_prints_yaml_that_seeds_a_fresh_cluster() {
    let folder = tempfile::tempdir().expect("a folder");
    let path = folder.path().join("session.yaml");
    let recorder = Arc::new(Recorder::new(FakeCluster::new(), &path));
    let configmaps: Api<ConfigMap> = Api::namespaced(recorder.clone(), "default");
    let mut wanted = ConfigMap::default();
    wanted.metadata.name = Some("recorded".to_owned());
    wanted.data = Some([("k".to_owned(), "v".to_owned())].into());
    configmaps
        .create(&PostParams::default(), &wanted)
        .await
        .expect("a create");
    recorder.finish().expect("the cassette is written");

    let output = run(&["seed-from", path.to_str().expect("UTF-8")]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seed = String::from_utf8(output.stdout).expect("UTF-8");
    let fresh = FakeCluster::new();
    fresh.seed_yaml(&seed).expect("the printed seed");
    let seeded: Api<ConfigMap> = Api::namespaced(Arc::new(fresh), "default");
    let found = seeded.get("recorded").await.expect("the recorded object");
    assert_eq!(found.data.expect("data")["k"], "v");
}

#[cfg(target_os = "linux")]
#[test]
fn seed_from_into_a_stdout_that_cannot_be_written_is_an_error_not_a_panic() {
    let session =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/cassettes/fake_cluster_session.yaml");
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let output = Command::new(BINARY)
        .args(["seed-from", session.to_str().expect("UTF-8")])
        .stdout(full)
        .output()
        .expect("rudder-testkit runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot write the seed to stdout"), "{stderr}");
}

#[test]
fn replay_of_a_truncated_cassette_names_the_file_and_line() {
    let folder = tempfile::tempdir().expect("a folder");
    let path = folder.path().join("cut.yaml");
    std::fs::write(
        &path,
        "version: 1\ninteractions:\n- request:\n    method: GET\n    path: /api\n  response:\n    status: 200\n",
    )
    .expect("a file");
    let output = run(&["replay", path.to_str().expect("UTF-8")]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&format!("{}:8", path.display())), "{stderr}");
    assert!(stderr.contains("truncated"), "{stderr}");
}

#[test]
fn record_with_a_missing_kubeconfig_names_it() {
    let folder = tempfile::tempdir().expect("a folder");
    let missing = folder.path().join("no-such-kubeconfig");
    let out = folder.path().join("never.yaml");
    let output = run(&[
        "record",
        "--kubeconfig",
        missing.to_str().expect("UTF-8"),
        "--out",
        out.to_str().expect("UTF-8"),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no-such-kubeconfig"), "{stderr}");
    assert!(!out.exists(), "no cassette is written when nothing was recorded");
}

/// The configuration the kubeconfig a `rudder-testkit` process wrote describes.
fn config_of(kubeconfig: &std::path::Path) -> rudder::Config {
    let options = rudder::config::KubeconfigOptions::default().path(kubeconfig);
    rudder::Config::from_kubeconfig_with(
        &options,
        &rudder::config::Environment::from_vars([("HOME", "/nonexistent")]),
    )
    .expect("the kubeconfig loads")
}

fn client_of(kubeconfig: &std::path::Path) -> rudder::Client {
    rudder::Client::try_from_config(config_of(kubeconfig)).expect("a client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_stopped_with_ctrl_c_writes_what_passed_and_replay_serves_it() {
    let folder = tempfile::tempdir().expect("a folder");
    let cassette = folder.path().join("session.yaml");
    let cassette_arg = cassette.to_str().expect("UTF-8");
    let cluster = Daemon::start(
        &["serve", "--token", "up-t0ken"],
        folder.path().join("cluster.kubeconfig"),
    )
    .await;
    let upstream = cluster.kubeconfig.to_str().expect("UTF-8").to_owned();
    let record = Daemon::start(
        &[
            "record",
            "--kubeconfig",
            &upstream,
            "--out",
            cassette_arg,
            "--tls",
        ],
        folder.path().join("record.kubeconfig"),
    )
    .await;
    let through_proxy: Api<ConfigMap> = client_of(&record.kubeconfig).default_namespaced();
    // Like kube-public's cluster-info, an object quoting the server's URL.
    let server = config_of(&cluster.kubeconfig).cluster_url;
    let authority = format!(
        "{}:{}",
        server.host_str().expect("a host"),
        server.port().expect("a port")
    );
    let mut wanted = ConfigMap::default();
    wanted.metadata.name = Some("via-proxy".to_owned());
    wanted.data = Some([("server".to_owned(), server.to_string())].into());
    let created = through_proxy
        .create(&PostParams::default(), &wanted)
        .await
        .expect("a create through the proxy");
    let said = record.stop("INT").await;
    assert!(
        said.iter()
            .any(|line| line == &format!("wrote 1 interaction(s) to {cassette_arg}")),
        "{said:?}"
    );
    cluster.stop("TERM").await;

    let recorded = Cassette::load(&cassette).expect("the written cassette");
    assert_eq!(recorded.interactions[0].request.method, "POST");
    let written = std::fs::read_to_string(&cassette).expect("text");
    assert!(!written.contains("up-t0ken"), "{written}");
    assert!(!written.contains(&authority), "the server's address: {written}");
    let replayer = Arc::new(Replayer::open(&cassette).expect("it replays"));
    let replayed: Api<ConfigMap> = Api::namespaced(replayer.clone(), "default");
    let again = replayed
        .create(&PostParams::default(), &wanted)
        .await
        .expect("the replayed create");
    assert_eq!(again.metadata.uid, created.metadata.uid);
    replayer.assert_all_used();

    let served = Daemon::start(
        &["replay", cassette_arg, "--tls"],
        folder.path().join("replay.kubeconfig"),
    )
    .await;
    let through_replay: Api<ConfigMap> = client_of(&served.kubeconfig).default_namespaced();
    let served_again = through_replay
        .create(&PostParams::default(), &wanted)
        .await
        .expect("the served replay");
    assert_eq!(served_again.metadata.uid, created.metadata.uid);
    served.stop("INT").await;
}
