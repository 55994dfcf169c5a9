//! A streamed body passed through to the caller chunk by chunk, unchanged
//! and unbuffered, while its lines are recorded as events with their time
//! offsets.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::Stream;
use rudder::rest::ByteStream;
use tokio::time::Instant;

use super::body::Body;
use super::format::StreamEnd;
use super::recording::Recording;
use super::redact::without_server_addresses;

/// Wraps `body`, recording into `slot`; `binary` bodies (protobuf) are
/// recorded chunk by chunk instead of line by line.
pub(crate) fn tap(
    body: ByteStream,
    recording: Arc<Mutex<Recording>>,
    slot: usize,
    binary: bool,
) -> ByteStream {
    Box::pin(TappedStream {
        body,
        tap: Tap {
            recording,
            slot,
            started: Instant::now(),
            binary,
            partial_line: Vec::new(),
            ended: false,
        },
    })
}

struct TappedStream {
    body: ByteStream,
    tap: Tap,
}

impl Stream for TappedStream {
    type Item = rudder::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        let item = std::task::ready!(this.body.as_mut().poll_next(context));
        match &item {
            Some(Ok(chunk)) => this.tap.chunk(chunk),
            Some(Err(error)) => this.tap.end(StreamEnd::TransportError(without_server_addresses(
                &error.to_string(),
            ))),
            None => this.tap.end(StreamEnd::ServerClosed),
        }
        Poll::Ready(item)
    }
}

/// The recording side of a stream. Dropped before the body ended, it records
/// that the client dropped the stream.
struct Tap {
    recording: Arc<Mutex<Recording>>,
    slot: usize,
    started: Instant,
    binary: bool,
    partial_line: Vec<u8>,
    ended: bool,
}

impl Tap {
    fn chunk(&mut self, chunk: &[u8]) {
        if self.ended {
            return;
        }
        if self.binary {
            return self.record(Body::from_bytes(Some("protobuf"), chunk));
        }
        let mut rest = chunk;
        while let Some(newline) = rest.iter().position(|byte| *byte == b'\n') {
            self.partial_line.extend_from_slice(&rest[..=newline]);
            let line = std::mem::take(&mut self.partial_line);
            self.record(line_event(&line));
            rest = &rest[newline + 1..];
        }
        self.partial_line.extend_from_slice(rest);
    }

    fn end(&mut self, end: StreamEnd) {
        if self.ended {
            return;
        }
        if !self.partial_line.is_empty() {
            let unfinished = std::mem::take(&mut self.partial_line);
            self.record(exact_event(&unfinished));
        }
        self.ended = true;
        if let Ok(mut recording) = self.recording.lock() {
            recording.end_stream(self.slot, end);
        }
    }

    fn record(&mut self, data: Body) {
        let offset_ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        if let Ok(mut recording) = self.recording.lock() {
            recording.stream_event(self.slot, offset_ms, data);
        }
    }
}

impl Drop for Tap {
    fn drop(&mut self) {
        self.end(StreamEnd::ClientDropped);
    }
}

/// A complete line (newline included): JSON when it is a JSON document (the
/// newline then implied), else the exact text.
fn line_event(line: &[u8]) -> Body {
    match Body::from_bytes(None, line) {
        Body::Json(value) => Body::Json(value),
        _ => exact_event(line),
    }
}

/// Bytes kept exactly: text, or base64 when not UTF-8.
fn exact_event(bytes: &[u8]) -> Body {
    match std::str::from_utf8(bytes) {
        Ok(text) => Body::Text(text.to_owned()),
        Err(_) => Body::Base64(bytes.to_vec()),
    }
}
