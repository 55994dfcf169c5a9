//! Lists every pod in every namespace, 500 at a time, and prints its
//! namespace, name and phase.
//!
//! ```text
//! cargo run --example list_pods                  # the embedded fake cluster
//! cargo run --example list_pods -- --live        # the cluster kubectl uses
//! ```

#[path = "shared/connect.rs"]
mod connect;
#[path = "shared/report.rs"]
mod report;

use futures::TryStreamExt;
use k8s_openapi::api::core::v1::Pod;
use rudder::typed::Api;
use rudder::types::ListParams;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    report::exit_code(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let pods: Api<Pod> = connect::connect()?.client.all();
    // One page of 500 in memory at a time, however many pods there are.
    let mut stream = pods.list_stream(&ListParams::default().limit(500));
    println!("{:<24} {:<48} PHASE", "NAMESPACE", "NAME");
    while let Some(pod) = stream.try_next().await? {
        let phase = pod.status.and_then(|status| status.phase).unwrap_or_default();
        println!(
            "{:<24} {:<48} {phase}",
            pod.metadata.namespace.unwrap_or_default(),
            pod.metadata.name.unwrap_or_default(),
        );
    }
    Ok(())
}
