//! [`Recorder`]: a `Rest` that passes every request to another `Rest` and
//! writes what it saw to a cassette.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use rudder::rest::{BoundedBody, Request, Response, Rest, StreamResponse, stream_of};

use super::body::Body;
use super::capture::{header, recorded_request, response_headers};
use super::format::{Cassette, CassetteError, RecordedResponse, RecordedStream, StreamEnd};
use super::recording::Recording;
use super::stream_tap::tap;

/// Records every request and answer that passes through it to the
/// cassette at its path, redacted, when [`finish`](Self::finish) is called
/// or when it is dropped having recorded something (but not when dropped
/// by a panic: a failed test leaves the cassette it started with).
///
/// A streamed answer (a watch, a followed log) reaches the caller chunk by
/// chunk as it arrives; it is stored as its lines, each with its offset from
/// the start of the response, and how it ended. A stream marked
/// [`BoundedBody`] (a list, which the SDK decodes as it arrives) is one
/// document: it is read whole from the inner `Rest` with `send` and stored
/// as a body, like any other answer, so that the cassette shows the list
/// structured. Interactions are stored in the order their requests started.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use rudder_testkit::cassette::Recorder;
///
/// let live = rudder::HttpRest::new(rudder::Config::infer()?)?;
/// let recorder = std::sync::Arc::new(Recorder::new(live, "fixtures/cassettes/pods.yaml"));
/// recorder.redact("my-registry-password");
/// let client = rudder::Client::new(recorder.clone(), "default");
/// // ... use the client ...
/// recorder.finish()?;
/// # Ok(()) }
/// ```
pub struct Recorder<R: Rest> {
    inner: R,
    path: PathBuf,
    recording: Arc<Mutex<Recording>>,
    written_at_change: Mutex<Option<u64>>,
}

impl<R: Rest> Recorder<R> {
    /// A recorder around `inner` that will write to `path`.
    pub fn new(inner: R, path: impl Into<PathBuf>) -> Self {
        Recorder {
            inner,
            path: path.into(),
            recording: Arc::default(),
            written_at_change: Mutex::default(),
        }
    }

    /// Replaces `value` wherever it appears (paths, queries, headers,
    /// bodies, also base64-encoded) by a `<redacted:user:N>` placeholder
    /// before anything is written; a binary (protobuf) body holding it is
    /// replaced whole by `<redacted:opaque-body:N>`.
    pub fn redact(&self, value: impl Into<String>) -> &Self {
        self.lock().redact(value.into());
        self
    }

    /// The file the cassette is written to.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What has been recorded so far, redacted, as it would be written.
    pub fn cassette(&self) -> Cassette {
        self.lock().cassette()
    }

    /// Writes the cassette now (atomically). Requests answered later are
    /// written by a later `finish` or when the recorder is dropped.
    ///
    /// # Errors
    /// [`CassetteError`] when the file cannot be written.
    pub fn finish(&self) -> Result<(), CassetteError> {
        let (cassette, changes) = {
            let recording = self.lock();
            (recording.cassette(), recording.changes())
        };
        cassette.save(&self.path)?;
        if let Ok(mut written) = self.written_at_change.lock() {
            *written = Some(changes);
        }
        Ok(())
    }

    fn lock(&self) -> MutexGuard<'_, Recording> {
        // A panic while holding the lock leaves the recording consistent
        // (each change is one assignment), so a poisoned lock is used as is.
        self.recording
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether something was recorded since the last write. A recorder that
    /// recorded nothing has nothing to save: dropping it (a proxy that
    /// failed to start, a test that stopped early) leaves the file alone.
    fn unsaved(&self) -> bool {
        let changes = self.lock().changes();
        let written = self.written_at_change.lock().ok().and_then(|written| *written);
        written.unwrap_or(0) != changes
    }
}

impl<R: Rest> Drop for Recorder<R> {
    fn drop(&mut self) {
        if !self.unsaved() {
            return;
        }
        if std::thread::panicking() {
            // A test that failed half-way recorded half a session: written,
            // it would replace a good cassette, and in `auto` mode be
            // replayed from then on instead of recorded again.
            tracing::warn!(
                path = %self.path.display(),
                "the cassette is not written: the recorder was dropped by a panic"
            );
            return;
        }
        if let Err(error) = self.finish() {
            tracing::error!(%error, "the cassette could not be written when the recorder was dropped");
        }
    }
}

#[async_trait::async_trait]
impl<R: Rest> Rest for Recorder<R> {
    async fn send(&self, request: Request) -> rudder::Result<Response> {
        let slot = self.lock().start(recorded_request(&request));
        match self.inner.send(request).await {
            Ok(response) => {
                let content_type = header(response.headers(), "content-type");
                let recorded = RecordedResponse {
                    status: response.status().as_u16(),
                    headers: response_headers(response.headers()),
                    body: Body::from_bytes(content_type.as_deref(), response.body()),
                    stream: None,
                };
                self.lock().answer(slot, recorded);
                Ok(response)
            }
            Err(error) => {
                self.lock().abandon(slot);
                Err(error)
            }
        }
    }

    async fn send_stream(&self, request: Request) -> rudder::Result<StreamResponse> {
        if request.extensions().get::<BoundedBody>().is_some() {
            return self.send(request).await.map(stream_of);
        }
        let slot = self.lock().start(recorded_request(&request));
        match self.inner.send_stream(request).await {
            Ok(response) => {
                let content_type = header(response.headers(), "content-type");
                let binary = content_type
                    .as_deref()
                    .is_some_and(|value| value.contains("protobuf"));
                let recorded = RecordedResponse {
                    status: response.status().as_u16(),
                    headers: response_headers(response.headers()),
                    body: Body::Empty,
                    stream: Some(RecordedStream {
                        events: Vec::new(),
                        end: StreamEnd::ClientDropped,
                    }),
                };
                self.lock().answer(slot, recorded);
                let recording = Arc::clone(&self.recording);
                Ok(response.map(|body| tap(body, recording, slot, binary)))
            }
            Err(error) => {
                self.lock().abandon(slot);
                Err(error)
            }
        }
    }
}
