//! The sample-controller's reconcile, decision by decision, with mocks of
//! `Typed<Foo>`, `Typed<Deployment>` and `Typed<Event>`: each test says
//! which calls the reconcile may make, and with what. No server at all;
//! the fastest and most precise way, and the most brittle: the expectations
//! restate the implementation's calls.
#![cfg(feature = "mock")]

#[path = "../examples/shared/foo.rs"]
mod foo;
#[path = "../examples/shared/sample_controller.rs"]
mod sample_controller;

use std::sync::Arc;

use foo::{Foo, FooStatus};
use k8s_openapi::api::apps::v1::{Deployment, DeploymentStatus};
use k8s_openapi::api::events::v1::Event;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use rudder::error::ApiError;
use rudder::runtime::controller::Action;
use rudder::runtime::events::Recorder;
use rudder::typed::MockTyped;
use sample_controller::{Context, SyncError};

/// A stored Foo: namespace, uid and resourceVersion as the server gives them.
fn stored_foo(deployment: &str, replicas: i32, available: Option<i32>) -> Foo {
    let mut example = Foo::new("example", deployment, replicas);
    example.metadata.namespace = Some("default".into());
    example.metadata.uid = Some("example-uid".into());
    example.metadata.resource_version = Some("7".into());
    example.status = available.map(|available_replicas| FooStatus { available_replicas });
    example
}

/// The Deployment the Foo would create, as stored, with `available` replicas.
fn owned_deployment(example: &Foo, replicas: i32, available: i32) -> Deployment {
    let mut deployment = sample_controller::new_deployment(example);
    deployment.spec.replicas = Some(replicas);
    deployment.metadata.resource_version = Some("42".into());
    deployment.status = Some(DeploymentStatus {
        available_replicas: Some(available),
        ..DeploymentStatus::default()
    });
    deployment
}

/// Deployments where the reconcile looks up, once, and finds `existing`.
fn deployments_finding(existing: Deployment) -> MockTyped<Deployment> {
    let mut deployments = MockTyped::new();
    deployments
        .expect_get_opt()
        .withf(|name| name == "web")
        .times(1)
        .returning(move |_| Ok(Some(existing.clone())));
    deployments
}

fn conflict() -> rudder::Error {
    ApiError::from_response(
        "PUT",
        "/apis/apps/v1/namespaces/default/deployments/web",
        http::StatusCode::CONFLICT,
        br#"{"kind":"Status","status":"Failure","reason":"Conflict","message":"the object has been modified","code":409}"#,
    )
    .into()
}

/// Expects one event with `reason`; the recorder's first event is a create.
fn expect_event(events: &mut MockTyped<Event>, reason: &'static str) {
    events
        .expect_create()
        .withf(move |_, event| event.reason.as_deref() == Some(reason))
        .times(1)
        .returning(|_, event| Ok(event.clone()));
}

fn context(
    foos: MockTyped<Foo>,
    deployments: MockTyped<Deployment>,
    events: MockTyped<Event>,
) -> Arc<Context> {
    Arc::new(Context {
        foos: Arc::new(foos),
        deployments: Arc::new(deployments),
        recorder: Recorder::with_api(Arc::new(events), sample_controller::reporter()),
    })
}

#[tokio::test]
async fn a_foo_without_a_deployment_name_is_left_until_it_changes() {
    let example = stored_foo("", 1, None);
    // No expectations: any call would fail the test.
    let context = context(MockTyped::new(), MockTyped::new(), MockTyped::new());

    let action = sample_controller::reconcile(Arc::new(example), context)
        .await
        .unwrap();

    assert_eq!(action, Action::await_change());
}

#[tokio::test]
async fn a_missing_deployment_is_created_controlled_by_the_foo() {
    let example = stored_foo("web", 2, None);
    let mut deployments = MockTyped::<Deployment>::new();
    deployments
        .expect_get_opt()
        .withf(|name| name == "web")
        .times(1)
        .returning(|_| Ok(None));
    deployments
        .expect_create()
        .withf(|params, deployment| {
            let owner = &deployment.metadata.owner_references.as_ref().unwrap()[0];
            params.field_manager.as_deref() == Some("sample-controller")
                && deployment.metadata.name.as_deref() == Some("web")
                && deployment.spec.replicas == Some(2)
                && owner.kind == "Foo"
                && owner.uid == "example-uid"
                && owner.controller == Some(true)
        })
        .times(1)
        .returning(|_, deployment| Ok(deployment.clone()));
    let mut foos = MockTyped::<Foo>::new();
    foos.expect_replace_status()
        .withf(|name, _, written| {
            name == "example"
                && written.status
                    == Some(FooStatus {
                        available_replicas: 0,
                    })
        })
        .times(1)
        .returning(|_, _, written| Ok(written.clone()));
    let mut events = MockTyped::new();
    expect_event(&mut events, "Synced");

    let action = sample_controller::reconcile(Arc::new(example), context(foos, deployments, events))
        .await
        .unwrap();

    assert_eq!(action, Action::await_change());
}

#[tokio::test]
async fn a_deployment_in_line_with_its_foo_is_not_written() {
    let example = stored_foo("web", 2, Some(2));
    let existing = owned_deployment(&example, 2, 2);
    let deployments = deployments_finding(existing);
    let mut events = MockTyped::new();
    expect_event(&mut events, "Synced");

    // No create, replace or replace_status expected.
    sample_controller::reconcile(Arc::new(example), context(MockTyped::new(), deployments, events))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_replica_change_replaces_the_deployment_guarded_by_its_resource_version() {
    let example = stored_foo("web", 5, Some(2));
    let existing = owned_deployment(&example, 2, 2);
    let mut deployments = deployments_finding(existing);
    deployments
        .expect_replace()
        .withf(|name, _, deployment| {
            name == "web"
                && deployment.spec.replicas == Some(5)
                && deployment.metadata.resource_version.as_deref() == Some("42")
        })
        .times(1)
        .returning(|_, _, deployment| Ok(deployment.clone()));
    let mut events = MockTyped::new();
    expect_event(&mut events, "Synced");

    sample_controller::reconcile(Arc::new(example), context(MockTyped::new(), deployments, events))
        .await
        .unwrap();
}

#[tokio::test]
async fn the_available_replicas_are_written_through_the_status_subresource() {
    let example = stored_foo("web", 3, Some(1));
    let existing = owned_deployment(&example, 3, 3);
    let deployments = deployments_finding(existing);
    let mut foos = MockTyped::<Foo>::new();
    foos.expect_replace_status()
        .withf(|_, _, written| {
            written.status
                == Some(FooStatus {
                    available_replicas: 3,
                })
                && written.metadata.resource_version.as_deref() == Some("7")
        })
        .times(1)
        .returning(|_, _, written| Ok(written.clone()));
    foos.expect_replace().never();
    let mut events = MockTyped::new();
    expect_event(&mut events, "Synced");

    sample_controller::reconcile(Arc::new(example), context(foos, deployments, events))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_deployment_the_foo_does_not_control_is_refused_with_a_warning() {
    let example = stored_foo("web", 3, None);
    let mut squatted = owned_deployment(&example, 1, 1);
    squatted.metadata.owner_references = Some(vec![OwnerReference {
        api_version: "apps/v1".into(),
        kind: "ReplicaSet".into(),
        name: "other".into(),
        uid: "other-uid".into(),
        controller: Some(true),
        ..OwnerReference::default()
    }]);
    let mut deployments = deployments_finding(squatted);
    deployments.expect_replace().never();
    let mut events = MockTyped::<Event>::new();
    events
        .expect_create()
        .withf(|_, event| {
            event.type_.as_deref() == Some("Warning")
                && event.reason.as_deref() == Some("ErrResourceExists")
                && event.regarding.as_ref().and_then(|r| r.name.as_deref()) == Some("example")
                && event.note.as_deref() == Some("Resource \"web\" already exists and is not managed by Foo")
        })
        .times(1)
        .returning(|_, event| Ok(event.clone()));

    let error =
        sample_controller::reconcile(Arc::new(example), context(MockTyped::new(), deployments, events))
            .await
            .unwrap_err();

    assert!(
        matches!(error, SyncError::ResourceExists(ref name) if name == "web"),
        "{error}"
    );
}

#[tokio::test]
async fn an_api_error_fails_the_reconcile_and_the_policy_backs_off() {
    let example = Arc::new(stored_foo("web", 5, Some(2)));
    let existing = owned_deployment(&example, 2, 2);
    let mut deployments = deployments_finding(existing);
    deployments
        .expect_replace()
        .times(1)
        .returning(|_, _, _| Err(conflict()));
    // No status write and no Synced event after the failure.
    let context = context(MockTyped::new(), deployments, MockTyped::new());

    let error = sample_controller::reconcile(example.clone(), context.clone())
        .await
        .unwrap_err();

    assert!(
        matches!(&error, SyncError::Api(api) if api.is_conflict()),
        "{error}"
    );
    assert_eq!(
        sample_controller::error_policy(example, &error, context),
        Action::backoff()
    );
}
