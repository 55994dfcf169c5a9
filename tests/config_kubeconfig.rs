//! Every auth kind and cluster setting a kubeconfig can hold, resolved into a `Config`.

mod support;

use std::path::Path;

use rudder::config::{Auth, Config, ConfigError, Environment, ExecInteractiveMode, KubeconfigOptions};
use rustls_pki_types::PrivateKeyDer;
use support::{fixture, no_env};

fn context(file: &str, context: &str) -> Result<Config, ConfigError> {
    let mut options = KubeconfigOptions::default();
    options.path = Some(fixture(file));
    options.context = Some(context.into());
    Config::from_kubeconfig_with(&options, &no_env())
}

fn auth_context(name: &str) -> Config {
    context("auth.yaml", name).unwrap_or_else(|error| panic!("context {name}: {error}"))
}

#[test]
fn a_token_becomes_a_bearer_token_and_the_context_namespace_the_default() {
    let config = auth_context("token");
    let Auth::Bearer(token) = &config.auth else {
        panic!("{:?}", config.auth)
    };
    assert_eq!(token.expose(), "SECRET-bearer-token");
    assert_eq!(config.default_namespace, "apps");
    assert!(config.tls.client_identity.is_none());
}

#[test]
fn the_current_context_is_used_when_none_is_given() {
    let mut options = KubeconfigOptions::default();
    options.path = Some(fixture("auth.yaml"));
    let config = Config::from_kubeconfig_with(&options, &no_env()).unwrap();
    assert!(matches!(config.auth, Auth::Bearer(_)));
}

#[test]
fn cluster_settings_are_all_carried_over() {
    let config = auth_context("token");
    assert_eq!(config.cluster_url.as_str(), "https://127.0.0.1:6443/");
    assert_eq!(config.tls.root_certificates.len(), 1);
    assert_eq!(config.tls.server_name.as_deref(), Some("kubernetes.default.svc"));
    assert!(!config.tls.insecure_skip_verify);
    assert_eq!(
        config.proxy_url.as_ref().map(url::Url::as_str),
        Some("socks5://127.0.0.1:1080")
    );
}

#[test]
fn insecure_skip_tls_verify_an_http_proxy_and_a_server_path_prefix_are_kept() {
    let config = auth_context("basic");
    assert!(config.tls.insecure_skip_verify);
    assert!(config.tls.root_certificates.is_empty());
    assert_eq!(
        config.cluster_url.as_str(),
        "https://127.0.0.1:6444/k8s/clusters/c-1"
    );
    assert_eq!(
        config.proxy_url.as_ref().map(url::Url::as_str),
        Some("http://127.0.0.1:3128/")
    );
    assert_eq!(config.default_namespace, "default");
}

#[test]
fn a_token_file_becomes_bearer_file_with_the_token_as_fallback() {
    let config = auth_context("token-file");
    let Auth::BearerFile { path, fallback } = &config.auth else {
        panic!("{:?}", config.auth)
    };
    assert_eq!(path, Path::new("/var/run/rudder-test/token"));
    assert_eq!(
        fallback.as_ref().map(|token| token.expose()),
        Some("SECRET-fallback-token")
    );
}

#[test]
fn username_and_password_become_basic_auth() {
    let Auth::Basic { username, password } = auth_context("basic").auth else {
        panic!()
    };
    assert_eq!(username, "admin");
    assert_eq!(password.expose(), "SECRET-basic-password");
}

#[test]
fn an_exec_v1_entry_keeps_every_field_and_the_cluster_extension() {
    let Auth::Exec(exec) = auth_context("exec-v1").auth else {
        panic!()
    };
    assert_eq!(exec.api_version, "client.authentication.k8s.io/v1");
    assert_eq!(exec.command, "rudder-test-credential-plugin");
    assert_eq!(exec.args, ["get-token", "--cluster", "main"]);
    assert_eq!(
        exec.env,
        [("PLUGIN_MODE".to_owned(), "SECRET-plugin-env-value".to_owned())]
    );
    assert_eq!(
        exec.install_hint.as_deref(),
        Some("install it with `cargo install rudder-test-credential-plugin`")
    );
    assert!(exec.provide_cluster_info);
    assert_eq!(exec.interactive_mode, ExecInteractiveMode::Never);
    assert_eq!(
        exec.cluster_extension,
        Some(serde_json::json!({"audience": "rudder-tests", "zones": ["a", "b"]}))
    );
}

#[test]
fn an_exec_v1beta1_entry_defaults_interactive_mode_to_if_available() {
    let Auth::Exec(exec) = auth_context("exec-v1beta1").auth else {
        panic!()
    };
    assert_eq!(exec.api_version, "client.authentication.k8s.io/v1beta1");
    assert_eq!(exec.interactive_mode, ExecInteractiveMode::IfAvailable);
    assert!(!exec.provide_cluster_info);
    assert_eq!(exec.cluster_extension, None);
}

#[test]
fn an_ec_client_certificate_and_sec1_key_from_data_fields() {
    let config = auth_context("cert-ec-data");
    let identity = config.tls.client_identity.expect("a client identity");
    assert_eq!(identity.certificate_chain.len(), 1);
    assert!(matches!(identity.private_key, PrivateKeyDer::Sec1(_)));
    assert!(matches!(config.auth, Auth::None));
}

#[test]
fn a_pkcs8_key_from_a_data_field() {
    let identity = auth_context("cert-pkcs8-data").tls.client_identity.unwrap();
    assert!(matches!(identity.private_key, PrivateKeyDer::Pkcs8(_)));
}

#[test]
fn an_rsa_client_certificate_and_pkcs1_key_from_data_fields() {
    let identity = auth_context("cert-rsa-data").tls.client_identity.unwrap();
    assert!(matches!(identity.private_key, PrivateKeyDer::Pkcs1(_)));
}

#[test]
fn a_token_and_a_client_certificate_together_are_allowed() {
    let config = auth_context("token-and-cert");
    assert!(matches!(config.auth, Auth::Bearer(_)));
    assert!(config.tls.client_identity.is_some());
}

#[test]
fn impersonation_fields_become_impersonation() {
    let impersonate = auth_context("impersonate").impersonate.expect("impersonation");
    assert_eq!(impersonate.user, "jane");
    assert_eq!(impersonate.uid.as_deref(), Some("1234"));
    assert_eq!(impersonate.groups, ["developers", "system:authenticated"]);
    assert_eq!(impersonate.extra["scopes"], ["view", "edit"]);
}

#[test]
fn a_user_with_nothing_is_anonymous() {
    let config = auth_context("anonymous");
    assert!(matches!(config.auth, Auth::None));
    assert!(config.impersonate.is_none() && config.tls.client_identity.is_none());
}

#[test]
fn relative_certificate_and_key_files_resolve_against_the_kubeconfig_folder() {
    let config = context("nested/dir/config", "cert-files").unwrap();
    assert_eq!(config.tls.root_certificates.len(), 1);
    let identity = config.tls.client_identity.unwrap();
    assert!(matches!(identity.private_key, PrivateKeyDer::Pkcs1(_)));
    let ec = context("nested/dir/config", "ec-files")
        .unwrap()
        .tls
        .client_identity
        .unwrap();
    assert!(matches!(ec.private_key, PrivateKeyDer::Sec1(_)));
}

#[test]
fn a_relative_token_file_resolves_against_the_kubeconfig_folder() {
    let Auth::BearerFile { path, fallback } = context("nested/dir/config", "token-file").unwrap().auth else {
        panic!()
    };
    assert_eq!(path, fixture("nested/dir/token"));
    assert!(fallback.is_none());
    assert!(path.is_file());
}

#[test]
fn an_exec_command_with_a_separator_resolves_against_the_kubeconfig_folder_and_a_bare_one_does_not() {
    let Auth::Exec(exec) = context("nested/dir/config", "exec-relative").unwrap().auth else {
        panic!()
    };
    assert_eq!(
        Path::new(&exec.command),
        fixture("nested/dir/bin/credential-plugin")
    );
    let Auth::Exec(exec) = context("nested/dir/config", "exec-on-path").unwrap().auth else {
        panic!()
    };
    assert_eq!(exec.command, "credential-plugin");
}

#[test]
fn context_cluster_user_and_namespace_overrides_replace_the_contexts_choices() {
    let mut options = KubeconfigOptions::default();
    options.path = Some(fixture("auth.yaml"));
    options.context = Some("token".into());
    options.cluster = Some("insecure".into());
    options.user = Some("basic".into());
    options.namespace = Some("override-ns".into());
    let config = Config::from_kubeconfig_with(&options, &no_env()).unwrap();
    assert!(config.tls.insecure_skip_verify);
    assert!(matches!(config.auth, Auth::Basic { .. }));
    assert_eq!(config.default_namespace, "override-ns");
}

#[test]
fn a_server_override_replaces_the_clusters_url_and_keeps_its_tls() {
    let config = Config::from_flags_with(
        Some("https://10.1.2.3:8443"),
        Some(&fixture("auth.yaml")),
        &no_env(),
    )
    .unwrap();
    assert_eq!(config.cluster_url.as_str(), "https://10.1.2.3:8443/");
    assert_eq!(config.tls.root_certificates.len(), 1);
    assert!(matches!(config.auth, Auth::Bearer(_)));
}

#[test]
fn from_flags_with_only_a_server_reads_no_kubeconfig() {
    let env = Environment::from_vars([("KUBECONFIG", fixture("auth.yaml").display().to_string())]);
    let config = Config::from_flags_with(Some("10.1.2.3:8443"), None, &env).unwrap();
    assert_eq!(config.cluster_url.as_str(), "https://10.1.2.3:8443/");
    assert!(matches!(config.auth, Auth::None));
}

#[test]
fn from_flags_with_nothing_falls_back_from_in_cluster_to_kubeconfig() {
    let env = Environment::from_vars([("KUBECONFIG", fixture("demo.yaml").display().to_string())]);
    let config = Config::from_flags_with(None, None, &env).unwrap();
    assert_eq!(config.default_namespace, "demo");
}

#[test]
fn the_demo_kubeconfig_infers_with_an_explicit_path() {
    let mut options = KubeconfigOptions::default();
    options.path = Some(fixture("demo.yaml"));
    let config = Config::infer_with(&options, &no_env()).unwrap();
    assert_eq!(config.cluster_url.as_str(), "https://127.0.0.1:6443/");
    assert!(config.tls.client_identity.is_some());
    assert_eq!(config.default_namespace, "demo");
}

#[test]
fn a_json_kubeconfig_is_read_as_yaml() {
    let json = r#"{"apiVersion":"v1","kind":"Config","current-context":"c",
        "clusters":[{"name":"k","cluster":{"server":"https://127.0.0.1:6443","insecure-skip-tls-verify":true}}],
        "users":[{"name":"u","user":{"token":"t"}}],
        "contexts":[{"name":"c","context":{"cluster":"k","user":"u","namespace":"j"}}]}"#;
    let kubeconfig = rudder::config::Kubeconfig::from_yaml(json).unwrap();
    let config = Config::from_custom_kubeconfig(&kubeconfig, &KubeconfigOptions::default()).unwrap();
    assert!(config.tls.insecure_skip_verify);
    assert_eq!(config.default_namespace, "j");
}

#[test]
fn unknown_fields_are_ignored() {
    let yaml = "apiVersion: v1\nkind: Config\nfuture-field: {a: 1}\nclusters:\n- name: k\n  cluster: {server: 'https://h', new-thing: [1]}\n  extra: x\ncurrent-context: c\ncontexts: [{name: c, context: {cluster: k, something: else}}]\n";
    let kubeconfig = rudder::config::Kubeconfig::from_yaml(yaml).unwrap();
    let config = Config::from_custom_kubeconfig(&kubeconfig, &KubeconfigOptions::default()).unwrap();
    assert_eq!(config.cluster_url.as_str(), "https://h/");
}

#[test]
fn a_token_beside_an_exec_plugin_wins_as_in_kubectl() {
    let Auth::Bearer(token) = auth_context("token-and-exec").auth else {
        panic!()
    };
    assert_eq!(token.expose(), "SECRET-token-beside-exec");
}

#[test]
fn a_kubeconfig_kubectl_wrote_is_read_whole() {
    let written = context("kubectl-written.yaml", "written").unwrap();
    assert_eq!(written.tls.server_name.as_deref(), Some("api.local"));
    assert_eq!(written.tls.root_certificates.len(), 1);
    assert_eq!(written.default_namespace, "ns1");
    assert!(matches!(
        written.tls.client_identity.unwrap().private_key,
        PrivateKeyDer::Pkcs1(_)
    ));
    let Auth::Exec(exec) = context("kubectl-written.yaml", "exec").unwrap().auth else {
        panic!()
    };
    assert_eq!(exec.args, ["a", "b"]);
    assert!(exec.provide_cluster_info);
    let proxied = context("kubectl-written.yaml", "exec").unwrap();
    assert!(proxied.tls.insecure_skip_verify);
    assert!(proxied.proxy_url.is_some());
    assert!(matches!(
        context("kubectl-written.yaml", "tok").unwrap().auth,
        Auth::Bearer(_)
    ));
}

#[test]
fn the_server_is_kept_as_written_for_kubectls_cache_folder_name() {
    let yaml = "clusters: [{name: k, cluster: {server: 'https://K8S.Example:443'}}]\ncontexts: [{name: c, context: {cluster: k}}]\ncurrent-context: c";
    let config = Config::from_custom_kubeconfig(
        &rudder::config::Kubeconfig::from_yaml(yaml).unwrap(),
        &KubeconfigOptions::default(),
    )
    .unwrap();
    assert_eq!(config.cluster_url.as_str(), "https://k8s.example/");
    assert_eq!(config.discovery_cache_key(), "https://K8S.Example:443");
    let folder = rudder::discovery::server_cache_dir(Path::new("/c"), config.discovery_cache_key());
    assert_eq!(folder, Path::new("/c/discovery/K8S.Example_443"));
}
