//! `Accept: application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1`
//! (or `as=PartialObjectMetadataList`): answers with each object's metadata
//! alone, as the API server does for metadata informers.

use bytes::Bytes;
use http::header::ACCEPT;
use rudder::rest::{Request, Response};
use serde_json::{Value, json};

/// Whether `request` asks for metadata only.
pub(super) fn asked(request: &Request) -> bool {
    request
        .headers()
        .get_all(ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|range| {
            let params: Vec<&str> = range.split(';').map(str::trim).collect();
            params.contains(&"g=meta.k8s.io")
                && (params.contains(&"as=PartialObjectMetadata")
                    || params.contains(&"as=PartialObjectMetadataList"))
        })
}

/// A whole answer reduced to metadata: an object, or a list of them.
/// Errors (`Status`) and non-JSON bodies are left as they are.
pub(super) fn whole(response: Response) -> Response {
    response.map(|body| reduce_json(&body, reduce_object_or_list).unwrap_or(body))
}

/// A watch line (`{"type":...,"object":...}`) with its object reduced to metadata.
pub(super) fn watch_line(line: Bytes) -> Bytes {
    reduce_json(&line, |event| {
        if event["type"] == "ERROR" {
            return None;
        }
        let object = event.get("object")?;
        Some(json!({"type": event["type"], "object": partial(object)}))
    })
    .unwrap_or(line)
}

fn reduce_json(body: &[u8], reduce: impl Fn(&Value) -> Option<Value>) -> Option<Bytes> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let mut bytes = serde_json::to_vec(&reduce(&value)?).ok()?;
    if body.ends_with(b"\n") {
        bytes.push(b'\n');
    }
    Some(Bytes::from(bytes))
}

fn reduce_object_or_list(value: &Value) -> Option<Value> {
    if value["kind"] == "Status" {
        return None;
    }
    match value.get("items").and_then(Value::as_array) {
        Some(items) => Some(json!({
            "apiVersion": "meta.k8s.io/v1",
            "kind": "PartialObjectMetadataList",
            "metadata": value["metadata"],
            "items": items.iter().map(partial).collect::<Vec<_>>(),
        })),
        None => Some(partial(value)),
    }
}

fn partial(object: &Value) -> Value {
    json!({
        "apiVersion": "meta.k8s.io/v1",
        "kind": "PartialObjectMetadata",
        "metadata": object["metadata"],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(accept: &str) -> Request {
        http::Request::builder()
            .uri("/api/v1/configmaps")
            .header(ACCEPT, accept)
            .body(Bytes::new())
            .unwrap()
    }

    #[test]
    fn only_the_meta_k8s_io_partial_object_metadata_forms_are_metadata_only() {
        assert!(asked(&request(
            "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json"
        )));
        assert!(asked(&request(
            "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io"
        )));
        assert!(!asked(&request("application/json;as=Table;v=v1;g=meta.k8s.io")));
        assert!(!asked(&request("application/json")));
    }

    #[test]
    fn lists_objects_and_watch_lines_keep_only_metadata_and_statuses_stay() {
        let list = Response::new(Bytes::from_static(
            br#"{"kind":"ConfigMapList","metadata":{"resourceVersion":"5"},"items":[{"metadata":{"name":"a"},"data":{"k":"v"}}]}"#,
        ));
        let reduced: Value = serde_json::from_slice(whole(list).body()).unwrap();
        assert_eq!(
            reduced,
            json!({"apiVersion": "meta.k8s.io/v1", "kind": "PartialObjectMetadataList", "metadata": {"resourceVersion": "5"},
                   "items": [{"apiVersion": "meta.k8s.io/v1", "kind": "PartialObjectMetadata", "metadata": {"name": "a"}}]})
        );
        let line = watch_line(Bytes::from_static(
            b"{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\"},\"data\":{}}}\n",
        ));
        assert_eq!(
            &line[..],
            &b"{\"object\":{\"apiVersion\":\"meta.k8s.io/v1\",\"kind\":\"PartialObjectMetadata\",\"metadata\":{\"name\":\"a\"}},\"type\":\"ADDED\"}\n"[..]
        );
        let status = Bytes::from_static(br#"{"kind":"Status","code":404}"#);
        assert_eq!(whole(Response::new(status.clone())).into_body(), status);
    }
}
