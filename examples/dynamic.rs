//! The dynamic client: the same verbs on a resource known only at run time.
//!
//! Lists any resource given on the command line as
//! `group/version/plural[/Kind]` (the core group is empty), in a namespace
//! or cluster-wide, and prints each object's name and the top-level fields
//! it has. Without arguments it lists `apps/v1/deployments`.
//!
//! ```text
//! cargo run --example dynamic                                  # deployments on the embedded fake
//! cargo run --example dynamic -- /v1/namespaces/Namespace
//! cargo run --example dynamic -- --live samplecontroller.k8s.io/v1alpha1/foos/Foo default
//! ```
//!
//! Discovery will resolve a bare kind or plural to an `ApiResource`; until
//! then the resource is spelled out here.

#[path = "shared/connect.rs"]
mod connect;
#[path = "shared/report.rs"]
mod report;

use futures::TryStreamExt;
use rudder::dynamic::DynamicClient;
use rudder::types::{ApiResource, ListParams, Scope};

fn parse_resource(spec: &str, namespaced: bool) -> Result<ApiResource, String> {
    let parts: Vec<&str> = spec.split('/').collect();
    let (group, version, plural, kind) = match parts.as_slice() {
        [group, version, plural] => (*group, *version, *plural, ""),
        [group, version, plural, kind] => (*group, *version, *plural, *kind),
        _ => return Err(format!("{spec:?} is not group/version/plural[/Kind]")),
    };
    let scope = if namespaced {
        Scope::Namespaced
    } else {
        Scope::Cluster
    };
    Ok(ApiResource::new(group, version, kind, plural, scope))
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    report::exit_code(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let connection = connect::connect()?;
    let mut args = connection.args.into_iter();
    let spec = args
        .next()
        .unwrap_or_else(|| "apps/v1/deployments/Deployment".into());
    let namespace = args.next();
    let resource = parse_resource(&spec, namespace.is_some())?;
    let rest = connection.client.rest().clone();
    let client = match &namespace {
        Some(namespace) => DynamicClient::namespaced(rest, resource, namespace)?,
        None => DynamicClient::all(rest, resource),
    };
    let mut objects = client.list_stream(&ListParams::default());
    while let Some(object) = objects.try_next().await? {
        let fields: Vec<&String> = object
            .data
            .as_object()
            .map(|map| map.keys().collect())
            .unwrap_or_default();
        println!(
            "{}/{} {:?}",
            object.namespace().unwrap_or("-"),
            object.name().unwrap_or("?"),
            fields
        );
    }
    Ok(())
}
