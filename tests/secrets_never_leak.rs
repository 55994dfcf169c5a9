//! Every kind of secret a config can hold, through every path that formats
//! or logs: no output may contain a secret, in plain text or base64.

mod support;

use std::sync::Arc;

use base64::Engine;
use rudder::config::{Auth, ExecConfig, Kubeconfig, KubeconfigOptions};
use rudder::discovery::DiscoveryClient;
use rudder::{Client, Config, HttpRest, Rest};

/// Distinct secrets, each unlike anything else a test prints.
const URL_USER: &str = "urluser-9f2c";
const URL_PASSWORD: &str = "urlpass-71ad";
const PROXY_USER: &str = "proxyuser-3e8b";
const PROXY_PASSWORD: &str = "proxypass-c40f";
const EXEC_ARG_TOKEN: &str = "execarg-5d13";
const EXEC_ENV_VALUE: &str = "execenv-aa07";

const SECRETS: [&str; 6] = [
    URL_USER,
    URL_PASSWORD,
    PROXY_USER,
    PROXY_PASSWORD,
    EXEC_ARG_TOKEN,
    EXEC_ENV_VALUE,
];

/// Fails when `text` holds any secret, plain or base64 (standard and URL-safe,
/// padded or not, at each of the three alignments).
fn assert_no_secret(what: &str, text: &str) {
    for secret in SECRETS {
        for form in secret_forms(secret) {
            assert!(
                !text.contains(&form),
                "{what} shows {secret} (as {form:?}):\n{text}"
            );
        }
    }
}

/// A secret as text, and each run of base64 characters that encodes it
/// whatever bytes precede it.
fn secret_forms(secret: &str) -> Vec<String> {
    let mut forms = vec![secret.to_owned()];
    for prefix in ["", "a", "ab"] {
        let encoded = base64::engine::general_purpose::STANDARD_NO_PAD.encode(format!("{prefix}{secret}"));
        // Drop the characters that depend on the prefix and on what follows.
        let skip = match prefix.len() {
            0 => 0,
            1 => 2,
            _ => 3,
        };
        let stable: String = encoded
            .chars()
            .skip(skip)
            .take(encoded.len().saturating_sub(skip + 2))
            .collect();
        forms.push(stable.clone());
        forms.push(stable.replace('+', "-").replace('/', "_"));
    }
    forms
}

fn server_url() -> String {
    format!("https://{URL_USER}:{URL_PASSWORD}@127.0.0.1:6443")
}

fn proxy_url() -> String {
    format!("http://{PROXY_USER}:{PROXY_PASSWORD}@127.0.0.1:3128")
}

fn kubeconfig_yaml() -> String {
    format!(
        r#"
apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: {server}
    proxy-url: {proxy}
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: plugin
      args: ["--token={EXEC_ARG_TOKEN}"]
      env: [{{name: SECRET, value: {EXEC_ENV_VALUE}}}]
      interactiveMode: Never
contexts:
- name: ctx
  context: {{cluster: c, user: u}}
current-context: ctx
"#,
        server = server_url(),
        proxy = proxy_url()
    )
}

fn config_with_every_secret() -> Config {
    let kubeconfig = Kubeconfig::from_yaml(&kubeconfig_yaml()).unwrap();
    Config::from_custom_kubeconfig(&kubeconfig, &KubeconfigOptions::default()).unwrap()
}

#[test]
fn the_debug_of_configs_and_kubeconfigs_shows_no_secret() {
    let kubeconfig = Kubeconfig::from_yaml(&kubeconfig_yaml()).unwrap();
    assert_no_secret("Kubeconfig", &format!("{kubeconfig:?}"));
    let config = config_with_every_secret();
    assert!(matches!(config.auth, Auth::Exec(_)));
    assert_no_secret("Config", &format!("{config:?}"));
    assert_no_secret("Config (pretty)", &format!("{config:#?}"));
    let exec = ExecConfig {
        args: vec![format!("--token={EXEC_ARG_TOKEN}")],
        env: vec![("SECRET".into(), EXEC_ENV_VALUE.into())],
        ..ExecConfig::default()
    };
    assert_no_secret("ExecConfig", &format!("{exec:?}"));
}

#[tokio::test]
async fn the_debug_of_clients_shows_no_url_userinfo() {
    let cache = tempfile::tempdir().unwrap();
    let config = config_with_every_secret();
    let rest = HttpRest::new(config.clone()).unwrap();
    assert_no_secret("HttpRest", &format!("{rest:?}"));
    let shared: Arc<dyn Rest> = Arc::new(rest);
    let discovery = DiscoveryClient::builder(shared.clone())
        .disk_cache(server_url())
        .cache_dir(cache.path())
        .build();
    assert_no_secret("DiscoveryClient", &format!("{discovery:?}"));
    let client = Client::try_from_config(config).unwrap();
    assert_no_secret("Client", &format!("{client:?}"));
}
