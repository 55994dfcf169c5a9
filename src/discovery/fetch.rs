//! Legacy discovery's per-group-version documents, fetched concurrently
//! (bounded), each failure kept apart so the others survive.

use std::sync::Arc;

use bytes::Bytes;
use futures::StreamExt;
use serde::de::DeserializeOwned;

use crate::Result;
use crate::rest::decode_body;

use super::client::DiscoveryClient;
use super::convert::group_version;
use super::model::{GroupVersionFailure, ServedResource};
use super::wire::{AGGREGATED_KIND, KindOnly, is_aggregated_content_type};

/// A discovery document as the server sent it (or the HTTP cache kept it).
#[derive(Clone, Debug)]
pub(crate) struct Document {
    /// The request URI, for errors.
    pub(crate) uri: String,
    /// The response's `Content-Type`.
    pub(crate) content_type: Option<String>,
    /// The body.
    pub(crate) body: Bytes,
}

impl Document {
    pub(crate) fn is_aggregated(&self) -> bool {
        if self
            .content_type
            .as_deref()
            .is_some_and(is_aggregated_content_type)
        {
            return true;
        }
        // A server (or a proxy) may drop the parameters: look at the body's kind.
        serde_json::from_slice::<KindOnly>(&self.body)
            .ok()
            .and_then(|k| k.kind)
            .is_some_and(|kind| kind == AGGREGATED_KIND)
    }

    pub(crate) fn decode<T: DeserializeOwned>(&self) -> Result<T> {
        decode_body("GET", &self.uri, &self.body)
    }
}

/// The resources of the group versions that were discovered, in the order
/// asked, and the failures.
#[derive(Default)]
pub(crate) struct Fetched {
    pub(crate) by_group_version: Vec<(String, String, Vec<ServedResource>)>,
    pub(crate) failures: Vec<GroupVersionFailure>,
}

/// Fetches each `(group, version)` document, at most `concurrency` at once.
pub(crate) async fn fetch_group_versions(
    client: &DiscoveryClient,
    group_versions: Vec<(String, String)>,
    concurrency: usize,
) -> Fetched {
    let results: Vec<_> = futures::stream::iter(group_versions)
        .map(|(group, version)| async move {
            let result = client.get_group_version(&group, &version).await;
            (group, version, result)
        })
        .buffered(concurrency)
        .collect()
        .await;
    let mut fetched = Fetched::default();
    for (group, version, result) in results {
        match result {
            Ok(resources) => fetched.by_group_version.push((group, version, resources)),
            Err(error) => {
                let group_version = group_version(&group, &version);
                tracing::warn!(%group_version, %error, "discovery of a group version failed; keeping the others");
                fetched.failures.push(GroupVersionFailure {
                    group_version,
                    error: Arc::new(error),
                });
            }
        }
    }
    fetched
}
