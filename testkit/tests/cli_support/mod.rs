//! Running `rudder-testkit` subcommands that serve (serve, record, replay)
//! as processes, and stopping them with a signal.

#![allow(dead_code)] // Each test file uses a part of it.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStdout, Command};

const BINARY: &str = env!("CARGO_BIN_EXE_rudder-testkit");

/// How long a `rudder-testkit` process may take to start or to stop.
const PROCESS_TIMEOUT: Duration = Duration::from_secs(30);

/// A running `rudder-testkit` subcommand and the kubeconfig it wrote.
pub struct Daemon {
    child: Child,
    stdout: tokio::io::Lines<BufReader<ChildStdout>>,
    /// The kubeconfig it wrote.
    pub kubeconfig: PathBuf,
}

impl Daemon {
    /// Starts `rudder-testkit ARGS --kubeconfig-out KUBECONFIG` and waits
    /// until it prints the `export KUBECONFIG=` line, when it is serving.
    pub async fn start(args: &[&str], kubeconfig: PathBuf) -> Daemon {
        let mut child = Command::new(BINARY)
            .args(args)
            .arg("--kubeconfig-out")
            .arg(&kubeconfig)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("rudder-testkit starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("a stdout pipe")).lines();
        let ready = async {
            while let Some(line) = stdout.next_line().await.expect("rudder-testkit's stdout") {
                if line.starts_with("export KUBECONFIG=") {
                    return;
                }
            }
            panic!("rudder-testkit {args:?} exited before serving");
        };
        tokio::time::timeout(PROCESS_TIMEOUT, ready)
            .await
            .unwrap_or_else(|_| panic!("rudder-testkit {args:?} did not serve within {PROCESS_TIMEOUT:?}"));
        Daemon {
            child,
            stdout,
            kubeconfig,
        }
    }

    /// Stops it with `signal` (`TERM` as a service manager would, `INT` as
    /// Ctrl-C does); returns what it printed after starting.
    pub async fn stop(mut self, signal: &str) -> Vec<String> {
        let pid = self.child.id().expect("a running process").to_string();
        let signalled = Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .await
            .expect("kill runs");
        assert!(signalled.success());
        let status = tokio::time::timeout(PROCESS_TIMEOUT, self.child.wait())
            .await
            .expect("rudder-testkit stops in time")
            .expect("its exit status");
        assert!(status.success(), "rudder-testkit exited with {status}");
        let mut printed = Vec::new();
        while let Ok(Some(line)) = self.stdout.next_line().await {
            printed.push(line);
        }
        printed
    }
}
