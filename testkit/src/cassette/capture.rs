//! From `http` requests and responses to their recorded form: relative URIs
//! split into path and query, only the headers that matter, bodies
//! classified. The server's address is never kept.

use std::collections::BTreeMap;

use http::HeaderMap;
use rudder::rest::Request;

use super::body::Body;
use super::format::RecordedRequest;
use super::query::Query;

/// Request headers that change what the server answers. Credentials, the
/// user agent and the host are left out on purpose.
const REQUEST_HEADERS: [&str; 2] = ["accept", "content-type"];

/// Response headers a client reads.
const RESPONSE_HEADERS: [&str; 4] = ["content-type", "location", "retry-after", "warning"];

/// The recorded form of `request`.
pub(crate) fn recorded_request(request: &Request) -> RecordedRequest {
    let content_type = header(request.headers(), "content-type");
    RecordedRequest {
        method: request.method().as_str().to_owned(),
        path: request.uri().path().to_owned(),
        query: Query::parse(request.uri().query().unwrap_or_default()),
        headers: kept_headers(request.headers(), &REQUEST_HEADERS),
        body: Body::from_bytes(content_type.as_deref(), request.body()),
    }
}

/// The response headers a cassette keeps; an absolute `Location` loses its
/// scheme and host so no server address is stored.
pub(crate) fn response_headers(headers: &HeaderMap) -> BTreeMap<String, String> {
    let mut kept = kept_headers(headers, &RESPONSE_HEADERS);
    if let Some(location) = kept.get_mut("location") {
        *location = relative_location(location);
    }
    kept
}

/// The value of header `name`, when it is text.
pub(crate) fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

/// The `names` present in `headers`, repeated values joined with `, ` as
/// HTTP allows.
fn kept_headers(headers: &HeaderMap, names: &[&str]) -> BTreeMap<String, String> {
    names
        .iter()
        .filter_map(|name| {
            let values: Vec<&str> = headers
                .get_all(*name)
                .iter()
                .filter_map(|value| value.to_str().ok())
                .collect();
            (!values.is_empty()).then(|| ((*name).to_owned(), values.join(", ")))
        })
        .collect()
}

fn relative_location(location: &str) -> String {
    match location.parse::<http::Uri>() {
        Ok(uri) if uri.authority().is_some() => uri
            .path_and_query()
            .map_or_else(|| "/".to_owned(), |path| path.as_str().to_owned()),
        _ => location.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_absolute_request_uri_keeps_only_its_path_and_query() {
        let request = http::Request::builder()
            .method("GET")
            .uri("https://10.0.0.1:6443/api/v1/pods?limit=1&watch=true")
            .header("authorization", "Bearer secret")
            .header("user-agent", "rudder")
            .header("accept", "application/json")
            .body(bytes::Bytes::new())
            .unwrap();
        let recorded = recorded_request(&request);
        assert_eq!(recorded.path, "/api/v1/pods");
        assert_eq!(recorded.query.first("limit"), Some("1"));
        assert_eq!(
            recorded.headers,
            BTreeMap::from([("accept".to_owned(), "application/json".to_owned())])
        );
    }

    #[test]
    fn an_absolute_location_loses_the_server() {
        let mut headers = HeaderMap::new();
        headers.insert("location", "https://10.0.0.1:6443/api/v1/pods/x".parse().unwrap());
        headers.insert("set-cookie", "session=1".parse().unwrap());
        let kept = response_headers(&headers);
        assert_eq!(
            kept,
            BTreeMap::from([("location".to_owned(), "/api/v1/pods/x".to_owned())])
        );
    }
}
