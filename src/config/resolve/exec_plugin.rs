//! A kubeconfig `exec` entry as the [`ExecConfig`] the request layer runs.

use crate::config::error::{ConfigError, Field};
use crate::config::exec::{ExecConfig, ExecInteractiveMode};
use crate::config::kubeconfig::ExecSpec;

const V1: &str = "client.authentication.k8s.io/v1";
const V1BETA1: &str = "client.authentication.k8s.io/v1beta1";

/// Checks an exec entry as kubectl does: a known `apiVersion`, a command,
/// and an `interactiveMode` (required by v1, `IfAvailable` for v1beta1).
pub(super) fn exec_config(
    spec: &ExecSpec,
    field: &Field,
    cluster_extension: Option<&serde_json::Value>,
) -> Result<ExecConfig, ConfigError> {
    let api_version = match spec.api_version.as_deref() {
        Some(version @ (V1 | V1BETA1)) => version,
        Some(other) => {
            return Err(field
                .child("apiVersion")
                .invalid(format!("{other:?} is not supported (use {V1} or {V1BETA1})")));
        }
        None => {
            return Err(field
                .child("apiVersion")
                .invalid(format!("is missing (use {V1} or {V1BETA1})")));
        }
    };
    if spec.command.is_empty() {
        return Err(field.child("command").invalid("is missing"));
    }
    if let Some(index) = spec.env.iter().position(|var| var.name.is_empty()) {
        return Err(field.child(&format!("env[{index}].name")).invalid("is missing"));
    }
    let interactive_mode = match (spec.interactive_mode.as_deref(), api_version) {
        (Some("Never"), _) => ExecInteractiveMode::Never,
        (Some("IfAvailable"), _) => ExecInteractiveMode::IfAvailable,
        (Some("Always"), _) => ExecInteractiveMode::Always,
        (Some(other), _) => {
            return Err(field
                .child("interactiveMode")
                .invalid(format!("{other:?} is not one of Never, IfAvailable, Always")));
        }
        (None, V1) => {
            return Err(field
                .child("interactiveMode")
                .invalid(format!("is required by {V1} (Never, IfAvailable or Always)")));
        }
        (None, _) => ExecInteractiveMode::IfAvailable,
    };
    Ok(ExecConfig {
        api_version: api_version.to_owned(),
        command: spec.command.clone(),
        args: spec.args.clone(),
        env: spec
            .env
            .iter()
            .map(|var| (var.name.clone(), var.value.clone()))
            .collect(),
        install_hint: spec.install_hint.clone(),
        provide_cluster_info: spec.provide_cluster_info,
        interactive_mode,
        cluster_extension: cluster_extension.cloned(),
        timeout: None,
    })
}
