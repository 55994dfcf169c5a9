//! Watch lines into events, decoded a few lines ahead of the reader on
//! tokio's blocking pool, in order: the next events decode while the caller
//! handles this one, and on more than one core while each other decodes.

use bytes::Bytes;
use futures::future::Either;
use futures::{Stream, StreamExt};
use serde::de::DeserializeOwned;

use crate::Result;
use crate::rest::decode_json;
use crate::types::WatchEvent;

use super::lines::{LineError, quote_start};

/// Lines shorter than this decode where they are read: handing them to
/// another thread would cost more than decoding them (a small object decodes
/// in a few microseconds; a hand-off costs about as much).
const DECODED_ELSEWHERE_FROM: usize = 2 * 1024;

/// How many events may be decoded ahead of the one the caller reads.
const DECODED_AHEAD: usize = 4;

/// The events of `lines`, in order. `fail` turns a bad line into the
/// stream's error (it names the request, so it is only called on failure).
pub(crate) fn events<T, F>(
    lines: impl Stream<Item = Result<Bytes>> + Send + 'static,
    fail: F,
) -> impl Stream<Item = Result<WatchEvent<T>>> + Send + 'static
where
    T: DeserializeOwned + Send + 'static,
    F: Fn(LineError) -> crate::Error + Send + 'static,
{
    lines
        .map(|line| match line {
            Ok(line) => decode_where_best(line),
            Err(error) => Either::Left(futures::future::ready(Ok(Err(Decoding::Read(error))))),
        })
        .buffered(DECODED_AHEAD)
        .map(move |decoded| match decoded {
            Ok(Ok(event)) => Ok(event),
            Ok(Err(Decoding::Read(error))) => Err(error),
            Ok(Err(Decoding::Line(error))) => Err(fail(error)),
            // The decoder panicked: the panic is the caller's, as it would
            // have been had the line been decoded on the caller's thread.
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            // The runtime is shutting down, and the caller with it.
            Err(error) => Err(fail(LineError::Abandoned(error.to_string()))),
        })
}

/// Why a line gave no event.
enum Decoding {
    /// The body could not be read (or split into lines).
    Read(crate::Error),
    /// The line is not a watch event.
    Line(LineError),
}

type Decoded<T> = std::result::Result<WatchEvent<T>, Decoding>;

/// A line being decoded: done already, or on the blocking pool.
type InFlight<T> = Either<
    futures::future::Ready<std::result::Result<Decoded<T>, tokio::task::JoinError>>,
    tokio::task::JoinHandle<Decoded<T>>,
>;

/// Decodes a long line on the blocking pool when there is a runtime, any
/// other here and now.
fn decode_where_best<T: DeserializeOwned + Send + 'static>(line: Bytes) -> InFlight<T> {
    if line.len() >= DECODED_ELSEWHERE_FROM
        && let Ok(runtime) = tokio::runtime::Handle::try_current()
    {
        return Either::Right(runtime.spawn_blocking(move || decode_line(&line)));
    }
    Either::Left(futures::future::ready(Ok(decode_line(&line))))
}

fn decode_line<T: DeserializeOwned>(line: &[u8]) -> Decoded<T> {
    decode_json(line).map_err(|source| {
        Decoding::Line(LineError::Undecodable {
            start: quote_start(line),
            source,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use k8s_openapi::api::core::v1::ConfigMap;

    /// A MODIFIED event whose line is `size` bytes or a little more.
    fn event_line(name: &str, size: usize) -> Bytes {
        let padding = "x".repeat(size);
        Bytes::from(format!(
            r#"{{"type":"MODIFIED","object":{{"apiVersion":"v1","kind":"ConfigMap","metadata":{{"name":"{name}"}},"data":{{"pad":"{padding}"}}}}}}"#
        ))
    }

    /// What the stream yields for `lines`: each event's name, or its error.
    async fn outcomes(lines: Vec<Result<Bytes>>) -> Vec<std::result::Result<String, String>> {
        let stream = events::<ConfigMap, _>(futures::stream::iter(lines), |source| crate::Error::Stream {
            verb: "GET".into(),
            url: "/api/v1/configmaps?watch=true".into(),
            source,
        });
        stream
            .map(|event| match event {
                Ok(WatchEvent::Modified(map)) => Ok(map.metadata.name.unwrap_or_default()),
                Ok(other) => Err(format!("unexpected {other:?}")),
                Err(error) => Err(error.to_string()),
            })
            .collect()
            .await
    }

    fn mixed_lines() -> (Vec<Result<Bytes>>, Vec<std::result::Result<String, String>>) {
        let mut lines = Vec::new();
        let mut expected = Vec::new();
        for index in 0..40 {
            let name = format!("map-{index}");
            // Long and short lines interleaved: long ones go to the pool and
            // may finish after the short ones read after them.
            let size = if index % 3 == 0 { 10 } else { 64 * 1024 };
            lines.push(Ok(event_line(&name, size)));
            expected.push(Ok(name));
        }
        lines.insert(7, Ok(Bytes::from_static(b"{\"type\":\"MODIFIED\",\"object\":")));
        expected.insert(
            7,
            Err("GET /api/v1/configmaps?watch=true: cannot decode the line that starts with \
                 \"{\\\"type\\\":\\\"MODIFIED\\\",\\\"object\\\":\": EOF while parsing a value at line 1 column 28"
                .to_owned()),
        );
        (lines, expected)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn events_decoded_on_the_pool_come_out_in_order_with_bad_lines_in_place() {
        let (lines, expected) = mixed_lines();
        assert_eq!(outcomes(lines).await, expected);
    }

    #[test]
    fn without_a_runtime_every_line_decodes_on_the_reader() {
        let (lines, expected) = mixed_lines();
        assert_eq!(futures::executor::block_on(outcomes(lines)), expected);
    }

    #[tokio::test]
    async fn a_read_error_is_passed_on_in_its_place() {
        let error = crate::Error::Stream {
            verb: "GET".into(),
            url: "/w".into(),
            source: LineError::TooLong {
                limit: 4,
                start: "{}".into(),
            },
        };
        let lines = vec![Ok(event_line("a", 4096)), Err(error)];
        let got = outcomes(lines).await;
        assert_eq!(got[0], Ok("a".to_owned()));
        assert!(got[1].as_ref().unwrap_err().contains("longer than the limit"));
    }
}
