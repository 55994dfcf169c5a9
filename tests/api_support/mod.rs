//! What the typed, dynamic, discovery and client tests share: a client for
//! a wiremock server, a `Rest` that delivers a streamed body in chosen
//! chunks, response bodies in the shapes a real API server sends, and (in
//! [`discovery`]) the real discovery documents.

#![allow(dead_code)] // each test file uses a different part

pub mod discovery;

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use rudder::rest::{ByteStream, Request, Response, Rest, StreamResponse};
use rudder::{Config, HttpRest};
use serde_json::{Value, json};
use wiremock::MockServer;

/// The live client, pointed at `server`.
pub fn rest_for(server: &MockServer) -> Arc<dyn Rest> {
    let url = server.uri().parse().expect("wiremock serves a valid URL");
    Arc::new(HttpRest::new(Config::new(url)).expect("a client for plain HTTP on loopback"))
}

/// A `Rest` that answers every stream request with `status` and a body
/// delivered in exactly these chunks, and remembers the URIs asked for.
pub struct ChunkedRest {
    pub status: u16,
    pub chunks: Vec<Bytes>,
    pub uris: Mutex<Vec<String>>,
}

impl ChunkedRest {
    pub fn new(chunks: Vec<Bytes>) -> Arc<Self> {
        Arc::new(ChunkedRest {
            status: 200,
            chunks,
            uris: Mutex::new(Vec::new()),
        })
    }

    /// `body` cut at each of `cuts` (byte offsets, any order, duplicates ignored).
    pub fn split(body: &[u8], cuts: &[usize]) -> Vec<Bytes> {
        let mut cuts: Vec<usize> = cuts.iter().map(|cut| cut % (body.len() + 1)).collect();
        cuts.push(0);
        cuts.push(body.len());
        cuts.sort_unstable();
        cuts.dedup();
        cuts.windows(2)
            .map(|pair| Bytes::copy_from_slice(&body[pair[0]..pair[1]]))
            .collect()
    }
}

#[async_trait::async_trait]
impl Rest for ChunkedRest {
    async fn send(&self, request: Request) -> rudder::Result<Response> {
        self.uris.lock().unwrap().push(request.uri().to_string());
        let body: Vec<u8> = self.chunks.iter().flat_map(|chunk| chunk.to_vec()).collect();
        let mut response = http::Response::new(Bytes::from(body));
        *response.status_mut() = http::StatusCode::from_u16(self.status).unwrap();
        Ok(response)
    }

    async fn send_stream(&self, request: Request) -> rudder::Result<StreamResponse> {
        self.uris.lock().unwrap().push(request.uri().to_string());
        let chunks: Vec<rudder::Result<Bytes>> = self.chunks.iter().cloned().map(Ok).collect();
        let body: ByteStream = Box::pin(futures::stream::iter(chunks));
        let mut response = http::Response::new(body);
        *response.status_mut() = http::StatusCode::from_u16(self.status).unwrap();
        Ok(response)
    }
}

/// A failure `Status` as kube-apiserver writes it.
pub fn status(code: u16, reason: &str, message: &str, details: Value) -> Value {
    json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "details": details,
        "code": code
    })
}

/// `pods "name" not found`.
pub fn not_found(plural: &str, name: &str) -> Value {
    status(
        404,
        "NotFound",
        &format!("{plural} \"{name}\" not found"),
        json!({"name": name, "kind": plural}),
    )
}

/// A pod as the server returns it.
pub fn pod(namespace: &str, name: &str, phase: &str) -> Value {
    json!({
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": format!("uid-{name}"),
            "resourceVersion": "1045",
            "creationTimestamp": "2026-11-26T10:00:00Z",
            "labels": {"app": "web"}
        },
        "spec": {
            "containers": [{"name": "app", "image": "nginx:1.27", "resources": {}, "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File", "imagePullPolicy": "IfNotPresent"}],
            "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst",
            "nodeName": "node-1",
            "schedulerName": "default-scheduler"
        },
        "status": {"phase": phase, "podIP": "10.244.0.7", "qosClass": "BestEffort"}
    })
}

/// A `Foo` as the server returns it.
pub fn foo(name: &str, replicas: i64, available: Option<i64>) -> Value {
    let mut object = json!({
        "apiVersion": "samplecontroller.k8s.io/v1alpha1",
        "kind": "Foo",
        "metadata": {
            "name": name,
            "namespace": "default",
            "uid": format!("uid-{name}"),
            "resourceVersion": "2001",
            "generation": 1,
            "creationTimestamp": "2026-11-26T10:00:00Z"
        },
        "spec": {"deploymentName": name, "replicas": replicas}
    });
    if let Some(available) = available {
        object["status"] = json!({"availableReplicas": available});
    }
    object
}

/// A list body with these items and list metadata.
pub fn list(kind: &str, items: Vec<Value>, resource_version: &str, continue_token: Option<&str>) -> Value {
    let mut metadata = json!({"resourceVersion": resource_version});
    if let Some(token) = continue_token {
        metadata["continue"] = json!(token);
        metadata["remainingItemCount"] = json!(1);
    }
    json!({"kind": kind, "apiVersion": "v1", "metadata": metadata, "items": items})
}

/// One watch line (with its newline).
pub fn event(kind: &str, object: Value) -> String {
    format!("{}\n", json!({"type": kind, "object": object}))
}
