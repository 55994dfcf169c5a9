//! A sample-controller running against a `Rest` (the fake cluster, a
//! served fake, a cassette), and the waits its tests share.

#![allow(dead_code)] // each test file uses part of it

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::events::v1::Event;
use rudder::runtime::conditions::await_condition;
use rudder::types::ListParams;
use rudder::{Api, Client, Typed};
use tokio_util::sync::CancellationToken;

use super::foo::Foo;
use super::sample_controller::{self, Context};

/// How long a test waits for the controller before it fails (paused time:
/// this costs nothing when the controller is quick).
pub const PATIENCE: Duration = Duration::from_secs(30);

/// The controller of the `default` namespace, running in a task.
pub struct RunningController {
    stop: CancellationToken,
    task: tokio::task::JoinHandle<()>,
    /// Each reconcile's outcome, as `ok <key>` or the error's text.
    pub outcomes: Arc<Mutex<Vec<String>>>,
}

impl RunningController {
    /// Starts the controller on `client`.
    pub fn start(client: &Client) -> Self {
        let stop = CancellationToken::new();
        let outcomes = Arc::new(Mutex::new(Vec::new()));
        let context = Arc::new(Context::new(client, "default"));
        let results = sample_controller::controller(client, "default")
            .graceful_shutdown_on(stop.clone().cancelled_owned())
            .run(
                sample_controller::reconcile,
                sample_controller::error_policy,
                context,
            );
        let seen = outcomes.clone();
        let task = tokio::spawn(results.for_each(move |result| {
            let line = match result {
                Ok((key, _)) => format!("ok {key}"),
                Err(error) => error.to_string(),
            };
            seen.lock().unwrap().push(line);
            std::future::ready(())
        }));
        RunningController { stop, task, outcomes }
    }

    /// Stops it gracefully and waits until it has.
    pub async fn stop(self) {
        self.stop.cancel();
        self.task.await.expect("the controller task does not panic");
    }

    /// The outcomes that contain `text`.
    pub fn outcomes_with(&self, text: &str) -> usize {
        self.outcomes
            .lock()
            .unwrap()
            .iter()
            .filter(|line| line.contains(text))
            .count()
    }
}

/// `wait`, or a failure naming `what` after [`PATIENCE`].
pub async fn within<T>(what: &str, wait: impl Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, wait)
        .await
        .unwrap_or_else(|_| panic!("the controller did not {what} within {PATIENCE:?}"))
}

/// Waits until the Deployment `name` meets `condition`; returns it.
pub async fn deployment_where(
    client: &Client,
    name: &str,
    what: &str,
    condition: impl Fn(&Deployment) -> bool + Send + 'static,
) -> Deployment {
    let deployments: Api<Deployment> = client.default_namespaced();
    within(
        what,
        await_condition(deployments, name, move |d: Option<&Deployment>| {
            d.is_some_and(&condition)
        }),
    )
    .await
    .expect("the condition needs the Deployment")
}

/// Waits until the Foo `name` meets `condition`; returns it.
pub async fn foo_where(
    client: &Client,
    name: &str,
    what: &str,
    condition: impl Fn(&Foo) -> bool + Send + 'static,
) -> Foo {
    let foos: Api<Foo> = client.default_namespaced();
    within(
        what,
        await_condition(foos, name, move |f: Option<&Foo>| f.is_some_and(&condition)),
    )
    .await
    .expect("the condition needs the Foo")
}

/// Waits until an Event with `reason` is about the Foo `name`; returns it.
pub async fn event_about(client: &Client, name: &str, reason: &str) -> Event {
    let events: Api<Event> = client.default_namespaced();
    let find = async {
        loop {
            let list = events.list(&ListParams::default()).await.expect("events list");
            let found = list.items.into_iter().find(|event| {
                event.reason.as_deref() == Some(reason)
                    && event.regarding.as_ref().and_then(|r| r.name.as_deref()) == Some(name)
            });
            if let Some(event) = found {
                return event;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    within(&format!("publish {reason} about {name}"), find).await
}

/// Plays the Deployment controller (the fake runs none): reports
/// `available` replicas in the Deployment's status.
pub async fn report_available(client: &Client, name: &str, available: i32) {
    let deployments: Api<Deployment> = client.default_namespaced();
    sample_controller::report_available(&deployments, name, available)
        .await
        .expect("status written");
}
