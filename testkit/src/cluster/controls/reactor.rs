//! Reactors, like client-go's: intercept a verb on a resource (and name)
//! before the store, to fail, answer, delay, or let the request through.

use std::sync::Arc;
use std::time::Duration;

use rudder::Status;
use serde_json::Value;

use crate::cluster::controls::actions::Action;

/// What a reactor decides for a request.
#[derive(Clone, Debug, PartialEq)]
pub enum Reaction {
    /// Let the request go on to the next reactor and the store.
    Continue,
    /// Answer with this error.
    Fail(Status),
    /// Answer 200 with this object, without touching the store.
    Respond(Value),
    /// Wait this long, then go on as `Continue`.
    Delay(Duration),
}

type Decide = dyn Fn(&Action, &[u8]) -> Reaction + Send + Sync;

/// Intercepts the requests that match its verb, resource and name.
///
/// ```
/// use rudder::Status;
/// use rudder_testkit::cluster::{FakeCluster, Reactor};
///
/// let cluster = FakeCluster::new();
/// // The next update of any configmap fails with a conflict.
/// cluster.react(Reactor::fail("update", "configmaps", Status::failure(409, "Conflict", "injected")).once());
/// ```
#[derive(Clone)]
pub struct Reactor {
    verb: String,
    resource: String,
    name: Option<String>,
    pub(crate) once: bool,
    decide: Arc<Decide>,
}

impl std::fmt::Debug for Reactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reactor")
            .field("verb", &self.verb)
            .field("resource", &self.resource)
            .field("name", &self.name)
            .field("once", &self.once)
            .finish()
    }
}

impl Reactor {
    /// A reactor on `verb` and `resource` (`*` matches any) that decides
    /// with `decide`, given the action and the request body. `decide` runs
    /// while the cluster holds its reactor list (that is what makes
    /// [`once`](Self::once) exact under concurrency), so it must not add or
    /// clear reactors itself.
    pub fn new(
        verb: impl Into<String>,
        resource: impl Into<String>,
        decide: impl Fn(&Action, &[u8]) -> Reaction + Send + Sync + 'static,
    ) -> Self {
        Reactor {
            verb: verb.into(),
            resource: resource.into(),
            name: None,
            once: false,
            decide: Arc::new(decide),
        }
    }

    /// Fails every matching request with `status`.
    pub fn fail(verb: impl Into<String>, resource: impl Into<String>, status: Status) -> Self {
        Reactor::new(verb, resource, move |_, _| Reaction::Fail(status.clone()))
    }

    /// Answers every matching request with `object`.
    pub fn respond(verb: impl Into<String>, resource: impl Into<String>, object: Value) -> Self {
        Reactor::new(verb, resource, move |_, _| Reaction::Respond(object.clone()))
    }

    /// Delays every matching request by `delay`.
    pub fn delay(verb: impl Into<String>, resource: impl Into<String>, delay: Duration) -> Self {
        Reactor::new(verb, resource, move |_, _| Reaction::Delay(delay))
    }

    /// Only for the object `name`.
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Removed after the first request it decides (other than `Continue`).
    pub fn once(mut self) -> Self {
        self.once = true;
        self
    }

    pub(crate) fn matches(&self, action: &Action) -> bool {
        action.is(&self.verb, &self.resource)
            && self
                .name
                .as_ref()
                .is_none_or(|name| action.name.as_ref() == Some(name))
    }

    pub(crate) fn decide(&self, action: &Action, body: &[u8]) -> Reaction {
        (self.decide)(action, body)
    }
}
