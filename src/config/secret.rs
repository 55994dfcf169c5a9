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

/// A URL as `Debug` shows it: the password of `https://user:password@host`,
/// if any, becomes `redacted`, and text that is not a URL is not shown at
/// all (it could be a secret pasted in the wrong place).
pub(crate) struct RedactedUrl<'a>(pub &'a str);

impl fmt::Debug for RedactedUrl<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Ok(mut url) = url::Url::parse(self.0) else {
            return f.write_str("<not a URL>");
        };
        if url.password().is_some() {
            // Cannot fail: a URL with a password can have one.
            let _ = url.set_password(Some("redacted"));
        }
        write!(f, "{:?}", url.as_str())
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
    fn known_secrets_are_replaced_longest_first_and_short_values_are_kept() {
        let text = "token=abcd1234 and abcd, id=7";
        let redacted = redact_known(text, ["abcd", "abcd1234", "7"]);
        assert_eq!(redacted, "token=[redacted] and [redacted], id=7");
    }
}
