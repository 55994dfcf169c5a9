//! Running the real kubectl against a served fake cluster.
//!
//! kubectl is taken from PATH. When it is missing the tests fail under CI
//! (`CI=true`) and, elsewhere, say why and return.

#![allow(dead_code)] // Each test file uses a part of it.

use std::process::Stdio;
use std::time::Duration;

use rudder_testkit::FakeCluster;
use rudder_testkit::server::Server;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};

/// How long one kubectl call may take before the test fails.
pub const KUBECTL_TIMEOUT: Duration = Duration::from_secs(60);

/// Whether kubectl can be run; panics under CI when it cannot.
pub async fn kubectl_available() -> bool {
    interop_client_available("kubectl", &["version", "--client"], "kubectl is not on PATH").await
}

/// Whether `program args` succeeds, i.e. a real client an interop test
/// drives is installed. Under CI (`CI=true`) its absence is a failure;
/// elsewhere the test says `missing` and returns.
pub async fn interop_client_available(program: &str, args: &[&str], missing: &str) -> bool {
    let found = Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .await
        .is_ok_and(|status| status.success());
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{missing}, and CI=true: the interop tests must run in CI"
        );
        eprintln!("{missing}: skipping this interop test (set CI=true to make this a failure)");
    }
    found
}

/// A fake cluster served for kubectl, with its own kubectl cache folder.
pub struct Kube {
    pub cluster: FakeCluster,
    pub server: Server,
    cache: tempfile::TempDir,
}

/// What a kubectl call printed.
#[derive(Debug)]
pub struct Output {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Kube {
    /// A served cluster seeded with `yaml`, or `None` when kubectl is absent.
    pub async fn start(yaml: &str) -> Option<Kube> {
        if !kubectl_available().await {
            return None;
        }
        let cluster = FakeCluster::new();
        if !yaml.is_empty() {
            cluster.seed_yaml(yaml).expect("the seed YAML");
        }
        let server = cluster.serve().await.expect("a served cluster");
        Some(Kube {
            cluster,
            server,
            cache: tempfile::tempdir().expect("a cache folder"),
        })
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new("kubectl");
        command
            .arg("--kubeconfig")
            .arg(self.server.kubeconfig_path())
            .arg("--cache-dir")
            .arg(self.cache.path())
            .args(args)
            .env_remove("KUBECONFIG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        command
    }

    /// Runs kubectl with `args` (and `stdin`, when given), bounded by [`KUBECTL_TIMEOUT`].
    pub async fn run_with_input(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut command = self.command(args);
        if stdin.is_some() {
            command.stdin(Stdio::piped());
        }
        let mut child = command.spawn().expect("kubectl starts");
        if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(input.as_bytes())
                .await
                .expect("kubectl reads stdin");
        }
        let output = tokio::time::timeout(KUBECTL_TIMEOUT, child.wait_with_output())
            .await
            .unwrap_or_else(|_| panic!("kubectl {args:?} did not finish within {KUBECTL_TIMEOUT:?}"))
            .expect("kubectl runs");
        Output {
            success: output.status.success(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Runs kubectl with `args`.
    pub async fn run(&self, args: &[&str]) -> Output {
        self.run_with_input(args, None).await
    }

    /// Runs kubectl with `args`, which must succeed; returns its stdout.
    pub async fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args).await;
        assert!(
            output.success,
            "kubectl {args:?} failed:\n{}{}",
            output.stdout, output.stderr
        );
        output.stdout
    }

    /// Runs kubectl with `args` and `yaml` on stdin (`-f -`), which must succeed.
    pub async fn ok_with_input(&self, args: &[&str], yaml: &str) -> String {
        let output = self.run_with_input(args, Some(yaml)).await;
        assert!(
            output.success,
            "kubectl {args:?} failed:\n{}{}",
            output.stdout, output.stderr
        );
        output.stdout
    }

    /// Starts a long-running kubectl (`get -w`, `wait`) whose stdout is read line by line.
    pub fn spawn(&self, args: &[&str]) -> Lines {
        let mut child = self.command(args).spawn().expect("kubectl starts");
        let stdout = child.stdout.take().expect("a stdout pipe");
        Lines {
            child,
            lines: BufReader::new(stdout).lines(),
        }
    }
}

/// The stdout of a running kubectl, line by line.
pub struct Lines {
    pub child: Child,
    lines: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
}

impl Lines {
    /// Reads lines until one contains all of `words`; fails after [`KUBECTL_TIMEOUT`].
    pub async fn until(&mut self, words: &[&str]) -> String {
        let wanted = async {
            while let Some(line) = self.lines.next_line().await.expect("kubectl's stdout") {
                if words.iter().all(|word| line.contains(word)) {
                    return line;
                }
            }
            panic!("kubectl ended before printing a line with {words:?}");
        };
        tokio::time::timeout(KUBECTL_TIMEOUT, wanted)
            .await
            .unwrap_or_else(|_| panic!("no line with {words:?} within {KUBECTL_TIMEOUT:?}"))
    }

    /// Waits for kubectl to exit; whether it succeeded.
    pub async fn finish(mut self) -> bool {
        tokio::time::timeout(KUBECTL_TIMEOUT, self.child.wait())
            .await
            .expect("kubectl exits in time")
            .expect("kubectl's status")
            .success()
    }
}

/// The words of each line of a table kubectl printed (header first).
pub fn table(stdout: &str) -> Vec<Vec<String>> {
    stdout
        .lines()
        .map(|line| line.split_whitespace().map(str::to_owned).collect())
        .collect()
}
