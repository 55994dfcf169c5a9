use std::fmt;

/// A string that never shows itself: `Debug` and `Display` print
/// `[redacted]`, so a token or password cannot leak into logs or errors.
///
/// ```
/// use rudder::config::SecretString;
/// let token = SecretString::new("s3cr3t");
/// assert_eq!(format!("{token:?}"), "[redacted]");
/// assert_eq!(token.expose(), "s3cr3t");
/// ```
#[derive(Clone, PartialEq, Eq, Default)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        SecretString(secret.into())
    }

    /// The secret itself; call it only where the secret is used.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<String> for SecretString {
    fn from(secret: String) -> Self {
        SecretString(secret)
    }
}

impl From<&str> for SecretString {
    fn from(secret: &str) -> Self {
        SecretString(secret.to_owned())
    }
}

impl<'de> serde::Deserialize<'de> for SecretString {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(SecretString)
    }
}

/// A URL as `Debug` shows it: the user name and password of
/// `https://user:password@host`, if any, become `redacted` (a user name can
/// be a token too), and text that is not a URL is not shown at all (it could
/// be a secret pasted in the wrong place).
pub(crate) struct RedactedUrl<'a>(pub &'a str);

impl fmt::Debug for RedactedUrl<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if url::Url::parse(self.0).is_err() {
            return f.write_str("<not a URL>");
        }
        write!(f, "{:?}", userinfo_redacted(self.0))
    }
}

/// `server` with whatever stands before an `@` in its authority replaced by
/// `redacted`, and nothing else changed (no normalising: the result names
/// the same kubectl cache folder a URL without credentials would).
pub(crate) fn userinfo_redacted(server: &str) -> std::borrow::Cow<'_, str> {
    let authority_start = server.find("://").map_or(0, |index| index + 3);
    let rest = &server[authority_start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}redacted{}", &server[..authority_start], &rest[at..]).into(),
        None => server.into(),
    }
}

/// Command arguments as `Debug` shows them: only how many there are, since
/// any of them may be a `--token=...` or a password.
pub(crate) struct RedactedArgs<'a>(pub &'a [String]);

impl fmt::Debug for RedactedArgs<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{} redacted]", self.0.len())
    }
}

/// `text` with every occurrence of each of `secrets` replaced by
/// `[redacted]`, longest first (so a secret that contains another goes
/// whole). Values shorter than four characters are left alone: they are not
/// secrets, and replacing them would garble the text.
pub(crate) fn redact_known<'a>(text: &str, secrets: impl IntoIterator<Item = &'a str>) -> String {
    let mut secrets: Vec<&str> = secrets.into_iter().filter(|secret| secret.len() >= 4).collect();
    secrets.sort_by_key(|secret| std::cmp::Reverse(secret.len()));
    secrets
        .into_iter()
        .fold(text.to_owned(), |text, secret| text.replace(secret, "[redacted]"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_is_redacted_and_nothing_else_changes() {
        let cases = [
            ("https://admin:PASS@Host:443/x@y", "https://redacted@Host:443/x@y"),
            ("https://tok@host", "https://redacted@host"),
            ("https://host:6443/a@b", "https://host:6443/a@b"),
            ("host:6443", "host:6443"),
            ("u:p@host:6443", "redacted@host:6443"),
        ];
        for (server, shown) in cases {
            assert_eq!(userinfo_redacted(server), shown, "{server}");
        }
        assert_eq!(
            format!("{:?}", RedactedUrl("https://u:p@h:1")),
            "\"https://redacted@h:1\""
        );
    }

    #[test]
    fn known_secrets_are_replaced_longest_first_and_short_values_are_kept() {
        let text = "token=abcd1234 and abcd, id=7";
        let redacted = redact_known(text, ["abcd", "abcd1234", "7"]);
        assert_eq!(redacted, "token=[redacted] and [redacted], id=7");
    }
}
