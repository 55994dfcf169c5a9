//! The server over plain HTTP, in front of a toy `Rest`: what reaches the
//! `Rest`, what the server answers itself, and how streams are written.

mod server_support;

use std::sync::Arc;

use bytes::Bytes;
use futures::StreamExt;
use rudder::{HttpRest, Rest};
use rudder_testkit::server::{ServeError, Server};
use serde_json::Value;
use server_support::{ToyRest, request};

async fn serve(rest: Arc<ToyRest>) -> (Server, HttpRest) {
    let server = Server::builder(rest as Arc<dyn Rest>)
        .start()
        .await
        .expect("a server");
    let client = HttpRest::new(server.config()).expect("a client");
    (server, client)
}

fn json(body: &[u8]) -> Value {
    serde_json::from_slice(body).expect("a JSON body")
}

#[tokio::test]
async fn a_request_reaches_the_rest_with_its_relative_uri_headers_and_body() {
    let (_server, client) = serve(ToyRest::new()).await;
    let sent = request("POST", "/api/v1/namespaces/default/pods?dryRun=All")
        .header("content-type", "application/json")
        .header("x-test", "yes")
        .body(Bytes::from_static(b"{\"kind\":\"Pod\"}"))
        .unwrap();
    let response = client.send(sent).await.expect("an answer");
    assert_eq!(response.status(), 200);
    let echoed = json(response.body());
    assert_eq!(echoed["method"], "POST");
    assert_eq!(echoed["uri"], "/api/v1/namespaces/default/pods?dryRun=All");
    assert_eq!(echoed["headers"]["x-test"], "yes");
    assert_eq!(echoed["body"], "{\"kind\":\"Pod\"}");
}

#[tokio::test]
async fn health_endpoints_answer_ok_without_asking_the_rest() {
    let (_server, client) = serve(ToyRest::new()).await;
    for path in ["/healthz", "/readyz", "/livez", "/readyz/ping"] {
        let response = client
            .send(request("GET", path).body(Bytes::new()).unwrap())
            .await
            .unwrap();
        assert_eq!(
            (response.status().as_u16(), response.body().as_ref()),
            (200, &b"ok"[..]),
            "{path}"
        );
    }
}

#[tokio::test]
async fn an_unknown_method_is_405_with_a_status() {
    let (_server, client) = serve(ToyRest::new()).await;
    let response = client
        .send(request("PROPFIND", "/api/v1/pods").body(Bytes::new()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    let status = json(response.body());
    assert_eq!(
        (status["kind"].as_str(), status["reason"].as_str()),
        (Some("Status"), Some("MethodNotAllowed"))
    );
}

#[tokio::test]
async fn a_panic_in_the_rest_is_a_500_status_and_the_server_goes_on() {
    let (_server, client) = serve(ToyRest::new()).await;
    let response = client
        .send(request("GET", "/panic").body(Bytes::new()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), 500);
    assert_eq!(json(response.body())["reason"], "InternalError");
    let after = client
        .send(request("GET", "/healthz").body(Bytes::new()).unwrap())
        .await
        .unwrap();
    assert_eq!(after.status(), 200);
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let (_server, client) = serve(ToyRest::new()).await;
    let body = Bytes::from(vec![b'x'; 5 * 1024 * 1024]);
    let response = client
        .send(
            request("POST", "/api/v1/namespaces/default/configmaps")
                .body(body)
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
}

#[tokio::test]
async fn kubectl_s_table_accept_gets_a_table_with_the_object_when_asked() {
    let (_server, client) = serve(ToyRest::new()).await;
    let response = client
        .send(
            request(
                "GET",
                "/api/v1/namespaces/default/configmaps?includeObject=Object",
            )
            .header(
                "accept",
                "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
            )
            .body(Bytes::new())
            .unwrap(),
        )
        .await
        .unwrap();
    let table = json(response.body());
    assert_eq!(table["kind"], "Table");
    assert_eq!(table["apiVersion"], "meta.k8s.io/v1");
    assert_eq!(table["metadata"]["resourceVersion"], "7");
    let columns: Vec<&str> = table["columnDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|column| column["name"].as_str().unwrap())
        .collect();
    assert_eq!(columns, ["Name", "Data", "Age"]);
    assert_eq!(table["rows"][0]["cells"][0], "settings");
    assert_eq!(table["rows"][0]["cells"][1], 1);
    assert_eq!(table["rows"][0]["object"]["kind"], "ConfigMap");
}

#[tokio::test]
async fn an_error_asked_as_a_table_stays_a_status() {
    let (_server, client) = serve(ToyRest::new()).await;
    let response = client
        .send(
            request("GET", "/api/v1/namespaces/default/configmaps/missing")
                .header(
                    "accept",
                    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
                )
                .body(Bytes::new())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(json(response.body())["kind"], "Status");
}

#[tokio::test]
async fn protobuf_accept_is_answered_with_json() {
    let (_server, client) = serve(ToyRest::new()).await;
    let response = client
        .send(
            request("GET", "/api/v1/namespaces/default/pods")
                .header("accept", "application/vnd.kubernetes.protobuf, */*")
                .body(Bytes::new())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(json(response.body())["headers"]["accept"], "*/*");
}

#[tokio::test]
async fn a_watch_is_written_chunk_by_chunk_as_the_rest_yields_it() {
    let rest = ToyRest::new();
    let events = rest.next_stream();
    let (_server, client) = serve(rest).await;
    let response = client
        .send_stream(
            request("GET", "/api/v1/pods?watch=true")
                .body(Bytes::new())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let mut body = response.into_body();
    events
        .send(Bytes::from_static(b"{\"type\":\"ADDED\"}\n"))
        .unwrap();
    // The second event is sent only once the first has arrived: the server
    // must not hold a chunk back waiting for more.
    let first = body.next().await.expect("a chunk").expect("bytes");
    assert_eq!(first, Bytes::from_static(b"{\"type\":\"ADDED\"}\n"));
    events
        .send(Bytes::from_static(b"{\"type\":\"DELETED\"}\n"))
        .unwrap();
    let second = body.next().await.expect("a chunk").expect("bytes");
    assert_eq!(second, Bytes::from_static(b"{\"type\":\"DELETED\"}\n"));
    drop(events);
    assert!(
        body.next().await.is_none(),
        "the stream ends when the Rest's does"
    );
}

#[tokio::test]
async fn a_watch_asked_as_a_table_carries_one_row_tables() {
    let rest = ToyRest::new();
    let events = rest.next_stream();
    let (_server, client) = serve(rest).await;
    let response = client
        .send_stream(
            request("GET", "/api/v1/namespaces/default/configmaps?watch=true")
                .header("accept", "application/json;as=Table;v=v1;g=meta.k8s.io")
                .body(Bytes::new())
                .unwrap(),
        )
        .await
        .unwrap();
    let mut body = response.into_body();
    // One event split across two chunks is still converted whole.
    events
        .send(Bytes::from_static(
            b"{\"type\":\"ADDED\",\"object\":{\"kind\":\"ConfigMap\",",
        ))
        .unwrap();
    events
        .send(Bytes::from_static(
            b"\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"c1\"}}}\n",
        ))
        .unwrap();
    let event = json(&body.next().await.expect("a chunk").expect("bytes"));
    assert_eq!(event["type"], "ADDED");
    assert_eq!(event["object"]["kind"], "Table");
    assert_eq!(event["object"]["rows"][0]["cells"][0], "c1");
}

#[tokio::test]
async fn shutdown_ends_open_watches() {
    let rest = ToyRest::new();
    let _events = rest.next_stream();
    let (server, client) = serve(rest).await;
    let response = client
        .send_stream(
            request("GET", "/api/v1/pods?watch=true")
                .body(Bytes::new())
                .unwrap(),
        )
        .await
        .unwrap();
    let mut body = response.into_body();
    server.shutdown().await;
    while let Some(chunk) = body.next().await {
        // Whatever arrived before the end, the stream does end.
        let _ = chunk;
    }
}

#[tokio::test]
async fn a_port_in_use_is_a_bind_error_naming_the_address() {
    let (first, _client) = serve(ToyRest::new()).await;
    let port = first.address().port();
    let error = Server::builder(ToyRest::new() as Arc<dyn Rest>)
        .port(port)
        .start()
        .await
        .expect_err("the port is taken");
    assert!(matches!(error, ServeError::Bind { .. }));
    let message = error.to_string();
    assert!(
        message.starts_with(&format!("cannot listen on 127.0.0.1:{port}: ")),
        "{message}"
    );
}

#[tokio::test]
async fn the_kubeconfig_file_lives_as_long_as_the_server() {
    let (server, _client) = serve(ToyRest::new()).await;
    let path = server.kubeconfig_path().to_owned();
    let written = std::fs::read_to_string(&path).expect("the kubeconfig file");
    assert_eq!(written, server.kubeconfig());
    assert!(written.contains(server.url()));
    drop(server);
    assert!(
        !path.exists(),
        "a kubeconfig in the temporary directory is removed"
    );
}

#[tokio::test]
async fn the_written_kubeconfig_loads_with_rudder_and_reaches_the_server() {
    let (server, _client) = serve(ToyRest::new()).await;
    let mut options = rudder::config::KubeconfigOptions::default();
    options.path = Some(server.kubeconfig_path().to_owned());
    let config = rudder::Config::from_kubeconfig_with(
        &options,
        &rudder::config::Environment::from_vars([("HOME", "/nonexistent")]),
    )
    .expect("the kubeconfig loads");
    assert_eq!(config.default_namespace, "default");
    let client = HttpRest::new(config).unwrap();
    let response = client
        .send(request("GET", "/healthz").body(Bytes::new()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}
