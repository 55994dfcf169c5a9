//! How the examples reach a cluster: `Client::try_default()`, which infers
//! the configuration as kubectl does (`KUBECONFIG`, else `~/.kube/config`,
//! else the pod's service account).

use rudder::Client;

/// The live client; its default namespace is the kubeconfig context's
/// (`default` when it names none).
pub fn connect() -> Result<Client, Box<dyn std::error::Error>> {
    Ok(Client::try_default()?)
}
