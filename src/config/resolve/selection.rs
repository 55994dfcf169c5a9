//! Choosing the context, cluster and user a configuration is built from.

use super::options::KubeconfigOptions;
use crate::config::error::ConfigError;
use crate::config::kubeconfig::{Kubeconfig, NamedAuthInfo, NamedCluster, NamedContext};

/// The entries of a kubeconfig that one configuration uses.
pub(super) struct Selection<'a> {
    /// The context, when there is one (there is none when only `--server` was given).
    pub context: Option<&'a NamedContext>,
    /// The cluster, when one is named.
    pub cluster: Option<&'a NamedCluster>,
    /// The user, when one is named.
    pub user: Option<&'a NamedAuthInfo>,
}

/// Picks the context (`options.context`, else `current-context`), then the
/// cluster and user (the overrides, else the context's). A name that is
/// given but not in the kubeconfig is an error, as in kubectl.
pub(super) fn select<'a>(
    kubeconfig: &'a Kubeconfig,
    options: &KubeconfigOptions,
) -> Result<Selection<'a>, ConfigError> {
    let context_name = options.context.as_ref().or(kubeconfig.current_context.as_ref());
    let context = match context_name {
        Some(name) => Some(find(
            kubeconfig,
            &kubeconfig.contexts,
            "context",
            name,
            |entry| &entry.name,
        )?),
        None => None,
    };
    let cluster_name = options
        .cluster
        .as_ref()
        .or_else(|| context.and_then(|context| context.context.cluster.as_ref()));
    let user_name = options
        .user
        .as_ref()
        .or_else(|| context.and_then(|context| context.context.user.as_ref()));
    if context.is_none() && cluster_name.is_none() && options.server.is_none() {
        return Err(ConfigError::NoContext {
            sources: kubeconfig.sources.clone(),
            known: kubeconfig
                .contexts
                .iter()
                .map(|entry| entry.name.clone())
                .collect(),
        });
    }
    let cluster = match cluster_name {
        Some(name) => Some(find(
            kubeconfig,
            &kubeconfig.clusters,
            "cluster",
            name,
            |entry| &entry.name,
        )?),
        None => None,
    };
    let user = match user_name {
        Some(name) => Some(find(kubeconfig, &kubeconfig.users, "user", name, |entry| {
            &entry.name
        })?),
        None => None,
    };
    Ok(Selection {
        context,
        cluster,
        user,
    })
}

fn find<'a, T>(
    kubeconfig: &Kubeconfig,
    entries: &'a [T],
    kind: &'static str,
    name: &str,
    name_of: impl Fn(&T) -> &String,
) -> Result<&'a T, ConfigError> {
    entries
        .iter()
        .find(|entry| name_of(entry) == name)
        .ok_or_else(|| ConfigError::NotFound {
            sources: kubeconfig.sources.clone(),
            kind,
            name: name.to_owned(),
            known: entries.iter().map(|entry| name_of(entry).clone()).collect(),
        })
}
