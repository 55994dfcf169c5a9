//! Which recorded request an incoming one is: method, path, query as a map
//! and body (JSON compared structurally), ignoring what varies between runs.
//! A redaction placeholder in the recording matches any value.

use serde_json::Value;

use super::body::Body;
use super::format::RecordedRequest;
use super::query::Query;
use super::redact::is_placeholder;

/// Query parameters that differ between runs of the same code: client-go and
/// rudder randomise a watch's `timeoutSeconds`; go-vcr recordings carry
/// `timeout`.
const VARYING_QUERY_KEYS: [&str; 2] = ["timeoutSeconds", "timeout"];

/// How a request is compared with a recorded one.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct MatchRules {
    /// A watch's `resourceVersion` (and `resourceVersionMatch`) is not compared.
    pub ignore_watch_resource_version: bool,
}

/// One way a request differs from a recorded one.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Difference {
    Method {
        recorded: String,
    },
    Path {
        recorded: String,
    },
    Query {
        key: String,
        recorded: Option<Vec<String>>,
        got: Option<Vec<String>>,
    },
    Body {
        lines: Vec<String>,
    },
}

impl MatchRules {
    /// Every difference between `recorded` and `got`; empty when they match.
    pub(crate) fn differences(&self, recorded: &RecordedRequest, got: &RecordedRequest) -> Vec<Difference> {
        let mut differences = Vec::new();
        if !recorded.method.eq_ignore_ascii_case(&got.method) {
            differences.push(Difference::Method {
                recorded: recorded.method.clone(),
            });
        }
        if !strings_match(&recorded.path, &got.path) {
            differences.push(Difference::Path {
                recorded: recorded.path.clone(),
            });
        }
        differences.extend(self.query_differences(&recorded.query, &got.query));
        let lines = body_differences(&recorded.body, &got.body);
        if !lines.is_empty() {
            differences.push(Difference::Body { lines });
        }
        differences
    }

    /// True when `got` is an answer `recorded` may give.
    pub(crate) fn matches(&self, recorded: &RecordedRequest, got: &RecordedRequest) -> bool {
        recorded.method.eq_ignore_ascii_case(&got.method)
            && strings_match(&recorded.path, &got.path)
            && self
                .query_differences(&recorded.query, &got.query)
                .next()
                .is_none()
            && bodies_match(&recorded.body, &got.body)
    }

    fn query_differences<'a>(
        &'a self,
        recorded: &'a Query,
        got: &'a Query,
    ) -> impl Iterator<Item = Difference> + 'a {
        let ignored = move |key: &str| self.ignored_key(key, recorded, got);
        let keys: std::collections::BTreeSet<&String> = recorded.0.keys().chain(got.0.keys()).collect();
        keys.into_iter()
            .filter(move |key| !ignored(key))
            .filter_map(move |key| {
                let (left, right) = (recorded.0.get(key), got.0.get(key));
                let same = match (left, right) {
                    (Some(left), Some(right)) => {
                        left.len() == right.len() && left.iter().zip(right).all(|(a, b)| strings_match(a, b))
                    }
                    _ => false,
                };
                (!same).then(|| Difference::Query {
                    key: key.clone(),
                    recorded: left.cloned(),
                    got: right.cloned(),
                })
            })
    }

    fn ignored_key(&self, key: &str, recorded: &Query, got: &Query) -> bool {
        if VARYING_QUERY_KEYS.contains(&key) {
            return true;
        }
        let watch = recorded.first("watch").is_some_and(is_true) || got.first("watch").is_some_and(is_true);
        self.ignore_watch_resource_version
            && watch
            && matches!(key, "resourceVersion" | "resourceVersionMatch")
    }
}

fn is_true(value: &str) -> bool {
    matches!(value, "true" | "1")
}

/// Equal, or equal where the recording has placeholders standing for any text.
pub(crate) fn strings_match(recorded: &str, got: &str) -> bool {
    if recorded == got || is_placeholder(recorded) {
        return true;
    }
    let literals = literal_parts(recorded);
    if literals.len() == 1 {
        return false;
    }
    let mut rest = got;
    for (index, literal) in literals.iter().enumerate() {
        let last = index == literals.len() - 1;
        let found = if index == 0 {
            rest.starts_with(literal).then_some(0)
        } else if last {
            (rest.len() >= literal.len() && rest.ends_with(literal)).then(|| rest.len() - literal.len())
        } else {
            rest.find(literal)
        };
        match found {
            Some(at) => rest = &rest[at + literal.len()..],
            None => return false,
        }
    }
    true
}

/// The text between `<redacted:kind:n>` placeholders.
fn literal_parts(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("<redacted:") {
        let Some(length) = rest[start..].find('>') else {
            break;
        };
        parts.push(&rest[..start]);
        rest = &rest[start + length + 1..];
    }
    parts.push(rest);
    parts
}

fn bodies_match(recorded: &Body, got: &Body) -> bool {
    match (recorded, got) {
        (Body::Json(recorded), Body::Json(got)) => json_matches(recorded, got),
        (Body::Text(recorded), Body::Text(got)) => strings_match(recorded, got),
        (recorded, got) => recorded == got,
    }
}

fn json_matches(recorded: &Value, got: &Value) -> bool {
    match (recorded, got) {
        (Value::String(recorded), Value::String(got)) => strings_match(recorded, got),
        (Value::Array(recorded), Value::Array(got)) => {
            recorded.len() == got.len() && recorded.iter().zip(got).all(|(a, b)| json_matches(a, b))
        }
        (Value::Object(recorded), Value::Object(got)) => {
            recorded.len() == got.len()
                && recorded
                    .iter()
                    .all(|(key, value)| got.get(key).is_some_and(|other| json_matches(value, other)))
        }
        (recorded, got) => recorded == got,
    }
}

/// How many body differences a miss message lists.
const BODY_DIFFERENCE_LIMIT: usize = 12;

/// The body differences, one line each, JSON by field path.
fn body_differences(recorded: &Body, got: &Body) -> Vec<String> {
    if bodies_match(recorded, got) {
        return Vec::new();
    }
    let mut lines = Vec::new();
    match (recorded, got) {
        (Body::Json(recorded), Body::Json(got)) => json_differences("", recorded, got, &mut lines),
        (recorded, got) => lines.push(format!(
            "recorded {}, got {}",
            describe_body(recorded),
            describe_body(got)
        )),
    }
    if lines.len() > BODY_DIFFERENCE_LIMIT {
        let more = lines.len() - BODY_DIFFERENCE_LIMIT;
        lines.truncate(BODY_DIFFERENCE_LIMIT);
        lines.push(format!("... and {more} more"));
    }
    lines
}

fn json_differences(path: &str, recorded: &Value, got: &Value, lines: &mut Vec<String>) {
    match (recorded, got) {
        (Value::Object(left), Value::Object(right)) => {
            for (key, value) in left {
                let here = format!("{path}/{}", key.replace('~', "~0").replace('/', "~1"));
                match right.get(key) {
                    Some(other) => json_differences(&here, value, other, lines),
                    None => lines.push(format!("{here}: only in the recording ({})", short(value))),
                }
            }
            for (key, value) in right.iter().filter(|(key, _)| !left.contains_key(*key)) {
                let here = format!("{path}/{}", key.replace('~', "~0").replace('/', "~1"));
                lines.push(format!("{here}: only in the request ({})", short(value)));
            }
        }
        (Value::Array(left), Value::Array(right)) if left.len() == right.len() => {
            for (index, (value, other)) in left.iter().zip(right).enumerate() {
                json_differences(&format!("{path}/{index}"), value, other, lines);
            }
        }
        (left, right) if !json_matches(left, right) => {
            let at = if path.is_empty() { "/" } else { path };
            lines.push(format!("{at}: recorded {}, got {}", short(left), short(right)));
        }
        _ => {}
    }
}

/// How much of a value a message quotes.
const QUOTE_LIMIT: usize = 80;

pub(crate) fn short(value: &Value) -> String {
    truncate(&value.to_string(), QUOTE_LIMIT)
}

pub(crate) fn truncate(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_owned();
    }
    let head: String = text.chars().take(limit).collect();
    format!("{head}...")
}

pub(crate) fn describe_body(body: &Body) -> String {
    match body {
        Body::Empty => "no body".to_owned(),
        Body::Json(value) => format!("JSON {}", short(value)),
        Body::Text(text) => format!("text {:?}", truncate(text, QUOTE_LIMIT)),
        Body::Base64(bytes) => format!("{} bytes of binary", bytes.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_match_any_text_in_their_place() {
        assert!(strings_match("<redacted:user:0>", "anything"));
        assert!(strings_match("Bearer <redacted:user:0>", "Bearer abc"));
        assert!(strings_match("a<redacted:user:0>b<redacted:user:1>c", "aXXbYYc"));
        assert!(!strings_match("Bearer <redacted:user:0>", "Basic abc"));
        assert!(!strings_match("x", "y"));
    }

    #[test]
    fn json_differences_name_the_field() {
        let mut lines = Vec::new();
        json_differences(
            "",
            &serde_json::json!({"spec": {"replicas": 2}, "a/b": 1}),
            &serde_json::json!({"spec": {"replicas": 3}, "extra": true}),
            &mut lines,
        );
        assert_eq!(
            lines,
            vec![
                "/a~1b: only in the recording (1)",
                "/spec/replicas: recorded 2, got 3",
                "/extra: only in the request (true)",
            ]
        );
    }
}
