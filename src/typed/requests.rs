//! The request of every verb on one resource, built with no IO. `Api<K>` and
//! `DynamicClient` both send these, so a URL or query rule lives here once.

use http::Method;
use serde::Serialize;

use crate::rest::PathSegments;
use crate::rest::{Query, Request, RequestBuilder, RequestError};
use crate::types::{
    ApiResource, DeleteParams, GetParams, ListParams, LogParams, Patch, PatchParams, PostParams, Scope,
    WatchParams,
};

/// The requests for one resource in one namespace (or all namespaces, or cluster scope).
///
/// ```
/// use rudder::typed::ResourceRequests;
/// use rudder::types::{ApiResource, ListParams, Scope};
/// let pods = ApiResource::new("", "v1", "Pod", "pods", Scope::Namespaced);
/// let requests = ResourceRequests::new(pods, Some("default")).unwrap();
/// let request = requests.list(&ListParams::default().limit(500)).unwrap();
/// assert_eq!(request.uri(), "/api/v1/namespaces/default/pods?limit=500");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceRequests {
    resource: ApiResource,
    namespace: Option<String>,
}

impl ResourceRequests {
    /// Requests for `resource` in `namespace` (`None`: all namespaces, or a
    /// cluster-scoped resource). A namespace on a cluster-scoped resource is refused.
    pub fn new(resource: ApiResource, namespace: Option<&str>) -> Result<Self, RequestError> {
        if resource.scope == Scope::Cluster
            && let Some(namespace) = namespace
        {
            return Err(RequestError::InvalidParams(format!(
                "{} is cluster-scoped and has no namespace (asked for namespace {namespace:?})",
                resource.plural
            )));
        }
        Ok(ResourceRequests {
            resource,
            namespace: namespace.map(str::to_owned),
        })
    }

    /// Requests for a resource whose scope the caller has already checked.
    pub(crate) fn scoped(resource: ApiResource, namespace: Option<String>) -> Self {
        ResourceRequests { resource, namespace }
    }

    /// The resource.
    pub fn resource(&self) -> &ApiResource {
        &self.resource
    }

    /// The namespace, when the handle has one.
    pub fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }

    fn collection(&self) -> PathSegments<'_> {
        PathSegments {
            group: &self.resource.group,
            version: &self.resource.version,
            plural: &self.resource.plural,
            namespace: self.namespace.as_deref(),
            name: None,
            subresource: None,
        }
    }

    /// The path of one object; an all-namespaces handle of a namespaced
    /// resource cannot name one.
    fn object<'a>(&'a self, verb: &str, name: &'a str) -> Result<PathSegments<'a>, RequestError> {
        self.need_namespace(verb)?;
        Ok(self.collection().name(name))
    }

    fn need_namespace(&self, verb: &str) -> Result<(), RequestError> {
        if self.resource.scope == Scope::Namespaced && self.namespace.is_none() {
            return Err(RequestError::InvalidParams(format!(
                "{verb} of {} needs a namespace; this handle is for all namespaces (use a namespaced handle)",
                self.resource.plural
            )));
        }
        Ok(())
    }

    /// `GET .../{name}`.
    pub fn get(&self, name: &str, params: &GetParams) -> Result<Request, RequestError> {
        RequestBuilder::at(Method::GET, self.object("get", name)?)?
            .queries(&params.to_query())
            .build()
    }

    /// `GET .../{plural}` with the list parameters.
    pub fn list(&self, params: &ListParams) -> Result<Request, RequestError> {
        RequestBuilder::at(Method::GET, self.collection())?
            .queries(&params.to_query()?)
            .build()
    }

    /// `GET .../{plural}?watch=true`.
    pub fn watch(&self, params: &WatchParams) -> Result<Request, RequestError> {
        RequestBuilder::at(Method::GET, self.collection())?
            .queries(&params.to_query()?)
            .build()
    }

    /// `POST .../{plural}` with `object` as the body.
    pub fn create<T: Serialize + ?Sized>(
        &self,
        params: &PostParams,
        object: &T,
    ) -> Result<Request, RequestError> {
        self.need_namespace("create")?;
        RequestBuilder::at(Method::POST, self.collection())?
            .queries(&params.to_query())
            .json(object)?
            .build()
    }

    /// `PUT .../{name}` with `object` (whose resourceVersion guards against lost updates).
    pub fn replace<T: Serialize + ?Sized>(
        &self,
        name: &str,
        params: &PostParams,
        object: &T,
    ) -> Result<Request, RequestError> {
        put(self.object("replace", name)?, params, object)
    }

    /// `PATCH .../{name}` with the patch's content type.
    pub fn patch(&self, name: &str, params: &PatchParams, patch: &Patch) -> Result<Request, RequestError> {
        patch_request(self.object("patch", name)?, params, patch)
    }

    /// `DELETE .../{name}` with a `DeleteOptions` body.
    pub fn delete(&self, name: &str, params: &DeleteParams) -> Result<Request, RequestError> {
        RequestBuilder::at(Method::DELETE, self.object("delete", name)?)?
            .body(params.to_body()?, "application/json")
            .build()
    }

    /// `DELETE .../{plural}` of the objects `selection` matches, with a `DeleteOptions` body.
    pub fn delete_collection(
        &self,
        params: &DeleteParams,
        selection: &ListParams,
    ) -> Result<Request, RequestError> {
        RequestBuilder::at(Method::DELETE, self.collection())?
            .queries(&selection.selection_query())
            .body(params.to_body()?, "application/json")
            .build()
    }

    /// `GET .../{name}/{subresource}`.
    pub fn get_subresource(&self, subresource: &str, name: &str) -> Result<Request, RequestError> {
        RequestBuilder::at(Method::GET, self.object("get", name)?.subresource(subresource))?.build()
    }

    /// `PUT .../{name}/{subresource}`.
    pub fn replace_subresource<T: Serialize + ?Sized>(
        &self,
        subresource: &str,
        name: &str,
        params: &PostParams,
        object: &T,
    ) -> Result<Request, RequestError> {
        put(
            self.object("replace", name)?.subresource(subresource),
            params,
            object,
        )
    }

    /// `PATCH .../{name}/{subresource}`.
    pub fn patch_subresource(
        &self,
        subresource: &str,
        name: &str,
        params: &PatchParams,
        patch: &Patch,
    ) -> Result<Request, RequestError> {
        patch_request(
            self.object("patch", name)?.subresource(subresource),
            params,
            patch,
        )
    }

    /// `POST .../{name}/{subresource}` (an eviction, a token request...).
    pub fn create_subresource<T: Serialize + ?Sized>(
        &self,
        subresource: &str,
        name: &str,
        params: &PostParams,
        object: &T,
    ) -> Result<Request, RequestError> {
        RequestBuilder::at(
            Method::POST,
            self.object("create", name)?.subresource(subresource),
        )?
        .queries(&params.to_query())
        .json(object)?
        .build()
    }

    /// `GET .../pods/{name}/log`.
    pub fn logs(&self, name: &str, params: &LogParams) -> Result<Request, RequestError> {
        RequestBuilder::at(Method::GET, self.object("logs", name)?.subresource("log"))?
            .queries(&params.to_query())
            .accept("text/plain")
            .build()
    }
}

fn put<T: Serialize + ?Sized>(
    path: PathSegments<'_>,
    params: &PostParams,
    object: &T,
) -> Result<Request, RequestError> {
    RequestBuilder::at(Method::PUT, path)?
        .queries(&params.to_query())
        .json(object)?
        .build()
}

fn patch_request(
    path: PathSegments<'_>,
    params: &PatchParams,
    patch: &Patch,
) -> Result<Request, RequestError> {
    let query: Query = params.to_query(patch)?;
    RequestBuilder::at(Method::PATCH, path)?
        .queries(&query)
        .body(patch.to_bytes()?, patch.content_type())
        .build()
}

#[cfg(test)]
#[path = "requests_tests.rs"]
mod tests;
