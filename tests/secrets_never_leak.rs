//! Every kind of secret a config can hold, through every path that formats
//! or logs: no output may contain a secret, in plain text or base64.

mod support;

use std::sync::Arc;

use base64::Engine;
use rudder::config::{
    Auth, ExecConfig, ExecCredential, Kubeconfig, KubeconfigOptions, RetryPolicy, SecretString,
};
use rudder::discovery::{Discovery, DiscoveryClient};
use rudder::{Client, Config, HttpRest, Rest};
use support::{ExecScript, LogCapture, fixture, get};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Distinct secrets, each unlike anything else a test prints.
const URL_USER: &str = "urluser-9f2c";
const URL_PASSWORD: &str = "urlpass-71ad";
const PROXY_USER: &str = "proxyuser-3e8b";
const PROXY_PASSWORD: &str = "proxypass-c40f";
const EXEC_ARG_TOKEN: &str = "execarg-5d13";
const EXEC_ENV_VALUE: &str = "execenv-aa07";

const BEARER_TOKEN: &str = "bearer-e61b";
const TOKEN_FILE_CONTENT: &str = "tokenfile-0c9d";
const BASIC_PASSWORD: &str = "basicpass-42fe";
const OIDC_ID_TOKEN: &str = "oidcid-8b2a";
const OIDC_REFRESH_TOKEN: &str = "oidcrefresh-d7c5";
const OIDC_CLIENT_SECRET: &str = "oidcsecret-196e";
const OIDC_NEW_ID_TOKEN: &str = "oidcnewid-5a90";
const OIDC_NEW_REFRESH_TOKEN: &str = "oidcnewrefresh-e3b4";
/// A line from the middle of the client key's PEM body.
const CLIENT_KEY_LINE: &str = "AwEHoUQDQgAEzf6fbflA2qlw7SSPPecQVSikMHm47F0pmNzbZxhN8eWL7Mittddq";

const SECRETS: [&str; 15] = [
    URL_USER,
    URL_PASSWORD,
    PROXY_USER,
    PROXY_PASSWORD,
    EXEC_ARG_TOKEN,
    EXEC_ENV_VALUE,
    BEARER_TOKEN,
    TOKEN_FILE_CONTENT,
    BASIC_PASSWORD,
    OIDC_ID_TOKEN,
    OIDC_REFRESH_TOKEN,
    OIDC_CLIENT_SECRET,
    OIDC_NEW_ID_TOKEN,
    OIDC_NEW_REFRESH_TOKEN,
    CLIENT_KEY_LINE,
];

/// Fails when `text` holds any secret, plain or base64 (standard and URL-safe,
/// padded or not, at each of the three alignments).
fn assert_no_secret(what: &str, text: &str) {
    let key_data = client_key_data();
    for secret in SECRETS.iter().copied().chain([key_data.as_str()]) {
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
    let mut exec = ExecConfig::default();
    exec.args = vec![format!("--token={EXEC_ARG_TOKEN}")];
    exec.env = vec![("SECRET".into(), EXEC_ENV_VALUE.into())];
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

fn client_key_data() -> String {
    base64::engine::general_purpose::STANDARD.encode(std::fs::read(fixture("pki/client-ec.key")).unwrap())
}

fn client_certificate_data() -> String {
    base64::engine::general_purpose::STANDARD.encode(std::fs::read(fixture("pki/client-ec.crt")).unwrap())
}

/// A kubeconfig with one context for each kind of credential, against
/// `server` (which carries userinfo) or through a proxy that carries it.
fn every_credential_kubeconfig(
    server: &str,
    token_file: &std::path::Path,
    plugin: &ExecScript,
    oidc_issuer: &str,
) -> String {
    let plugin_path = plugin.path().display().to_string();
    let users = [
        ("bearer", format!("{{token: {BEARER_TOKEN}}}")),
        ("tokenfile", format!("{{tokenFile: '{}'}}", token_file.display())),
        (
            "basic",
            format!("{{username: admin, password: {BASIC_PASSWORD}}}"),
        ),
        (
            "certificate",
            format!(
                "{{client-certificate-data: {}, client-key-data: {}}}",
                client_certificate_data(),
                client_key_data()
            ),
        ),
        (
            "exec",
            format!(
                "{{exec: {{apiVersion: client.authentication.k8s.io/v1, command: sh, args: ['{plugin_path}', '--token={EXEC_ARG_TOKEN}'], env: [{{name: SECRET, value: {EXEC_ENV_VALUE}}}], interactiveMode: Never}}}}"
            ),
        ),
        (
            "oidc",
            format!(
                "{{auth-provider: {{name: oidc, config: {{idp-issuer-url: '{oidc_issuer}', client-id: rudder, client-secret: {OIDC_CLIENT_SECRET}, id-token: {OIDC_ID_TOKEN}, refresh-token: {OIDC_REFRESH_TOKEN}}}}}}}"
            ),
        ),
    ];
    let mut yaml = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: direct\n  cluster: {{server: '{server}'}}\n- name: proxied\n  cluster: {{server: 'http://127.0.0.1:9', proxy-url: '{}'}}\n- name: refused\n  cluster: {{server: 'http://{URL_USER}:{URL_PASSWORD}@127.0.0.1:9'}}\n- name: server-name\n  cluster: {{server: 'https://{URL_USER}:{URL_PASSWORD}@127.0.0.1:9', tls-server-name: kubernetes.internal, proxy-url: '{}'}}\nusers:\n",
        proxy_url(),
        proxy_url()
    );
    for (name, user) in &users {
        yaml.push_str(&format!("- name: {name}\n  user: {user}\n"));
    }
    yaml.push_str("contexts:\n");
    for (name, _) in &users {
        // server-name: hyper's client over our connector, not reqwest.
        for cluster in ["direct", "proxied", "refused", "server-name"] {
            yaml.push_str(&format!(
                "- name: {name}-{cluster}\n  context: {{cluster: {cluster}, user: {name}}}\n"
            ));
        }
    }
    yaml
}

/// An OIDC issuer that refreshes any refresh-token into new secret tokens.
async fn oidc_issuer() -> MockServer {
    let issuer = MockServer::start().await;
    Mock::given(wiremock::matchers::path("/.well-known/openid-configuration"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "token_endpoint": format!("{}/token", issuer.uri()),
        })))
        .mount(&issuer)
        .await;
    Mock::given(wiremock::matchers::path("/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "id_token": OIDC_NEW_ID_TOKEN,
            "refresh_token": OIDC_NEW_REFRESH_TOKEN,
        })))
        .mount(&issuer)
        .await;
    issuer
}

/// A server that answers every request 401 with a `Status`, as the API server does.
async fn unauthorized_server() -> MockServer {
    let server = MockServer::start().await;
    let status = serde_json::json!({
        "kind": "Status", "apiVersion": "v1", "status": "Failure",
        "message": "Unauthorized", "reason": "Unauthorized", "code": 401
    });
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(401).set_body_json(status))
        .mount(&server)
        .await;
    server
}

/// Everything each context prints: Debug of its config, client and
/// discovery client, and Display and Debug of each error it meets.
async fn everything_shown_for(kubeconfig: &Kubeconfig, context: &str) -> Vec<String> {
    let mut options = KubeconfigOptions::default();
    options.context = Some(context.to_owned());
    let mut config = match Config::from_custom_kubeconfig(kubeconfig, &options) {
        Ok(config) => config,
        Err(error) => return vec![error.to_string(), format!("{error:?}")],
    };
    // Retries print nothing new; without them the refused proxy fails at once.
    config.retry = RetryPolicy::none();
    let mut shown = vec![
        format!("{config:?}"),
        format!("{:?}", config.auth),
        format!("{:?}", config.tls),
    ];
    let rest = match HttpRest::new(config.clone()) {
        Ok(rest) => rest,
        Err(error) => return vec![error.to_string(), format!("{error:?}")],
    };
    shown.push(format!("{rest:?}"));
    match rest.send(get("/api/v1/secrets")).await {
        Ok(response) => {
            let error =
                rudder::rest::check_status(&http::Method::GET, &"/api/v1/secrets".parse().unwrap(), response)
                    .expect_err("the server refuses everything");
            shown.extend([error.to_string(), format!("{error:?}")]);
        }
        Err(error) => shown.extend([error.to_string(), format!("{error:?}")]),
    }
    let cache = tempfile::tempdir().unwrap();
    let shared: Arc<dyn Rest> = Arc::new(rest);
    let discovery = DiscoveryClient::builder(shared)
        .disk_cache(config.cluster_url.as_str())
        .cache_dir(cache.path())
        .build();
    shown.push(format!("{discovery:?}"));
    if let Err(error) = discovery.resolve("pods").await {
        shown.extend([error.to_string(), format!("{error:?}")]);
    }
    let client = Client::try_from_config(config).unwrap();
    shown.push(format!("{client:?}"));
    shown
}

#[tokio::test]
async fn no_secret_shows_in_any_debug_error_or_trace_log() {
    let (logs, _guard) = LogCapture::start();
    let server = unauthorized_server().await;
    let server_with_userinfo = server
        .uri()
        .replace("http://", &format!("http://{URL_USER}:{URL_PASSWORD}@"));
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, TOKEN_FILE_CONTENT).unwrap();
    // A plugin that echoes everything it was given, and fails.
    let plugin = ExecScript::new("echo \"args: $*; env: $SECRET\" >&2; env >&2\nexit 1");
    let issuer = oidc_issuer().await;
    let yaml = every_credential_kubeconfig(&server_with_userinfo, &token_file, &plugin, &issuer.uri());
    let kubeconfig = Kubeconfig::from_yaml(&yaml).unwrap();
    let mut shown = vec![format!("{kubeconfig:?}"), format!("{kubeconfig:#?}")];
    for context in &kubeconfig.contexts {
        shown.extend(everything_shown_for(&kubeconfig, &context.name).await);
    }
    let mut credential = ExecCredential::default();
    credential.token = Some(SecretString::new(BEARER_TOKEN));
    credential.client_key_data = Some(SecretString::new(client_key_data()));
    shown.push(format!("{credential:?}"));
    let logs = logs.text();
    assert!(
        logs.contains("exec plugin stderr"),
        "the plugin's stderr is logged:\n{logs}"
    );
    assert!(logs.contains("rudder_request"), "requests are logged:\n{logs}");
    shown.push(logs);
    let all = shown.join("\n");
    for path_taken in [
        "401 Unauthorized",
        "exited with code 1",
        "refreshed the OIDC id-token",
        "GET http://127.0.0.1:9/api/v1/secrets",
    ] {
        assert!(all.contains(path_taken), "no output shows {path_taken:?}:\n{all}");
    }
    for (index, text) in shown.iter().enumerate() {
        assert_no_secret(&format!("output {index}"), text);
    }
}
