//! A tour of rudder's layers against an embedded fake cluster: no cluster,
//! no kubeconfig, nothing to install.
//!
//! ```sh
//! cargo run --example quickstart                        # embedded FakeCluster
//! cargo run --example quickstart -- --kubeconfig PATH   # a real cluster
//! cargo run --example quickstart -- --live              # the cluster kubectl would use
//! ```
//!
//! It starts a `FakeCluster` seeded from `fixtures/seed/` (a small web app
//! and the sample-controller `Foo` CRD), then shows each layer at work:
//! discovery, typed pods, the typed `Foo` client, dynamic listing and a watch.

#[path = "shared/connect.rs"]
mod connect;
#[path = "shared/foo.rs"]
mod foo;
#[path = "shared/report.rs"]
mod report;

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use rudder::discovery::Discovery;
use rudder::dynamic::{Dynamic, DynamicClient};
use rudder::types::{ListParams, Patch, PatchParams, PostParams, WatchEvent, WatchParams};
use rudder::{Api, Client, Typed};

use foo::Foo;

type Failure = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    report::exit_code(run().await)
}

async fn run() -> Result<(), Failure> {
    let connection = connect::connect()?;
    if !connection.args.is_empty() {
        return Err("usage: quickstart [--kubeconfig PATH | --live]".into());
    }
    let client = connection.client;
    show_discovery(&client).await?;
    show_pods(&client).await?;
    show_foos(&client).await?;
    show_dynamic(&client).await?;
    show_watch(&client).await?;
    Ok(())
}

fn heading(text: &str) {
    println!("\n== {text}");
}

/// Discovery: what the server serves, and kubectl-style name resolution.
async fn show_discovery(client: &Client) -> Result<(), Failure> {
    heading("Discovery: what does the server serve?");
    let discovery = client.discovery();
    let version = discovery.server_version().await?;
    let apis = discovery.server_apis().await?;
    println!(
        "server {} serves {} groups and {} resources",
        version.git_version,
        apis.groups().len(),
        apis.preferred_resources().count()
    );
    for name in ["deploy", "po", "foo"] {
        match discovery.resolve(name).await {
            Ok(served) => println!(
                "  {name:<7} -> {} {} ({})",
                served.resource.api_version(),
                served.resource.kind,
                served.resource.plural
            ),
            Err(error) => println!("  {name:<7} -> not served: {error}"),
        }
    }
    Ok(())
}

/// Typed pods: the seed program's namespace/name/phase listing, pages of 500.
async fn show_pods(client: &Client) -> Result<(), Failure> {
    heading("Typed: every pod, in pages of 500 (Api<Pod>)");
    let pods: Api<Pod> = client.all();
    let mut stream = pods.list_stream(&ListParams::default().limit(500));
    println!("  {:<16} {:<24} PHASE", "NAMESPACE", "NAME");
    while let Some(pod) = stream.try_next().await? {
        let phase = pod.status.and_then(|status| status.phase).unwrap_or_default();
        let namespace = pod.metadata.namespace.unwrap_or_default();
        println!(
            "  {namespace:<16} {:<24} {phase}",
            pod.metadata.name.unwrap_or_default()
        );
    }
    Ok(())
}

/// The typed client of a CRD: create, then patch, the sample-controller Foo.
async fn show_foos(client: &Client) -> Result<(), Failure> {
    heading("Typed CRD: the sample-controller Foo (Api<Foo>)");
    if client
        .discovery()
        .resolve("foos.samplecontroller.k8s.io")
        .await
        .is_err()
    {
        println!("  the Foo CRD is not installed here; skipping");
        return Ok(());
    }
    let foos: Api<Foo> = client.namespaced("default");
    let example = match foos.get_opt("example-foo").await? {
        Some(existing) => existing,
        None => {
            let wanted = Foo::new("example-foo", "example-foo", 1);
            foos.create(&PostParams::default().manager("quickstart"), &wanted)
                .await?
        }
    };
    println!(
        "  example-foo: deployment {}, replicas {:?}, resourceVersion {}",
        example.spec.deployment_name,
        example.spec.replicas,
        example.metadata.resource_version.clone().unwrap_or_default()
    );
    let patch = Patch::Merge(serde_json::json!({"spec": {"replicas": 3}}));
    let patched = foos.patch("example-foo", &PatchParams::default(), &patch).await?;
    println!(
        "  after a merge patch: replicas {:?}, resourceVersion {}",
        patched.spec.replicas,
        patched.metadata.resource_version.unwrap_or_default()
    );
    Ok(())
}

/// The dynamic layer: a resource known only by name at run time.
async fn show_dynamic(client: &Client) -> Result<(), Failure> {
    heading("Dynamic: deployments, resolved by the name \"deploy\" (DynamicClient)");
    let served = client.discovery().resolve("deploy").await?;
    let deployments = DynamicClient::all(client.rest().clone(), served.resource);
    for object in deployments.list(&ListParams::default()).await?.items {
        let replicas = object.data.pointer("/spec/replicas").cloned().unwrap_or_default();
        println!(
            "  {}/{} wants {replicas} replicas",
            object.namespace().unwrap_or("-"),
            object.name().unwrap_or("?")
        );
    }
    Ok(())
}

/// A watch: start watching config maps, create one, see the event arrive.
async fn show_watch(client: &Client) -> Result<(), Failure> {
    heading("Watch: an event caused by a create (Api<ConfigMap>::watch)");
    let config_maps: Api<ConfigMap> = client.namespaced("default");
    let current = config_maps.list(&ListParams::default()).await?;
    let from = current.metadata.resource_version.clone().unwrap_or_default();
    let mut events = config_maps
        .watch(&WatchParams::default().from_version(&from).timeout(10))
        .await?;
    let name = format!("quickstart-{}", std::process::id());
    let mut created = ConfigMap::default();
    created.metadata.name = Some(name.clone());
    config_maps
        .create(&PostParams::default().manager("quickstart"), &created)
        .await?;
    let next = tokio::time::timeout(Duration::from_secs(10), events.next()).await;
    match next {
        Ok(Some(Ok(WatchEvent::Added(config_map)))) => {
            println!("  ADDED {}", config_map.metadata.name.unwrap_or_default())
        }
        Ok(Some(Ok(other))) => println!("  first event was not ADDED: {other:?}"),
        Ok(Some(Err(error))) => return Err(error.into()),
        Ok(None) | Err(_) => println!("  no event within 10 s"),
    }
    config_maps.delete(&name, &Default::default()).await?;
    println!("\nDone. Each step above ran unchanged against the fake or a real cluster.");
    Ok(())
}
