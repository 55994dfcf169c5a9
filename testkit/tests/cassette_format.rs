//! The cassette file: what is written reads back the same, and a malformed
//! or truncated file is an error with its line.

use std::collections::BTreeMap;

use proptest::prelude::*;
use rudder_testkit::cassette::{
    Body, Cassette, CassetteError, Interaction, Query, RecordedRequest, RecordedResponse, RecordedStream,
    StreamEnd, StreamEvent,
};
use serde_json::{Value, json};

fn request(method: &str, path: &str, body: Body) -> RecordedRequest {
    RecordedRequest {
        method: method.to_owned(),
        path: path.to_owned(),
        query: Query::default(),
        headers: BTreeMap::new(),
        body,
    }
}

fn response(status: u16, body: Body) -> RecordedResponse {
    RecordedResponse {
        status,
        headers: BTreeMap::from([("content-type".to_owned(), "application/json".to_owned())]),
        body,
        stream: None,
    }
}

fn sample() -> Cassette {
    let mut query = Query::parse("limit=500&labelSelector=app%3Dweb&fieldSelector=a&fieldSelector=b");
    query.0.insert("empty".to_owned(), vec![String::new()]);
    let mut list = request("GET", "/api/v1/namespaces/default/pods", Body::Empty);
    list.query = query;
    let watch = Interaction {
        request: request("GET", "/api/v1/pods", Body::Empty),
        response: RecordedResponse {
            stream: Some(RecordedStream {
                events: vec![
                    StreamEvent {
                        offset_ms: 0,
                        data: Body::Json(json!({"type": "ADDED", "object": {"kind": "Pod"}})),
                    },
                    StreamEvent {
                        offset_ms: 1500,
                        data: Body::Text("a log line\n".to_owned()),
                    },
                ],
                end: StreamEnd::TransportError("connection reset".to_owned()),
            }),
            ..response(200, Body::Empty)
        },
    };
    Cassette {
        interactions: vec![
            Interaction {
                request: list,
                response: response(200, Body::Json(json!({"kind": "PodList", "items": []}))),
            },
            Interaction {
                request: request(
                    "POST",
                    "/api/v1/namespaces/default/configmaps",
                    Body::Json(json!({
                        "data": {"n": "123", "b": "true", "nul": "null", "y": "yes", "date": "2024-01-01", "oct": "0o17", "e": "1e3"},
                        "numbers": [0, -1, 1.5, 18446744073709551615u64, -9223372036854775808i64, 1e300],
                        "empty": {}, "emptyList": [], "nothing": null,
                        "unicode": "héllo — 世界 🚀", "long": "word ".repeat(60),
                        "multi": "line one\nline two\n", "colon": "a: b", "hash": "# not a comment",
                    })),
                ),
                response: response(201, Body::Text("plain\ntext\n".to_owned())),
            },
            Interaction {
                request: request("GET", "/api/v1/pods", Body::Empty),
                response: response(200, Body::Base64(vec![0x6b, 0x38, 0x73, 0x00, 0xff, 0x80])),
            },
            watch,
        ],
    }
}

#[test]
fn a_written_cassette_reads_back_the_same() {
    let cassette = sample();
    let yaml = cassette.to_yaml().unwrap();
    let read = Cassette::from_yaml(&yaml, "sample.yaml").unwrap();
    assert_eq!(read, cassette, "{yaml}");
}

#[test]
fn json_bodies_are_structured_yaml_and_text_is_a_block_scalar() {
    let yaml = sample().to_yaml().unwrap();
    assert!(yaml.contains("kind: PodList"), "{yaml}");
    assert!(!yaml.contains("{\\\"kind"), "{yaml}");
    assert!(yaml.contains("text: |"), "{yaml}");
    assert!(yaml.contains("fieldSelector:\n"), "{yaml}");
    assert!(yaml.ends_with("interaction_count: 4\n"), "{yaml}");
}

#[test]
fn save_writes_atomically_and_creates_folders() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("nested/session.yaml");
    sample().save(&path).unwrap();
    assert_eq!(Cassette::load(&path).unwrap(), sample());
    let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(leftovers, vec![std::ffi::OsString::from("session.yaml")]);
}

fn invalid(text: &str) -> (Option<usize>, String) {
    match Cassette::from_yaml(text, "fixtures/cassettes/broken.yaml") {
        Err(error @ CassetteError::Invalid { .. }) => (error.line(), error.to_string()),
        other => panic!("expected an invalid cassette, got {other:?}"),
    }
}

#[test]
fn a_wrong_type_names_its_line() {
    let text = "version: 1\ninteractions:\n- request:\n    method: GET\n    path: /api\n  response:\n    status: ok\ninteraction_count: 1\n";
    let (line, message) = invalid(text);
    assert_eq!(line, Some(7), "{message}");
    assert!(
        message.starts_with("fixtures/cassettes/broken.yaml:7: "),
        "{message}"
    );
}

#[test]
fn a_missing_field_names_its_line() {
    let text = "version: 1\ninteractions:\n- request:\n    method: GET\n  response:\n    status: 200\ninteraction_count: 1\n";
    let (line, message) = invalid(text);
    assert!(message.contains("path"), "{message}");
    assert!(matches!(line, Some(3..=4)), "{line:?} {message}");
}

#[test]
fn an_unknown_version_is_refused() {
    let (line, message) = invalid("version: 2\ninteractions: []\ninteraction_count: 0\n");
    assert_eq!(line, Some(1));
    assert!(
        message.contains("expected `version: 1`, found version 2"),
        "{message}"
    );
}

#[test]
fn bad_base64_is_refused_with_its_line() {
    let text = "version: 1\ninteractions:\n- request:\n    method: GET\n    path: /api\n  response:\n    status: 200\n    body:\n      base64: '@@@'\ninteraction_count: 1\n";
    let (line, message) = invalid(text);
    assert_eq!(line, Some(9), "{message}");
    assert!(message.contains("expected base64"), "{message}");
}

#[test]
fn every_truncation_is_an_error_with_a_line() {
    let yaml = sample().to_yaml().unwrap();
    let lines = yaml.lines().count();
    // Cutting only the final newline loses nothing.
    let whole = yaml.trim_end().len();
    for cut in (0..whole).filter(|cut| yaml.is_char_boundary(*cut)) {
        let result = Cassette::from_yaml(&yaml[..cut], "cut.yaml");
        let error = match result {
            Err(error) => error,
            Ok(_) => panic!("a cassette cut at byte {cut} was accepted:\n{}", &yaml[..cut]),
        };
        let line = error.line().unwrap_or_else(|| panic!("no line: {error}"));
        assert!(line <= lines + 1, "line {line} past the end: {error}");
    }
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        prop_oneof![
            Just("123"),
            Just("true"),
            Just("no"),
            Just("~"),
            Just("null"),
            Just("0x1F"),
            Just("1_000"),
            Just(".inf"),
            Just("2024-01-01T00:00:00Z"),
            Just("- a"),
            Just("*a"),
            Just("&a"),
            Just("!tag"),
            Just("'q'"),
            Just("\"dq\""),
            Just(""),
            Just(" padded "),
            Just("a\nb"),
            Just("\ttab"),
            Just("{}"),
            Just("[]"),
            Just("%"),
            Just("@"),
            Just("`"),
        ]
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(any::<String>(), inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_json_body_round_trips(value in json_value()) {
        let cassette = Cassette {
            interactions: vec![Interaction {
                request: request("PUT", "/api/v1/x", Body::Json(value.clone())),
                response: response(200, Body::Json(value)),
            }],
        };
        let yaml = cassette.to_yaml().unwrap();
        let read = Cassette::from_yaml(&yaml, "p.yaml").map_err(|e| TestCaseError::fail(format!("{e}\n{yaml}")))?;
        prop_assert_eq!(read, cassette, "{}", yaml);
    }

    #[test]
    fn any_text_body_round_trips(text in any::<String>(), lines in prop::collection::vec("[ -~]{0,90}", 0..5)) {
        for text in [text, lines.join("\n"), format!("{}\n", lines.join("\n"))] {
            let cassette = Cassette {
                interactions: vec![Interaction {
                    request: request("GET", "/logs", Body::Empty),
                    response: response(200, Body::Text(text)),
                }],
            };
            let yaml = cassette.to_yaml().unwrap();
            let read = Cassette::from_yaml(&yaml, "p.yaml").map_err(|e| TestCaseError::fail(format!("{e}\n{yaml}")))?;
            prop_assert_eq!(read, cassette, "{}", yaml);
        }
    }

    #[test]
    fn any_query_round_trips(pairs in prop::collection::vec(("[a-zA-Z]{1,8}", any::<String>()), 0..8)) {
        let raw = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&pairs).finish();
        let mut req = request("GET", "/api", Body::Empty);
        req.query = Query::parse(&raw);
        let cassette = Cassette { interactions: vec![Interaction { request: req, response: response(200, Body::Empty) }] };
        let yaml = cassette.to_yaml().unwrap();
        let read = Cassette::from_yaml(&yaml, "p.yaml").map_err(|e| TestCaseError::fail(format!("{e}\n{yaml}")))?;
        prop_assert_eq!(&read, &cassette, "{}", yaml);
        prop_assert_eq!(Query::parse(&read.interactions[0].request.query.to_query_string()), cassette.interactions[0].request.query.clone());
    }
}

#[test]
fn a_large_session_is_not_refused_by_the_parser_budget() {
    let items: Vec<Value> = (0..60_000)
        .map(|index| json!({"name": format!("n{index}"), "n": index}))
        .collect();
    let cassette = Cassette {
        interactions: vec![Interaction {
            request: request("GET", "/api/v1/pods", Body::Empty),
            response: response(200, Body::Json(json!({"kind": "PodList", "items": items}))),
        }],
    };
    let yaml = cassette.to_yaml().unwrap();
    assert_eq!(Cassette::from_yaml(&yaml, "large.yaml").unwrap(), cassette);
}
