//! What can go wrong reading or writing a cassette.

use std::path::{Path, PathBuf};

/// A cassette could not be read or written. Every variant names the file;
/// a malformed one also the line and what was expected there.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CassetteError {
    /// The file could not be read.
    #[error("cannot read cassette {}: {source}", path.display())]
    Read {
        /// The cassette file.
        path: PathBuf,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
    /// The file is not cassette YAML: a syntax error, a missing or unknown
    /// field, a value of the wrong type.
    #[error("{}{}: {message}", path.display(), line.map(|line| format!(":{line}")).unwrap_or_default())]
    Invalid {
        /// The cassette file.
        path: PathBuf,
        /// The 1-based line, when known.
        line: Option<usize>,
        /// What was expected and what was found.
        message: String,
    },
    /// The cassette could not be turned into YAML.
    #[error("cannot write the cassette as YAML: {message}")]
    Serialize {
        /// What the serializer said.
        message: String,
    },
    /// `RUDDER_CASSETTE` holds something other than `record`, `replay` or `auto`.
    #[error("RUDDER_CASSETTE={value:?}: expected record, replay or auto")]
    Mode {
        /// The value found.
        value: String,
    },
    /// The file could not be written.
    #[error("cannot write cassette {}: {source}", path.display())]
    Write {
        /// The cassette file.
        path: PathBuf,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
}

impl CassetteError {
    /// The error for YAML that does not parse as a cassette. A parser that
    /// stops at the end of the input reports the last line: the file ended
    /// where more was expected.
    pub(crate) fn yaml(path: &Path, text: &str, error: &serde_saphyr::Error) -> Self {
        let known = error.location().filter(|location| location.line() > 0);
        let line = known
            .map(|location| location.line() as usize)
            .or_else(|| Some(text.lines().count().max(1)));
        CassetteError::Invalid {
            path: path.to_owned(),
            line,
            message: describe(error),
        }
    }

    /// The 1-based line the error points at, when it has one.
    pub fn line(&self) -> Option<usize> {
        match self {
            CassetteError::Invalid { line, .. } => *line,
            _ => None,
        }
    }
}

/// The parser's message without its trailing `at line L, column C`, which
/// the error shows in `file:line` form.
fn describe(error: &serde_saphyr::Error) -> String {
    let message = error.without_snippet().to_string();
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_owned(),
        None => message,
    }
}
