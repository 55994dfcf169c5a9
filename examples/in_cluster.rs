//! Runs inside a pod: the configuration comes from the mounted service
//! account (token, CA, namespace) and `KUBERNETES_SERVICE_HOST`/`_PORT`,
//! and the program lists the config maps of its own namespace.
//!
//! ```sh
//! cargo run --example in_cluster          # in a pod
//! ```
//!
//! Outside a pod it explains why it cannot run. The token is re-read from
//! its file, so a rotated service-account token is picked up.

#[path = "shared/report.rs"]
mod report;

use k8s_openapi::api::core::v1::ConfigMap;
use rudder::types::ListParams;
use rudder::{Api, Client, Config, Typed};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    report::exit_code(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let config = Config::in_cluster()?;
    println!(
        "API server {}, namespace {}",
        config.cluster_url, config.default_namespace
    );
    let client = Client::try_from_config(config)?;
    let config_maps: Api<ConfigMap> = client.default_namespaced();
    for config_map in config_maps.list(&ListParams::default()).await?.items {
        let keys = config_map.data.map(|data| data.len()).unwrap_or_default();
        println!("{} ({keys} keys)", config_map.metadata.name.unwrap_or_default());
    }
    Ok(())
}
