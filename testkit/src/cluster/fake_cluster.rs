//! `FakeCluster`: an in-memory API server behind the `Rest` trait.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use http::{Method, StatusCode};
use rudder::Status;
use rudder::rest::{Request, Response};
use serde_json::Value;

use super::builder::FakeClusterBuilder;
use super::controls::actions::Action;
use super::controls::clock::IdGenerator;
use super::controls::reactor::{Reaction, Reactor};
use super::gc;
use super::handlers::pod_logs::PodLogs;
use super::handlers::{delete, patching, read, scale, write};
use super::registry::discovery;
use super::request::call::{Call, Reply};
use super::request::errors::{self, method_not_allowed, path_not_found};
use super::request::query::QueryOptions;
use super::request::router::{self, ResourcePath, Route};
use super::store::state::State;
use super::transport::{json_response, reply_response};
use super::watch::start::{self as watch_start, OpenedWatch};

/// The namespaces every cluster starts with.
const INITIAL_NAMESPACES: [&str; 4] = ["default", "kube-system", "kube-public", "kube-node-lease"];

/// An in-memory Kubernetes API server.
///
/// It implements [`Rest`](rudder::Rest), so `Api<K>`, `DynamicClient` and
/// `DiscoveryClient` work on it as on a real cluster. Cloning it is cheap and
/// shares the state; it may be used from many tasks at once.
///
/// ```
/// # async fn run() -> rudder::Result<()> {
/// use rudder::Rest;
/// use rudder::rest::{RequestBuilder, ResourcePath};
/// use rudder_testkit::cluster::FakeCluster;
///
/// let cluster = FakeCluster::new();
/// let path = ResourcePath::core("v1", "namespaces").name("default");
/// let response = cluster.send(RequestBuilder::get(&path)?.build()?).await?;
/// assert_eq!(response.status(), 200);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct FakeCluster {
    pub(super) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(super) struct Inner {
    pub(super) state: Mutex<State>,
    pub(super) reactors: Mutex<Vec<Reactor>>,
    pub(super) actions: Mutex<Vec<Action>>,
    pub(super) pod_logs: Mutex<PodLogs>,
    pub(super) latency: Mutex<Option<Duration>>,
    pub(super) bookmark_interval: Duration,
}

pub(super) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What a request gets: a whole body, or a watch stream.
pub(super) enum Answer {
    Whole(Response),
    Watch(OpenedWatch),
}

impl Default for FakeCluster {
    fn default() -> Self {
        FakeCluster::new()
    }
}

impl FakeCluster {
    /// A cluster with the default options (see [`FakeClusterBuilder::new`]).
    pub fn new() -> Self {
        FakeClusterBuilder::new().build()
    }

    /// Options for a cluster.
    pub fn builder() -> FakeClusterBuilder {
        FakeClusterBuilder::new()
    }

    /// A [`rudder::Client`] on this cluster, whose default namespace is
    /// `default`: every layer of the SDK, served by the fake.
    ///
    /// ```
    /// # async fn run() -> rudder::Result<()> {
    /// use k8s_openapi::api::core::v1::ConfigMap;
    /// use rudder::Typed;
    /// use rudder_testkit::FakeCluster;
    ///
    /// let cluster = FakeCluster::new();
    /// let configmaps = cluster.client().default_namespaced::<ConfigMap>();
    /// assert!(configmaps.get_opt("missing").await?.is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub fn client(&self) -> rudder::Client {
        rudder::Client::new(Arc::new(self.clone()), "default")
    }

    pub(crate) fn from_builder(builder: FakeClusterBuilder) -> Self {
        let ids = builder.ids.unwrap_or_else(IdGenerator::from_entropy);
        let state = State::new(
            builder.registry,
            builder.clock,
            ids,
            builder.history_limit,
            builder.watch_buffer,
        );
        let cluster = FakeCluster {
            inner: Arc::new(Inner {
                state: Mutex::new(state),
                reactors: Mutex::new(Vec::new()),
                actions: Mutex::new(Vec::new()),
                pod_logs: Mutex::new(PodLogs::new()),
                latency: Mutex::new(None),
                bookmark_interval: builder.bookmark_interval,
            }),
        };
        for namespace in INITIAL_NAMESPACES {
            let object =
                serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}});
            if let Err(status) = cluster.create_value(object) {
                tracing::error!(%namespace, message = %status.message, "fake cluster: cannot create an initial namespace");
            }
        }
        cluster
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.inner.state)
    }

    /// Creates an object given as JSON, as a POST would; its kind must be served.
    pub(crate) fn create_value(&self, object: Value) -> std::result::Result<Value, Status> {
        let mut state = self.state();
        let api_version = object.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        let kind_name = object.get("kind").and_then(Value::as_str).unwrap_or("");
        let (group, version) = rudder::types::split_api_version(api_version);
        let kind = state
            .registry
            .by_kind(group, version, kind_name)
            .cloned()
            .ok_or_else(|| {
                errors::bad_request(format!(
                    "no kind {kind_name:?} is registered for version {api_version:?}"
                ))
            })?;
        let namespace = super::meta::text(&object, "namespace").to_owned();
        let call = Call {
            version: version.to_owned(),
            namespace: Some(if namespace.is_empty() {
                "default".to_owned()
            } else {
                namespace
            }),
            name: None,
            subresource: None,
            options: QueryOptions::default(),
            body: Bytes::new(),
            content_type: "application/json".into(),
            user_agent_manager: None,
            kind,
        };
        write::create_object(&mut state, &call, object).map(|reply| reply.body.into_value())
    }

    /// Replaces the status of a stored object, as a PUT of `/status` would.
    pub(crate) fn set_status(&self, object: &Value, status: Value) -> std::result::Result<Value, Status> {
        let mut state = self.state();
        let api_version = object.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        let kind_name = object.get("kind").and_then(Value::as_str).unwrap_or("");
        let (group, version) = rudder::types::split_api_version(api_version);
        let kind = state
            .registry
            .by_kind(group, version, kind_name)
            .cloned()
            .ok_or_else(path_not_found)?;
        let mut body = object.clone();
        body["status"] = status;
        let call = Call {
            version: version.to_owned(),
            namespace: Some(super::meta::text(object, "namespace").to_owned()),
            name: Some(super::meta::text(object, "name").to_owned()),
            subresource: Some("status".into()),
            options: QueryOptions::default(),
            body: Bytes::new(),
            content_type: "application/json".into(),
            user_agent_manager: None,
            kind,
        };
        write::update_object(&mut state, &call, write::UpdateTarget::Status, body)
            .map(|reply| reply.body.into_value())
    }

    pub(super) async fn handle(&self, request: Request) -> std::result::Result<Answer, Status> {
        let latency = *lock(&self.inner.latency);
        if let Some(latency) = latency {
            tokio::time::sleep(latency).await;
        }
        let (parts, body) = request.into_parts();
        let route = {
            let state = self.state();
            router::route(parts.uri.path(), |group, plural| {
                state
                    .registry
                    .by_resource(group, plural)
                    .is_some_and(|kind| kind.namespaced())
            })
        };
        let Some(route) = route else {
            return Err(path_not_found());
        };
        let resource = match route {
            Route::Resource(resource) => resource,
            discovery_route => return self.discovery(&parts, &discovery_route),
        };
        check_path_segments(&resource)?;
        let options = QueryOptions::parse(parts.uri.query())?;
        let call = {
            let state = self.state();
            let kind = state
                .registry
                .by_path(&resource.group, &resource.version, &resource.plural)
                .cloned()
                .ok_or_else(path_not_found)?;
            let content_type = parts
                .headers
                .get(CONTENT_TYPE)
                .and_then(|value| value.to_str().ok())
                .unwrap_or("")
                .to_owned();
            let user_agent_manager = parts
                .headers
                .get(http::header::USER_AGENT)
                .and_then(|value| value.to_str().ok())
                .and_then(|agent| agent.split('/').next())
                .filter(|prefix| !prefix.is_empty())
                .unwrap_or("unknown")
                .to_owned();
            Call {
                kind,
                version: resource.version.clone(),
                namespace: resource.namespace.clone(),
                name: resource.name.clone(),
                subresource: resource.subresource.clone(),
                options,
                body,
                content_type,
                user_agent_manager: Some(user_agent_manager),
            }
        };
        let verb = verb_of(&parts.method, &resource, &call.options)?;
        let action = Action {
            verb: verb.to_owned(),
            group: resource.group.clone(),
            version: resource.version.clone(),
            resource: resource.plural.clone(),
            namespace: resource.namespace.clone(),
            name: resource.name.clone().or_else(|| created_name(verb, &call.body)),
            subresource: resource.subresource.clone(),
        };
        lock(&self.inner.actions).push(action.clone());
        if let Some(reply) = self.run_reactors(&action, &call.body).await? {
            return Ok(Answer::Whole(json_response(reply.code, &reply.body)));
        }
        check_subresource(&call)?;
        if call.subresource.is_none() && !call.kind.verbs().contains(&verb) {
            return Err(method_not_allowed());
        }
        if call.kind.namespaced() && call.namespace.is_none() && (call.name.is_some() || verb == "create") {
            return Err(path_not_found());
        }
        let mut state = self.state();
        gc::settle(&mut state);
        let reply = match verb {
            "watch" => {
                let opened = watch_start::open(&mut state, &call)?;
                drop(state);
                return Ok(Answer::Watch(opened));
            }
            "list" => read::list(&state, &call)?,
            "get" if call.subresource.as_deref() == Some("log") => {
                return Ok(Answer::Whole(self.pod_log(&state, &call)?));
            }
            "get" if call.subresource.as_deref() == Some("scale") => scale::get(&state, &call)?,
            "get" => read::get(&state, &call)?,
            "create" => write::create(&mut state, &call)?,
            "update" if call.subresource.as_deref() == Some("scale") => scale::update(&mut state, &call)?,
            "update" if call.subresource.as_deref() == Some("status") => {
                write::update(&mut state, &call, write::UpdateTarget::Status)?
            }
            "update" => write::update(&mut state, &call, write::UpdateTarget::Main)?,
            "patch" => patching::patch(&mut state, &call)?,
            "delete" => delete::delete(&mut state, &call)?,
            "deletecollection" => delete::delete_collection(&mut state, &call)?,
            _ => return Err(method_not_allowed()),
        };
        // The answer holds what it serves of the store: written without the lock.
        drop(state);
        Ok(Answer::Whole(reply_response(&reply)))
    }

    async fn run_reactors(&self, action: &Action, body: &[u8]) -> std::result::Result<Option<Reply>, Status> {
        let mut index = 0;
        loop {
            let decision = {
                let mut reactors = lock(&self.inner.reactors);
                let Some(offset) = reactors[index..]
                    .iter()
                    .position(|reactor| reactor.matches(action))
                else {
                    return Ok(None);
                };
                index += offset;
                let reaction = reactors[index].decide(action, body);
                if reactors[index].once && reaction != Reaction::Continue {
                    reactors.remove(index);
                } else {
                    index += 1;
                }
                reaction
            };
            match decision {
                Reaction::Continue => {}
                Reaction::Fail(status) => return Err(status),
                Reaction::Respond(object) => return Ok(Some(Reply::ok(object))),
                Reaction::Delay(delay) => tokio::time::sleep(delay).await,
            }
        }
    }

    fn discovery(&self, parts: &http::request::Parts, route: &Route) -> std::result::Result<Answer, Status> {
        if parts.method != Method::GET {
            return Err(method_not_allowed());
        }
        let accept = parts
            .headers
            .get(http::header::ACCEPT)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("");
        let aggregated =
            discovery::wants_aggregated(accept) && matches!(route, Route::CoreVersions | Route::Groups);
        let document = {
            let state = self.state();
            discovery::document(&state.registry, route, aggregated)
        }
        .ok_or_else(path_not_found)?;
        let etag = discovery::etag(&document);
        let unchanged = parts
            .headers
            .get(IF_NONE_MATCH)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|asked| asked == etag);
        let mut response = if unchanged {
            let mut response = Response::new(Bytes::new());
            *response.status_mut() = StatusCode::NOT_MODIFIED;
            response
        } else {
            json_response(200, &document)
        };
        if aggregated && let Ok(value) = http::HeaderValue::from_str(discovery::AGGREGATED_MEDIA_TYPE) {
            response.headers_mut().insert(CONTENT_TYPE, value);
        }
        if let Ok(value) = http::HeaderValue::from_str(&etag) {
            response.headers_mut().insert(ETAG, value);
        }
        Ok(Answer::Whole(response))
    }
}

/// The verb a request is, as client-go's fake names it.
fn verb_of(
    method: &Method,
    resource: &ResourcePath,
    options: &QueryOptions,
) -> std::result::Result<&'static str, Status> {
    let named = resource.name.is_some();
    let verb = match *method {
        Method::GET if resource.watch || options.watch => "watch",
        Method::GET if named => "get",
        Method::GET => "list",
        Method::POST if !named => "create",
        Method::PUT if named => "update",
        Method::PATCH if named => "patch",
        Method::DELETE if named => "delete",
        Method::DELETE => "deletecollection",
        _ => return Err(method_not_allowed()),
    };
    Ok(verb)
}

/// The name a create asks for, so the action log names created objects as
/// client-go's fake does (`generateName` objects have none yet).
fn created_name(verb: &str, body: &[u8]) -> Option<String> {
    /// Only `metadata.name` of the body: the rest is skipped, not built
    /// into a `Value` the handler will build again.
    #[derive(serde::Deserialize)]
    struct Named {
        metadata: Option<Metadata>,
    }
    #[derive(serde::Deserialize)]
    struct Metadata {
        name: Option<String>,
    }
    if verb != "create" {
        return None;
    }
    let named: Named = serde_json::from_slice(body).ok()?;
    named.metadata?.name.filter(|name| !name.is_empty())
}

/// A subresource the kind does not serve is a 404, as on the real server.
/// A name the store could never hold is refused, as the registry's key
/// function refuses it (400); a namespace that is not a path segment
/// addresses nothing (404), as the real server routes such a path.
fn check_path_segments(resource: &ResourcePath) -> std::result::Result<(), Status> {
    if let Some(namespace) = &resource.namespace
        && !router::path_segment_problems(namespace).is_empty()
    {
        return Err(path_not_found());
    }
    if let Some(name) = &resource.name {
        let problems = router::path_segment_problems(name);
        if !problems.is_empty() {
            return Err(errors::invalid_name_parameter(name, &problems));
        }
    }
    Ok(())
}

fn check_subresource(call: &Call) -> std::result::Result<(), Status> {
    match call.subresource.as_deref() {
        None => Ok(()),
        Some(subresource) if call.kind.subresources().contains(&subresource) => Ok(()),
        Some(_) => Err(path_not_found()),
    }
}
