//! HTTPS, bearer tokens and client certificates: the generated CA, the
//! kubeconfig's credentials, and 401 for a request without them.

mod server_support;

use std::sync::Arc;

use bytes::Bytes;
use rudder::{HttpRest, Rest};
use rudder_testkit::server::Server;
use serde_json::Value;
use server_support::{ToyRest, request};

async fn get(client: &HttpRest, path: &str) -> rudder::rest::Response {
    client
        .send(request("GET", path).body(Bytes::new()).unwrap())
        .await
        .expect("an answer")
}

fn assert_unauthorized(response: &rudder::rest::Response) {
    assert_eq!(response.status(), 401);
    let status: Value = serde_json::from_slice(response.body()).unwrap();
    assert_eq!(status["kind"], "Status");
    assert_eq!(status["reason"], "Unauthorized");
    assert_eq!(status["code"], 401);
}

#[tokio::test]
async fn https_with_the_generated_ca_is_trusted_and_the_token_is_required() {
    let server = Server::builder(ToyRest::new() as Arc<dyn Rest>)
        .tls()
        .token("s3cret")
        .start()
        .await
        .unwrap();
    assert!(server.url().starts_with("https://127.0.0.1:"));
    assert!(server.kubeconfig().contains("certificate-authority-data"));

    let with_token = HttpRest::new(server.config()).unwrap();
    assert_eq!(get(&with_token, "/api/v1/pods").await.status(), 200);

    let mut anonymous = server.config();
    anonymous.auth = rudder::config::Auth::None;
    assert_unauthorized(&get(&HttpRest::new(anonymous).unwrap(), "/api/v1/pods").await);

    let mut wrong = server.config();
    wrong.auth = rudder::config::Auth::Bearer("guess".into());
    assert_unauthorized(&get(&HttpRest::new(wrong).unwrap(), "/healthz").await);
}

#[tokio::test]
async fn the_token_is_not_passed_on_to_the_rest() {
    let server = Server::builder(ToyRest::new() as Arc<dyn Rest>)
        .token("s3cret")
        .start()
        .await
        .unwrap();
    let client = HttpRest::new(server.config()).unwrap();
    let echoed: Value = serde_json::from_slice(get(&client, "/api/v1/pods").await.body()).unwrap();
    assert!(echoed["headers"].get("authorization").is_none());
}

#[tokio::test]
async fn a_client_certificate_from_the_servers_ca_authenticates() {
    let server = Server::builder(ToyRest::new() as Arc<dyn Rest>)
        .client_certificate()
        .start()
        .await
        .unwrap();
    assert!(server.kubeconfig().contains("client-certificate-data"));
    let with_certificate = HttpRest::new(server.config()).unwrap();
    assert_eq!(get(&with_certificate, "/api/v1/pods").await.status(), 200);

    let mut without = server.config();
    without.tls.client_identity = None;
    assert_unauthorized(&get(&HttpRest::new(without).unwrap(), "/api/v1/pods").await);
}

#[tokio::test]
async fn a_client_that_does_not_trust_the_ca_cannot_connect() {
    let server = Server::builder(ToyRest::new() as Arc<dyn Rest>)
        .tls()
        .start()
        .await
        .unwrap();
    let mut untrusting = server.config();
    untrusting.tls.root_certificates.clear();
    let result = HttpRest::new(untrusting)
        .unwrap()
        .send(request("GET", "/healthz").body(Bytes::new()).unwrap())
        .await;
    assert!(
        result.is_err(),
        "the server's certificate must not verify against public roots"
    );
}
