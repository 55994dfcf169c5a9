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
    let context_name = match (&options.context, &kubeconfig.current_context) {
        (Some(name), _) => Some((name, "options.context".to_owned())),
        (None, Some(name)) => Some((name, "current-context".to_owned())),
        (None, None) => None,
    };
    let context = context_name
        .map(|(name, wanted_by)| find(kubeconfig, &kubeconfig.contexts, "context", name, wanted_by))
        .transpose()?;
    let cluster_name = chosen_name(options.cluster.as_ref(), context, "cluster", |context| {
        context.context.cluster.as_ref()
    });
    let user_name = chosen_name(options.user.as_ref(), context, "user", |context| {
        context.context.user.as_ref()
    });
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
    let cluster = cluster_name
        .map(|(name, wanted_by)| find(kubeconfig, &kubeconfig.clusters, "cluster", name, wanted_by))
        .transpose()?;
    let user = user_name
        .map(|(name, wanted_by)| find(kubeconfig, &kubeconfig.users, "user", name, wanted_by))
        .transpose()?;
    Ok(Selection {
        context,
        cluster,
        user,
    })
}

/// The `kind` (cluster or user) to use and where its name came from: the
/// override `options.<kind>`, else the context's own field.
fn chosen_name<'a>(
    overridden: Option<&'a String>,
    context: Option<&'a NamedContext>,
    kind: &str,
    field: impl Fn(&'a NamedContext) -> Option<&'a String>,
) -> Option<(&'a String, String)> {
    match overridden {
        Some(name) => Some((name, format!("options.{kind}"))),
        None => {
            let context = context?;
            Some((
                field(context)?,
                format!("contexts[{}].context.{kind}", context.name),
            ))
        }
    }
}

/// A kubeconfig entry that has a name.
trait Named {
    fn name(&self) -> &str;
}

impl Named for NamedCluster {
    fn name(&self) -> &str {
        &self.name
    }
}

impl Named for NamedAuthInfo {
    fn name(&self) -> &str {
        &self.name
    }
}

impl Named for NamedContext {
    fn name(&self) -> &str {
        &self.name
    }
}

/// The entry called `name`; `wanted_by` says where the name came from, for the error.
fn find<'a, T: Named>(
    kubeconfig: &Kubeconfig,
    entries: &'a [T],
    kind: &'static str,
    name: &str,
    wanted_by: String,
) -> Result<&'a T, ConfigError> {
    entries
        .iter()
        .find(|entry| entry.name() == name)
        .ok_or_else(|| ConfigError::NotFound {
            sources: kubeconfig.sources.clone(),
            wanted_by,
            kind,
            name: name.to_owned(),
            known: entries.iter().map(|entry| entry.name().to_owned()).collect(),
        })
}
