//! Importing go-vcr cassettes (format versions 1 and 2), as go-vcr's
//! recorder writes them for client-go sessions, into rudder cassettes.
//!
//! go-vcr stores each request with its absolute URL, every header as a list
//! (`Accept: [application/json]`), the parsed `form`, and bodies as YAML
//! strings, or as `!!binary` base64 when they are not UTF-8 (protobuf).
//! Version 2 (go-vcr v3 and later) adds an `id` and the protocol fields of
//! Go's `http.Request`/`http.Response` (`proto`, `content_length`, `host`,
//! `duration`, ...), which say nothing about the answer and are dropped.
//!
//! What the import keeps and changes:
//! - the URL becomes a path and a query map; the scheme and host
//!   (`https://127.0.0.1:6443`, `HTTPS://KUBERNETES`) are dropped, as in
//!   every rudder cassette;
//! - `timeout` (client-go's `?timeout=32s`, the client's own deadline) is
//!   dropped from the query;
//! - `form` is not imported: Go's `ParseForm` fills it from the URL's query
//!   (and a form-encoded body, which Kubernetes clients never send), which
//!   the import already has;
//! - the request and answer are captured as the [`Recorder`](super::Recorder)
//!   captures them: only the headers a rudder cassette keeps (credentials
//!   and user agents never are), bodies classified the same way;
//! - Secret data, tokens and certificates are redacted as a recording's are;
//! - a watch (or followed log) answer, which go-vcr stores whole, becomes a
//!   stream of its lines at offset 0 that ended with the server closing it.

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde_saphyr::{Spanned, Tagged};

use bytes::Bytes;
use http::HeaderMap;

use super::body::Body;
use super::capture::{header, recorded_request, response_headers};
use super::error::CassetteError;
use super::format::{Cassette, Interaction, RecordedResponse, RecordedStream, StreamEnd, StreamEvent};
use super::redact::Redactor;

/// The query parameters that only say how long the client waits.
const CLIENT_ONLY_QUERY: [&str; 1] = ["timeout"];

/// The YAML tag of a `!!binary` scalar, as the parser resolves it.
const BINARY_TAG: &str = "tag:yaml.org,2002:binary";

/// Reads the go-vcr cassette at `path` as a rudder cassette.
///
/// # Errors
/// [`CassetteError`] naming the file and, for a malformed one, the line and
/// what was expected there.
pub fn import_file(path: impl AsRef<Path>) -> Result<Cassette, CassetteError> {
    let path = path.as_ref();
    import(&read(path)?, path)
}

/// Reads a cassette file in either format: a go-vcr cassette (see
/// [`is_govcr`]) is imported, anything else read as a rudder cassette.
///
/// # Errors
/// [`CassetteError`] naming the file, and for a malformed one the line.
pub fn load_any(path: impl AsRef<Path>) -> Result<Cassette, CassetteError> {
    let path = path.as_ref();
    let text = read(path)?;
    if is_govcr(&text) {
        import(&text, path)
    } else {
        Cassette::from_yaml(&text, path)
    }
}

/// Whether `text` is a go-vcr cassette: version 2, or an interaction whose
/// request has a `url` (rudder cassettes store a `path`). YAML that does not
/// parse counts as go-vcr when a line starts with `url:`, so a broken go-vcr
/// file is reported by the go-vcr reader, with its line.
pub fn is_govcr(text: &str) -> bool {
    #[derive(Deserialize)]
    struct Probe {
        version: Option<u32>,
        #[serde(default)]
        interactions: Vec<ProbeInteraction>,
    }
    #[derive(Deserialize)]
    struct ProbeInteraction {
        request: Option<ProbeRequest>,
    }
    #[derive(Deserialize)]
    struct ProbeRequest {
        url: Option<serde::de::IgnoredAny>,
    }
    let Ok(probe) = serde_saphyr::from_str_with_options::<Probe>(text, parse_options()) else {
        return text.lines().any(|line| line.trim_start().starts_with("url: "));
    };
    probe.version == Some(2)
        || probe.interactions.iter().any(|interaction| {
            interaction
                .request
                .as_ref()
                .is_some_and(|request| request.url.is_some())
        })
}

/// Parses go-vcr cassette YAML as a rudder cassette; `origin` names it in errors.
///
/// # Errors
/// [`CassetteError::Invalid`] with the line: YAML that does not parse, a
/// version other than 1 or 2, a URL that is not one, bad base64.
pub fn import(text: &str, origin: impl AsRef<Path>) -> Result<Cassette, CassetteError> {
    let origin = origin.as_ref();
    let file: GoVcrFile = serde_saphyr::from_str_with_options(text, parse_options())
        .map_err(|error| CassetteError::yaml(origin, text, &error))?;
    if !matches!(file.version.value, 1 | 2) {
        return Err(invalid(
            origin,
            &file.version,
            format!(
                "expected a go-vcr cassette version 1 or 2, found version {}",
                file.version.value
            ),
        ));
    }
    let interactions = file
        .interactions
        .into_iter()
        .map(|interaction| convert(interaction, origin))
        .collect::<Result<_, _>>()?;
    let mut cassette = Cassette { interactions };
    // A go-vcr file holds Secrets and tokens in the clear; the import keeps
    // none of them, as a recording would not.
    Redactor::new(&[]).cassette(&mut cassette);
    Ok(cassette)
}

/// A go-vcr cassette, both versions: unknown fields (version 2's protocol
/// fields, `id`, `duration`) are ignored.
#[derive(Deserialize)]
struct GoVcrFile {
    version: Spanned<u32>,
    #[serde(default)]
    interactions: Vec<GoVcrInteraction>,
}

#[derive(Deserialize)]
struct GoVcrInteraction {
    request: GoVcrRequest,
    response: GoVcrResponse,
}

#[derive(Deserialize)]
struct GoVcrRequest {
    method: String,
    url: Spanned<String>,
    #[serde(default)]
    headers: Option<BTreeMap<String, Vec<String>>>,
    #[serde(default)]
    body: Option<Spanned<Tagged<String>>>,
}

#[derive(Deserialize)]
struct GoVcrResponse {
    #[serde(default)]
    code: Option<Spanned<u16>>,
    #[serde(default)]
    status: Option<Spanned<String>>,
    #[serde(default)]
    headers: Option<BTreeMap<String, Vec<String>>>,
    #[serde(default)]
    body: Option<Spanned<Tagged<String>>>,
}

fn parse_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        with_snippet: false,
        // `!!binary` bodies arrive as their base64 text with the tag beside
        // it, so bodies that are not UTF-8 (protobuf) can be decoded here.
        ignore_binary_tag_for_string: true,
    }
}

fn read(path: &Path) -> Result<String, CassetteError> {
    std::fs::read_to_string(path).map_err(|source| CassetteError::Read {
        path: path.to_owned(),
        source,
    })
}

fn convert(interaction: GoVcrInteraction, origin: &Path) -> Result<Interaction, CassetteError> {
    let GoVcrInteraction { request, response } = interaction;
    let uri = relative_uri(&request.url, origin)?;
    let mut http_request = http::Request::new(body_bytes(request.body.as_ref(), origin)?);
    *http_request.method_mut() = http::Method::from_bytes(request.method.to_ascii_uppercase().as_bytes())
        .map_err(|_| {
            invalid(
                origin,
                &request.url,
                format!("expected an HTTP method, found {:?}", request.method),
            )
        })?;
    *http_request.uri_mut() = uri;
    *http_request.headers_mut() = header_map(request.headers.as_ref());
    // The same capture as the recorder's: the same headers kept, the same
    // body classification.
    let recorded = recorded_request(&http_request);
    let headers = header_map(response.headers.as_ref());
    let content_type = header(&headers, "content-type");
    let response_body = Body::from_bytes(
        content_type.as_deref(),
        &body_bytes(response.body.as_ref(), origin)?,
    );
    let streamed = crate::server::is_stream(&recorded.path, Some(&recorded.query.to_query_string()));
    let (body, stream) = if streamed {
        (
            Body::Empty,
            Some(stream_of_lines(&response_body, content_type.as_deref())),
        )
    } else {
        (response_body, None)
    };
    Ok(Interaction {
        request: recorded,
        response: RecordedResponse {
            status: status_code(&response, origin)?,
            headers: response_headers(&headers),
            body,
            stream,
        },
    })
}

/// The path and query of an absolute (or already relative) URL, without the
/// client-only `timeout`.
fn relative_uri(url: &Spanned<String>, origin: &Path) -> Result<http::Uri, CassetteError> {
    let text = url.value.trim();
    let parsed = if text.starts_with('/') {
        url::Url::parse("http://cassette.invalid").and_then(|base| base.join(text))
    } else {
        url::Url::parse(text)
    };
    let mut parsed =
        parsed.map_err(|error| invalid(origin, url, format!("expected a URL, found {text:?}: {error}")))?;
    let kept: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(key, _)| !CLIENT_ONLY_QUERY.contains(&key.as_ref()))
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect();
    if kept.is_empty() {
        parsed.set_query(None);
    } else {
        parsed.query_pairs_mut().clear().extend_pairs(kept);
    }
    let relative = match parsed.query() {
        Some(query) => format!("{}?{query}", parsed.path()),
        None => parsed.path().to_owned(),
    };
    relative
        .parse()
        .map_err(|error| invalid(origin, url, format!("expected a URL, found {text:?}: {error}")))
}

/// go-vcr's headers (each a list of values) as an `http` header map. A name
/// or value HTTP cannot carry is left out: none of the headers a cassette
/// keeps would be one.
fn header_map(headers: Option<&BTreeMap<String, Vec<String>>>) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, values) in headers.into_iter().flatten() {
        let Ok(name) = http::HeaderName::from_bytes(name.as_bytes()) else {
            continue;
        };
        for value in values {
            if let Ok(value) = http::HeaderValue::from_str(value) {
                map.append(name.clone(), value);
            }
        }
    }
    map
}

/// A body's bytes: UTF-8 text as written, a `!!binary` scalar decoded from base64.
fn body_bytes(scalar: Option<&Spanned<Tagged<String>>>, origin: &Path) -> Result<Bytes, CassetteError> {
    let Some(scalar) = scalar else {
        return Ok(Bytes::new());
    };
    let Tagged(text, tag) = &scalar.value;
    if tag.as_deref() != Some(BINARY_TAG) {
        return Ok(Bytes::from(text.clone()));
    }
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    STANDARD
        .decode(compact.as_bytes())
        .map(Bytes::from)
        .map_err(|error| {
            invalid(
                origin,
                scalar,
                format!("expected base64 in a !!binary body: {error}"),
            )
        })
}

/// `code`, or the number that starts `status` (`200 OK`) when there is none.
fn status_code(response: &GoVcrResponse, origin: &Path) -> Result<u16, CassetteError> {
    if let Some(code) = response.code.as_ref().filter(|code| code.value != 0) {
        return Ok(code.value);
    }
    let status = response.status.as_ref();
    status
        .and_then(|status| status.value.split_whitespace().next())
        .and_then(|number| number.parse().ok())
        .ok_or_else(|| match status {
            Some(status) => invalid(
                origin,
                status,
                format!(
                    "expected a response `code`, or a `status` such as \"200 OK\"; found {:?}",
                    status.value
                ),
            ),
            None => CassetteError::Invalid {
                path: origin.to_owned(),
                line: None,
                message: "expected a response `code` or `status`".to_owned(),
            },
        })
}

/// A whole watch body as the events of a stream: one per line (a JSON line
/// as structured YAML, its newline implied), or one event for a binary body.
fn stream_of_lines(body: &Body, content_type: Option<&str>) -> RecordedStream {
    let bytes = body.to_bytes();
    let events = match body {
        Body::Empty => Vec::new(),
        Body::Base64(_) => vec![Body::Base64(bytes.to_vec())],
        Body::Json(_) | Body::Text(_) => bytes
            .split_inclusive(|byte| *byte == b'\n')
            .filter(|line| !line.iter().all(u8::is_ascii_whitespace))
            .map(|line| Body::from_bytes(content_type, line))
            .collect(),
    };
    RecordedStream {
        events: events
            .into_iter()
            .map(|data| StreamEvent { offset_ms: 0, data })
            .collect(),
        end: StreamEnd::ServerClosed,
    }
}

fn invalid<T>(origin: &Path, at: &Spanned<T>, message: String) -> CassetteError {
    let line = at.referenced.line();
    CassetteError::Invalid {
        path: origin.to_owned(),
        line: (line > 0).then_some(line as usize),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn import_text(text: &str) -> Result<Cassette, CassetteError> {
        import(text, "recorded.yaml")
    }

    const ONE_GET: &str = "\
version: 1
interactions:
- request:
    body: \"\"
    form: {}
    headers: {}
    url: https://127.0.0.1:6443/api/v1/namespaces
    method: get
  response:
    body: \"\"
    headers: {}
    status: 200 OK
    code: 0
";

    #[test]
    fn a_missing_code_is_read_from_the_status_line_and_the_method_is_upper_cased() {
        let cassette = import_text(ONE_GET).expect("imports");
        assert_eq!(cassette.interactions[0].response.status, 200);
        assert_eq!(cassette.interactions[0].request.method, "GET");
        assert_eq!(cassette.interactions[0].request.path, "/api/v1/namespaces");
    }

    #[test]
    fn an_unknown_version_names_its_line() {
        let error = import_text(&ONE_GET.replace("version: 1", "\n\nversion: 3")).expect_err("version 3");
        assert_eq!(error.line(), Some(3), "{error}");
        assert!(
            error.to_string().contains("version 1 or 2, found version 3"),
            "{error}"
        );
    }

    #[test]
    fn bad_base64_in_a_binary_body_names_its_line() {
        let text = ONE_GET.replacen("body: \"\"", "body: !!binary '%%%'", 1);
        let error = import_text(&text).expect_err("bad base64");
        assert!(
            error.to_string().starts_with("recorded.yaml:4: expected base64"),
            "{error}"
        );
    }

    #[test]
    fn a_url_that_is_not_one_names_its_line() {
        let text = ONE_GET.replace("https://127.0.0.1:6443/api/v1/namespaces", "http://[::1");
        let error = import_text(&text).expect_err("bad URL");
        assert_eq!(error.line(), Some(7), "{error}");
    }

    #[test]
    fn a_truncated_cassette_is_an_error_with_a_line() {
        let cut = &ONE_GET[..ONE_GET.find("response:").expect("a response")];
        let error = import_text(cut).expect_err("no response");
        assert!(error.line().is_some(), "{error}");
        assert!(error.to_string().contains("response"), "{error}");
    }

    #[test]
    fn a_relative_url_and_a_repeated_query_key_are_kept() {
        let text = ONE_GET.replace(
            "https://127.0.0.1:6443/api/v1/namespaces",
            "/api/v1/pods?labelSelector=a%3Db&fieldSelector=x&fieldSelector=y&timeout=32s",
        );
        let request = &import_text(&text).expect("imports").interactions[0].request;
        assert_eq!(request.path, "/api/v1/pods");
        assert_eq!(request.query.first("labelSelector"), Some("a=b"));
        assert_eq!(request.query.0["fieldSelector"], ["x", "y"]);
        assert_eq!(request.query.first("timeout"), None);
    }

    #[test]
    fn secret_data_and_credentials_are_redacted_on_import() {
        let text = ONE_GET
            .replace("/api/v1/namespaces", "/api/v1/namespaces/default/secrets/db")
            .replace("headers: {}\n    url", "headers:\n      Authorization:\n      - Bearer s3cret-token\n    url")
            .replacen(
                "body: \"\"\n    headers: {}\n    status",
                "body: '{\"kind\":\"Secret\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"db\"},\"data\":{\"password\":\"aHVudGVyMg==\"}}'\n    headers: {}\n    status",
                1,
            );
        let cassette = import_text(&text).expect("imports");
        let yaml = cassette.to_yaml().expect("YAML");
        assert!(!yaml.contains("aHVudGVyMg=="), "{yaml}");
        assert!(!yaml.contains("s3cret-token"), "{yaml}");
        let body = cassette.interactions[0].response.body.as_json().expect("JSON");
        assert_ne!(body["data"]["password"], "aHVudGVyMg==", "{body}");
    }

    #[test]
    fn a_rudder_cassette_is_not_taken_for_go_vcr() {
        let rudder = "version: 1\ninteractions:\n- request:\n    method: GET\n    path: /api\n  response:\n    status: 200\ninteraction_count: 1\n";
        assert!(!is_govcr(rudder));
        assert!(is_govcr(ONE_GET));
        assert!(is_govcr("version: 2\ninteractions: []\n"));
    }

    #[test]
    fn a_broken_go_vcr_file_is_reported_by_the_go_vcr_reader_with_its_line() {
        let broken = ONE_GET.replace("    method: get\n", "    method: [get\n");
        assert!(is_govcr(&broken));
        let folder = tempfile::tempdir().expect("a folder");
        let path = folder.path().join("broken.yaml");
        std::fs::write(&path, &broken).expect("a file");
        let error = load_any(&path).expect_err("broken YAML");
        assert!(error.line().is_some(), "{error}");
        assert!(!error.to_string().contains("interaction_count"), "{error}");
    }
}
