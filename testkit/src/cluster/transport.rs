//! `impl Rest for FakeCluster`: whole answers, and watch streams with
//! their timers.

use std::sync::{Arc, Weak};
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use http::StatusCode;
use http::header::CONTENT_TYPE;
use rudder::rest::{Request, Response, Rest, StreamResponse};
use rudder::{Result, Status};

use super::fake_cluster::{Answer, FakeCluster, Inner, lock};
use super::request::call::Reply;
use super::request::query::QueryOptions;
use super::watch::start::OpenedWatch;

impl FakeCluster {
    /// Turns a watch's lines into a body stream, arming its timeout and
    /// bookmarks on the system clock (a manual clock fires them in `advance`).
    fn watch_stream(
        &self,
        opened: OpenedWatch,
        call_timeout: Option<u64>,
        bookmarks: bool,
    ) -> rudder::rest::ByteStream {
        let OpenedWatch { id, mut lines } = opened;
        if let Some(id) = id
            && !self.state().clock.is_manual()
        {
            let weak = Arc::downgrade(&self.inner);
            if let Some(seconds) = call_timeout {
                let weak = weak.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_secs(seconds)).await;
                    if let Some(inner) = weak.upgrade() {
                        lock(&inner.state).watches.end(id);
                    }
                });
            }
            if bookmarks {
                tokio::spawn(bookmark_timer(weak, id, self.inner.bookmark_interval));
            }
        }
        futures::stream::poll_fn(move |context| lines.poll_recv(context).map(|line| line.map(Ok))).boxed()
    }
}

async fn bookmark_timer(weak: Weak<Inner>, id: u64, interval: Duration) {
    loop {
        tokio::time::sleep(interval).await;
        let Some(inner) = weak.upgrade() else { return };
        let mut state = lock(&inner.state);
        let now = state.clock.now();
        let revision = state.store.revision();
        if !state.watches.bookmark_one(id, now, revision) {
            return;
        }
    }
}

pub(super) fn json_response(code: u16, body: &impl serde::Serialize) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut response = Response::new(Bytes::from(bytes));
    *response.status_mut() = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response
        .headers_mut()
        .insert(CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
    response
}

/// A handler's answer, with its warnings as `Warning: 299 - "text"` headers.
pub(super) fn reply_response(reply: &Reply) -> Response {
    let mut response = json_response(reply.code, &reply.body);
    for warning in &reply.warnings {
        let text = format!("299 - \"{}\"", warning.replace('\\', "\\\\").replace('"', "\\\""));
        if let Ok(value) = http::HeaderValue::from_str(&text) {
            response.headers_mut().append(http::header::WARNING, value);
        }
    }
    response
}

fn status_response(status: &Status) -> Response {
    json_response(status.code, &status.to_wire_json())
}

#[async_trait::async_trait]
impl Rest for FakeCluster {
    /// Serves one request. A watch sent here is read to its end (its
    /// `timeoutSeconds`, or a closed watch); use `send_stream` for live watches.
    async fn send(&self, request: Request) -> Result<Response> {
        let options = QueryOptions::parse(request.uri().query()).unwrap_or_default();
        let metadata_only = metadata_only::asked(&request);
        match self.handle(request).await {
            Ok(Answer::Whole(response)) => Ok(metadata_only::whole(metadata_only, response)),
            Ok(Answer::Watch(opened)) => {
                let lines: Vec<Bytes> = self
                    .watch_stream(opened, options.timeout_seconds, false)
                    .filter_map(|line| async move { line.ok() })
                    .map(|line| metadata_only::watch_line(metadata_only, line))
                    .collect()
                    .await;
                let body: Vec<u8> = lines.concat();
                let mut response = Response::new(Bytes::from(body));
                response
                    .headers_mut()
                    .insert(CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
                Ok(response)
            }
            Err(status) => Ok(status_response(&status)),
        }
    }

    async fn send_stream(&self, request: Request) -> Result<StreamResponse> {
        let options = QueryOptions::parse(request.uri().query()).unwrap_or_default();
        let metadata_only = metadata_only::asked(&request);
        let (parts, body) = match self.handle(request).await {
            Ok(Answer::Whole(response)) => {
                let (parts, body) = metadata_only::whole(metadata_only, response).into_parts();
                (parts, futures::stream::once(async move { Ok(body) }).boxed())
            }
            Ok(Answer::Watch(opened)) => {
                let stream = self
                    .watch_stream(opened, options.timeout_seconds, options.allow_watch_bookmarks)
                    .map(move |line| line.map(|line| metadata_only::watch_line(metadata_only, line)))
                    .boxed();
                let mut response = Response::new(Bytes::new());
                response
                    .headers_mut()
                    .insert(CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
                (response.into_parts().0, stream)
            }
            Err(status) => {
                let (parts, body) = status_response(&status).into_parts();
                (parts, futures::stream::once(async move { Ok(body) }).boxed())
            }
        };
        Ok(StreamResponse::from_parts(parts, body))
    }
}

/// Metadata-only answers (`as=PartialObjectMetadata`), applied on the way out.
mod metadata_only;
