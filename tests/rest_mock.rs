//! Testing code at the transport seam with `MockRest` (feature `mock`):
//! every layer runs on it unchanged, and the mock sees exactly the requests
//! the layers send.
#![cfg(feature = "mock")]

mod api_support;

use std::sync::Arc;
use std::time::Duration;

use api_support::discovery::{AGGREGATED_CONTENT_TYPE, aggregated_core, fixture};
use bytes::Bytes;
use k8s_openapi::api::core::v1::ConfigMap;
use mockall::predicate::function;
use rudder::discovery::{Discovery, DiscoveryClient};
use rudder::rest::{MockRest, Request, Response, stream_of};
use rudder::typed::{Api, Typed};
use serde_json::json;

fn respond(status: u16, content_type: &str, body: impl Into<Bytes>) -> Response {
    http::Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, content_type)
        .body(body.into())
        .expect("a valid test response")
}

fn asks_for(method: http::Method, uri: &'static str) -> impl Fn(&Request) -> bool {
    move |request: &Request| request.method() == method && request.uri() == uri
}

#[tokio::test]
async fn the_typed_layer_over_a_mocked_transport() {
    let mut rest = MockRest::new();
    rest.expect_send()
        .with(function(asks_for(
            http::Method::GET,
            "/api/v1/namespaces/team-a/configmaps/settings",
        )))
        .times(1)
        .returning(|_| {
            let body = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}, "data": {"mode": "fast"}});
            Ok(respond(200, "application/json", body.to_string()))
        });
    rest.expect_send()
        .with(function(asks_for(
            http::Method::GET,
            "/api/v1/namespaces/team-a/configmaps/missing",
        )))
        .times(1)
        .returning(|_| {
            let body = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": "configmaps \"missing\" not found", "reason": "NotFound", "code": 404});
            Ok(respond(404, "application/json", body.to_string()))
        });
    let config_maps: Api<ConfigMap> = Api::namespaced(Arc::new(rest), "team-a");

    let settings = config_maps.get("settings").await.unwrap();
    assert_eq!(settings.data.unwrap()["mode"], "fast");
    assert!(config_maps.get_opt("missing").await.unwrap().is_none());
}

#[tokio::test]
async fn a_mocked_list_is_answered_through_send_stream() {
    let mut rest = MockRest::new();
    rest.expect_send_stream()
        .with(function(asks_for(
            http::Method::GET,
            "/api/v1/namespaces/team-a/configmaps",
        )))
        .times(1)
        .returning(|_| {
            let body = json!({"kind": "ConfigMapList", "metadata": {"resourceVersion": "5"}, "items": [{"metadata": {"name": "settings"}}]});
            Ok(stream_of(respond(200, "application/json", body.to_string())))
        });
    let config_maps: Api<ConfigMap> = Api::namespaced(Arc::new(rest), "team-a");
    let list = config_maps.list(&Default::default()).await.unwrap();
    assert_eq!(list.items[0].metadata.name.as_deref(), Some("settings"));
    assert_eq!(list.resource_version(), Some("5"));
}

/// A transport that serves aggregated discovery and counts each document.
fn aggregated_discovery(expected_fetches: usize) -> MockRest {
    let mut rest = MockRest::new();
    for (uri, body) in [
        ("/api", aggregated_core().to_string()),
        ("/apis", fixture("aggregated_v2.json")),
    ] {
        rest.expect_send()
            .with(function(asks_for(http::Method::GET, uri)))
            .times(expected_fetches)
            .returning(move |_| Ok(respond(200, AGGREGATED_CONTENT_TYPE, body.clone())));
    }
    rest
}

#[tokio::test(start_paused = true)]
async fn discovery_in_memory_is_reused_within_its_ttl_and_refetched_after() {
    let ttl = Duration::from_secs(600);
    // Two fetches: the first call, and the first call after the TTL; the
    // mock fails the test on a third.
    let discovery = DiscoveryClient::builder(Arc::new(aggregated_discovery(2)))
        .ttl(ttl)
        .build();

    discovery.resolve("deployments").await.unwrap();
    tokio::time::advance(ttl - Duration::from_secs(1)).await;
    discovery.resolve("pods").await.unwrap();
    discovery.server_apis().await.unwrap();

    tokio::time::advance(Duration::from_secs(1)).await;
    let apis = discovery.server_apis().await.unwrap();
    assert!(
        apis.resources_for("apps", "v1")
            .any(|r| r.resource.plural == "deployments")
    );
    discovery.resolve("cm").await.unwrap();
}
