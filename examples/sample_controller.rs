//! The Kubernetes sample-controller, in Rust: for each `Foo`, a Deployment
//! named `spec.deploymentName` with `spec.replicas` replicas, controlled by
//! the Foo, and the Deployment's available replicas copied to the Foo's
//! status. A Deployment of that name that the Foo does not control is left
//! alone, with a Warning event `ErrResourceExists` on the Foo.
//!
//! ```text
//! cargo run --example sample_controller                  # a scripted tour on the embedded fake cluster
//! cargo run --example sample_controller -- --live        # the controller on a real cluster, until Ctrl-C
//! ```
//!
//! On the embedded fake the example plays the user (it creates, scales and
//! deletes Foos) and the Deployment controller (the fake runs none, so it
//! sets the Deployment's status itself), shows what the controller did at
//! each step, then shuts the controller down gracefully and exits. A real
//! cluster needs the CRD: `kubectl apply -f fixtures/seed/foo-crd.yaml`.

#[path = "shared/connect.rs"]
mod connect;
#[path = "shared/foo.rs"]
mod foo;
#[path = "shared/report.rs"]
mod report;
#[path = "shared/sample_controller.rs"]
mod sample_controller;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use foo::Foo;
use futures::StreamExt;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::events::v1::Event;
use rudder::runtime::conditions::{await_condition, is_deleted};
use rudder::runtime::controller::ReconcileError;
use rudder::types::{DeleteParams, ListParams, Patch, PatchParams, PostParams};
use rudder::{Api, Client, Typed};
use sample_controller::Context;
use serde_json::json;

type Failure = Box<dyn std::error::Error>;

/// How long the tour waits for the controller at each step before it says
/// something went wrong.
const STEP_TIMEOUT: Duration = Duration::from_secs(10);

#[tokio::main]
async fn main() -> std::process::ExitCode {
    report::exit_code(run().await)
}

async fn run() -> Result<(), Failure> {
    let connection = connect::connect()?;
    let client = connection.client;
    let namespace = client.default_namespace().to_owned();
    let context = Arc::new(Context::new(&client, &namespace));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let signal = async move {
        tokio::select! {
            _ = stopped => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    };
    let results = sample_controller::controller(&client, &namespace)
        .graceful_shutdown_on(signal)
        .run(
            sample_controller::reconcile,
            sample_controller::error_policy,
            context,
        )
        .map(|result| match result {
            Ok((key, _)) => println!("  [controller] reconciled {key}"),
            Err(ReconcileError::ObjectNotFound(key)) => {
                println!("  [controller] {key} is gone: nothing to do")
            }
            Err(error) => println!("  [controller] {error} (retrying with backoff)"),
        })
        .collect::<()>();
    let controller = tokio::spawn(results);

    if connection.embedded {
        tour(&client).await?;
        let _ = stop.send(());
        controller.await?;
    } else {
        println!("sample-controller running in namespace {namespace:?}; Ctrl-C to stop");
        controller.await?;
        // Held until here: dropping it would end the run like a signal.
        drop(stop);
    }
    println!("controller stopped: running reconciles finished, none started after the signal");
    Ok(())
}

/// What a user (and the Deployment controller) would do, step by step.
async fn tour(client: &Client) -> Result<(), Failure> {
    let foos: Api<Foo> = client.default_namespaced();
    let deployments: Api<Deployment> = client.default_namespaced();

    println!("1. create Foo example-foo wanting 1 replica of Deployment example-foo");
    let example = foos
        .create(&PostParams::default(), &Foo::new("example-foo", "example-foo", 1))
        .await?;
    let created = step(await_condition(
        deployments.clone(),
        "example-foo",
        |d: Option<&Deployment>| d.is_some(),
    ))
    .await?;
    println!(
        "   Deployment example-foo exists, owned by {:?}",
        owner_names(created.as_ref())
    );

    println!("2. scale the Foo to 3 replicas");
    foos.patch(
        "example-foo",
        &PatchParams::default(),
        &Patch::Merge(json!({"spec": {"replicas": 3}})),
    )
    .await?;
    step(await_condition(
        deployments.clone(),
        "example-foo",
        |d: Option<&Deployment>| replicas(d) == Some(3),
    ))
    .await?;
    println!("   Deployment example-foo now wants 3 replicas");

    println!(
        "3. the Deployment reports 3 available replicas (the fake runs no Deployment controller: we play it)"
    );
    sample_controller::report_available(&deployments, "example-foo", 3).await?;
    step(await_condition(foos.clone(), "example-foo", |f: Option<&Foo>| {
        available(f) == Some(3)
    }))
    .await?;
    println!("   Foo example-foo status.availableReplicas = 3");

    println!("4. a Deployment not-mine that no Foo owns, and Foo squatter that wants it");
    let mut squatted = sample_controller::new_deployment(&Foo::new("someone-else", "not-mine", 1));
    squatted.metadata.owner_references = None;
    deployments.create(&PostParams::default(), &squatted).await?;
    foos.create(&PostParams::default(), &Foo::new("squatter", "not-mine", 2))
        .await?;
    let warning = step(warning_about(client, "squatter")).await?;
    println!("   Warning event on Foo squatter: {warning}");
    let untouched = deployments.get("not-mine").await?;
    println!(
        "   Deployment not-mine left alone: {} replica(s), owners {:?}",
        replicas(Some(&untouched)).unwrap_or(0),
        owner_names(Some(&untouched))
    );

    println!("5. delete Foo example-foo");
    let uid = created.and_then(|d| d.metadata.uid).unwrap_or_default();
    foos.delete("example-foo", &DeleteParams::default()).await?;
    step(await_condition(
        deployments.clone(),
        "example-foo",
        is_deleted::<Deployment>(&uid),
    ))
    .await?;
    println!(
        "   Deployment example-foo garbage-collected with its owner ({})",
        example.metadata.uid.unwrap_or_default()
    );
    Ok(())
}

async fn step<T>(wait: impl Future<Output = T>) -> Result<T, Failure> {
    tokio::time::timeout(STEP_TIMEOUT, wait)
        .await
        .map_err(|_| format!("the controller did not act within {STEP_TIMEOUT:?}").into())
}

/// Waits for the Warning event on the Foo `name`, and returns its note.
async fn warning_about(client: &Client, name: &str) -> String {
    let events: Api<Event> = client.default_namespaced();
    loop {
        if let Ok(list) = events.list(&ListParams::default()).await {
            let found = list.items.into_iter().find(|event| {
                event.reason.as_deref() == Some(sample_controller::ERR_RESOURCE_EXISTS)
                    && event.regarding.as_ref().and_then(|r| r.name.as_deref()) == Some(name)
            });
            if let Some(event) = found {
                return event.note.unwrap_or_default();
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn replicas(deployment: Option<&Deployment>) -> Option<i32> {
    deployment?.spec.replicas
}

fn available(wanted: Option<&Foo>) -> Option<i32> {
    wanted?.status.as_ref().map(|status| status.available_replicas)
}

fn owner_names(deployment: Option<&Deployment>) -> Vec<String> {
    deployment
        .and_then(|d| d.metadata.owner_references.clone())
        .unwrap_or_default()
        .into_iter()
        .map(|owner| format!("{}/{}", owner.kind, owner.name))
        .collect()
}
