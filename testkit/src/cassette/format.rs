//! The cassette file, version 1: the data model, its YAML reading (with the
//! file and line of every mistake) and its atomic writing.
//!
//! ```yaml
//! # A rudder cassette (docs/cassettes.md)
//! version: 1
//! interactions:
//! - request:
//!     method: GET
//!     path: /api/v1/namespaces/default/pods
//!     query:
//!       limit: '500'
//!     headers:
//!       accept: application/json
//!   response:
//!     status: 200
//!     headers:
//!       content-type: application/json
//!     body:
//!       json:
//!         kind: PodList
//!         items: []
//! interaction_count: 1
//! ```
//!
//! `interaction_count` is written last, so a file cut short anywhere is
//! refused instead of silently replaying fewer interactions.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::body::Body;
pub use super::error::CassetteError;
use super::query::Query;

/// The only format version this crate reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// The comment every written cassette starts with.
const HEADER_COMMENT: &str = "# A rudder cassette: a recorded Kubernetes API session (docs/cassettes.md)\n";

/// A recorded session: every request and its answer, in the order the
/// requests started.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Cassette {
    /// The interactions, in the order their requests started.
    pub interactions: Vec<Interaction>,
}

/// One request and the answer it got.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interaction {
    /// What the client sent.
    pub request: RecordedRequest,
    /// What the server answered.
    pub response: RecordedResponse,
}

/// A request as recorded: relative to the server (no scheme, host or port),
/// with only the headers that change the answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedRequest {
    /// The HTTP method, upper case (`GET`, `PATCH`, ...).
    pub method: String,
    /// The path, percent-encoded as sent (`/api/v1/namespaces/default/pods`).
    pub path: String,
    /// The query string as a map; a repeated key keeps every value in order.
    #[serde(default, skip_serializing_if = "Query::is_empty")]
    pub query: Query,
    /// The headers that select the answer (`content-type`, `accept`), names
    /// lower case.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// The request body.
    #[serde(default, skip_serializing_if = "Body::is_empty")]
    pub body: Body,
}

/// An answer as recorded: a whole body, or a stream of events.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedResponse {
    /// The HTTP status code.
    pub status: u16,
    /// The headers a client reads (`content-type`, `warning`, `retry-after`,
    /// `location`), names lower case.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// The whole body, for an answer that was read whole.
    #[serde(default, skip_serializing_if = "Body::is_empty")]
    pub body: Body,
    /// The body as it arrived over time, for a streamed answer (a watch, a
    /// followed log).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<RecordedStream>,
}

/// A streamed body: its events and how it ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedStream {
    /// The events, in the order they arrived.
    #[serde(default)]
    pub events: Vec<StreamEvent>,
    /// How the stream ended.
    pub end: StreamEnd,
}

/// One event of a stream: a line (a watch event, a log line), or for a
/// binary stream a chunk.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamEvent {
    /// Milliseconds from the start of the response to this event.
    pub offset_ms: u64,
    /// The event: a complete JSON line as structured YAML (its newline
    /// implied), other text exactly (newline included), binary as base64.
    pub data: Body,
}

/// How a stream ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StreamEnd {
    /// The server ended the body (a watch timeout, a log that finished).
    ServerClosed,
    /// The client dropped the stream before the server ended it.
    ClientDropped,
    /// The connection failed; replay ends the stream with this error.
    TransportError(String),
}

/// What a cassette file holds, in the order it is written.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CassetteFile {
    version: serde_saphyr::Spanned<u32>,
    #[serde(default)]
    interactions: Vec<Interaction>,
    interaction_count: Option<serde_saphyr::Spanned<usize>>,
}

impl Cassette {
    /// Reads the cassette at `path`.
    ///
    /// # Errors
    /// [`CassetteError`] naming the file and, for a malformed or truncated
    /// file, the line and what was expected there.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, CassetteError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| CassetteError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::from_yaml(&text, path)
    }

    /// Parses cassette YAML; `origin` names it in errors.
    ///
    /// # Errors
    /// [`CassetteError`] with the line and what was expected there.
    pub fn from_yaml(text: &str, origin: impl AsRef<Path>) -> Result<Self, CassetteError> {
        let origin = origin.as_ref();
        let file: CassetteFile = serde_saphyr::from_str_with_options(text, parse_options())
            .map_err(|error| CassetteError::yaml(origin, text, &error))?;
        check_version(&file, origin)?;
        check_count(&file, origin, text)?;
        Ok(Cassette {
            interactions: file.interactions,
        })
    }

    /// The cassette as YAML, as [`save`](Self::save) writes it.
    ///
    /// # Errors
    /// [`CassetteError::Serialize`] when a value cannot be written as YAML.
    pub fn to_yaml(&self) -> Result<String, CassetteError> {
        let file = CassetteFile {
            version: spanned(FORMAT_VERSION),
            interactions: self.interactions.clone(),
            interaction_count: Some(spanned(self.interactions.len())),
        };
        let yaml = serde_saphyr::to_string(&file).map_err(|error| CassetteError::Serialize {
            message: error.to_string(),
        })?;
        Ok(format!("{HEADER_COMMENT}{yaml}"))
    }

    /// Writes the cassette to `path` atomically: to a temporary file beside
    /// it, then renamed over it, so a reader never sees half a cassette and a
    /// failed write leaves the old file whole. Creates missing folders.
    ///
    /// # Errors
    /// [`CassetteError::Write`] naming the file.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), CassetteError> {
        let path = path.as_ref();
        let yaml = self.to_yaml()?;
        write_atomically(path, yaml.as_bytes()).map_err(|source| CassetteError::Write {
            path: path.to_owned(),
            source,
        })
    }
}

fn spanned<T>(value: T) -> serde_saphyr::Spanned<T> {
    serde_saphyr::Spanned::new(
        value,
        serde_saphyr::Location::UNKNOWN,
        serde_saphyr::Location::UNKNOWN,
    )
}

fn parse_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        // No source snippet: a cassette holds recorded (if redacted) data.
        with_snippet: false,
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::Error,
        budget: Some(cassette_budget()),
    }
}

/// The parser's default budget (250 000 nodes) is made for configuration
/// files; a recorded session of ten thousand objects has millions of nodes.
/// The limits stay, to refuse alias bombs and runaway nesting: JSON is
/// nested at most 128 deep (serde_json's own limit), the cassette adds a few.
fn cassette_budget() -> serde_saphyr::Budget {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_events = 200_000_000;
    budget.max_nodes = 100_000_000;
    budget.max_total_scalar_bytes = 4 << 30;
    budget.max_depth = 160;
    budget
}

fn check_version(file: &CassetteFile, origin: &Path) -> Result<(), CassetteError> {
    if file.version.value == FORMAT_VERSION {
        return Ok(());
    }
    Err(CassetteError::Invalid {
        path: origin.to_owned(),
        line: Some(file.version.referenced.line() as usize),
        message: format!(
            "expected `version: {FORMAT_VERSION}`, found version {}",
            file.version.value
        ),
    })
}

/// A cassette ends with its interaction count: its absence or a different
/// number means the file was cut short.
fn check_count(file: &CassetteFile, origin: &Path, text: &str) -> Result<(), CassetteError> {
    let found = file.interactions.len();
    match &file.interaction_count {
        Some(count) if count.value == found => Ok(()),
        Some(count) => Err(CassetteError::Invalid {
            path: origin.to_owned(),
            line: Some(count.referenced.line() as usize),
            message: format!(
                "expected {} interactions (interaction_count), found {found}; was the file truncated?",
                count.value
            ),
        }),
        None => Err(CassetteError::Invalid {
            path: origin.to_owned(),
            line: Some(text.lines().count() + 1),
            message: "expected `interaction_count: N` as the last line; was the file truncated?".to_owned(),
        }),
    }
}

/// Writes `bytes` to a temporary file in `path`'s folder, flushes it to disk,
/// then renames it over `path`.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let folder = match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder.to_owned(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&folder)?;
    let file_name = path
        .file_name()
        .map_or_else(|| "cassette".into(), |name| name.to_string_lossy().into_owned());
    let temporary = folder.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let result = write_and_sync(&temporary, bytes).and_then(|()| std::fs::rename(&temporary, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

fn write_and_sync(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = std::fs::File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}
