//! [`Cassette::rest`]: one test that records once and replays forever.

use std::path::{Path, PathBuf};

use rudder::rest::{Request, Response, Rest, StreamResponse};

use super::format::{Cassette, CassetteError};
use super::recorder::Recorder;
use super::replayer::Replayer;

/// The environment variable that picks the mode of [`Cassette::rest`].
pub const MODE_VARIABLE: &str = "RUDDER_CASSETTE";

/// What [`Cassette::rest`] does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Record against the live `Rest`, overwriting the file.
    Record,
    /// Replay the file; never build the live `Rest`.
    Replay,
    /// Replay when the file exists, else record (the default).
    Auto,
}

impl Mode {
    /// The mode `RUDDER_CASSETTE` names (`record`, `replay` or `auto`), or
    /// `Auto` when it is not set.
    ///
    /// # Errors
    /// [`CassetteError::Mode`] for any other value.
    pub fn from_env() -> Result<Mode, CassetteError> {
        match std::env::var(MODE_VARIABLE) {
            Err(_) => Ok(Mode::Auto),
            Ok(value) => match value.trim().to_ascii_lowercase().as_str() {
                "" | "auto" => Ok(Mode::Auto),
                "record" => Ok(Mode::Record),
                "replay" => Ok(Mode::Replay),
                _ => Err(CassetteError::Mode { value }),
            },
        }
    }
}

/// The `Rest` of a test using a cassette: recording or replaying.
pub enum CassetteRest {
    /// Recording to the file, written on [`finish`](Self::finish) or drop.
    Recording(Recorder<Box<dyn Rest>>),
    /// Replaying the file.
    Replaying(Replayer),
}

impl Cassette {
    /// The `Rest` for a test that records `path` once and replays it after:
    /// with `RUDDER_CASSETTE` unset or `auto`, replays `path` when it exists
    /// and otherwise records through `live()`; `record` always records;
    /// `replay` always replays and never calls `live`, so a CI run cannot
    /// reach a cluster. A relative `path` is relative to the current
    /// directory, which `cargo test` sets to the crate's folder.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// use rudder_testkit::cassette::Cassette;
    /// use std::sync::Arc;
    ///
    /// let rest = Arc::new(Cassette::rest("fixtures/cassettes/pods.yaml", || {
    ///     rudder::HttpRest::new(rudder::Config::infer().expect("a kubeconfig"))
    ///         .expect("a client")
    /// })?);
    /// let client = rudder::Client::new(rest.clone(), "default");
    /// // ... the test ...
    /// rest.finish()?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`CassetteError`] for an unknown mode, or a cassette that cannot be read.
    pub fn rest<R, F>(path: impl AsRef<Path>, live: F) -> Result<CassetteRest, CassetteError>
    where
        R: Rest + 'static,
        F: FnOnce() -> R,
    {
        let path = path.as_ref();
        let record = match Mode::from_env()? {
            Mode::Record => true,
            Mode::Replay => false,
            Mode::Auto => !path.exists(),
        };
        if record {
            Ok(CassetteRest::Recording(Recorder::new(Box::new(live()), path)))
        } else {
            Ok(CassetteRest::Replaying(Replayer::open(path)?))
        }
    }
}

impl CassetteRest {
    /// True when recording.
    pub fn is_recording(&self) -> bool {
        matches!(self, CassetteRest::Recording(_))
    }

    /// The cassette file.
    pub fn path(&self) -> PathBuf {
        match self {
            CassetteRest::Recording(recorder) => recorder.path().to_owned(),
            CassetteRest::Replaying(replayer) => replayer.path().to_owned(),
        }
    }

    /// Recording: writes the cassette. Replaying: nothing to do.
    ///
    /// # Errors
    /// [`CassetteError`] when the file cannot be written.
    pub fn finish(&self) -> Result<(), CassetteError> {
        match self {
            CassetteRest::Recording(recorder) => recorder.finish(),
            CassetteRest::Replaying(_) => Ok(()),
        }
    }
}

#[async_trait::async_trait]
impl Rest for CassetteRest {
    async fn send(&self, request: Request) -> rudder::Result<Response> {
        match self {
            CassetteRest::Recording(recorder) => recorder.send(request).await,
            CassetteRest::Replaying(replayer) => replayer.send(request).await,
        }
    }

    async fn send_stream(&self, request: Request) -> rudder::Result<StreamResponse> {
        match self {
            CassetteRest::Recording(recorder) => recorder.send_stream(request).await,
            CassetteRest::Replaying(replayer) => replayer.send_stream(request).await,
        }
    }
}
