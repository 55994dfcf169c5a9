//! Metadata-only reads: `PartialObjectMetadata`, for controllers that need
//! only names, labels, owners and versions (client-go's metadata informers).

use http::HeaderValue;
use http::header::ACCEPT;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::dynamic::DynamicClient;
use crate::rest::Request;
use crate::typed::{Api, ResourceClient, WatchStream};
use crate::types::{GetParams, ListParams, ObjectList, ObjectMeta, WatchParams};

use super::{ListWatch, Object};

/// What `get` and `watch` ask for: metadata only, else (an older server) the whole object.
pub const ACCEPT_METADATA: &str =
    "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json";

/// What `list` asks for: a list of metadata only, else the whole objects.
pub const ACCEPT_METADATA_LIST: &str =
    "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";

/// An object's metadata alone, as the API server sends it for
/// `as=PartialObjectMetadata` (`apiVersion: meta.k8s.io/v1`). A whole
/// object decodes as one too, its other fields ignored.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartialObjectMetadata {
    /// `meta.k8s.io/v1`, or the object's own when the server sent it whole.
    #[serde(default)]
    pub api_version: String,
    /// `PartialObjectMetadata`, or the object's own kind.
    #[serde(default)]
    pub kind: String,
    /// The metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
}

impl Object for PartialObjectMetadata {
    fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }
}

/// Metadata-only `get`, `list` and `watch` on the resource of an `Api<K>`
/// or a `DynamicClient`: less to send, decode and keep for a controller
/// that reads only metadata.
///
/// ```no_run
/// # async fn run(client: rudder::Client) {
/// use k8s_openapi::api::core::v1::Secret;
/// use rudder::runtime::metadata::MetadataApi;
/// use rudder::runtime::watcher;
///
/// // The names and labels of every Secret, never their data.
/// let secrets = MetadataApi::of(&client.all::<Secret>());
/// let events = watcher(secrets, watcher::Config::default());
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct MetadataApi {
    client: ResourceClient,
}

impl MetadataApi {
    /// The resource and namespace of `api`, metadata only.
    pub fn of<K>(api: &Api<K>) -> Self {
        MetadataApi {
            client: api.resource_client().clone(),
        }
    }

    /// The resource and namespace of a dynamic client, metadata only.
    pub fn of_dynamic(api: &DynamicClient) -> Self {
        MetadataApi {
            client: api.resource_client().clone(),
        }
    }

    /// The metadata of the object `name`.
    pub async fn get(&self, name: &str) -> Result<PartialObjectMetadata> {
        let request = self.client.requests().get(name, &GetParams::default())?;
        self.send(request, ACCEPT_METADATA).await
    }

    /// One page of metadata.
    pub async fn list(&self, params: &ListParams) -> Result<ObjectList<PartialObjectMetadata>> {
        let request = accepting(self.client.requests().list(params)?, ACCEPT_METADATA_LIST);
        self.client.list_request(request).await
    }

    /// A watch whose events carry metadata only.
    pub async fn watch(&self, params: &WatchParams) -> Result<WatchStream<PartialObjectMetadata>> {
        let request = accepting(self.client.requests().watch(params)?, ACCEPT_METADATA);
        self.client.watch_request(request).await
    }

    async fn send<T: DeserializeOwned>(&self, request: Request, accept: &'static str) -> Result<T> {
        self.client.send(accepting(request, accept)).await
    }
}

fn accepting(mut request: Request, accept: &'static str) -> Request {
    request
        .headers_mut()
        .insert(ACCEPT, HeaderValue::from_static(accept));
    request
}

#[async_trait::async_trait]
impl ListWatch<PartialObjectMetadata> for MetadataApi {
    async fn list_page(&self, params: &ListParams) -> Result<ObjectList<PartialObjectMetadata>> {
        self.list(params).await
    }

    async fn watch_events(&self, params: &WatchParams) -> Result<WatchStream<PartialObjectMetadata>> {
        self.watch(params).await
    }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::ConfigMap;

    use super::*;

    #[test]
    fn requests_ask_for_metadata_with_json_as_the_fallback() {
        use crate::types::Resource;
        let requests =
            crate::typed::ResourceRequests::new(ConfigMap::api_resource(), Some("default")).unwrap();
        let list = accepting(
            requests.list(&ListParams::default()).unwrap(),
            ACCEPT_METADATA_LIST,
        );
        assert_eq!(list.headers()[ACCEPT], ACCEPT_METADATA_LIST);
        assert_eq!(list.uri().path(), "/api/v1/namespaces/default/configmaps");
        let watch = accepting(requests.watch(&WatchParams::default()).unwrap(), ACCEPT_METADATA);
        assert_eq!(watch.headers()[ACCEPT], ACCEPT_METADATA);
    }

    #[test]
    fn a_whole_object_decodes_as_its_metadata() {
        let whole = br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"3"},"data":{"k":"v"}}"#;
        let partial: PartialObjectMetadata = serde_json::from_slice(whole).unwrap();
        assert_eq!(partial.kind, "ConfigMap");
        assert_eq!(partial.metadata.resource_version.as_deref(), Some("3"));
    }
}
