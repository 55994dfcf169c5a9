//! What HttpRest hands back: every status as a response, made an error by
//! `check_status`; Warning headers logged once and readable.

mod support;

use http::Method;
use rudder::rest::{check_status, warnings};
use rudder::{HttpRest, Rest};
use support::{LogCapture, config_for, get};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn server_answering(status: u16, body: &str, content_type: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/namespaces/default/pods/web"))
        .respond_with(ResponseTemplate::new(status).set_body_raw(body.to_owned(), content_type))
        .mount(&server)
        .await;
    server
}

async fn checked_error(server: &MockServer) -> rudder::Error {
    let rest = HttpRest::new(config_for(&server.uri())).unwrap();
    let request = get("/api/v1/namespaces/default/pods/web");
    let (verb, uri) = (request.method().clone(), request.uri().clone());
    let response = rest.send(request).await.expect("any status is an Ok response");
    check_status(&verb, &uri, response).unwrap_err()
}

#[tokio::test]
async fn a_status_error_body_becomes_an_api_error() {
    let server = server_answering(
        404,
        r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"web\" not found","reason":"NotFound","details":{"name":"web","kind":"pods"},"code":404}"#,
        "application/json",
    )
    .await;
    let error = checked_error(&server).await;
    assert!(error.is_not_found());
    let status = error.status().unwrap();
    assert_eq!(
        status.details.as_ref().map(|details| details.name.as_str()),
        Some("web")
    );
    insta::assert_snapshot!(error.to_string());
}

#[tokio::test]
async fn a_non_status_error_body_keeps_the_code_and_the_start_of_the_body() {
    let server = server_answering(
        502,
        "<html><body><h1>502 Bad Gateway</h1></body></html>",
        "text/html",
    )
    .await;
    let error = checked_error(&server).await;
    assert_eq!(error.status().unwrap().code, 502);
    insta::assert_snapshot!(error.to_string());
}

#[tokio::test]
async fn warnings_are_readable_and_logged_once_per_text() {
    let (logs, _guard) = LogCapture::start();
    let server = MockServer::start().await;
    Mock::given(path("/apis/policy/v1beta1/podsecuritypolicies"))
        .respond_with(
            ResponseTemplate::new(200)
                .append_header(
                    "Warning",
                    r#"299 - "policy/v1beta1 PodSecurityPolicy is deprecated""#,
                )
                .append_header("Warning", r#"299 - "unknown field \"spec.foo\"""#),
        )
        .mount(&server)
        .await;
    let rest = HttpRest::new(config_for(&server.uri())).unwrap();
    let mut response = None;
    for _ in 0..3 {
        response = Some(
            rest.send(get("/apis/policy/v1beta1/podsecuritypolicies"))
                .await
                .unwrap(),
        );
    }
    assert_eq!(
        warnings(&response.unwrap()),
        vec![
            "policy/v1beta1 PodSecurityPolicy is deprecated".to_owned(),
            r#"unknown field "spec.foo""#.to_owned(),
        ]
    );
    let text = logs.text();
    assert_eq!(
        text.matches("policy/v1beta1 PodSecurityPolicy is deprecated")
            .count(),
        1,
        "{text}"
    );
    assert_eq!(text.matches(r#"unknown field "spec.foo""#).count(), 1, "{text}");
    assert!(text.contains("WARN"), "{text}");
}

#[tokio::test]
async fn a_cluster_url_with_a_path_prefix_keeps_it() {
    let server = MockServer::start().await;
    Mock::given(path("/k8s/clusters/c-1/api/v1/namespaces"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let rest = HttpRest::new(config_for(&format!("{}/k8s/clusters/c-1/", server.uri()))).unwrap();
    let response = rest
        .send(support::request(Method::GET, "/api/v1/namespaces"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn credentials_in_the_cluster_url_stay_out_of_transport_errors() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut config = config_for(&format!("http://admin:hunter2@127.0.0.1:{port}"));
    config.retry = rudder::config::RetryPolicy::none();
    let error = HttpRest::new(config)
        .unwrap()
        .send(get("/api"))
        .await
        .unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with(&format!("GET http://127.0.0.1:{port}/api: ")),
        "{message}"
    );
    assert!(!format!("{message} {error:?}").contains("hunter2"));
}

#[tokio::test]
async fn requests_go_through_the_configured_proxy() {
    let proxy = MockServer::start().await;
    Mock::given(path("/api"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&proxy)
        .await;
    // Nothing listens on the cluster's port: only the proxy can answer.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut config = config_for(&format!("http://127.0.0.1:{port}"));
    config.proxy_url = Some(proxy.uri().parse().unwrap());
    let response = HttpRest::new(config).unwrap().send(get("/api")).await.unwrap();
    assert_eq!(response.status(), 200);
    let seen = proxy.received_requests().await.unwrap().remove(0);
    assert_eq!(
        seen.url.port(),
        Some(port),
        "the proxy is asked for the cluster's URL"
    );
}

#[tokio::test]
async fn a_proxy_url_with_an_unknown_scheme_is_a_config_error() {
    let mut config = config_for("http://127.0.0.1:9");
    config.proxy_url = Some("ftp://127.0.0.1:21".parse().unwrap());
    let error = HttpRest::new(config).unwrap_err();
    assert!(matches!(error, rudder::Error::Config(_)), "{error:?}");
}
