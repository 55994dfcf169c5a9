//! `Accept: application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1`
//! (or `as=PartialObjectMetadataList`): answers with each object's metadata
//! alone, as the API server does for metadata informers.

use bytes::Bytes;
use http::StatusCode;
use http::header::ACCEPT;
use rudder::Status;
use rudder::rest::{Request, Response};
use serde_json::{Value, json};

use super::json_response;

/// The metadata-only form a request asked for, and in which `meta.k8s.io` version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Asked {
    list: bool,
    version: &'static str,
}

/// What `request` asks for: the first `Accept` range naming a
/// `PartialObjectMetadata` form of `meta.k8s.io` (v1 or v1beta1), if any.
pub(super) fn asked(request: &Request) -> Option<Asked> {
    let accept = request.headers().get(ACCEPT)?.to_str().ok()?;
    accept.split(',').find_map(|range| {
        let params: Vec<&str> = range.split(';').map(str::trim).collect();
        if !params.contains(&"g=meta.k8s.io") {
            return None;
        }
        let version = if params.contains(&"v=v1") {
            "meta.k8s.io/v1"
        } else if params.contains(&"v=v1beta1") {
            "meta.k8s.io/v1beta1"
        } else {
            return None;
        };
        let list = if params.contains(&"as=PartialObjectMetadataList") {
            true
        } else if params.contains(&"as=PartialObjectMetadata") {
            false
        } else {
            return None;
        };
        Some(Asked { list, version })
    })
}

/// A whole answer reduced to metadata. Errors (`Status`) are left as they
/// are; asking for one form and getting the other (a list as
/// `PartialObjectMetadata`) is 406, as the API server answers.
pub(super) fn whole(asked: Option<Asked>, response: Response) -> Response {
    let Some(asked) = asked else {
        return response;
    };
    let Ok(value) = serde_json::from_slice::<Value>(response.body()) else {
        return response;
    };
    if value["kind"] == "Status" {
        return response;
    }
    let is_list = value.get("items").is_some_and(Value::is_array);
    if is_list != asked.list {
        let (wanted, got) = if asked.list {
            ("PartialObjectMetadataList", "not a list")
        } else {
            ("PartialObjectMetadata", "a list")
        };
        let status = Status::failure(
            406,
            "NotAcceptable",
            format!("you requested {wanted}, but the requested object is {got}"),
        );
        return json_response(StatusCode::NOT_ACCEPTABLE.as_u16(), &status.to_wire_json());
    }
    let reduced = if is_list {
        let items: Vec<Value> = value["items"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|item| partial(asked, item))
            .collect();
        json!({
            "apiVersion": asked.version,
            "kind": "PartialObjectMetadataList",
            "metadata": value["metadata"],
            "items": items,
        })
    } else {
        partial(asked, &value)
    };
    let (parts, _) = response.into_parts();
    Response::from_parts(
        parts,
        Bytes::from(serde_json::to_vec(&reduced).unwrap_or_default()),
    )
}

/// A watch line (`{"type":...,"object":...}`) with its object reduced to
/// metadata. Asked as a list, the API server cannot transform each event's
/// object and sends it whole, and so does this.
pub(super) fn watch_line(asked: Option<Asked>, line: Bytes) -> Bytes {
    let Some(asked) = asked.filter(|asked| !asked.list) else {
        return line;
    };
    let Ok(event) = serde_json::from_slice::<Value>(&line) else {
        return line;
    };
    if event["type"] == "ERROR" {
        return line;
    }
    let reduced = json!({"type": event["type"], "object": partial(asked, &event["object"])});
    let mut bytes = serde_json::to_vec(&reduced).unwrap_or_default();
    if line.ends_with(b"\n") {
        bytes.push(b'\n');
    }
    Bytes::from(bytes)
}

fn partial(asked: Asked, object: &Value) -> Value {
    json!({
        "apiVersion": asked.version,
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
        let object = asked(&request(
            "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json",
        ));
        assert_eq!(
            object,
            Some(Asked {
                list: false,
                version: "meta.k8s.io/v1"
            })
        );
        let list = asked(&request(
            "application/json;as=PartialObjectMetadataList;v=v1beta1;g=meta.k8s.io",
        ));
        assert_eq!(
            list,
            Some(Asked {
                list: true,
                version: "meta.k8s.io/v1beta1"
            })
        );
        assert_eq!(
            asked(&request("application/json;as=Table;v=v1;g=meta.k8s.io")),
            None
        );
        assert_eq!(asked(&request("application/json")), None);
    }

    #[test]
    fn lists_objects_and_watch_lines_keep_only_metadata_and_statuses_stay() {
        let list = || {
            Response::new(Bytes::from_static(
                br#"{"kind":"ConfigMapList","metadata":{"resourceVersion":"5"},"items":[{"metadata":{"name":"a"},"data":{"k":"v"}}]}"#,
            ))
        };
        let as_list = Asked {
            list: true,
            version: "meta.k8s.io/v1",
        };
        let as_object = Asked {
            list: false,
            version: "meta.k8s.io/v1",
        };
        let reduced: Value = serde_json::from_slice(whole(Some(as_list), list()).body()).unwrap();
        assert_eq!(
            reduced,
            json!({"apiVersion": "meta.k8s.io/v1", "kind": "PartialObjectMetadataList", "metadata": {"resourceVersion": "5"},
                   "items": [{"apiVersion": "meta.k8s.io/v1", "kind": "PartialObjectMetadata", "metadata": {"name": "a"}}]})
        );
        assert_eq!(
            whole(Some(as_object), list()).status(),
            406,
            "a list asked for as one object"
        );
        let line = watch_line(
            Some(as_object),
            Bytes::from_static(
                b"{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\"},\"data\":{}}}\n",
            ),
        );
        assert_eq!(
            &line[..],
            &b"{\"object\":{\"apiVersion\":\"meta.k8s.io/v1\",\"kind\":\"PartialObjectMetadata\",\"metadata\":{\"name\":\"a\"}},\"type\":\"ADDED\"}\n"[..]
        );
        let status = Bytes::from_static(br#"{"kind":"Status","code":404}"#);
        assert_eq!(
            whole(Some(as_list), Response::new(status.clone())).into_body(),
            status
        );
    }
}
