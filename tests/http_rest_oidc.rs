//! The `oidc` auth provider against a small OpenID Connect issuer on
//! loopback: the id-token as bearer, refreshed through the discovery
//! document's token endpoint when it has expired, kept in memory.

mod support;

use base64::Engine;
use rudder::config::{Auth, AuthError, Kubeconfig, KubeconfigOptions};
use rudder::{Config, Error, HttpRest, Rest};
use support::get;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// An unsigned JWT expiring at `exp` (seconds since the epoch), marked `tag`.
fn jwt(exp: i64, tag: &str) -> String {
    let encode = |text: String| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text);
    format!(
        "{}.{}.signature",
        encode(r#"{"alg":"RS256"}"#.to_owned()),
        encode(format!(r#"{{"exp":{exp},"sub":"{tag}"}}"#))
    )
}

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// An issuer whose token endpoint trades `refresh_token` (with this client's
/// id and secret) for `new_id_token` and `new_refresh_token`.
async fn issuer(refresh_token: &str, new_id_token: &str, new_refresh_token: &str) -> MockServer {
    let issuer = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/.well-known/openid-configuration"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "issuer": issuer.uri(),
            "token_endpoint": format!("{}/oauth/token", issuer.uri()),
        })))
        .mount(&issuer)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .and(body_string_contains(
            format!("refresh_token={refresh_token}").as_str(),
        ))
        .and(body_string_contains("client_id=rudder"))
        .and(body_string_contains("client_secret=s3cr3t"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": "unused",
            "token_type": "Bearer",
            "id_token": new_id_token,
            "refresh_token": new_refresh_token,
        })))
        .mount(&issuer)
        .await;
    issuer
}

/// An API server that accepts only `Bearer <token>`.
async fn api_server_accepting(token: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(header("authorization", format!("Bearer {token}").as_str()))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    server
}

fn config(server: &MockServer, issuer_url: &str, id_token: &str, refresh_token: &str) -> Config {
    let yaml = format!(
        r#"
clusters: [{{name: c, cluster: {{server: '{}'}}}}]
users:
- name: u
  user:
    auth-provider:
      name: oidc
      config:
        idp-issuer-url: '{issuer_url}'
        client-id: rudder
        client-secret: s3cr3t
        id-token: '{id_token}'
        refresh-token: '{refresh_token}'
contexts: [{{name: x, context: {{cluster: c, user: u}}}}]
current-context: x
"#,
        server.uri()
    );
    let kubeconfig = Kubeconfig::from_yaml(&yaml).unwrap();
    let mut config = Config::from_custom_kubeconfig(&kubeconfig, &KubeconfigOptions::default()).unwrap();
    config.rate_limit = rudder::config::RateLimit::unlimited();
    config
}

async fn token_requests(issuer: &MockServer) -> usize {
    let requests = issuer.received_requests().await.unwrap();
    requests
        .iter()
        .filter(|request| request.url.path() == "/oauth/token")
        .count()
}

#[tokio::test]
async fn a_valid_id_token_is_sent_as_bearer_without_asking_the_issuer() {
    let valid = jwt(now() + 3600, "valid");
    let issuer = issuer("r1", "unused", "unused").await;
    let server = api_server_accepting(&valid).await;
    let config = config(&server, &issuer.uri(), &valid, "r1");
    assert!(matches!(config.auth, Auth::Oidc(_)));
    let response = HttpRest::new(config).unwrap().send(get("/api")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(issuer.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_expired_id_token_is_refreshed_once_and_the_new_tokens_kept_in_memory() {
    let expired = jwt(now() - 60, "expired");
    let fresh = jwt(now() + 3600, "fresh");
    let issuer = issuer("r1", &fresh, "r2").await;
    let server = api_server_accepting(&fresh).await;
    let rest = HttpRest::new(config(&server, &issuer.uri(), &expired, "r1")).unwrap();
    for _ in 0..3 {
        let response = rest.send(get("/api")).await.unwrap();
        assert_eq!(response.status(), 200);
    }
    assert_eq!(token_requests(&issuer).await, 1, "the fresh token is reused");
}

#[tokio::test]
async fn the_rotated_refresh_token_is_used_for_the_next_refresh() {
    let expired = jwt(now() - 60, "expired");
    // The issuer hands out a token that is already expired, so each request refreshes.
    let also_expired = jwt(now() - 30, "also-expired");
    let issuer = issuer("r1", &also_expired, "r2").await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string_contains("refresh_token=r2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"id_token": also_expired})))
        .mount(&issuer)
        .await;
    let server = api_server_accepting(&also_expired).await;
    let rest = HttpRest::new(config(&server, &issuer.uri(), &expired, "r1")).unwrap();
    rest.send(get("/api")).await.unwrap();
    rest.send(get("/api")).await.unwrap();
    let bodies: Vec<String> = issuer
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|request| request.url.path() == "/oauth/token")
        .map(|request| String::from_utf8_lossy(&request.body).into_owned())
        .collect();
    assert_eq!(bodies.len(), 2);
    assert!(bodies[0].contains("refresh_token=r1"), "{}", bodies[0]);
    assert!(bodies[1].contains("refresh_token=r2"), "{}", bodies[1]);
}

#[tokio::test]
async fn a_failed_refresh_is_an_auth_error_naming_the_issuer_without_tokens() {
    let expired = jwt(now() - 60, "expired");
    // The issuer knows another refresh token: the token endpoint answers 404.
    let issuer = issuer("other", "unused", "unused").await;
    let server = api_server_accepting("never").await;
    let rest = HttpRest::new(config(&server, &issuer.uri(), &expired, "r1")).unwrap();
    let error = rest.send(get("/api")).await.unwrap_err();
    assert!(matches!(error, Error::Auth(AuthError::Oidc { .. })), "{error:?}");
    let message = format!("{error} {error:?}");
    assert!(message.contains(&issuer.uri()), "{message}");
    assert!(message.contains("the token endpoint answered 404"), "{message}");
    for secret in ["s3cr3t", "refresh_token=", expired.as_str()] {
        assert!(!message.contains(secret), "{secret} in {message}");
    }
}

#[tokio::test]
async fn an_expired_id_token_without_refresh_token_is_an_error() {
    let expired = jwt(now() - 60, "expired");
    let issuer = issuer("r1", "unused", "unused").await;
    let server = api_server_accepting("never").await;
    let rest = HttpRest::new(config(&server, &issuer.uri(), &expired, "")).unwrap();
    let error = rest.send(get("/api")).await.unwrap_err().to_string();
    assert!(error.contains("there is no refresh-token"), "{error}");
}

#[test]
fn the_issuer_url_and_client_id_are_required() {
    for (missing, config) in [
        ("idp-issuer-url", "{client-id: rudder}"),
        ("client-id", "{idp-issuer-url: 'https://issuer.example'}"),
    ] {
        let yaml = format!(
            "clusters: [{{name: c, cluster: {{server: 'https://h'}}}}]\nusers: [{{name: u, user: {{auth-provider: {{name: oidc, config: {config}}}}}}}]\ncontexts: [{{name: x, context: {{cluster: c, user: u}}}}]\ncurrent-context: x"
        );
        let error = Config::from_custom_kubeconfig(
            &Kubeconfig::from_yaml(&yaml).unwrap(),
            &KubeconfigOptions::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            error.contains(&format!(
                "users[u].user.auth-provider.config.{missing}: is missing"
            )),
            "{error}"
        );
    }
}
