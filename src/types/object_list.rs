//! `ObjectList<K>`: one page of a list response.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ListMeta;
use serde::{Deserialize, Deserializer, Serialize};

/// A list response: the items of one page and the list's metadata
/// (`continue`, `resourceVersion`, `remainingItemCount`).
///
/// It is decoded straight from the response bytes, items and all.
///
/// ```
/// use k8s_openapi::api::core::v1::Pod;
/// use rudder::types::ObjectList;
/// let body = br#"{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"7","continue":"c1","remainingItemCount":3},"items":[{"metadata":{"name":"a"}}]}"#;
/// let list: ObjectList<Pod> = serde_json::from_slice(body).unwrap();
/// assert_eq!(list.items.len(), 1);
/// assert_eq!(list.continue_token(), Some("c1"));
/// assert_eq!(list.resource_version(), Some("7"));
/// assert_eq!(list.remaining_item_count(), Some(3));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "K: Deserialize<'de>", serialize = "K: Serialize"))]
pub struct ObjectList<K> {
    /// The list's metadata.
    #[serde(default)]
    pub metadata: ListMeta,
    /// The objects. The server sends `null` for an empty list of some kinds; it is read as empty.
    #[serde(default = "Vec::new", deserialize_with = "null_as_empty")]
    pub items: Vec<K>,
}

impl<K> Default for ObjectList<K> {
    fn default() -> Self {
        ObjectList {
            metadata: ListMeta::default(),
            items: Vec::new(),
        }
    }
}

impl<K> ObjectList<K> {
    /// The token that fetches the next page; `None` (or empty) on the last page.
    pub fn continue_token(&self) -> Option<&str> {
        continue_token(&self.metadata)
    }

    /// The resourceVersion the list was served at; a watch started from it
    /// sees every change after the list.
    pub fn resource_version(&self) -> Option<&str> {
        self.metadata.resource_version.as_deref()
    }

    /// How many items are left after this page, when the server says (an estimate).
    pub fn remaining_item_count(&self) -> Option<i64> {
        self.metadata.remaining_item_count
    }

    /// Iterates over the items.
    pub fn iter(&self) -> std::slice::Iter<'_, K> {
        self.items.iter()
    }
}

impl<K> IntoIterator for ObjectList<K> {
    type Item = K;
    type IntoIter = std::vec::IntoIter<K>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<'a, K> IntoIterator for &'a ObjectList<K> {
    type Item = &'a K;
    type IntoIter = std::slice::Iter<'a, K>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

/// The token in `metadata` that fetches the next page; `None` (or empty) on the last page.
pub(crate) fn continue_token(metadata: &ListMeta) -> Option<&str> {
    metadata.continue_.as_deref().filter(|token| !token.is_empty())
}

fn null_as_empty<'de, D, K>(deserializer: D) -> Result<Vec<K>, D::Error>
where
    D: Deserializer<'de>,
    K: Deserialize<'de>,
{
    Ok(Option::<Vec<K>>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::ConfigMap;

    use super::*;

    #[test]
    fn null_items_are_an_empty_list() {
        let list: ObjectList<ConfigMap> =
            serde_json::from_slice(br#"{"metadata":{"resourceVersion":"1"},"items":null}"#).unwrap();
        assert!(list.items.is_empty());
        assert_eq!(list.continue_token(), None);
    }

    #[test]
    fn an_empty_continue_is_the_last_page() {
        let list: ObjectList<ConfigMap> =
            serde_json::from_slice(br#"{"metadata":{"continue":""},"items":[]}"#).unwrap();
        assert_eq!(list.continue_token(), None);
    }
}
