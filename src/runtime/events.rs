//! An event recorder: `events.k8s.io/v1` Events about objects, with
//! client-go's aggregation of repeats into a series.
//!
//! The first time an event is published it is created; each repeat within
//! six minutes of the last one (same type, reason, action, note, reporter,
//! and regarding/related object) bumps the stored event's `series.count`
//! and `series.lastObservedTime` with one merge patch instead of creating
//! another Event, so a controller retrying in a loop does not flood the
//! namespace.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::ObjectReference;
use k8s_openapi::api::events::v1::{Event, EventSeries};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use serde_json::json;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::types::{ObjectMeta, Patch, PatchParams, PostParams, Resource};
use crate::{Client, Result, Typed};

/// How long after its last repeat a series ends; a later repeat starts a
/// new Event (client-go's `finishTime`).
pub const SERIES_WINDOW: Duration = Duration::from_secs(6 * 60);

/// The longest note the API server accepts (1 kB); longer ones are cut.
const NOTE_LIMIT: usize = 1024;

/// `Normal` or `Warning`, the two types the API server accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventType {
    /// Something expected happened.
    Normal,
    /// Something may need attention.
    Warning,
}

impl EventType {
    fn as_str(self) -> &'static str {
        match self {
            EventType::Normal => "Normal",
            EventType::Warning => "Warning",
        }
    }
}

/// What happened, to publish about an object.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EventNote {
    /// `Normal` or `Warning`.
    pub type_: EventType,
    /// Why, in UpperCamelCase (`ErrResourceExists`, `Synced`).
    pub reason: String,
    /// What the controller did or failed to do (`Reconcile`, `Create`).
    pub action: String,
    /// A human-readable description (cut to 1 kB).
    pub note: String,
}

impl EventNote {
    /// A `Normal` event.
    pub fn normal(reason: &str, action: &str, note: impl Into<String>) -> Self {
        EventNote::new(EventType::Normal, reason, action, note)
    }

    /// A `Warning` event.
    pub fn warning(reason: &str, action: &str, note: impl Into<String>) -> Self {
        EventNote::new(EventType::Warning, reason, action, note)
    }

    fn new(type_: EventType, reason: &str, action: &str, note: impl Into<String>) -> Self {
        EventNote {
            type_,
            reason: reason.to_owned(),
            action: action.to_owned(),
            note: cut_to(note.into(), NOTE_LIMIT),
        }
    }
}

/// Who reports the events: the controller's name and this instance of it
/// (client-go uses `<controller>-<hostname>`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Reporter {
    /// `reportingController`, e.g. `rudder.example/sample-controller`.
    pub controller: String,
    /// `reportingInstance`, e.g. the pod name.
    pub instance: String,
}

/// A reference to `object` for an event's `regarding` or `related` field.
pub fn object_reference<K: Resource>(object: &K) -> ObjectReference {
    let meta = object.meta();
    ObjectReference {
        api_version: Some(K::api_version()),
        kind: Some(K::KIND.to_owned()),
        name: meta.name.clone(),
        namespace: meta.namespace.clone(),
        uid: meta.uid.clone(),
        resource_version: meta.resource_version.clone(),
        field_path: None,
    }
}

/// Publishes Events, aggregating repeats. Cheap to clone; clones share the
/// series they are counting.
///
/// ```no_run
/// # async fn run(client: rudder::Client, pod: k8s_openapi::api::core::v1::Pod) -> rudder::Result<()> {
/// use rudder::runtime::events::{EventNote, Recorder, Reporter, object_reference};
///
/// let reporter = Reporter { controller: "example.com/my-controller".into(), instance: "my-controller-0".into() };
/// let recorder = Recorder::new(client, reporter);
/// recorder.publish(&object_reference(&pod), &EventNote::normal("Synced", "Reconcile", "all good")).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Recorder {
    sink: Sink,
    reporter: Reporter,
    /// The open series, each behind a lock of its own held across its
    /// write: two reconciles publishing the same new event make one Event
    /// with a count of two, not two Events, while a write that hangs holds
    /// back only its own series, never the recorder's other events.
    series: Arc<std::sync::Mutex<HashMap<SeriesKey, SeriesSlot>>>,
    clock: Arc<WallClock>,
}

/// Where `eventTime`, `series.lastObservedTime` and event names come from.
type WallClock = dyn Fn() -> jiff::Timestamp + Send + Sync;

/// Where Events are written.
#[derive(Clone)]
enum Sink {
    /// In the regarding object's namespace (`default` for a cluster-scoped one).
    Client(Client),
    /// Through this one handle, whatever the object's namespace.
    Api(Arc<dyn Typed<Event>>),
}

/// What makes two events the same event repeated. The regarding object's
/// resourceVersion is left out: a controller retrying an object that keeps
/// changing is still repeating itself.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct SeriesKey {
    note: EventNote,
    regarding: ReferenceKey,
    related: Option<ReferenceKey>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct ReferenceKey {
    api_version: Option<String>,
    kind: Option<String>,
    namespace: Option<String>,
    name: Option<String>,
    uid: Option<String>,
    field_path: Option<String>,
}

impl From<&ObjectReference> for ReferenceKey {
    fn from(reference: &ObjectReference) -> Self {
        ReferenceKey {
            api_version: reference.api_version.clone(),
            kind: reference.kind.clone(),
            namespace: reference.namespace.clone(),
            name: reference.name.clone(),
            uid: reference.uid.clone(),
            field_path: reference.field_path.clone(),
        }
    }
}

/// The stored Event of a series and how often it has happened.
#[derive(Clone, Debug)]
struct Series {
    namespace: String,
    name: String,
    count: i32,
    last_observed: Instant,
}

impl Recorder {
    /// A recorder writing each Event into its object's namespace.
    pub fn new(client: Client, reporter: Reporter) -> Self {
        Recorder::with_sink(Sink::Client(client), reporter)
    }

    /// A recorder writing every Event through `events` (one namespace): for a
    /// controller of one namespace, or a test with `MockTyped<Event>`.
    pub fn with_api(events: Arc<dyn Typed<Event>>, reporter: Reporter) -> Self {
        Recorder::with_sink(Sink::Api(events), reporter)
    }

    fn with_sink(sink: Sink, reporter: Reporter) -> Self {
        Recorder {
            sink,
            reporter,
            series: Arc::new(std::sync::Mutex::new(HashMap::new())),
            clock: Arc::new(jiff::Timestamp::now),
        }
    }

    /// Takes the time written into Events (and their names) from `now`
    /// instead of the system clock, so that a test or a recorded session
    /// writes the same Events on every run. `now` should move forward
    /// between calls: two Events about one object at the same instant
    /// would get the same name. (A series still ends after
    /// [`SERIES_WINDOW`] of tokio's clock.)
    pub fn with_clock(mut self, now: impl Fn() -> jiff::Timestamp + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(now);
        self
    }

    /// Publishes `note` about the object `regarding`.
    ///
    /// # Errors
    /// The API server's answer when the Event cannot be created or patched.
    pub async fn publish(&self, regarding: &ObjectReference, note: &EventNote) -> Result<()> {
        self.publish_related(regarding, None, note).await
    }

    /// Publishes `note` about `regarding`, naming a second object `related`
    /// (the Deployment a Foo could not adopt, say).
    ///
    /// # Errors
    /// The API server's answer when the Event cannot be created or patched.
    pub async fn publish_related(
        &self,
        regarding: &ObjectReference,
        related: Option<&ObjectReference>,
        note: &EventNote,
    ) -> Result<()> {
        let key = SeriesKey {
            note: note.clone(),
            regarding: regarding.into(),
            related: related.map(ReferenceKey::from),
        };
        let slot = self.slot(key);
        let mut open = slot.lock().await;
        let now = Instant::now();
        if let Some(series) = repeat(&mut open, now) {
            match self.bump(&series).await {
                Err(error) if error.is_not_found() => {}
                outcome => return outcome,
            }
        }
        let event = self.new_event(regarding, related, note);
        let namespace = event.metadata.namespace.clone().unwrap_or_default();
        let created = self
            .api(&namespace)
            .create(&PostParams::default(), &event)
            .await?;
        let series = Series {
            namespace,
            name: created.metadata.name.unwrap_or_default(),
            count: 1,
            last_observed: now,
        };
        *open = Some(series);
        Ok(())
    }

    /// The slot of the series `key`; ended series, and those whose first
    /// write failed, are dropped on the way unless someone holds them.
    fn slot(&self, key: SeriesKey) -> SeriesSlot {
        let now = Instant::now();
        let mut slots = self
            .series
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        slots.retain(|_, slot| {
            Arc::strong_count(slot) > 1
                || match slot.try_lock() {
                    Ok(series) => series
                        .as_ref()
                        .is_some_and(|series| now.duration_since(series.last_observed) <= SERIES_WINDOW),
                    Err(_busy) => true,
                }
        });
        slots.entry(key).or_default().clone()
    }

    async fn bump(&self, series: &Series) -> Result<()> {
        let patch = Patch::Merge(json!({
            "series": EventSeries {
                count: series.count,
                last_observed_time: MicroTime((self.clock)()),
            }
        }));
        self.api(&series.namespace)
            .patch(&series.name, &PatchParams::default(), &patch)
            .await
            .map(drop)
    }

    fn new_event(
        &self,
        regarding: &ObjectReference,
        related: Option<&ObjectReference>,
        note: &EventNote,
    ) -> Event {
        let now = (self.clock)();
        let namespace = regarding
            .namespace
            .clone()
            .filter(|namespace| !namespace.is_empty())
            .unwrap_or_else(|| "default".to_owned());
        let regarding_name = regarding.name.as_deref().unwrap_or("object");
        Event {
            metadata: ObjectMeta {
                // client-go's naming: the object's name and the time in hex nanoseconds.
                name: Some(format!("{regarding_name}.{:x}", now.as_nanosecond())),
                namespace: Some(namespace),
                ..ObjectMeta::default()
            },
            event_time: Some(MicroTime(now)),
            type_: Some(note.type_.as_str().to_owned()),
            reason: Some(note.reason.clone()),
            action: Some(note.action.clone()),
            note: Some(note.note.clone()),
            regarding: Some(regarding.clone()),
            related: related.cloned(),
            reporting_controller: Some(self.reporter.controller.clone()),
            reporting_instance: Some(self.reporter.instance.clone()),
            ..Event::default()
        }
    }

    fn api(&self, namespace: &str) -> Arc<dyn Typed<Event>> {
        match &self.sink {
            Sink::Client(client) => Arc::new(client.namespaced::<Event>(namespace)),
            Sink::Api(events) => events.clone(),
        }
    }
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("reporter", &self.reporter)
            .finish_non_exhaustive()
    }
}

/// One series' state, `None` until its Event is created.
type SeriesSlot = Arc<Mutex<Option<Series>>>;

/// The series in `open` continues, counted once more, if it is still open.
fn repeat(open: &mut Option<Series>, now: Instant) -> Option<Series> {
    let series = open
        .as_mut()
        .filter(|series| now.duration_since(series.last_observed) <= SERIES_WINDOW)?;
    series.count += 1;
    series.last_observed = now;
    Some(series.clone())
}

/// `text` cut to at most `limit` bytes, on a character boundary.
fn cut_to(mut text: String, limit: usize) -> String {
    if text.len() > limit {
        let mut end = limit;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_note_is_cut_on_a_character_boundary() {
        let note = EventNote::warning("Reason", "Act", "é".repeat(600));
        assert!(note.note.len() <= NOTE_LIMIT);
        assert_eq!(note.note.chars().count(), 512);
    }
}
