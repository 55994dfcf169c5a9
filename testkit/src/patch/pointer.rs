//! JSON pointers (RFC 6901): parsing with `~0`/`~1` unescaping, and
//! reaching into a document.

use serde_json::Value;

/// Splits a pointer into unescaped tokens; `""` is the whole document.
pub(crate) fn parse(pointer: &str) -> Result<Vec<String>, String> {
    if pointer.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = pointer.strip_prefix('/') else {
        return Err(format!(
            "JSON pointer {pointer:?} must be empty or start with '/'"
        ));
    };
    rest.split('/').map(unescape).collect()
}

fn unescape(token: &str) -> Result<String, String> {
    let mut out = String::with_capacity(token.len());
    let mut chars = token.chars();
    while let Some(c) = chars.next() {
        if c != '~' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('0') => out.push('~'),
            Some('1') => out.push('/'),
            _ => {
                return Err(format!(
                    "bad escape in JSON pointer token {token:?}: '~' must be followed by 0 or 1"
                ));
            }
        }
    }
    Ok(out)
}

/// An array index token: digits without a leading zero (except `0` itself).
pub(crate) fn array_index(token: &str) -> Result<usize, String> {
    let digits_ok = !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit());
    if !digits_ok || (token.len() > 1 && token.starts_with('0')) {
        return Err(format!("{token:?} is not a valid array index"));
    }
    token
        .parse()
        .map_err(|_| format!("array index {token:?} is too large"))
}

/// The value a pointer names, if it exists.
pub(crate) fn get<'a>(doc: &'a Value, tokens: &[String]) -> Result<&'a Value, String> {
    let mut current = doc;
    for (depth, token) in tokens.iter().enumerate() {
        current = match current {
            Value::Object(map) => map.get(token),
            Value::Array(items) => items.get(array_index(token)?),
            _ => None,
        }
        .ok_or_else(|| format!("path {} does not exist", render(&tokens[..=depth])))?;
    }
    Ok(current)
}

/// The container a pointer's last token lives in.
pub(crate) fn parent_mut<'a>(doc: &'a mut Value, tokens: &[String]) -> Result<&'a mut Value, String> {
    let mut current = doc;
    for (depth, token) in tokens.iter().enumerate() {
        current = match current {
            Value::Object(map) => map.get_mut(token),
            Value::Array(items) => {
                let index = array_index(token)?;
                items.get_mut(index)
            }
            _ => None,
        }
        .ok_or_else(|| format!("path {} does not exist", render(&tokens[..=depth])))?;
    }
    Ok(current)
}

/// Renders tokens back as a pointer, escaped.
pub(crate) fn render(tokens: &[String]) -> String {
    tokens
        .iter()
        .map(|t| format!("/{}", t.replace('~', "~0").replace('/', "~1")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_undone_in_the_right_order() {
        assert_eq!(
            parse("/a~1b/m~0n/~01"),
            Ok(vec!["a/b".into(), "m~n".into(), "~1".into()])
        );
        assert_eq!(parse(""), Ok(vec![]));
        assert_eq!(parse("/"), Ok(vec!["".into()]));
        assert!(parse("a").is_err());
        assert!(parse("/~2").is_err());
    }

    #[test]
    fn array_indexes_have_no_leading_zeros() {
        assert_eq!(array_index("0"), Ok(0));
        assert_eq!(array_index("12"), Ok(12));
        assert!(array_index("01").is_err());
        assert!(array_index("-").is_err());
        assert!(array_index("1e3").is_err());
        assert!(array_index("99999999999999999999999").is_err());
    }
}
