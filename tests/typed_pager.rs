//! The pager: every page of a list, whole or as a stream, following
//! continue tokens; an expired token is an error that says so.

mod api_support;

use api_support::{list, pod, rest_for, status};
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::Pod;
use rudder::Resource;
use rudder::typed::Api;
use rudder::types::{ListParams, ResourceVersionMatch};
use serde_json::json;
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PODS: &str = "/api/v1/pods";

/// Three pages of two, one and one pods, as the server pages them.
async fn three_pages(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path(PODS))
        .and(query_param("limit", "2"))
        .and(query_param_is_missing("continue"))
        .and(query_param("resourceVersion", "0"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list(
            "PodList",
            vec![pod("default", "a", "Running"), pod("kube-system", "b", "Running")],
            "5000",
            Some("token-1"),
        )))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(PODS))
        .and(query_param("limit", "2"))
        .and(query_param("continue", "token-1"))
        .and(query_param_is_missing("resourceVersion"))
        .and(query_param_is_missing("resourceVersionMatch"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list(
            "PodList",
            vec![pod("kube-system", "c", "Pending")],
            "5000",
            Some("token-2"),
        )))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(PODS))
        .and(query_param("continue", "token-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list(
            "PodList",
            vec![pod("web", "d", "Succeeded")],
            "5000",
            None,
        )))
        .mount(server)
        .await;
}

fn names<'a>(pods: impl IntoIterator<Item = &'a Pod>) -> Vec<String> {
    pods.into_iter()
        .map(|pod| pod.meta().name.clone().unwrap_or_default())
        .collect()
}

fn first_page_params() -> ListParams {
    ListParams::default()
        .limit(2)
        .at("0", ResourceVersionMatch::NotOlderThan)
}

#[tokio::test]
async fn list_all_follows_continue_across_three_pages() {
    let server = MockServer::start().await;
    three_pages(&server).await;
    let pods: Api<Pod> = Api::all(rest_for(&server));
    let all = pods.list_all(&first_page_params()).await.unwrap();
    assert_eq!(names(&all.items), ["a", "b", "c", "d"]);
    assert_eq!(all.resource_version(), Some("5000"));
    assert_eq!(all.continue_token(), None);
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn the_streaming_pager_fetches_a_page_only_when_it_is_needed() {
    let server = MockServer::start().await;
    three_pages(&server).await;
    let pods: Api<Pod> = Api::all(rest_for(&server));
    let params = first_page_params();
    let mut stream = pods.list_stream(&params);
    let first = stream.next().await.unwrap().unwrap();
    assert_eq!(first.metadata.name.as_deref(), Some("a"));
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "only the first page is fetched"
    );
    let rest: Vec<Pod> = stream.try_collect().await.unwrap();
    assert_eq!(names(&rest), ["b", "c", "d"]);
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn pages_default_to_500_items() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(PODS))
        .and(query_param("limit", "500"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list("PodList", vec![], "1", None)))
        .expect(1)
        .mount(&server)
        .await;
    let pods: Api<Pod> = Api::all(rest_for(&server));
    assert!(
        pods.list_all(&ListParams::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

#[tokio::test]
async fn an_expired_continue_token_says_the_list_must_restart() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(PODS))
        .and(query_param_is_missing("continue"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list(
            "PodList",
            vec![pod("default", "a", "Running")],
            "5000",
            Some("stale"),
        )))
        .mount(&server)
        .await;
    let mut expired = status(
        410,
        "Expired",
        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
        json!(null),
    );
    expired["metadata"] = json!({"continue": "inconsistent-token"});
    Mock::given(method("GET"))
        .and(path(PODS))
        .and(query_param("continue", "stale"))
        .respond_with(ResponseTemplate::new(410).set_body_json(expired))
        .mount(&server)
        .await;
    let pods: Api<Pod> = Api::all(rest_for(&server));
    let error = pods.list_all(&ListParams::default()).await.unwrap_err();
    assert!(error.is_gone());
    let message = error.to_string();
    assert!(
        message.starts_with("GET /api/v1/pods?limit=500&continue=stale: 410 Expired: the continue token expired before the list was finished, so the list must restart from the beginning"),
        "{message}"
    );

    let streamed: Vec<_> = pods.list_stream(&ListParams::default()).collect().await;
    assert_eq!(streamed.len(), 2);
    assert!(streamed[0].is_ok());
    assert!(streamed[1].as_ref().unwrap_err().is_gone());
}

#[tokio::test]
async fn a_410_on_the_first_page_is_left_as_the_server_said() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(PODS))
        .respond_with(ResponseTemplate::new(410).set_body_json(status(
            410,
            "Expired",
            "too old resource version: 1 (5000)",
            json!(null),
        )))
        .mount(&server)
        .await;
    let pods: Api<Pod> = Api::all(rest_for(&server));
    let error = pods
        .list_all(&ListParams::default().at("1", ResourceVersionMatch::Exact))
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .ends_with("410 Expired: too old resource version: 1 (5000)"),
        "{error}"
    );
}
