//! `Warning` response headers (RFC 7234 §5.5): the API server sends
//! `299 - "text"` for deprecated APIs, unknown fields and admission warnings.

use std::collections::HashSet;
use std::sync::Mutex;

/// The texts of the `Warning` headers of `response`, in order.
///
/// ```
/// let response = http::Response::builder()
///     .header("Warning", r#"299 - "policy/v1beta1 PodSecurityPolicy is deprecated""#)
///     .body(())
///     .unwrap();
/// assert_eq!(
///     rudder::rest::warnings(&response),
///     vec!["policy/v1beta1 PodSecurityPolicy is deprecated".to_owned()],
/// );
/// ```
pub fn warnings<B>(response: &http::Response<B>) -> Vec<String> {
    response
        .headers()
        .get_all(http::header::WARNING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(parse_warning_header)
        .collect()
}

/// The texts in one `Warning` header value, which may hold several warnings
/// separated by commas: `code SP agent SP "text" [SP "date"]`. A value that
/// does not follow the format is kept whole, so nothing the server said is lost.
fn parse_warning_header(value: &str) -> Vec<String> {
    let mut texts = Vec::new();
    let mut rest = value.trim();
    while !rest.is_empty() {
        match parse_one(rest) {
            Some((text, after)) => {
                texts.push(text);
                rest = after.trim_start().trim_start_matches(',').trim_start();
            }
            None => {
                texts.push(rest.to_owned());
                break;
            }
        }
    }
    texts
}

/// One `code agent "text" ["date"]`; returns the text and what follows.
fn parse_one(input: &str) -> Option<(String, &str)> {
    let (code, rest) = input.split_once(' ')?;
    if code.len() != 3 || !code.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let (_agent, rest) = rest.trim_start().split_once(' ')?;
    let (text, mut rest) = quoted(rest.trim_start())?;
    if let Some(after_space) = rest.strip_prefix(' ')
        && let Some((_date, after_date)) = quoted(after_space.trim_start())
    {
        rest = after_date;
    }
    Some((text, rest))
}

/// A quoted string with `\` escapes at the start of `input`, and what follows it.
fn quoted(input: &str) -> Option<(String, &str)> {
    let mut chars = input.strip_prefix('"')?.char_indices();
    let mut text = String::new();
    while let Some((index, char)) = chars.next() {
        match char {
            '\\' => text.push(chars.next()?.1),
            '"' => return Some((text, &input[index + 2..])),
            other => text.push(other),
        }
    }
    None
}

/// How many distinct texts a client remembers; past that, warnings are
/// logged every time rather than remembered without bound.
const REMEMBERED_TEXTS: usize = 1024;

/// Logs each distinct warning text once for the life of a client.
#[derive(Debug, Default)]
pub(crate) struct WarningLog {
    seen: Mutex<HashSet<String>>,
}

impl WarningLog {
    /// Logs the warnings of `headers` not logged before.
    pub(crate) fn record(&self, headers: &http::HeaderMap) {
        for text in headers
            .get_all(http::header::WARNING)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(parse_warning_header)
        {
            let mut seen = match self.seen.lock() {
                Ok(seen) => seen,
                // A panic elsewhere poisoned the set; it is still a valid set.
                Err(poisoned) => poisoned.into_inner(),
            };
            let first_time = if seen.len() < REMEMBERED_TEXTS {
                seen.insert(text.clone())
            } else {
                !seen.contains(&text)
            };
            drop(seen);
            if first_time {
                tracing::warn!(warning = %text, "the API server sent a warning");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kubernetes_warning_gives_its_text() {
        assert_eq!(
            parse_warning_header(r#"299 - "unknown field \"spec.foo\"""#),
            vec![r#"unknown field "spec.foo""#.to_owned()]
        );
    }

    #[test]
    fn several_warnings_in_one_value_and_a_date_are_split() {
        assert_eq!(
            parse_warning_header(r#"299 - "one", 299 kube-apiserver "two" "Wed, 21 Oct 2015 07:28:00 GMT""#),
            vec!["one".to_owned(), "two".to_owned()]
        );
    }

    #[test]
    fn a_value_not_in_the_format_is_kept_whole() {
        assert_eq!(
            parse_warning_header("something odd"),
            vec!["something odd".to_owned()]
        );
        assert_eq!(
            parse_warning_header(r#"299 - "unterminated"#),
            vec![r#"299 - "unterminated"#.to_owned()]
        );
    }

    #[test]
    fn every_warning_header_of_a_response_is_read() {
        let response = http::Response::builder()
            .header("Warning", r#"299 - "a""#)
            .header("Warning", r#"299 - "b""#)
            .body(())
            .unwrap();
        assert_eq!(warnings(&response), vec!["a".to_owned(), "b".to_owned()]);
    }

    proptest::proptest! {
        #[test]
        fn any_text_survives_quoting(text in "[ -~]{0,40}") {
            let escaped = text.replace('\\', "\\\\").replace('"', "\\\"");
            let header = format!(r#"299 - "{escaped}""#);
            proptest::prop_assert_eq!(parse_warning_header(&header), vec![text]);
        }

        #[test]
        fn any_header_value_gives_a_text_unless_blank(value in "\\PC{0,60}") {
            let texts = parse_warning_header(&value);
            proptest::prop_assert_eq!(texts.is_empty(), value.trim().is_empty());
        }
    }
}
