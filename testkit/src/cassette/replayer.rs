//! [`Replayer`]: a `Rest` that answers from a cassette, never from a network.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use bytes::Bytes;
use futures::StreamExt;
use rudder::rest::{ByteStream, Request, Response, Rest, StreamResponse};

use super::capture::recorded_request;
use super::format::{Cassette, CassetteError, Interaction, RecordedRequest, RecordedResponse};
use super::matching::MatchRules;
use super::miss::{ReplayMiss, summary};
use super::replay_stream::{Pace, event_bytes, replay};

/// Answers requests from a cassette, so `Api<K>`, `DynamicClient`,
/// `DiscoveryClient` and `Client` run on a recorded session unchanged (and
/// `Server::builder(replayer)` serves it to kubectl).
///
/// A request matches a recorded one on method, path, query (as a map) and
/// body (JSON compared structurally); `timeoutSeconds`, the user agent and
/// credentials are ignored. Identical requests get their recorded answers
/// in recorded order, which also keeps concurrent callers deterministic:
/// each caller's request has its own queue. A request with no answer left
/// is an [`rudder::Error::Transport`] whose source is a [`ReplayMiss`]
/// naming the closest recorded interactions and what differs.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use rudder_testkit::cassette::Replayer;
/// use std::sync::Arc;
///
/// let replayer = Arc::new(Replayer::open("fixtures/cassettes/pods.yaml")?);
/// let client = rudder::Client::new(replayer.clone(), "default");
/// // ... the code under test uses the client ...
/// replayer.assert_all_used();
/// # Ok(()) }
/// ```
pub struct Replayer {
    path: PathBuf,
    interactions: Vec<Interaction>,
    /// Whole bodies, encoded once when the cassette is opened.
    bodies: Vec<Bytes>,
    /// Interactions by method and path; those whose path holds a placeholder
    /// are in `wildcard_paths`.
    by_route: HashMap<(String, String), Vec<usize>>,
    wildcard_paths: Vec<usize>,
    plays: Mutex<Vec<u32>>,
    rules: MatchRules,
    allow_repeats: bool,
    pace: Pace,
}

impl Replayer {
    /// Opens the cassette at `path`.
    ///
    /// # Errors
    /// [`CassetteError`] with the file and line of anything malformed.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, CassetteError> {
        let path = path.as_ref();
        Ok(Self::new(Cassette::load(path)?, path))
    }

    /// Replays `cassette`; `name` names it in errors.
    pub fn new(cassette: Cassette, name: impl Into<PathBuf>) -> Self {
        let mut by_route: HashMap<(String, String), Vec<usize>> = HashMap::new();
        let mut wildcard_paths = Vec::new();
        for (index, interaction) in cassette.interactions.iter().enumerate() {
            let request = &interaction.request;
            if request.path.contains("<redacted:") {
                wildcard_paths.push(index);
            } else {
                by_route.entry(route(request)).or_default().push(index);
            }
        }
        Replayer {
            path: name.into(),
            bodies: cassette
                .interactions
                .iter()
                .map(|interaction| interaction.response.body.to_bytes())
                .collect(),
            plays: Mutex::new(vec![0; cassette.interactions.len()]),
            interactions: cassette.interactions,
            by_route,
            wildcard_paths,
            rules: MatchRules::default(),
            allow_repeats: false,
            pace: Pace::Immediate,
        }
    }

    /// Lets a request be answered again by the last matching interaction once
    /// all of them were played (off by default: a repeat is usually a
    /// changed test).
    pub fn allow_playback_repeats(mut self, allow: bool) -> Self {
        self.allow_repeats = allow;
        self
    }

    /// Ignores a watch's `resourceVersion` and `resourceVersionMatch` when
    /// matching (off by default), for code whose watch starts from a
    /// version that differs between runs.
    pub fn ignore_watch_resource_version(mut self, ignore: bool) -> Self {
        self.rules.ignore_watch_resource_version = ignore;
        self
    }

    /// How recorded streams are paced: [`Pace::Immediate`] (the default) or
    /// [`Pace::Recorded`] with a scale factor.
    pub fn pace(mut self, pace: Pace) -> Self {
        self.pace = pace;
        self
    }

    /// The cassette file (or the name given to [`new`](Self::new)).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The interactions never asked for, as `#index METHOD /path?query`.
    pub fn unused(&self) -> Vec<String> {
        self.lock_plays()
            .iter()
            .enumerate()
            .filter(|(_, plays)| **plays == 0)
            .map(|(index, _)| format!("#{index} {}", summary(&self.interactions[index].request)))
            .collect()
    }

    /// Panics, listing them, when some interactions were never asked for:
    /// the code under test did less than when it was recorded.
    #[track_caller]
    pub fn assert_all_used(&self) {
        let unused = self.unused();
        assert!(
            unused.is_empty(),
            "cassette {}: {} interaction(s) never asked for:\n  {}",
            self.path.display(),
            unused.len(),
            unused.join("\n  ")
        );
    }

    /// The interaction answering `request`, marked as played.
    fn answer(&self, request: &Request) -> rudder::Result<usize> {
        let recorded = recorded_request(request);
        let candidates: Vec<usize> = self
            .by_route
            .get(&route(&recorded))
            .into_iter()
            .flatten()
            .chain(&self.wildcard_paths)
            .copied()
            .collect();
        let mut plays = self.lock_plays();
        let matches = |index: usize| self.rules.matches(&self.interactions[index].request, &recorded);
        if let Some(&first) = candidates
            .iter()
            .find(|&&index| plays[index] == 0 && matches(index))
        {
            plays[first] += 1;
            return Ok(first);
        }
        let played: Vec<usize> = candidates.into_iter().filter(|&index| matches(index)).collect();
        match played.last() {
            Some(&last) if self.allow_repeats => {
                plays[last] += 1;
                Ok(last)
            }
            _ => Err(self.miss(request, recorded, &played)),
        }
    }

    fn miss(&self, request: &Request, recorded: RecordedRequest, exhausted: &[usize]) -> rudder::Error {
        let miss = ReplayMiss::new(
            self.path.clone(),
            recorded,
            &self.interactions,
            exhausted,
            &self.rules,
        );
        rudder::Error::Transport {
            verb: request.method().to_string(),
            url: request.uri().to_string(),
            source: Box::new(miss),
        }
    }

    fn lock_plays(&self) -> MutexGuard<'_, Vec<u32>> {
        self.plays
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn route(request: &RecordedRequest) -> (String, String) {
    (request.method.to_ascii_uppercase(), request.path.clone())
}

/// A response with the recorded status and headers around `body`.
fn response<B>(recorded: &RecordedResponse, body: B) -> http::Response<B> {
    let mut response = http::Response::new(body);
    *response.status_mut() =
        http::StatusCode::from_u16(recorded.status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in &recorded.headers {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_bytes()),
            http::HeaderValue::from_str(value),
        ) {
            response.headers_mut().append(name, value);
        }
    }
    response
}

#[async_trait::async_trait]
impl Rest for Replayer {
    async fn send(&self, request: Request) -> rudder::Result<Response> {
        let index = self.answer(&request)?;
        let recorded = &self.interactions[index].response;
        let body = match &recorded.stream {
            // A streamed answer asked for whole: its events, concatenated.
            Some(stream) => stream
                .events
                .iter()
                .flat_map(|event| event_bytes(&event.data))
                .collect(),
            None => self.bodies[index].clone(),
        };
        Ok(response(recorded, body))
    }

    async fn send_stream(&self, request: Request) -> rudder::Result<StreamResponse> {
        let index = self.answer(&request)?;
        let recorded = &self.interactions[index].response;
        let body: ByteStream = match &recorded.stream {
            Some(stream) => replay(
                stream,
                self.pace,
                request.method().to_string(),
                request.uri().to_string(),
            ),
            None => {
                let bytes = self.bodies[index].clone();
                futures::stream::once(async move { Ok(bytes) }).boxed()
            }
        };
        Ok(response(recorded, body))
    }
}

/// So `Server::builder(replayer)` serves a cassette over HTTP(S).
impl From<Replayer> for std::sync::Arc<dyn Rest> {
    fn from(replayer: Replayer) -> Self {
        std::sync::Arc::new(replayer)
    }
}
