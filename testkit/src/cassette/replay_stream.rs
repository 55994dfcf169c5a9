//! A recorded stream played back: its events in order, immediately or at
//! the recorded pace (scaled), then the end it had.

use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use rudder::rest::ByteStream;
use tokio::time::Instant;

use super::body::Body;
use super::format::{RecordedStream, StreamEnd};

/// How fast recorded streams are played.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Pace {
    /// Every event at once (the default): tests do not wait.
    Immediate,
    /// Each event at its recorded offset multiplied by the factor (`1.0` is
    /// the recorded pace, `0.5` twice as fast). Uses tokio's clock, so a test
    /// with paused time runs it instantly and in order.
    Recorded(f64),
}

/// The bytes of one event: a JSON line gets back its newline.
pub(crate) fn event_bytes(data: &Body) -> Bytes {
    match data {
        Body::Json(value) => {
            let mut line = serde_json::to_vec(value).unwrap_or_default();
            line.push(b'\n');
            Bytes::from(line)
        }
        other => other.to_bytes(),
    }
}

/// The stream to hand the caller. `verb` and `url` name the request in a
/// replayed transport error.
pub(crate) fn replay(stream: &RecordedStream, pace: Pace, verb: String, url: String) -> ByteStream {
    let started = Instant::now();
    let events: Vec<(Duration, Bytes)> = stream
        .events
        .iter()
        .map(|event| (scaled(event.offset_ms, pace), event_bytes(&event.data)))
        .collect();
    let paced = pace != Pace::Immediate;
    let body = futures::stream::iter(events).then(move |(offset, bytes)| async move {
        if paced {
            tokio::time::sleep_until(started + offset).await;
        }
        Ok(bytes)
    });
    let end: ByteStream = match &stream.end {
        StreamEnd::ServerClosed => futures::stream::empty().boxed(),
        // The client stopped reading a stream the server kept open: so does
        // the replay, and the client stops reading it again.
        StreamEnd::ClientDropped => futures::stream::pending().boxed(),
        StreamEnd::TransportError(message) => {
            let error = rudder::Error::Transport {
                verb,
                url,
                source: message.clone().into(),
            };
            futures::stream::once(async move { Err(error) }).boxed()
        }
    };
    body.chain(end).boxed()
}

fn scaled(offset_ms: u64, pace: Pace) -> Duration {
    match pace {
        Pace::Immediate => Duration::ZERO,
        Pace::Recorded(factor) => Duration::from_millis(offset_ms).mul_f64(factor.max(0.0)),
    }
}
