//! The in-cluster configuration, and `Config::infer`'s order and fallbacks.

mod support;

use std::path::Path;

use rudder::config::{Auth, Config, ConfigError, Environment, KubeconfigOptions};
use support::fixture;

/// A service-account folder with a token, and the CA and namespace when given.
fn service_account(ca: Option<&[u8]>, namespace: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("token"), "SECRET-service-account-token").unwrap();
    if let Some(ca) = ca {
        std::fs::write(dir.path().join("ca.crt"), ca).unwrap();
    }
    if let Some(namespace) = namespace {
        std::fs::write(dir.path().join("namespace"), namespace).unwrap();
    }
    dir
}

fn pod_env(dir: &Path, host: &str, extra: &[(&str, &str)]) -> Environment {
    let mut vars = vec![
        ("KUBERNETES_SERVICE_HOST".to_owned(), host.to_owned()),
        ("KUBERNETES_SERVICE_PORT".to_owned(), "443".to_owned()),
    ];
    vars.extend(
        extra
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string())),
    );
    Environment::from_vars(vars).with_service_account_dir(dir)
}

fn ca_pem() -> Vec<u8> {
    std::fs::read(fixture("pki/ca.crt")).unwrap()
}

#[test]
fn in_cluster_reads_the_service_host_token_ca_and_namespace_file() {
    let dir = service_account(Some(&ca_pem()), Some("team-a\n"));
    let config = Config::in_cluster_with(&pod_env(dir.path(), "10.96.0.1", &[])).unwrap();
    assert_eq!(config.cluster_url.as_str(), "https://10.96.0.1/");
    assert_eq!(config.tls.root_certificates.len(), 1);
    assert_eq!(config.default_namespace, "team-a");
    let Auth::BearerFile { path, fallback } = &config.auth else {
        panic!("{:?}", config.auth)
    };
    assert_eq!(path, &dir.path().join("token"));
    assert!(fallback.is_none());
}

#[test]
fn a_non_default_port_is_kept() {
    let dir = service_account(None, None);
    // `extra` comes last, so it replaces pod_env's port 443.
    let env = pod_env(dir.path(), "10.96.0.1", &[("KUBERNETES_SERVICE_PORT", "6443")]);
    assert_eq!(
        Config::in_cluster_with(&env).unwrap().cluster_url.as_str(),
        "https://10.96.0.1:6443/"
    );
}

#[test]
fn an_ipv6_service_host_is_bracketed() {
    let dir = service_account(Some(&ca_pem()), None);
    let config = Config::in_cluster_with(&pod_env(dir.path(), "fd00::1", &[])).unwrap();
    assert_eq!(config.cluster_url.host_str(), Some("[fd00::1]"));
    assert_eq!(config.cluster_url.as_str(), "https://[fd00::1]/");
}

#[test]
fn pod_namespace_wins_over_the_namespace_file() {
    let dir = service_account(Some(&ca_pem()), Some("from-file"));
    let env = pod_env(dir.path(), "10.96.0.1", &[("POD_NAMESPACE", "from-env")]);
    assert_eq!(
        Config::in_cluster_with(&env).unwrap().default_namespace,
        "from-env"
    );
}

#[test]
fn without_pod_namespace_or_file_the_namespace_is_default() {
    let dir = service_account(Some(&ca_pem()), None);
    assert_eq!(
        Config::in_cluster_with(&pod_env(dir.path(), "10.96.0.1", &[]))
            .unwrap()
            .default_namespace,
        "default"
    );
}

#[test]
fn a_missing_ca_file_means_the_system_roots() {
    let dir = service_account(None, Some("ns"));
    let config = Config::in_cluster_with(&pod_env(dir.path(), "10.96.0.1", &[])).unwrap();
    assert!(config.tls.root_certificates.is_empty());
    assert!(!config.tls.insecure_skip_verify);
}

#[test]
fn a_ca_file_that_is_not_pem_is_an_error_naming_it() {
    let dir = service_account(Some(b"garbage"), None);
    let error = Config::in_cluster_with(&pod_env(dir.path(), "10.96.0.1", &[])).unwrap_err();
    assert!(error.to_string().contains("ca.crt"), "{error}");
}

#[test]
fn a_missing_token_is_an_error_naming_the_file() {
    let dir = service_account(Some(&ca_pem()), None);
    std::fs::remove_file(dir.path().join("token")).unwrap();
    let error = Config::in_cluster_with(&pod_env(dir.path(), "10.96.0.1", &[])).unwrap_err();
    let ConfigError::Read { path, .. } = &error else {
        panic!("{error}")
    };
    assert_eq!(path, &dir.path().join("token"));
}

#[test]
fn outside_a_pod_the_missing_variable_is_named() {
    let error = Config::in_cluster_with(&Environment::from_vars([("KUBERNETES_SERVICE_HOST", "10.0.0.1")]))
        .unwrap_err();
    insta::assert_snapshot!(error.to_string(), @"not running in a cluster: KUBERNETES_SERVICE_PORT is not set");
}

#[test]
fn infer_prefers_kubeconfig_over_in_cluster() {
    let dir = service_account(Some(&ca_pem()), None);
    let demo = fixture("demo.yaml").display().to_string();
    let env = pod_env(dir.path(), "10.96.0.1", &[("KUBECONFIG", &demo)]);
    let config = Config::infer_with(&KubeconfigOptions::default(), &env).unwrap();
    assert_eq!(config.cluster_url.as_str(), "https://127.0.0.1:6443/");
}

#[test]
fn infer_falls_back_to_in_cluster_when_no_kubeconfig_exists() {
    let dir = service_account(Some(&ca_pem()), None);
    let home = tempfile::tempdir().unwrap();
    let home = home.path().display().to_string();
    let env = pod_env(dir.path(), "10.96.0.1", &[("HOME", &home)]);
    let config = Config::infer_with(&KubeconfigOptions::default(), &env).unwrap();
    assert_eq!(config.cluster_url.as_str(), "https://10.96.0.1/");
}

#[test]
fn infer_keeps_both_causes_when_kubeconfig_and_in_cluster_fail() {
    let broken = fixture("broken/no-current-context.yaml").display().to_string();
    let env = Environment::from_vars([("KUBECONFIG", broken)]);
    let error = Config::infer_with(&KubeconfigOptions::default(), &env).unwrap_err();
    let ConfigError::Infer {
        kubeconfig,
        in_cluster,
    } = &error
    else {
        panic!("{error}")
    };
    assert!(matches!(**kubeconfig, ConfigError::NoContext { .. }));
    assert!(matches!(**in_cluster, ConfigError::NotInCluster { .. }));
    let message = error.to_string().replace(env!("CARGO_MANIFEST_DIR"), "<repo>");
    insta::assert_snapshot!(message);
}

#[test]
fn infer_with_an_explicit_path_does_not_fall_back() {
    let dir = service_account(Some(&ca_pem()), None);
    let mut options = KubeconfigOptions::default();
    options.path = Some(fixture("broken/does-not-exist.yaml"));
    let error = Config::infer_with(&options, &pod_env(dir.path(), "10.96.0.1", &[])).unwrap_err();
    assert!(matches!(error, ConfigError::Read { .. }), "{error}");
}

#[test]
fn in_cluster_debug_output_shows_no_token() {
    let dir = service_account(Some(&ca_pem()), None);
    let config = Config::in_cluster_with(&pod_env(dir.path(), "10.96.0.1", &[])).unwrap();
    assert!(!format!("{config:?}").contains("SECRET"));
}
