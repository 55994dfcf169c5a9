//! The typed client on a custom resource: the sample-controller `Foo`.
//!
//! Creates (or finds) `example-foo` in the context's namespace, scales it with a merge
//! patch, server-side applies a label, reads its status, and watches Foos
//! for a few events. The embedded fake cluster has the CRD; a real cluster
//! needs it installed (`kubectl apply -f fixtures/seed/foo-crd.yaml`):
//!
//! ```text
//! cargo run --example crd_foo                    # the embedded fake cluster
//! cargo run --example crd_foo -- --live          # the cluster kubectl uses
//! ```

#[path = "shared/connect.rs"]
mod connect;
#[path = "shared/foo.rs"]
mod foo;
#[path = "shared/report.rs"]
mod report;

use foo::Foo;
use futures::StreamExt;
use rudder::typed::{Api, Typed};
use rudder::types::{Patch, PatchParams, PostParams, WatchEvent, WatchParams};
use serde_json::json;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    report::exit_code(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let client = connect::connect()?.client;
    let foos: Api<Foo> = client.default_namespaced();

    let current = match foos.get_opt("example-foo").await? {
        Some(found) => found,
        None => {
            let wanted = Foo::new("example-foo", "example-foo", 1);
            foos.create(&PostParams::default().manager("rudder-example"), &wanted)
                .await?
        }
    };
    println!(
        "example-foo wants {:?} replicas of {}",
        current.spec.replicas, current.spec.deployment_name
    );

    let scaled = foos
        .patch(
            "example-foo",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 2}})),
        )
        .await?;
    println!("now wants {:?}", scaled.spec.replicas);

    let labelled = foos
        .patch(
            "example-foo",
            &PatchParams::apply("rudder-example"),
            &Patch::Apply(json!({
                "apiVersion": "samplecontroller.k8s.io/v1alpha1",
                "kind": "Foo",
                "metadata": {"name": "example-foo", "labels": {"managed-by": "rudder"}},
            })),
        )
        .await?;
    println!("labels: {:?}", labelled.metadata.labels);

    let status = foos.get_status("example-foo").await?;
    println!("status: {:?}", status.status);

    let mut events = foos.watch(&WatchParams::default().timeout(10)).await?.take(5);
    while let Some(event) = events.next().await {
        match event? {
            WatchEvent::Added(item) | WatchEvent::Modified(item) => {
                println!("{:?} wants {:?}", item.metadata.name, item.spec.replicas)
            }
            WatchEvent::Deleted(item) => println!("{:?} deleted", item.metadata.name),
            WatchEvent::Bookmark(bookmark) => println!("at {}", bookmark.metadata.resource_version),
            WatchEvent::Error(status) => println!("watch error: {}", status.message),
        }
    }
    Ok(())
}
