//! HttpRest over TLS against a local HTTPS server with certificates made here.

mod support;

use rudder::config::Auth;
use rudder::{Error, HttpRest, Rest};
use support::tls_server::{ClientAuth, SERVER_NAME, TestPki, serve_https};
use support::{ExecScript, config_for, get};

async fn body_of(rest: &HttpRest) -> rudder::Result<String> {
    body_at(rest, "/version").await
}

async fn body_at(rest: &HttpRest, path: &str) -> rudder::Result<String> {
    let response = rest.send(get(path)).await?;
    Ok(String::from_utf8(response.body().to_vec()).expect("a text body"))
}

/// A client trusting `pki`'s CA whose exec plugin prints an ExecCredential
/// with `status`; the script tells how often it ran.
fn rest_with_exec_credential(url: &str, pki: &TestPki, status: serde_json::Value) -> (HttpRest, ExecScript) {
    let credential = serde_json::json!({
        "apiVersion": "client.authentication.k8s.io/v1",
        "kind": "ExecCredential",
        "status": status,
    });
    let script = ExecScript::new("cat \"$dir/credential.json\"");
    script.write_file("credential.json", &credential.to_string());
    let mut config = config_for(url);
    config.tls.root_certificates = vec![pki.ca.clone()];
    config.auth = Auth::Exec(Box::new(script.exec_config()));
    (HttpRest::new(config).unwrap(), script)
}

fn transport_message(result: rudder::Result<String>) -> String {
    match result {
        Err(error @ Error::Transport { .. }) => error.to_string(),
        other => panic!("expected a transport error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_server_signed_by_the_configured_ca_is_trusted_and_http2_is_used() {
    let pki = TestPki::generate();
    let url = serve_https(&pki, ClientAuth::None).await;
    let mut config = config_for(&url);
    config.tls.root_certificates = vec![pki.ca.clone()];
    let rest = HttpRest::new(config).unwrap();
    assert_eq!(body_of(&rest).await.unwrap(), "HTTP/2.0 client_cert=false");
}

#[tokio::test]
async fn a_server_signed_by_an_unknown_ca_fails_with_a_clear_error() {
    let pki = TestPki::generate();
    let url = serve_https(&pki, ClientAuth::None).await;
    let mut config = config_for(&url);
    config.tls.root_certificates = vec![TestPki::generate().ca];
    let message = transport_message(body_of(&HttpRest::new(config).unwrap()).await);
    assert!(message.starts_with(&format!("GET {url}/version: ")), "{message}");
    // The other CA has the same name, so rustls reports the signature as bad.
    assert!(message.contains("invalid peer certificate"), "{message}");
}

#[tokio::test]
async fn insecure_skip_verify_accepts_an_unknown_ca() {
    let pki = TestPki::generate();
    let url = serve_https(&pki, ClientAuth::None).await;
    let mut config = config_for(&url);
    config.tls.insecure_skip_verify = true;
    let rest = HttpRest::new(config).unwrap();
    assert_eq!(body_of(&rest).await.unwrap(), "HTTP/2.0 client_cert=false");
}

#[tokio::test]
async fn tls_server_name_is_what_the_certificate_is_checked_against() {
    let pki = TestPki::generate();
    let url = serve_https(&pki, ClientAuth::None).await;
    let mut config = config_for(&url);
    config.tls.root_certificates = vec![pki.ca.clone()];
    config.tls.server_name = Some(SERVER_NAME.into());
    assert!(body_of(&HttpRest::new(config.clone()).unwrap()).await.is_ok());

    // The URL's host (127.0.0.1) is in the certificate too, so only the
    // configured name can make this fail.
    config.tls.server_name = Some("other.test".into());
    let message = transport_message(body_of(&HttpRest::new(config).unwrap()).await);
    // Errors name the configured URL.
    assert!(message.starts_with(&format!("GET {url}/version: ")), "{message}");
    assert!(
        message.contains(r#"certificate not valid for name "other.test""#),
        "{message}"
    );
}

#[tokio::test]
async fn tls_server_name_is_sent_as_sni() {
    let pki = TestPki::generate();
    let url = serve_https(&pki, ClientAuth::None).await;
    let mut config = config_for(&url);
    config.tls.root_certificates = vec![pki.ca.clone()];
    // An IP host sends no SNI at all; this checks the server sees that.
    let without_name = HttpRest::new(config.clone()).unwrap();
    assert_eq!(body_at(&without_name, "/sni").await.unwrap(), "-");

    config.tls.server_name = Some(SERVER_NAME.into());
    let rest = HttpRest::new(config).unwrap();
    assert_eq!(body_at(&rest, "/sni").await.unwrap(), SERVER_NAME);
    assert_eq!(body_of(&rest).await.unwrap(), "HTTP/2.0 client_cert=false");
}

#[tokio::test]
async fn a_configured_client_certificate_is_presented() {
    let pki = TestPki::generate();
    let url = serve_https(&pki, ClientAuth::Required).await;
    let mut config = config_for(&url);
    config.tls.root_certificates = vec![pki.ca.clone()];
    config.tls.client_identity = Some(pki.client_identity());
    let rest = HttpRest::new(config).unwrap();
    assert_eq!(body_of(&rest).await.unwrap(), "HTTP/2.0 client_cert=true");
}

#[tokio::test]
async fn a_server_that_requires_a_client_certificate_refuses_a_client_without_one() {
    let pki = TestPki::generate();
    let url = serve_https(&pki, ClientAuth::Required).await;
    let mut config = config_for(&url);
    config.tls.root_certificates = vec![pki.ca.clone()];
    let message = transport_message(body_of(&HttpRest::new(config).unwrap()).await);
    assert!(message.contains("CertificateRequired"), "{message}");
}

#[tokio::test]
async fn an_exec_plugin_client_certificate_is_used_for_tls() {
    let pki = TestPki::generate();
    let url = serve_https(&pki, ClientAuth::Required).await;
    let status = serde_json::json!({
        "clientCertificateData": pki.client_certificate_pem,
        "clientKeyData": pki.client_key_pem,
    });
    let (rest, script) = rest_with_exec_credential(&url, &pki, status);
    assert_eq!(body_of(&rest).await.unwrap(), "HTTP/2.0 client_cert=true");
    assert_eq!(body_of(&rest).await.unwrap(), "HTTP/2.0 client_cert=true");
    assert_eq!(script.runs(), 1);
}

#[tokio::test]
async fn an_exec_plugin_giving_a_token_and_a_certificate_uses_both() {
    let pki = TestPki::generate();
    let url = serve_https(&pki, ClientAuth::Required).await;
    let status = serde_json::json!({
        "token": "plugin-token",
        "clientCertificateData": pki.client_certificate_pem,
        "clientKeyData": pki.client_key_pem,
    });
    let (rest, script) = rest_with_exec_credential(&url, &pki, status);
    assert_eq!(body_of(&rest).await.unwrap(), "HTTP/2.0 client_cert=true");
    assert_eq!(
        body_at(&rest, "/authorization").await.unwrap(),
        "Bearer plugin-token"
    );
    assert_eq!(script.runs(), 1);
}
