//! A toy `Rest` for the server tests: it echoes what it was sent, answers a
//! fixed ConfigMap list, streams what a test pushes, and panics on demand.

#![allow(dead_code)] // Each test file uses a part of it.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures::StreamExt;
use rudder::rest::{Request, Response, StreamResponse};
use rudder::{Rest, Result};
use serde_json::json;
use tokio::sync::mpsc;

/// What the toy answers.
#[derive(Default)]
pub struct ToyRest {
    /// Where the next stream's chunks come from.
    pub stream_source: Mutex<Option<mpsc::UnboundedReceiver<Bytes>>>,
}

impl ToyRest {
    pub fn new() -> Arc<Self> {
        Arc::new(ToyRest::default())
    }

    /// A sender whose chunks the next streamed request receives.
    pub fn next_stream(&self) -> mpsc::UnboundedSender<Bytes> {
        let (sender, receiver) = mpsc::unbounded_channel();
        *self.stream_source.lock().unwrap() = Some(receiver);
        sender
    }
}

fn json_response(status: u16, body: serde_json::Value) -> Response {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Bytes::from(body.to_string()))
        .unwrap()
}

#[async_trait::async_trait]
impl Rest for ToyRest {
    async fn send(&self, request: Request) -> Result<Response> {
        let path = request.uri().path().to_owned();
        if path == "/panic" {
            panic!("the toy Rest was asked to panic");
        }
        if path == "/api/v1/namespaces/default/configmaps" {
            return Ok(json_response(
                200,
                json!({
                    "kind": "ConfigMapList", "apiVersion": "v1",
                    "metadata": {"resourceVersion": "7"},
                    "items": [{"metadata": {"name": "settings", "namespace": "default",
                        "creationTimestamp": "2026-01-01T00:00:00Z"}, "data": {"a": "1"}}]
                }),
            ));
        }
        if path.starts_with("/api/v1/namespaces/default/configmaps/") {
            return Ok(json_response(
                404,
                json!({"kind": "Status", "apiVersion": "v1", "status": "Failure",
                    "reason": "NotFound", "code": 404, "message": "configmaps not found"}),
            ));
        }
        let headers: serde_json::Map<String, serde_json::Value> = request
            .headers()
            .iter()
            .map(|(name, value)| (name.to_string(), json!(value.to_str().unwrap_or(""))))
            .collect();
        Ok(json_response(
            200,
            json!({
                "method": request.method().as_str(),
                "uri": request.uri().to_string(),
                "headers": headers,
                "body": String::from_utf8_lossy(request.body()),
            }),
        ))
    }

    async fn send_stream(&self, _request: Request) -> Result<StreamResponse> {
        let receiver = self.stream_source.lock().unwrap().take();
        let stream = match receiver {
            Some(receiver) => tokio_stream_from(receiver),
            None => futures::stream::empty().boxed(),
        };
        Ok(http::Response::builder()
            .status(200)
            .header("content-type", "application/json")
            .body(stream)
            .unwrap())
    }
}

fn tokio_stream_from(mut receiver: mpsc::UnboundedReceiver<Bytes>) -> rudder::rest::ByteStream {
    futures::stream::poll_fn(move |context| receiver.poll_recv(context).map(|chunk| chunk.map(Ok))).boxed()
}

/// A request with this method and relative URI.
pub fn request(method: &str, uri: &str) -> http::request::Builder {
    http::Request::builder().method(method).uri(uri)
}
