//! Running an exec credential plugin (client.authentication.k8s.io v1 and
//! v1beta1): what it is given (`KUBERNETES_EXEC_INFO`, env, args, stdin) and
//! how its failures are told.

use std::io::IsTerminal;
use std::process::Stdio;

use base64::Engine;
use serde_json::{Value, json};

use tokio::io::{AsyncRead, AsyncReadExt};

use crate::config::{AuthError, Config, ExecConfig, ExecCredential, ExecInteractiveMode, redact_known};

use super::exec_output::parse_exec_credential;

/// The exec API versions rudder speaks.
const SUPPORTED_API_VERSIONS: [&str; 2] = [
    "client.authentication.k8s.io/v1",
    "client.authentication.k8s.io/v1beta1",
];

/// The most of a plugin's stdout that is read: a credential with a
/// certificate chain is a few KiB; a plugin printing without end is stopped.
const STDOUT_LIMIT: usize = 1024 * 1024;

/// How much of a plugin's stderr is kept for the debug log; the rest is read
/// and dropped, so the plugin never blocks on a full pipe.
const LOGGED_STDERR_LIMIT: usize = 16 * 1024;

/// What a plugin that ran to the end left.
struct PluginOutput {
    status: std::process::ExitStatus,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

/// Why a pipe was not read to its end: past the limit (`io` is `None`), or
/// an IO error.
struct ReadFailure {
    io: Option<std::io::Error>,
}

/// One configured plugin, ready to run.
#[derive(Debug)]
pub(crate) struct ExecPlugin {
    exec: ExecConfig,
    /// `spec.cluster` of `KUBERNETES_EXEC_INFO`, when the plugin asked for it.
    cluster: Option<Value>,
}

impl ExecPlugin {
    pub(crate) fn new(exec: &ExecConfig, config: &Config) -> Self {
        let cluster = exec.provide_cluster_info.then(|| cluster_info(exec, config));
        ExecPlugin {
            exec: exec.clone(),
            cluster,
        }
    }

    /// Runs the plugin and reads the credential it prints.
    pub(crate) async fn run(&self) -> Result<ExecCredential, AuthError> {
        let api_version = self.exec.api_version.as_str();
        if !SUPPORTED_API_VERSIONS.contains(&api_version) {
            return Err(self.error(format!(
                "apiVersion {api_version:?} is not supported; use client.authentication.k8s.io/v1 or v1beta1"
            )));
        }
        let interactive = self.interactive()?;
        let mut command = tokio::process::Command::new(&self.exec.command);
        command
            .args(&self.exec.args)
            .envs(self.exec.env.iter().map(|(name, value)| (name, value)))
            .env("KUBERNETES_EXEC_INFO", self.exec_info(interactive).to_string())
            .stdout(Stdio::piped())
            .kill_on_drop(true);
        if interactive {
            // The plugin talks to the user: its prompts go to our stderr.
            command.stdin(Stdio::inherit()).stderr(Stdio::inherit());
        } else {
            command.stdin(Stdio::null()).stderr(Stdio::piped());
        }
        let finished = self.run_to_end(command);
        let output = match self.exec.timeout {
            None => finished.await?,
            // Dropping the unfinished run kills the plugin (`kill_on_drop`).
            Some(timeout) => {
                tokio::time::timeout(timeout, finished)
                    .await
                    .map_err(|_| AuthError::ExecTimedOut {
                        command: self.exec.command.clone(),
                        timeout,
                    })??
            }
        };
        self.log_stderr(&output.stderr);
        if !output.status.success() {
            return Err(AuthError::ExecFailed {
                command: self.exec.command.clone(),
                exit_code: output.status.code(),
            });
        }
        parse_exec_credential(&output.stdout, api_version).map_err(|message| self.error(message))
    }

    /// Runs `command` until it exits, reading at most [`STDOUT_LIMIT`] of its
    /// stdout (past that it is killed) and keeping the start of its stderr.
    async fn run_to_end(&self, mut command: tokio::process::Command) -> Result<PluginOutput, AuthError> {
        let mut child = command.spawn().map_err(|error| self.spawn_error(&error))?;
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let (stdout, stderr) = tokio::join!(
            async {
                let read = read_at_most(stdout, STDOUT_LIMIT).await;
                if read.is_err() {
                    // Stops the plugin, which also ends its stderr.
                    let _ = child.start_kill();
                }
                read
            },
            read_start_of(stderr, LOGGED_STDERR_LIMIT),
        );
        let stdout = stdout.map_err(|failure| self.read_error(failure, STDOUT_LIMIT))?;
        let status = child
            .wait()
            .await
            .map_err(|error| self.error(format!("cannot wait for it: {error}")))?;
        Ok(PluginOutput {
            status,
            stdout,
            stderr,
        })
    }

    /// The plugin's stderr at debug level, with its env values and args
    /// redacted: client-go shows it to the user, but a log is kept longer
    /// and read by more people, and a plugin may echo what it was given.
    fn log_stderr(&self, stderr: &[u8]) {
        let text = String::from_utf8_lossy(stderr);
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        let given = self.exec.env.iter().map(|(_, value)| value.as_str()).chain(
            self.exec
                .args
                .iter()
                .flat_map(|arg| [arg.as_str(), arg.split_once('=').map_or("", |(_, value)| value)]),
        );
        let stderr = redact_known(text, given);
        tracing::debug!(command = %self.exec.command, %stderr, "exec plugin stderr");
    }

    fn read_error(&self, failure: ReadFailure, limit: usize) -> AuthError {
        match failure.io {
            Some(error) => self.error(format!("cannot read its output: {error}")),
            None => AuthError::ExecOutputTooLarge {
                command: self.exec.command.clone(),
                limit,
            },
        }
    }

    /// Whether the plugin gets our standard input (`spec.interactive`).
    fn interactive(&self) -> Result<bool, AuthError> {
        self.interactive_when(std::io::stdin().is_terminal())
    }

    /// [`ExecPlugin::interactive`] when standard input is (or is not) a terminal.
    fn interactive_when(&self, terminal: bool) -> Result<bool, AuthError> {
        match self.exec.interactive_mode {
            ExecInteractiveMode::Never => Ok(false),
            ExecInteractiveMode::IfAvailable => Ok(terminal),
            ExecInteractiveMode::Always if terminal => Ok(true),
            ExecInteractiveMode::Always => {
                Err(self.error("interactiveMode is Always but standard input is not a terminal".to_owned()))
            }
        }
    }

    /// The `ExecCredential` given in `KUBERNETES_EXEC_INFO`.
    fn exec_info(&self, interactive: bool) -> Value {
        let mut spec = json!({ "interactive": interactive });
        if let Some(cluster) = &self.cluster {
            spec["cluster"] = cluster.clone();
        }
        json!({
            "apiVersion": self.exec.api_version,
            "kind": "ExecCredential",
            "spec": spec,
        })
    }

    fn spawn_error(&self, error: &std::io::Error) -> AuthError {
        if error.kind() == std::io::ErrorKind::NotFound {
            let hint = match &self.exec.install_hint {
                Some(hint) => format!("; {}", hint.trim()),
                None => String::new(),
            };
            return self.error(format!("executable not found{hint}"));
        }
        self.error(format!("cannot run it: {error}"))
    }

    fn error(&self, message: String) -> AuthError {
        AuthError::Exec {
            command: self.exec.command.clone(),
            message,
        }
    }
}

/// `spec.cluster`: what the plugin may need to know about the server.
fn cluster_info(exec: &ExecConfig, config: &Config) -> Value {
    let mut cluster = json!({ "server": config.cluster_url.as_str().trim_end_matches('/') });
    if !config.tls.root_certificates.is_empty() {
        let pem: String = config
            .tls
            .root_certificates
            .iter()
            .map(|der| pem_certificate(der))
            .collect();
        cluster["certificate-authority-data"] = base64::engine::general_purpose::STANDARD.encode(pem).into();
    }
    if config.tls.insecure_skip_verify {
        cluster["insecure-skip-tls-verify"] = true.into();
    }
    if let Some(name) = &config.tls.server_name {
        cluster["tls-server-name"] = name.clone().into();
    }
    if let Some(proxy) = &config.proxy_url {
        cluster["proxy-url"] = proxy.as_str().into();
    }
    if let Some(extension) = &exec.cluster_extension {
        cluster["config"] = extension.clone();
    }
    cluster
}

/// One certificate in PEM, as kubeconfig's `certificate-authority-data` holds it.
fn pem_certificate(der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}

/// Reads `pipe` to its end, or fails once more than `limit` bytes came. A
/// missing pipe (inherited by the plugin) reads as empty.
async fn read_at_most<R: AsyncRead + Unpin>(pipe: Option<R>, limit: usize) -> Result<Vec<u8>, ReadFailure> {
    let mut kept = Vec::new();
    let Some(mut pipe) = pipe else {
        return Ok(kept);
    };
    let mut chunk = [0u8; 8192];
    loop {
        let read = match pipe.read(&mut chunk).await {
            Ok(0) => return Ok(kept),
            Ok(read) => read,
            Err(error) => return Err(ReadFailure { io: Some(error) }),
        };
        if kept.len() + read > limit {
            return Err(ReadFailure { io: None });
        }
        kept.extend_from_slice(&chunk[..read]);
    }
}

/// Reads `pipe` to its end and keeps its first `keep` bytes: the plugin must
/// never block on a full pipe, however much it prints. A read error ends it.
async fn read_start_of<R: AsyncRead + Unpin>(pipe: Option<R>, keep: usize) -> Vec<u8> {
    let mut kept = Vec::new();
    let Some(mut pipe) = pipe else {
        return kept;
    };
    let mut chunk = [0u8; 8192];
    while let Ok(read @ 1..) = pipe.read(&mut chunk).await {
        let room = keep.saturating_sub(kept.len()).min(read);
        kept.extend_from_slice(&chunk[..room]);
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_info_carries_what_the_plugin_may_need() {
        let mut config = Config::new("https://10.0.0.1:6443".parse().unwrap());
        config.tls.root_certificates = vec![vec![1u8, 2, 3].into()];
        config.tls.server_name = Some("kubernetes".into());
        config.proxy_url = Some("socks5://127.0.0.1:1080".parse().unwrap());
        let exec = ExecConfig {
            api_version: "client.authentication.k8s.io/v1".into(),
            command: "plugin".into(),
            provide_cluster_info: true,
            cluster_extension: Some(json!({"audience": "k8s"})),
            ..ExecConfig::default()
        };
        let plugin = ExecPlugin::new(&exec, &config);
        insta::assert_json_snapshot!(plugin.exec_info(false));
    }

    #[test]
    fn without_provide_cluster_info_only_interactive_is_given() {
        let config = Config::new("https://10.0.0.1:6443".parse().unwrap());
        let exec = ExecConfig {
            api_version: "client.authentication.k8s.io/v1beta1".into(),
            command: "plugin".into(),
            ..ExecConfig::default()
        };
        let info = ExecPlugin::new(&exec, &config).exec_info(false);
        assert_eq!(
            info,
            json!({"apiVersion": "client.authentication.k8s.io/v1beta1", "kind": "ExecCredential", "spec": {"interactive": false}})
        );
    }

    #[test]
    fn interactive_mode_decides_whether_the_plugin_gets_the_terminal() {
        let config = Config::new("https://10.0.0.1:6443".parse().unwrap());
        let interactive = |mode: ExecInteractiveMode, terminal: bool| {
            let exec = ExecConfig {
                api_version: "client.authentication.k8s.io/v1".into(),
                command: "plugin".into(),
                interactive_mode: mode,
                ..ExecConfig::default()
            };
            ExecPlugin::new(&exec, &config)
                .interactive_when(terminal)
                .map_err(|error| error.to_string())
        };
        assert_eq!(interactive(ExecInteractiveMode::Never, true), Ok(false));
        assert_eq!(interactive(ExecInteractiveMode::IfAvailable, true), Ok(true));
        assert_eq!(interactive(ExecInteractiveMode::IfAvailable, false), Ok(false));
        assert_eq!(interactive(ExecInteractiveMode::Always, true), Ok(true));
        let error = interactive(ExecInteractiveMode::Always, false).unwrap_err();
        assert!(error.contains("plugin"), "{error}");
        assert!(
            error.contains("interactiveMode is Always but standard input is not a terminal"),
            "{error}"
        );
    }
}
