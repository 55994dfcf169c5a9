use std::fmt;
use std::str::FromStr;

use super::error::SelectorError;

/// One term of a [`FieldSelector`]: `field=value` or `field!=value`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldTerm {
    /// The field path, such as `metadata.name` or `status.phase`.
    pub field: String,
    /// `true` for `!=`.
    pub negated: bool,
    /// The value, unescaped.
    pub value: String,
}

impl fmt::Display for FieldTerm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = if self.negated { "!=" } else { "=" };
        write!(f, "{}{op}{}", self.field, escape(&self.value))
    }
}

/// A field selector: `field=value`, `field==value` and `field!=value` terms,
/// comma-separated, that must all hold. In values, `\,`, `\=` and `\\`
/// stand for `,`, `=` and `\`.
///
/// Which fields exist is the server's business: [`FieldSelector::terms`]
/// lets a server check them (the real one answers
/// `field label not supported: x`).
///
/// ```
/// use rudder::types::FieldSelector;
///
/// let selector: FieldSelector = "status.phase!=Running,metadata.name=a\\,b".parse()?;
/// assert!(selector.matches(|field| match field {
///     "metadata.name" => Some("a,b".to_string()),
///     "status.phase" => Some("Pending".to_string()),
///     _ => None,
/// }));
/// assert_eq!(selector.to_string(), "metadata.name=a\\,b,status.phase!=Running");
/// # Ok::<(), rudder::types::SelectorError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct FieldSelector {
    terms: Vec<FieldTerm>,
}

impl FieldSelector {
    /// The empty selector, which matches everything.
    pub fn new() -> Self {
        FieldSelector::default()
    }

    /// Parses `f=v,f!=v` with the escaping of the API server. Empty terms
    /// are skipped, as the server skips them.
    ///
    /// # Errors
    /// A [`SelectorError`] for a term with no operator, an empty field name,
    /// or a bad escape.
    pub fn parse(input: &str) -> Result<Self, SelectorError> {
        let mut terms = Vec::new();
        for (start, part) in split_unescaped_commas(input) {
            if part.is_empty() {
                continue;
            }
            let Some((op_at, op)) = find_operator(part) else {
                return Err(SelectorError::field(
                    input,
                    start,
                    format!("cannot understand {part:?}: expected field=value, field==value or field!=value"),
                ));
            };
            let field = &part[..op_at];
            if field.is_empty() {
                return Err(SelectorError::field(input, start, "the field name is empty"));
            }
            let raw_value = &part[op_at + op.len()..];
            let value = unescape(raw_value).map_err(|(offset, why)| {
                SelectorError::field(input, start + op_at + op.len() + offset, why)
            })?;
            terms.push(FieldTerm {
                field: field.to_string(),
                negated: op == "!=",
                value,
            });
        }
        terms.sort();
        Ok(FieldSelector { terms })
    }

    /// The terms, sorted.
    pub fn terms(&self) -> &[FieldTerm] {
        &self.terms
    }

    /// Whether this selector has no terms.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Adds `field=value`.
    pub fn eq(self, field: impl Into<String>, value: impl Into<String>) -> Self {
        self.with(field.into(), false, value.into())
    }

    /// Adds `field!=value`.
    pub fn ne(self, field: impl Into<String>, value: impl Into<String>) -> Self {
        self.with(field.into(), true, value.into())
    }

    fn with(mut self, field: String, negated: bool, value: String) -> Self {
        self.terms.push(FieldTerm {
            field,
            negated,
            value,
        });
        self.terms.sort();
        self
    }

    /// Whether an object satisfies every term; `lookup` gives a field's
    /// value, and a field it returns `None` for counts as the empty string
    /// (the server's field sets hold `""` for unset fields).
    pub fn matches(&self, lookup: impl Fn(&str) -> Option<String>) -> bool {
        self.terms.iter().all(|term| {
            let actual = lookup(&term.field).unwrap_or_default();
            (actual == term.value) != term.negated
        })
    }
}

impl fmt::Display for FieldSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, term) in self.terms.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{term}")?;
        }
        Ok(())
    }
}

impl FromStr for FieldSelector {
    type Err = SelectorError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FieldSelector::parse(s)
    }
}

impl serde::Serialize for FieldSelector {
    /// As the selector string, the form the API server takes.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for FieldSelector {
    /// From the selector string, parsed.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        FieldSelector::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Splits on commas that are not escaped, with each part's byte offset.
fn split_unescaped_commas(input: &str) -> Vec<(usize, &str)> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in input.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            ',' => {
                parts.push((start, &input[start..i]));
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push((start, &input[start..]));
    parts
}

/// The first `!=`, `==` or `=` in a term. Field names have no escaping, so
/// (as on the API server) the first operator anywhere splits the term.
fn find_operator(term: &str) -> Option<(usize, &'static str)> {
    term.char_indices().find_map(|(i, _)| {
        ["!=", "==", "="]
            .into_iter()
            .find(|op| term[i..].starts_with(op))
            .map(|op| (i, op))
    })
}

fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '\\' | ',' | '=') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn unescape(value: &str) -> Result<String, (usize, String)> {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.char_indices();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            if c == '=' || c == ',' {
                return Err((i, format!("{c:?} in a value must be escaped as \\{c}")));
            }
            out.push(c);
            continue;
        }
        match chars.next() {
            Some((_, n @ ('\\' | ',' | '='))) => out.push(n),
            Some((_, n)) => {
                return Err((
                    i,
                    format!("invalid escape sequence \\{n}: only \\\\, \\, and \\= are allowed"),
                ));
            }
            None => {
                return Err((
                    i,
                    "unterminated escape sequence at the end of the value".to_string(),
                ));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn double_equals_is_equals_and_terms_are_sorted() {
        let parsed = FieldSelector::parse("b==2,a!=1,").unwrap_or_default();
        assert_eq!(parsed, FieldSelector::new().ne("a", "1").eq("b", "2"));
        assert_eq!(parsed.to_string(), "a!=1,b=2");
    }

    #[test]
    fn escaped_commas_and_equals_stay_in_the_value() {
        let parsed = FieldSelector::parse(r"metadata.name=a\,b\=c\\d").unwrap_or_default();
        assert_eq!(parsed.terms()[0].value, r"a,b=c\d");
        assert_eq!(parsed.to_string(), r"metadata.name=a\,b\=c\\d");
    }

    #[test]
    fn an_unset_field_counts_as_empty() {
        let selector = FieldSelector::new().eq("spec.nodeName", "");
        assert!(selector.matches(|_| None));
        assert!(!FieldSelector::new().ne("spec.nodeName", "").matches(|_| None));
    }

    #[test]
    fn malformed_field_selectors_say_what_and_where() {
        let errors: Vec<String> = ["a", "=x", r"a=b\", r"a=b\x", "a=b=c"]
            .iter()
            .map(|s| {
                FieldSelector::parse(s)
                    .map(|p| p.to_string())
                    .unwrap_or_else(|e| e.to_string())
            })
            .collect();
        insta::assert_snapshot!(errors.join("\n"));
    }

    proptest::proptest! {
        #[test]
        fn display_then_parse_round_trips(
            terms in proptest::collection::vec(("[a-z][a-z.]{0,10}", proptest::bool::ANY, r"[a-z=,\\ ]{0,8}"), 0..4)
        ) {
            let mut selector = FieldSelector::new();
            for (field, negated, value) in terms {
                selector = if negated { selector.ne(field, value) } else { selector.eq(field, value) };
            }
            proptest::prop_assert_eq!(FieldSelector::parse(&selector.to_string()), Ok(selector));
        }
    }
}
