//! Running an exec credential plugin (client.authentication.k8s.io v1 and
//! v1beta1): what it is given (`KUBERNETES_EXEC_INFO`, env, args, stdin) and
//! how its failures are told.

use std::io::IsTerminal;
use std::process::Stdio;

use base64::Engine;
use serde_json::{Value, json};

use crate::config::{AuthError, Config, ExecConfig, ExecCredential, ExecInteractiveMode};

use super::exec_output::parse_exec_credential;

/// The exec API versions rudder speaks.
const SUPPORTED_API_VERSIONS: [&str; 2] = [
    "client.authentication.k8s.io/v1",
    "client.authentication.k8s.io/v1beta1",
];

/// How much of a plugin's stderr an error quotes.
const QUOTED_STDERR_LIMIT: usize = 1024;

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
        let output = command.output().await.map_err(|error| self.spawn_error(&error))?;
        if !output.status.success() {
            let how = match output.status.code() {
                Some(code) => format!("exited with code {code}"),
                None => "was killed by a signal".to_owned(),
            };
            let stderr = quoted_stderr(&output.stderr);
            return Err(self.error(if stderr.is_empty() {
                how
            } else {
                format!("{how}: {stderr}")
            }));
        }
        parse_exec_credential(&output.stdout, api_version).map_err(|message| self.error(message))
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

/// The plugin's stderr, trimmed and bounded.
fn quoted_stderr(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let text = text.trim();
    let quoted: String = text.chars().take(QUOTED_STDERR_LIMIT).collect();
    if text.chars().count() > QUOTED_STDERR_LIMIT {
        format!("{quoted}...")
    } else {
        quoted
    }
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

    #[test]
    fn long_stderr_is_trimmed_and_cut() {
        let long = format!("  {}  ", "e".repeat(5000));
        let quoted = quoted_stderr(long.as_bytes());
        assert_eq!(quoted.len(), QUOTED_STDERR_LIMIT + 3);
        assert!(quoted.ends_with("..."));
    }
}
