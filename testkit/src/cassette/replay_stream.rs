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
            sleep_until_offset(started, offset).await;
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

/// Waits until `offset` after `started`; an offset past what the clock can
/// hold (a huge factor, a hand-edited `offset_ms`) never comes.
async fn sleep_until_offset(started: Instant, offset: Duration) {
    match started.checked_add(offset) {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// The offset scaled by the pace; one too large for a `Duration` (an
/// infinite or huge factor) is the longest there is, never a panic.
fn scaled(offset_ms: u64, pace: Pace) -> Duration {
    match pace {
        Pace::Immediate => Duration::ZERO,
        Pace::Recorded(factor) => {
            let seconds = Duration::from_millis(offset_ms).as_secs_f64() * factor.max(0.0);
            Duration::try_from_secs_f64(seconds).unwrap_or(Duration::MAX)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cassette::StreamEvent;
    use futures::FutureExt;

    fn one_event_at(offset_ms: u64) -> RecordedStream {
        RecordedStream {
            events: vec![StreamEvent {
                offset_ms,
                data: Body::Text("late\n".to_owned()),
            }],
            end: StreamEnd::ServerClosed,
        }
    }

    #[test]
    fn huge_factors_and_offsets_scale_without_panicking() {
        assert_eq!(scaled(u64::MAX, Pace::Recorded(1e300)), Duration::MAX);
        assert_eq!(scaled(1_000, Pace::Recorded(f64::INFINITY)), Duration::MAX);
        assert_eq!(scaled(1_000, Pace::Recorded(f64::NAN)), Duration::ZERO);
        assert_eq!(scaled(1_000, Pace::Recorded(-2.0)), Duration::ZERO);
        assert_eq!(scaled(1_000, Pace::Recorded(0.5)), Duration::from_millis(500));
    }

    #[tokio::test(start_paused = true)]
    async fn an_event_beyond_the_clock_never_comes_instead_of_panicking() {
        let mut body = replay(
            &one_event_at(u64::MAX),
            Pace::Recorded(1e300),
            "GET".to_owned(),
            "/api/v1/pods".to_owned(),
        );
        assert!(body.next().now_or_never().is_none(), "the event is not due");
        tokio::time::advance(Duration::from_secs(365 * 24 * 3600)).await;
        assert!(body.next().now_or_never().is_none(), "the event is still not due");
    }
}
