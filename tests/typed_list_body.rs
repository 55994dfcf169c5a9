//! Lists decoded while the body arrives: items come out as soon as their
//! bytes are in, bodies split anywhere decode the same, and a body that does
//! not decode is an error naming the request and the item.

mod api_support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use api_support::{ChunkedRest, pod};
use bytes::Bytes;
use futures::channel::mpsc;
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::Pod;
use rudder::rest::{ByteStream, Request, Response, Rest, StreamResponse};
use rudder::typed::{Api, Typed};
use rudder::types::{ApiResource, ListParams, Scope};
use rudder::{DynamicClient, Error};
use serde_json::json;

fn list_body(names: &[&str], continue_token: Option<&str>) -> String {
    let items: Vec<_> = names.iter().map(|name| pod("default", name, "Running")).collect();
    json!({
        "kind": "PodList",
        "apiVersion": "v1",
        "metadata": {"resourceVersion": "42", "continue": continue_token},
        "items": items,
    })
    .to_string()
}

fn names(pods: &[Pod]) -> Vec<&str> {
    pods.iter()
        .map(|pod| pod.metadata.name.as_deref().unwrap_or(""))
        .collect()
}

#[tokio::test]
async fn a_list_split_into_any_chunks_decodes_as_the_whole_body() {
    let body = list_body(&["a", "b", "c"], None);
    for cuts in [
        vec![],
        vec![1],
        vec![7, 300, 301],
        (0..body.len()).step_by(17).collect(),
    ] {
        let rest = ChunkedRest::new(ChunkedRest::split(body.as_bytes(), &cuts));
        let api: Api<Pod> = Api::namespaced(rest, "default");
        let list = api.list(&ListParams::default()).await.unwrap();
        assert_eq!(names(&list.items), ["a", "b", "c"], "cuts {cuts:?}");
        assert_eq!(list.resource_version(), Some("42"));
    }
}

#[tokio::test]
async fn a_list_that_does_not_decode_names_the_request_and_the_item() {
    let body = list_body(&["a", "b"], None).replacen(r#""b""#, "7", 1);
    let rest = ChunkedRest::new(ChunkedRest::split(body.as_bytes(), &[50, 900]));
    let api: Api<Pod> = Api::namespaced(rest, "default");
    let error = api.list(&ListParams::default()).await.unwrap_err();
    assert!(matches!(error, Error::Decode { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.starts_with(
            "GET /api/v1/namespaces/default/pods: cannot decode the response body: item 1 (at byte "
        ),
        "{message}"
    );
    assert!(
        message.contains("invalid type: integer `7`, expected a string"),
        "{message}"
    );
}

#[tokio::test]
async fn a_truncated_list_is_a_decode_error() {
    let body = list_body(&["a", "b"], None);
    let rest = ChunkedRest::new(vec![Bytes::copy_from_slice(&body.as_bytes()[..body.len() - 3])]);
    let api: Api<Pod> = Api::namespaced(rest, "default");
    let error = api.list(&ListParams::default()).await.unwrap_err();
    assert!(
        error.to_string().contains("the body ended inside the list"),
        "{error}"
    );
}

/// A `Rest` whose list bodies the test feeds chunk by chunk.
struct Fed {
    bodies: Mutex<Vec<ByteStream>>,
}

#[async_trait::async_trait]
impl Rest for Fed {
    async fn send(&self, request: Request) -> rudder::Result<Response> {
        panic!("lists are read as streams, not through send: {}", request.uri())
    }

    async fn send_stream(&self, request: Request) -> rudder::Result<StreamResponse> {
        assert!(request.extensions().get::<rudder::rest::BoundedBody>().is_some());
        let body = self.bodies.lock().unwrap().remove(0);
        Ok(http::Response::new(body))
    }
}

// Paused time: were the first item held back until the body ended, the
// timeout would fire at once instead of the test hanging.
#[tokio::test(start_paused = true)]
async fn list_stream_hands_out_each_item_before_the_page_has_ended() {
    let (chunks, body) = mpsc::unbounded::<rudder::Result<Bytes>>();
    let rest = Arc::new(Fed {
        bodies: Mutex::new(vec![body.boxed()]),
    });
    let api: Api<Pod> = Api::namespaced(rest, "default");
    let mut pods = api.list_stream(&ListParams::default());

    let page = list_body(&["a", "b"], None);
    // Cut inside the second item: the first is whole in the first chunk.
    let cut = page.find(r#""b""#).unwrap();
    chunks
        .unbounded_send(Ok(Bytes::copy_from_slice(&page.as_bytes()[..cut])))
        .unwrap();
    let first = tokio::time::timeout(Duration::from_secs(60), pods.try_next())
        .await
        .expect("the first item before the rest of the body")
        .unwrap()
        .unwrap();
    assert_eq!(first.metadata.name.as_deref(), Some("a"));

    chunks
        .unbounded_send(Ok(Bytes::copy_from_slice(&page.as_bytes()[cut..])))
        .unwrap();
    drop(chunks);
    let rest: Vec<Pod> = pods.try_collect().await.unwrap();
    assert_eq!(names(&rest), ["b"]);
}

#[tokio::test]
async fn list_stream_follows_continue_tokens_from_each_page_body() {
    let pages = [list_body(&["a", "b"], Some("page-2")), list_body(&["c"], None)];
    let bodies = pages
        .iter()
        .map(|page| futures::stream::iter([Ok(Bytes::from(page.clone()))]).boxed())
        .collect();
    let rest = Arc::new(Fed {
        bodies: Mutex::new(bodies),
    });
    let pods = ApiResource::new("", "v1", "Pod", "pods", Scope::Namespaced);
    let dynamic = DynamicClient::namespaced(rest, pods, "default").unwrap();
    let objects: Vec<_> = dynamic
        .list_stream(&ListParams::default().limit(2))
        .try_collect()
        .await
        .unwrap();
    let names: Vec<_> = objects.iter().map(|object| object.name().unwrap_or("")).collect();
    assert_eq!(names, ["a", "b", "c"]);
    assert!(objects.iter().all(|object| object.kind == "Pod"));
}
