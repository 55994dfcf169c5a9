//! `ResourceClient`: sends the requests of [`ResourceRequests`] through any
//! [`Rest`] and decodes each answer into the type the caller names. `Api<K>`
//! decodes into `K`, `DynamicClient` into `DynamicObject`: one implementation
//! of every verb serves both.

use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::rest::{
    BoundedBody, Request, Response, Rest, StreamResponse, check_status, decode_body, decode_json, stream_of,
};
use crate::types::{
    DeleteParams, Deletion, GetParams, ListParams, LogParams, ObjectList, Patch, PatchParams, PostParams,
    Status, WatchEvent, WatchParams,
};
use crate::{Error, Result};

use super::lines::{DEFAULT_MAX_LINE, LineError, lines, quote_start};
use super::list_body::ListItems;
use super::requests::ResourceRequests;

/// A stream of watch events.
pub type WatchStream<T> = BoxStream<'static, Result<WatchEvent<T>>>;

/// How much of a failed stream's body is read to find its `Status`.
const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// The verbs on one resource, over any [`Rest`], decoded into any type.
#[derive(Clone)]
pub struct ResourceClient {
    rest: Arc<dyn Rest>,
    requests: ResourceRequests,
    max_line: usize,
}

impl std::fmt::Debug for ResourceClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResourceClient")
            .field("requests", &self.requests)
            .field("max_line", &self.max_line)
            .finish_non_exhaustive()
    }
}

impl ResourceClient {
    /// Verbs sent through `rest`, built by `requests`.
    pub fn new(rest: Arc<dyn Rest>, requests: ResourceRequests) -> Self {
        ResourceClient {
            rest,
            requests,
            max_line: DEFAULT_MAX_LINE,
        }
    }

    /// Watch and log lines longer than `max_line` bytes end the stream with
    /// an error (default [`DEFAULT_MAX_LINE`], 16 MiB).
    pub fn with_max_line(mut self, max_line: usize) -> Self {
        self.max_line = max_line;
        self
    }

    /// The request builder.
    pub fn requests(&self) -> &ResourceRequests {
        &self.requests
    }

    /// The transport.
    pub fn rest(&self) -> &Arc<dyn Rest> {
        &self.rest
    }

    /// Sends `request`; a non-2xx answer is an [`Error::Api`].
    pub async fn send_checked(&self, request: Request) -> Result<Response> {
        self.send_and_check(request)
            .await
            .map(|(_, _, response)| response)
    }

    /// Sends `request` and decodes the 2xx body as `T`.
    pub async fn send<T: DeserializeOwned>(&self, request: Request) -> Result<T> {
        let (verb, uri, response) = self.send_and_check(request).await?;
        decode_body(verb.as_str(), &uri, response.body())
    }

    /// The checked response, with the verb and URI errors name (kept as they
    /// are: they become strings only when something fails).
    async fn send_and_check(&self, request: Request) -> Result<(http::Method, http::Uri, Response)> {
        let (verb, uri) = (request.method().clone(), request.uri().clone());
        // Through `dyn Rest` itself: `self.rest.send` would pick the
        // `Arc<T>` impl, one more boxed future around the same call.
        let response = self.rest.as_ref().send(request).await?;
        let response = check_status(&verb, &uri, response)?;
        Ok((verb, uri, response))
    }

    /// Sends `request` for a streamed body; a non-2xx answer is an [`Error::Api`].
    pub async fn send_stream_checked(&self, request: Request) -> Result<StreamResponse> {
        let (verb, uri) = (request.method().clone(), request.uri().clone());
        let response = self.rest.as_ref().send_stream(request).await?;
        if response.status().is_success() {
            return Ok(response);
        }
        let (parts, body) = response.into_parts();
        let body = read_prefix(body, ERROR_BODY_LIMIT).await?;
        // Not a success, so `check_status` answers the error; were it ever to
        // pass the response, the caller still gets the body it read.
        let checked = check_status(&verb, &uri, Response::from_parts(parts, body))?;
        Ok(stream_of(checked))
    }

    /// The object `name`.
    pub async fn get<T: DeserializeOwned>(&self, name: &str, params: &GetParams) -> Result<T> {
        self.send(self.requests.get(name, params)?).await
    }

    /// The object `name`, or `None` when the server answers 404.
    pub async fn get_opt<T: DeserializeOwned>(&self, name: &str, params: &GetParams) -> Result<Option<T>> {
        match self.get(name, params).await {
            Ok(object) => Ok(Some(object)),
            Err(error) if error.is_not_found() => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// One page of objects, each decoded as soon as its bytes have arrived,
    /// so the whole body is never held beside the objects.
    pub async fn list<T: DeserializeOwned>(&self, params: &ListParams) -> Result<ObjectList<T>> {
        self.list_request(self.requests.list(params)?).await
    }

    /// Sends a list request built by the caller (one asking for another
    /// representation in `Accept`, such as metadata only) through
    /// [`Rest::send_stream`], and decodes it as [`ResourceClient::list`] does.
    pub async fn list_request<T: DeserializeOwned>(&self, request: Request) -> Result<ObjectList<T>> {
        self.list_items(request).await?.collect().await
    }

    /// One page of objects, handed out one at a time as they are decoded.
    pub(crate) async fn list_page_items<T: DeserializeOwned>(
        &self,
        params: &ListParams,
    ) -> Result<ListItems<T>> {
        self.list_items(self.requests.list(params)?).await
    }

    async fn list_items<T: DeserializeOwned>(&self, mut request: Request) -> Result<ListItems<T>> {
        request.extensions_mut().insert(BoundedBody);
        let (verb, uri) = (request.method().clone(), request.uri().clone());
        let body = self.send_stream_checked(request).await?.into_body();
        Ok(ListItems::new(body, verb, uri))
    }

    /// Creates `object`; the answer is the object as stored.
    pub async fn create<T: Serialize + DeserializeOwned>(
        &self,
        params: &PostParams,
        object: &T,
    ) -> Result<T> {
        self.send(self.requests.create(params, object)?).await
    }

    /// Replaces the object `name` with `object`.
    pub async fn replace<T: Serialize + DeserializeOwned>(
        &self,
        name: &str,
        params: &PostParams,
        object: &T,
    ) -> Result<T> {
        self.send(self.requests.replace(name, params, object)?).await
    }

    /// Patches the object `name`.
    pub async fn patch<T: DeserializeOwned>(
        &self,
        name: &str,
        params: &PatchParams,
        patch: &Patch,
    ) -> Result<T> {
        self.send(self.requests.patch(name, params, patch)?).await
    }

    /// Deletes the object `name`.
    pub async fn delete<T: DeserializeOwned>(
        &self,
        name: &str,
        params: &DeleteParams,
    ) -> Result<Deletion<T>> {
        let request = self.requests.delete(name, params)?;
        self.send_deletion(request, params.ignore_not_found).await
    }

    /// Deletes every object `selection` matches.
    pub async fn delete_collection<T: DeserializeOwned>(
        &self,
        params: &DeleteParams,
        selection: &ListParams,
    ) -> Result<Deletion<ObjectList<T>>> {
        let request = self.requests.delete_collection(params, selection)?;
        self.send_deletion(request, params.ignore_not_found).await
    }

    async fn send_deletion<T: DeserializeOwned>(
        &self,
        request: Request,
        ignore_not_found: bool,
    ) -> Result<Deletion<T>> {
        let (verb, uri, response) = match self.send_and_check(request).await {
            Ok(checked) => checked,
            Err(Error::Api(error)) if ignore_not_found && error.status.code == 404 => {
                return Ok(Deletion::Status(error.status));
            }
            Err(error) => return Err(error),
        };
        match Status::from_body(response.body()) {
            Some(status) => Ok(Deletion::Status(status)),
            None => decode_body(verb.as_str(), &uri, response.body()).map(Deletion::Object),
        }
    }

    /// Watches the collection: one event per line, decoded as it arrives.
    pub async fn watch<T: DeserializeOwned + Send + 'static>(
        &self,
        params: &WatchParams,
    ) -> Result<WatchStream<T>> {
        self.watch_request(self.requests.watch(params)?).await
    }

    /// Watches with a watch request built by the caller (one asking for
    /// another representation in `Accept`, such as metadata only).
    pub async fn watch_request<T: DeserializeOwned + Send + 'static>(
        &self,
        request: Request,
    ) -> Result<WatchStream<T>> {
        let (verb, url) = (request.method().to_string(), request.uri().to_string());
        let body = self.send_stream_checked(request).await?.into_body();
        let events = lines(body, self.max_line, verb.clone(), url.clone()).and_then(move |line| {
            let decoded = decode_json::<WatchEvent<T>>(&line).map_err(|source| Error::Stream {
                verb: verb.clone(),
                url: url.clone(),
                source: LineError::Undecodable {
                    start: quote_start(&line),
                    source,
                },
            });
            futures::future::ready(decoded)
        });
        Ok(events.boxed())
    }

    /// The subresource `subresource` of the object `name`.
    pub async fn get_subresource<T: DeserializeOwned>(&self, subresource: &str, name: &str) -> Result<T> {
        self.send(self.requests.get_subresource(subresource, name)?).await
    }

    /// Replaces the subresource `subresource` of the object `name`.
    pub async fn replace_subresource<I: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        subresource: &str,
        name: &str,
        params: &PostParams,
        object: &I,
    ) -> Result<T> {
        self.send(
            self.requests
                .replace_subresource(subresource, name, params, object)?,
        )
        .await
    }

    /// Patches the subresource `subresource` of the object `name`.
    pub async fn patch_subresource<T: DeserializeOwned>(
        &self,
        subresource: &str,
        name: &str,
        params: &PatchParams,
        patch: &Patch,
    ) -> Result<T> {
        self.send(
            self.requests
                .patch_subresource(subresource, name, params, patch)?,
        )
        .await
    }

    /// Posts `object` to the subresource `subresource` of the object `name`.
    pub async fn create_subresource<I: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        subresource: &str,
        name: &str,
        params: &PostParams,
        object: &I,
    ) -> Result<T> {
        self.send(
            self.requests
                .create_subresource(subresource, name, params, object)?,
        )
        .await
    }

    /// The log of pod `name`, read whole (invalid UTF-8 replaced).
    pub async fn logs(&self, name: &str, params: &LogParams) -> Result<String> {
        let response = self.send_checked(self.requests.logs(name, params)?).await?;
        Ok(String::from_utf8_lossy(response.body()).into_owned())
    }

    /// The log of pod `name`, line by line as it is written (with `follow`),
    /// each without its newline (invalid UTF-8 replaced).
    pub async fn log_lines(
        &self,
        name: &str,
        params: &LogParams,
    ) -> Result<BoxStream<'static, Result<String>>> {
        let request = self.requests.logs(name, params)?;
        let (verb, url) = (request.method().to_string(), request.uri().to_string());
        let body = self.send_stream_checked(request).await?.into_body();
        let lines =
            lines(body, self.max_line, verb, url).map_ok(|line| String::from_utf8_lossy(&line).into_owned());
        Ok(lines.boxed())
    }
}

/// The start of a streamed body, at most `limit` bytes.
async fn read_prefix(mut body: crate::rest::ByteStream, limit: usize) -> Result<Bytes> {
    let mut buffer = BytesMut::new();
    while buffer.len() < limit {
        match body.next().await {
            Some(chunk) => buffer.extend_from_slice(&chunk?),
            None => break,
        }
    }
    buffer.truncate(limit);
    Ok(buffer.freeze())
}
