//! HttpRest credentials: every auth kind, impersonation, token file rotation,
//! and exec plugins (caching, refresh on 401, errors).

mod support;

use std::time::Duration;

use rudder::config::{Auth, AuthError, ExecConfig, Impersonation, SecretString};
use rudder::{Error, HttpRest, Rest};
use support::{ExecScript, LogCapture, config_for, get, ok_server};
use wiremock::matchers::{header, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Runs one GET with `auth` against a server that records it; returns the request the server saw.
async fn seen_request(auth: Auth) -> wiremock::Request {
    let server = ok_server().await;
    let mut config = config_for(&server.uri());
    config.auth = auth;
    let rest = HttpRest::new(config).unwrap();
    rest.send(get("/api")).await.unwrap();
    server.received_requests().await.unwrap().remove(0)
}

/// The `Authorization` header of every request `server` saw, in order.
async fn authorizations_seen(server: &MockServer) -> Vec<Option<String>> {
    let requests = server.received_requests().await.unwrap();
    requests.iter().map(authorization).collect()
}

fn authorization(request: &wiremock::Request) -> Option<String> {
    request
        .headers
        .get("authorization")
        .map(|value| value.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn no_auth_sends_no_authorization_and_the_rudder_user_agent() {
    let request = seen_request(Auth::None).await;
    assert_eq!(authorization(&request), None);
    let user_agent = request.headers.get("user-agent").unwrap().to_str().unwrap();
    assert_eq!(user_agent, format!("rudder/{}", env!("CARGO_PKG_VERSION")));
}

#[tokio::test]
async fn a_bearer_token_is_sent_as_bearer() {
    let request = seen_request(Auth::Bearer("t0k3n".into())).await;
    assert_eq!(authorization(&request).as_deref(), Some("Bearer t0k3n"));
}

#[tokio::test]
async fn basic_auth_is_sent_base64_encoded() {
    let request = seen_request(Auth::Basic {
        username: "admin".into(),
        password: "pa55".into(),
    })
    .await;
    // base64("admin:pa55")
    assert_eq!(authorization(&request).as_deref(), Some("Basic YWRtaW46cGE1NQ=="));
}

#[tokio::test]
async fn a_token_file_is_sent_as_bearer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("token");
    std::fs::write(&path, "from-file\n").unwrap();
    let request = seen_request(Auth::BearerFile { path, fallback: None }).await;
    assert_eq!(authorization(&request).as_deref(), Some("Bearer from-file"));
}

#[tokio::test]
async fn an_exec_plugin_token_is_sent_as_bearer() {
    let script = ExecScript::numbered_tokens("2099-01-01T00:00:00Z");
    let request = seen_request(Auth::Exec(Box::new(script.exec_config()))).await;
    assert_eq!(authorization(&request).as_deref(), Some("Bearer token-1"));
}

#[tokio::test]
async fn impersonation_sends_every_impersonate_header() {
    let server = ok_server().await;
    let mut config = config_for(&server.uri());
    let mut impersonation = Impersonation::default();
    impersonation.user = "jane".into();
    impersonation.groups = vec!["devs".into(), "ops".into()];
    impersonation.uid = Some("1234".into());
    impersonation.extra = [("reason".to_owned(), vec!["on-call".to_owned()])].into();
    config.impersonate = Some(impersonation);
    HttpRest::new(config).unwrap().send(get("/api")).await.unwrap();
    let request = server.received_requests().await.unwrap().remove(0);
    let values = |name: &str| -> Vec<String> {
        request
            .headers
            .get_all(name)
            .iter()
            .map(|value| value.to_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(values("impersonate-user"), vec!["jane"]);
    assert_eq!(values("impersonate-group"), vec!["devs", "ops"]);
    assert_eq!(values("impersonate-uid"), vec!["1234"]);
    assert_eq!(values("impersonate-extra-reason"), vec!["on-call"]);
}

/// A server that answers 200 only to `Bearer <token>` and 401 otherwise.
async fn server_accepting(token: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(header("authorization", format!("Bearer {token}").as_str()))
        .respond_with(ResponseTemplate::new(200))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401))
        .with_priority(2)
        .mount(&server)
        .await;
    server
}

async fn status_of(rest: &HttpRest) -> u16 {
    rest.send(get("/api")).await.unwrap().status().as_u16()
}

#[tokio::test(start_paused = true)]
async fn a_rotated_token_file_is_used_after_the_reread_interval() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("token");
    std::fs::write(&path, "first").unwrap();
    let server = ok_server().await;
    let mut config = config_for(&server.uri());
    config.auth = Auth::BearerFile {
        path: path.clone(),
        fallback: None,
    };
    let rest = HttpRest::new(config).unwrap();
    rest.send(get("/api")).await.unwrap();
    std::fs::write(&path, "second").unwrap();
    tokio::time::advance(rudder::rest::TOKEN_FILE_REREAD_INTERVAL + Duration::from_secs(1)).await;
    rest.send(get("/api")).await.unwrap();
    // The file is gone: the last good token is kept.
    std::fs::remove_file(&path).unwrap();
    tokio::time::advance(rudder::rest::TOKEN_FILE_REREAD_INTERVAL + Duration::from_secs(1)).await;
    rest.send(get("/api")).await.unwrap();

    let tokens = authorizations_seen(&server).await;
    assert_eq!(
        tokens,
        vec![
            Some("Bearer first".to_owned()),
            Some("Bearer second".to_owned()),
            Some("Bearer second".to_owned())
        ]
    );
}

#[tokio::test]
async fn a_token_file_fallback_is_used_until_the_file_can_be_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("token");
    let server = ok_server().await;
    let mut config = config_for(&server.uri());
    config.auth = Auth::BearerFile {
        path: path.clone(),
        fallback: Some("fallback".into()),
    };
    let rest = HttpRest::new(config).unwrap();
    rest.send(get("/api")).await.unwrap();
    std::fs::write(&path, "from-file").unwrap();
    rest.send(get("/api")).await.unwrap();
    let tokens = authorizations_seen(&server).await;
    assert_eq!(
        tokens,
        vec![
            Some("Bearer fallback".to_owned()),
            Some("Bearer from-file".to_owned())
        ]
    );
}

#[tokio::test]
async fn an_unreadable_token_file_without_fallback_is_an_auth_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config_for("http://127.0.0.1:9");
    config.auth = Auth::BearerFile {
        path: dir.path().join("missing"),
        fallback: None,
    };
    let error = HttpRest::new(config)
        .unwrap()
        .send(get("/api"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Auth(AuthError::TokenFile { .. })),
        "{error:?}"
    );
}

/// A client of `server` whose credentials come from `script`.
fn rest_with_exec(server: &MockServer, script: &ExecScript) -> HttpRest {
    let mut config = config_for(&server.uri());
    config.auth = Auth::Exec(Box::new(script.exec_config()));
    HttpRest::new(config).unwrap()
}

#[tokio::test]
async fn an_exec_credential_is_cached_until_it_expires() {
    let server = ok_server().await;
    let lasting = ExecScript::numbered_tokens("2099-01-01T00:00:00Z");
    let rest = rest_with_exec(&server, &lasting);
    for _ in 0..3 {
        assert_eq!(status_of(&rest).await, 200);
    }
    assert_eq!(lasting.runs(), 1);

    let expired = ExecScript::numbered_tokens("2001-01-01T00:00:00Z");
    let rest = rest_with_exec(&server, &expired);
    for _ in 0..3 {
        assert_eq!(status_of(&rest).await, 200);
    }
    assert_eq!(expired.runs(), 3);
}

#[tokio::test]
async fn a_401_drops_the_exec_credential_and_retries_once_with_a_new_one() {
    let server = server_accepting("token-2").await;
    let script = ExecScript::numbered_tokens("2099-01-01T00:00:00Z");
    let rest = rest_with_exec(&server, &script);
    assert_eq!(status_of(&rest).await, 200);
    assert_eq!(script.runs(), 2);
    // token-2 is cached now.
    assert_eq!(status_of(&rest).await, 200);
    assert_eq!(script.runs(), 2);
}

#[tokio::test]
async fn a_second_401_is_returned_to_the_caller() {
    let server = server_accepting("never-issued").await;
    let script = ExecScript::numbered_tokens("2099-01-01T00:00:00Z");
    let rest = rest_with_exec(&server, &script);
    assert_eq!(status_of(&rest).await, 401);
    assert_eq!(script.runs(), 2);
}

#[tokio::test]
async fn a_401_with_a_fixed_token_is_not_retried() {
    let server = server_accepting("right").await;
    let mut config = config_for(&server.uri());
    config.auth = Auth::Bearer("wrong".into());
    assert_eq!(status_of(&HttpRest::new(config).unwrap()).await, 401);
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_exec_plugin_gets_env_args_and_cluster_info() {
    let script = ExecScript::new(
        r#"printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s-%s"}}' "$GREETING" "$1""#,
    );
    let server = ok_server().await;
    let mut config = config_for(&server.uri());
    config.tls.server_name = Some("kubernetes.test".into());
    let mut exec = script.exec_config();
    exec.args = vec![script.path().display().to_string(), "world".into()];
    exec.env = vec![("GREETING".into(), "hello".into())];
    exec.provide_cluster_info = true;
    exec.cluster_extension = Some(serde_json::json!({"audience": "test"}));
    config.auth = Auth::Exec(Box::new(exec));
    HttpRest::new(config).unwrap().send(get("/api")).await.unwrap();
    let request = server.received_requests().await.unwrap().remove(0);
    assert_eq!(authorization(&request).as_deref(), Some("Bearer hello-world"));
    assert_eq!(
        script.last_exec_info(),
        serde_json::json!({
            "apiVersion": "client.authentication.k8s.io/v1",
            "kind": "ExecCredential",
            "spec": {
                "interactive": false,
                "cluster": {
                    "server": server.uri(),
                    "tls-server-name": "kubernetes.test",
                    "config": {"audience": "test"},
                },
            },
        })
    );
}

/// The error of the first request with an exec plugin configured as `exec`.
async fn exec_failure(exec: ExecConfig) -> Error {
    let mut config = config_for("http://127.0.0.1:9");
    config.auth = Auth::Exec(Box::new(exec));
    let error = HttpRest::new(config)
        .unwrap()
        .send(get("/api"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Auth(_)), "{error:?}");
    error
}

async fn exec_error(exec: ExecConfig) -> String {
    exec_failure(exec).await.to_string()
}

#[tokio::test]
async fn a_missing_exec_command_names_the_install_hint() {
    let mut exec = ExecConfig::default();
    exec.api_version = "client.authentication.k8s.io/v1".into();
    exec.command = "rudder-test-no-such-plugin".into();
    exec.install_hint = Some("Install it with: brew install rudder-test-no-such-plugin\n".into());
    let message = exec_error(exec).await;
    insta::assert_snapshot!(message);
}

#[tokio::test]
async fn an_exec_plugin_that_fails_reports_its_exit_code_and_path_but_not_its_stderr() {
    let (logs, _guard) = LogCapture::start();
    let script = ExecScript::new("echo \"error: login failed for $SECRET_ENV with --token=$1\" >&2\nexit 3");
    let mut exec = script.exec_config();
    exec.args = vec![script.path().display().to_string(), "arg-s3cr3t".into()];
    exec.env = vec![("SECRET_ENV".into(), "env-s3cr3t".into())];
    let error = exec_failure(exec).await;
    match &error {
        Error::Auth(AuthError::ExecFailed { command, exit_code }) => {
            assert_eq!(command, "sh");
            assert_eq!(*exit_code, Some(3));
        }
        other => panic!("expected ExecFailed, got {other:?}"),
    }
    let shown = format!("{error}\n{error:?}");
    assert!(!shown.contains("login failed"), "{shown}");
    insta::assert_snapshot!(error.to_string());
    // The stderr is logged at debug, with what the plugin was given redacted.
    let logs = logs.text();
    assert!(
        logs.contains("error: login failed for [redacted] with --token=[redacted]"),
        "{logs}"
    );
    for secret in ["env-s3cr3t", "arg-s3cr3t"] {
        assert!(!logs.contains(secret), "{secret} in {logs}");
    }
}

#[tokio::test]
async fn an_exec_plugin_printing_without_end_is_stopped_at_the_output_limit() {
    // 200 MB, far past the limit: it must not be read whole.
    let script = ExecScript::new("head -c 209715200 /dev/zero");
    let error = exec_failure(script.exec_config()).await;
    assert!(
        matches!(error, Error::Auth(AuthError::ExecOutputTooLarge { .. })),
        "{error:?}"
    );
    insta::assert_snapshot!(error.to_string());
}

#[tokio::test(start_paused = true)]
async fn an_exec_plugin_that_hangs_is_stopped_after_the_callers_timeout() {
    let script = ExecScript::new("exec sleep 3600");
    let mut exec = script.exec_config();
    exec.timeout = Some(Duration::from_secs(10));
    let error = exec_failure(exec).await;
    assert!(
        matches!(error, Error::Auth(AuthError::ExecTimedOut { .. })),
        "{error:?}"
    );
    insta::assert_snapshot!(error.to_string());
}

#[test]
fn an_exec_plugin_has_no_timeout_by_default_as_in_client_go() {
    assert_eq!(ExecConfig::default().timeout, None);
}

#[tokio::test]
async fn an_exec_plugin_that_prints_garbage_is_described_without_its_output() {
    let script = ExecScript::new(
        r#"echo '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"token":42,"secret":"s3cr3t"}}'"#,
    );
    let message = exec_error(script.exec_config()).await;
    assert!(!message.contains("s3cr3t"));
    insta::assert_snapshot!(message);
}

#[tokio::test]
async fn secrets_never_show_in_debug_errors_or_logs() {
    let (logs, _guard) = LogCapture::start();
    let server = server_accepting("never-issued").await;
    let mut config = config_for(&server.uri());
    config.auth = Auth::Basic {
        username: "admin".into(),
        password: SecretString::new("pa55w0rd"),
    };
    let basic = HttpRest::new(config.clone()).unwrap();
    config.auth = Auth::Bearer(SecretString::new("t0p-s3cr3t"));
    let bearer = HttpRest::new(config.clone()).unwrap();
    let mut shown = vec![format!("{config:?}"), format!("{basic:?}"), format!("{bearer:?}")];
    for rest in [&basic, &bearer] {
        let response = rest.send(get("/api/v1/secrets")).await.unwrap();
        let error =
            rudder::rest::check_status(&http::Method::GET, &"/api/v1/secrets".parse().unwrap(), response)
                .unwrap_err();
        shown.push(error.to_string());
        shown.push(format!("{error:?}"));
    }
    shown.push(logs.text());
    let closed_span = r#"rudder_request{verb=GET path="/api/v1/secrets" status=401 duration_ms="#;
    assert!(logs.text().contains(closed_span), "the request span is logged");
    for text in &shown {
        for secret in ["pa55w0rd", "t0p-s3cr3t", "YWRtaW46cGE1NXcwcmQ="] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
}

#[tokio::test]
async fn a_v1beta1_exec_plugin_works_too() {
    let script = ExecScript::new(
        r#"printf '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"beta"}}'"#,
    );
    let mut exec = script.exec_config();
    exec.api_version = "client.authentication.k8s.io/v1beta1".into();
    let request = seen_request(Auth::Exec(Box::new(exec))).await;
    assert_eq!(authorization(&request).as_deref(), Some("Bearer beta"));
    assert_eq!(
        script.last_exec_info()["apiVersion"],
        "client.authentication.k8s.io/v1beta1"
    );
}

#[tokio::test]
async fn an_unsupported_exec_api_version_is_named_before_anything_runs() {
    let script = ExecScript::numbered_tokens("2099-01-01T00:00:00Z");
    let mut exec = script.exec_config();
    exec.api_version = "client.authentication.k8s.io/v1alpha1".into();
    let message = exec_error(exec).await;
    assert_eq!(script.runs(), 0);
    insta::assert_snapshot!(message);
}

#[tokio::test]
async fn the_configured_credentials_replace_an_authorization_header_in_the_request() {
    let server = ok_server().await;
    let mut config = config_for(&server.uri());
    config.auth = Auth::Bearer("configured".into());
    let mut request = get("/api");
    request.headers_mut().insert(
        http::header::AUTHORIZATION,
        "Bearer from-request".parse().unwrap(),
    );
    HttpRest::new(config).unwrap().send(request).await.unwrap();
    let seen = server.received_requests().await.unwrap().remove(0);
    let values: Vec<_> = seen.headers.get_all("authorization").iter().collect();
    assert_eq!(values, vec!["Bearer configured"]);
}
