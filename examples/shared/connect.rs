//! How the examples reach a cluster: `Config::infer()` (`KUBECONFIG`, else
//! `~/.kube/config`, else the pod's service account), as kubectl would.

use std::sync::Arc;

use rudder::{Config, HttpRest, Rest};

/// The live client, and the namespace the kubeconfig context names
/// (`default` when it names none).
pub fn connect() -> Result<(Arc<dyn Rest>, String), Box<dyn std::error::Error>> {
    let config = Config::infer()?;
    let namespace = config.default_namespace.clone();
    Ok((Arc::new(HttpRest::new(config)?), namespace))
}
