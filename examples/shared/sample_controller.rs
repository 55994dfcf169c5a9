//! The Kubernetes sample-controller's reconcile, in Rust: for each `Foo`,
//! a Deployment named `spec.deploymentName` with `spec.replicas` replicas,
//! controlled by the Foo; `status.availableReplicas` copied back to the Foo.
//!
//! Shared by `examples/sample_controller.rs` and the three test files
//! (`tests/sample_controller_*.rs`), which reach it with `#[path]`. It is
//! written against `Typed<K>` handles, so the tests can give it mocks, the
//! fake cluster, or a cassette.

#![allow(dead_code)] // each user takes part of it

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec, DeploymentStatus};
use k8s_openapi::api::core::v1::{Container, PodSpec, PodTemplateSpec};
use k8s_openapi::api::events::v1::Event;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, OwnerReference};
use rudder::runtime::controller::{Action, Controller};
use rudder::runtime::events::{EventNote, Recorder, Reporter, object_reference};
use rudder::runtime::watcher;
use rudder::types::{ObjectMeta, PostParams, Resource};
use rudder::{Client, Typed};

use super::foo::{Foo, FooStatus};

/// The name the controller writes and reports events under.
pub const CONTROLLER_NAME: &str = "sample-controller";
/// The event reason when the Deployment exists and is not the Foo's.
pub const ERR_RESOURCE_EXISTS: &str = "ErrResourceExists";
/// The event reason when a Foo was synced.
pub const SUCCESS_SYNCED: &str = "Synced";

/// What a reconcile works with: the handles of one namespace.
pub struct Context {
    /// The Foos.
    pub foos: Arc<dyn Typed<Foo>>,
    /// The Deployments.
    pub deployments: Arc<dyn Typed<Deployment>>,
    /// Where the events go.
    pub recorder: Recorder,
}

impl Context {
    /// The handles of `namespace` on `client`; events written there too.
    pub fn new(client: &Client, namespace: &str) -> Self {
        Context {
            foos: Arc::new(client.namespaced::<Foo>(namespace)),
            deployments: Arc::new(client.namespaced::<Deployment>(namespace)),
            recorder: Recorder::with_api(Arc::new(client.namespaced::<Event>(namespace)), reporter()),
        }
    }
}

/// Who reports the events.
pub fn reporter() -> Reporter {
    Reporter {
        controller: format!("samplecontroller.k8s.io/{CONTROLLER_NAME}"),
        instance: format!("{CONTROLLER_NAME}-0"),
    }
}

/// Why a reconcile failed; each is retried with the Foo's backoff.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The API server refused or could not be reached.
    #[error(transparent)]
    Api(#[from] rudder::Error),
    /// The Deployment exists and is not controlled by the Foo.
    #[error("Resource {0:?} already exists and is not managed by Foo")]
    ResourceExists(String),
}

/// The controller of the Foos in `namespace`, also woken by changes to the
/// Deployments they control.
pub fn controller(client: &Client, namespace: &str) -> Controller<Foo> {
    Controller::new(client.namespaced::<Foo>(namespace), watcher::Config::default()).owns(
        client.namespaced::<Deployment>(namespace),
        watcher::Config::default(),
    )
}

/// Brings the world in line with `desired`, as sample-controller's `syncHandler` does.
pub async fn reconcile(desired: Arc<Foo>, context: Arc<Context>) -> Result<Action, SyncError> {
    let deployment_name = desired.spec.deployment_name.as_str();
    if deployment_name.is_empty() {
        // Retrying cannot help; the next change to the Foo queues it again.
        tracing::warn!(foo = ?desired.metadata.name, "spec.deploymentName must be specified");
        return Ok(Action::await_change());
    }
    let deployment = match context.deployments.get_opt(deployment_name).await? {
        Some(found) => found,
        None => {
            let params = PostParams::default().manager(CONTROLLER_NAME);
            context
                .deployments
                .create(&params, &new_deployment(&desired))
                .await?
        }
    };
    if !is_controlled_by(&deployment, &desired) {
        let error = SyncError::ResourceExists(deployment_name.to_owned());
        let note = EventNote::warning(ERR_RESOURCE_EXISTS, "Reconcile", error.to_string());
        context
            .recorder
            .publish(&object_reference(&*desired), &note)
            .await?;
        return Err(error);
    }
    let deployment = match replicas_to_set(&desired, &deployment) {
        Some(replicas) => scale(&context, deployment, replicas).await?,
        None => deployment,
    };
    update_status(&context, &desired, &deployment).await?;
    let note = EventNote::normal(SUCCESS_SYNCED, "Reconcile", "Foo synced successfully");
    context
        .recorder
        .publish(&object_reference(&*desired), &note)
        .await?;
    Ok(Action::await_change())
}

/// Every failure is retried with the Foo's exponential backoff.
pub fn error_policy(_foo: Arc<Foo>, _error: &SyncError, _context: Arc<Context>) -> Action {
    Action::backoff()
}

/// The Foo's replica count, when it says one and the Deployment has another.
fn replicas_to_set(desired: &Foo, deployment: &Deployment) -> Option<i32> {
    let wanted = desired.spec.replicas?;
    let current = deployment.spec.replicas;
    (current != Some(wanted)).then_some(wanted)
}

/// Replaces the Deployment with `replicas`; its resourceVersion guards
/// against a concurrent change (a 409 retries the Foo).
async fn scale(
    context: &Context,
    mut deployment: Deployment,
    replicas: i32,
) -> Result<Deployment, SyncError> {
    let name = deployment.metadata.name.clone().unwrap_or_default();
    deployment.spec.replicas = Some(replicas);
    let params = PostParams::default().manager(CONTROLLER_NAME);
    Ok(context.deployments.replace(&name, &params, &deployment).await?)
}

/// Copies the Deployment's available replicas to the Foo's status, through
/// the status subresource, when they differ.
async fn update_status(context: &Context, desired: &Foo, deployment: &Deployment) -> Result<(), SyncError> {
    let available = deployment
        .status
        .as_ref()
        .and_then(|status| status.available_replicas)
        .unwrap_or(0);
    let current = desired.status.as_ref().map(|status| status.available_replicas);
    if current == Some(available) {
        return Ok(());
    }
    let mut updated = desired.clone();
    updated.status = Some(FooStatus {
        available_replicas: available,
    });
    let name = desired.metadata.name.clone().unwrap_or_default();
    let params = PostParams::default().manager(CONTROLLER_NAME);
    context.foos.replace_status(&name, &params, &updated).await?;
    Ok(())
}

/// Whether `desired` is the controller of `deployment` (by uid, as `metav1.IsControlledBy`).
pub fn is_controlled_by(deployment: &Deployment, desired: &Foo) -> bool {
    let owners = deployment.metadata.owner_references.iter().flatten();
    owners
        .filter(|owner| owner.controller == Some(true))
        .any(|owner| Some(owner.uid.as_str()) == desired.metadata.uid.as_deref())
}

/// The Deployment `desired` asks for: nginx, labelled for the Foo, controlled by it.
pub fn new_deployment(desired: &Foo) -> Deployment {
    let foo_name = desired.metadata.name.clone().unwrap_or_default();
    let labels = BTreeMap::from([
        ("app".to_owned(), "nginx".to_owned()),
        ("controller".to_owned(), foo_name.clone()),
    ]);
    Deployment {
        metadata: ObjectMeta {
            name: Some(desired.spec.deployment_name.clone()),
            namespace: desired.metadata.namespace.clone(),
            owner_references: Some(vec![controller_reference(desired)]),
            ..ObjectMeta::default()
        },
        spec: DeploymentSpec {
            replicas: desired.spec.replicas,
            selector: LabelSelector {
                match_labels: Some(labels.clone()),
                ..LabelSelector::default()
            },
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels),
                    ..ObjectMeta::default()
                }),
                spec: Some(PodSpec {
                    containers: vec![Container {
                        name: "nginx".into(),
                        image: Some("nginx:latest".into()),
                        ..Container::default()
                    }],
                    ..PodSpec::default()
                }),
            },
            ..DeploymentSpec::default()
        },
        status: None,
    }
}

/// The ownerReference that makes `desired` the controller (`metav1.NewControllerRef`).
fn controller_reference(desired: &Foo) -> OwnerReference {
    OwnerReference {
        api_version: Foo::api_version(),
        kind: Foo::KIND.to_owned(),
        name: desired.metadata.name.clone().unwrap_or_default(),
        uid: desired.metadata.uid.clone().unwrap_or_default(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

/// Plays the Deployment controller, which the fake cluster does not run:
/// reports `available` replicas in the Deployment's status, as a rollout
/// would on a real cluster.
pub async fn report_available(
    deployments: &dyn Typed<Deployment>,
    name: &str,
    available: i32,
) -> rudder::Result<()> {
    let mut deployment = deployments.get_status(name).await?;
    deployment.status = Some(DeploymentStatus {
        replicas: Some(available),
        ready_replicas: Some(available),
        available_replicas: Some(available),
        ..deployment.status.unwrap_or_default()
    });
    deployments
        .replace_status(name, &PostParams::default(), &deployment)
        .await?;
    Ok(())
}
