//! How the examples reach a cluster.
//!
//! `KUBE_SERVER` names the API server; it defaults to `http://127.0.0.1:8001`,
//! where `kubectl proxy` serves the cluster of the current kubeconfig context
//! with its credentials. `KUBE_TOKEN`, when set, is sent as a bearer token.

use std::sync::Arc;

use rudder::config::{Auth, SecretString};
use rudder::{Config, HttpRest, Rest};

/// The live client for the cluster the environment names.
pub fn rest() -> Result<Arc<dyn Rest>, Box<dyn std::error::Error>> {
    let server = std::env::var("KUBE_SERVER").unwrap_or_else(|_| "http://127.0.0.1:8001".into());
    let url = server
        .parse()
        .map_err(|error| format!("KUBE_SERVER={server:?} is not a URL: {error}"))?;
    let mut config = Config::new(url);
    if let Ok(token) = std::env::var("KUBE_TOKEN") {
        config.auth = Auth::Bearer(SecretString::new(token));
    }
    Ok(Arc::new(HttpRest::new(config)?))
}
