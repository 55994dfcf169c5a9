//! Prints the server's version, its groups and versions, and the resources
//! of each group's preferred version — a small `kubectl api-resources`.
//!
//! ```sh
//! cargo run --example discovery [NAME...]               # the embedded fake cluster
//! cargo run --example discovery -- --live [NAME...]     # the cluster kubectl uses
//! ```
//!
//! Each NAME (`deploy`, `deployments.apps`, `Deployment`) is resolved as
//! kubectl resolves its resource argument. Against a real cluster, discovery
//! is cached in kubectl's layout under `$KUBECACHEDIR` or `~/.kube/cache`.

#[path = "shared/connect.rs"]
mod connect;
#[path = "shared/report.rs"]
mod report;

use rudder::discovery::Discovery;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    report::exit_code(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let connection = connect::connect()?;
    let client = connection.client;
    let discovery = client.discovery();

    let version = discovery.server_version().await?;
    println!("server {} ({})", version.git_version, version.platform);

    let apis = discovery.server_apis().await?;
    println!("\nGROUP\tVERSIONS (preferred first)");
    for group in apis.groups() {
        let name = if group.name.is_empty() {
            "(core)"
        } else {
            &group.name
        };
        println!("{name}\t{}", group.versions.join(", "));
    }

    println!("\nNAME\tSHORTNAMES\tAPIVERSION\tNAMESPACED\tKIND\tVERBS\tSUBRESOURCES");
    for served in apis.preferred_resources() {
        let r = &served.resource;
        let subresources: Vec<&str> = served.subresources.iter().map(|s| s.name.as_str()).collect();
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}",
            r.plural,
            served.short_names.join(","),
            r.api_version(),
            r.is_namespaced(),
            r.kind,
            served.verbs.join(","),
            subresources.join(","),
        );
    }
    for failure in apis.failures() {
        eprintln!(
            "warning: could not discover {}: {}",
            failure.group_version, failure.error
        );
    }

    for name in connection.args {
        match discovery.resolve(&name).await {
            Ok(served) => println!(
                "\n{name} -> {} ({})",
                served.qualified_name(),
                served.resource.api_version()
            ),
            Err(error) => eprintln!("\n{name}: {error}"),
        }
    }
    // The disk cache is written behind the answers: wait for it, so the
    // next run starts warm.
    discovery.flush_cache().await;
    Ok(())
}
