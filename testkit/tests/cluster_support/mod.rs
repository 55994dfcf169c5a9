//! Shared by the `cluster_*` tests: send a request to a fake cluster and
//! read its answer as JSON, read watch streams line by line.
#![allow(dead_code)]

use bytes::Bytes;
use futures::StreamExt;
use http::Method;
use rudder::Rest;
use rudder::rest::{ByteStream, RequestBuilder, ResourcePath};
use rudder_testkit::FakeCluster;
use serde_json::{Value, json};

/// The answer to one request.
#[derive(Debug)]
pub struct Answer {
    pub code: u16,
    pub body: Value,
}

/// Sends `method` to `path` with `query` and an optional JSON body.
pub async fn send(
    cluster: &FakeCluster,
    method: Method,
    path: &ResourcePath,
    query: &[(&str, &str)],
    body: Option<&Value>,
) -> Answer {
    let mut builder = RequestBuilder::new(method, path).expect("a valid path");
    for (key, value) in query {
        builder = builder.query(*key, value);
    }
    if let Some(body) = body {
        builder = builder.json(body).expect("a JSON body");
    }
    send_request(cluster, builder).await
}

/// Sends a built request.
pub async fn send_request(cluster: &FakeCluster, builder: RequestBuilder) -> Answer {
    let response = cluster
        .send(builder.build().expect("a request"))
        .await
        .expect("an answer");
    let code = response.status().as_u16();
    let body = if response.body().is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(response.body()).expect("a JSON body")
    };
    Answer { code, body }
}

pub fn configmaps(namespace: &str) -> ResourcePath {
    ResourcePath::core("v1", "configmaps").namespace(namespace)
}

pub fn configmap(name: &str, value: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"value": value}})
}

pub async fn create(cluster: &FakeCluster, path: &ResourcePath, object: &Value) -> Value {
    let answer = send(cluster, Method::POST, path, &[], Some(object)).await;
    assert_eq!(answer.code, 201, "create answered {:?}", answer.body);
    answer.body
}

pub async fn get(cluster: &FakeCluster, path: &ResourcePath) -> Answer {
    send(cluster, Method::GET, path, &[], None).await
}

/// Creates the config map `name` in `default`, changes its value, deletes
/// it: three writes a watch sees as ADDED, MODIFIED, DELETED.
pub async fn create_update_delete(cluster: &FakeCluster, name: &str) {
    let created = create(cluster, &configmaps("default"), &configmap(name, "1")).await;
    let mut changed = created.clone();
    changed["data"]["value"] = serde_json::json!("2");
    let path = configmaps("default").name(name);
    send(cluster, http::Method::PUT, &path, &[], Some(&changed)).await;
    send(cluster, http::Method::DELETE, &path, &[], None).await;
}

pub fn rv(object: &Value) -> u64 {
    object["metadata"]["resourceVersion"]
        .as_str()
        .and_then(|text| text.parse().ok())
        .expect("a numeric resourceVersion")
}

/// An open watch, read one event at a time.
pub struct Watch {
    stream: ByteStream,
    buffer: Vec<u8>,
}

impl Watch {
    pub async fn open(cluster: &FakeCluster, path: &ResourcePath, query: &[(&str, &str)]) -> Watch {
        let mut builder = RequestBuilder::get(path)
            .expect("a valid path")
            .query("watch", "true");
        for (key, value) in query {
            builder = builder.query(*key, value);
        }
        let response = cluster
            .send_stream(builder.build().expect("a request"))
            .await
            .expect("an answer");
        assert_eq!(response.status(), 200);
        Watch {
            stream: response.into_body(),
            buffer: Vec::new(),
        }
    }

    /// The next event as (type, object), or `None` when the stream ended.
    pub async fn next(&mut self) -> Option<(String, Value)> {
        loop {
            if let Some(end) = self.buffer.iter().position(|byte| *byte == b'\n') {
                let line: Vec<u8> = self.buffer.drain(..=end).collect();
                let event: Value = serde_json::from_slice(&line).expect("a JSON event");
                let kind = event["type"].as_str().expect("a type").to_owned();
                return Some((kind, event["object"].clone()));
            }
            let chunk: Bytes = self.stream.next().await?.expect("a chunk");
            self.buffer.extend_from_slice(&chunk);
        }
    }

    /// Every event until the stream ends.
    pub async fn rest(&mut self) -> Vec<(String, Value)> {
        let mut events = Vec::new();
        while let Some(event) = self.next().await {
            events.push(event);
        }
        events
    }
}

pub fn name(object: &Value) -> &str {
    object["metadata"]["name"].as_str().unwrap_or("")
}
