//! Splits a byte stream into lines (a watch sends one JSON event a line),
//! whatever the chunk boundaries: a line may arrive in many chunks, a chunk
//! may hold many lines, and a split may fall inside a UTF-8 character.

use bytes::{Bytes, BytesMut};
use futures::{Stream, StreamExt};

use crate::rest::ByteStream;
use crate::{Error, Result};

/// The longest line a stream accepts by default: 16 MiB, well above the
/// largest object etcd stores (1.5 MiB by default) wrapped in an event.
pub const DEFAULT_MAX_LINE: usize = 16 * 1024 * 1024;

/// How much of a bad line an error quotes.
const QUOTED_START: usize = 80;

/// A line of a stream that could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LineError {
    /// A line grew past the limit before its newline arrived.
    #[error("a line is longer than the limit of {limit} bytes; it starts with {start:?}")]
    TooLong {
        /// The limit, in bytes.
        limit: usize,
        /// The start of the line.
        start: String,
    },
    /// A line is not the JSON expected.
    #[error("cannot decode the line that starts with {start:?}: {source}")]
    Undecodable {
        /// The start of the line.
        start: String,
        /// What the decoder said.
        #[source]
        source: serde_json::Error,
    },
}

/// The start of `line`, for an error message.
pub(crate) fn quote_start(line: &[u8]) -> String {
    crate::error::quote_start(&String::from_utf8_lossy(line), QUOTED_START)
}

/// Bytes received but not yet split into lines. A line that arrives whole in
/// one chunk is a slice of that chunk (no copy); only a line split across
/// chunks is gathered into `partial`.
#[derive(Debug)]
pub(crate) struct LineBuffer {
    /// The rest of the last chunk received, not yet searched for a newline.
    chunk: Bytes,
    /// The start of a line whose newline has not arrived yet.
    partial: BytesMut,
    max_line: usize,
}

impl LineBuffer {
    pub(crate) fn new(max_line: usize) -> Self {
        LineBuffer {
            chunk: Bytes::new(),
            partial: BytesMut::new(),
            max_line,
        }
    }

    /// Takes the next chunk; call only once `next_line` has returned `None`.
    pub(crate) fn push(&mut self, chunk: Bytes) {
        debug_assert!(self.chunk.is_empty(), "a chunk pushed before the last was split");
        self.chunk = chunk;
    }

    /// The next complete line, without its `\n` (or `\r\n`).
    pub(crate) fn next_line(&mut self) -> Result<Option<Bytes>, LineError> {
        let Some(newline) = memchr::memchr(b'\n', &self.chunk) else {
            self.partial.extend_from_slice(&self.chunk);
            self.chunk = Bytes::new();
            self.check_length(&self.partial)?;
            return Ok(None);
        };
        let mut line = if self.partial.is_empty() {
            self.chunk.split_to(newline + 1)
        } else {
            self.partial.extend_from_slice(&self.chunk.split_to(newline + 1));
            self.partial.split().freeze()
        };
        line.truncate(line.len() - 1);
        if line.last() == Some(&b'\r') {
            line.truncate(line.len() - 1);
        }
        self.check_length(&line)?;
        Ok(Some(line))
    }

    /// What is left when the stream ends: a last line with no newline.
    pub(crate) fn finish(&mut self) -> Option<Bytes> {
        self.partial.extend_from_slice(&self.chunk);
        self.chunk = Bytes::new();
        let rest = self.partial.split().freeze();
        (!rest.is_empty()).then_some(rest)
    }

    fn check_length(&self, line: &[u8]) -> Result<(), LineError> {
        if line.len() > self.max_line {
            return Err(LineError::TooLong {
                limit: self.max_line,
                start: quote_start(line),
            });
        }
        Ok(())
    }
}

/// The lines of `body`, each without its newline; blank lines are skipped.
/// A transport error or an over-long line ends the stream after its error.
pub(crate) fn lines(
    body: ByteStream,
    max_line: usize,
    verb: String,
    url: String,
) -> impl Stream<Item = Result<Bytes>> + Send + 'static {
    struct State {
        body: Option<ByteStream>,
        buffer: LineBuffer,
        verb: String,
        url: String,
    }
    let state = State {
        body: Some(body),
        buffer: LineBuffer::new(max_line),
        verb,
        url,
    };
    futures::stream::unfold(state, |mut state| async move {
        loop {
            match state.buffer.next_line() {
                Ok(Some(line)) if line.iter().all(u8::is_ascii_whitespace) => continue,
                Ok(Some(line)) => return Some((Ok(line), state)),
                Ok(None) => {}
                Err(error) => {
                    state.body = None;
                    state.buffer = LineBuffer::new(0);
                    let error = Error::Stream {
                        verb: state.verb.clone(),
                        url: state.url.clone(),
                        source: error,
                    };
                    return Some((Err(error), state));
                }
            }
            let Some(body) = state.body.as_mut() else {
                let last = state.buffer.finish()?;
                if last.iter().all(u8::is_ascii_whitespace) {
                    return None;
                }
                return Some((Ok(last), state));
            };
            match body.next().await {
                Some(Ok(chunk)) => state.buffer.push(chunk),
                Some(Err(error)) => {
                    state.body = None;
                    state.buffer = LineBuffer::new(0);
                    return Some((Err(error), state));
                }
                None => state.body = None,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split_all(chunks: &[&[u8]], max_line: usize) -> Vec<Result<Bytes, String>> {
        let owned: Vec<Result<Bytes>> = chunks
            .iter()
            .map(|chunk| Ok(Bytes::copy_from_slice(chunk)))
            .collect();
        let body: ByteStream = Box::pin(futures::stream::iter(owned));
        let stream = lines(body, max_line, "GET".into(), "/api/v1/pods?watch=true".into());
        futures::executor::block_on(
            stream
                .map(|line| line.map_err(|error| error.to_string()))
                .collect(),
        )
    }

    #[test]
    fn lines_split_across_chunks_are_joined() {
        let got = split_all(&[b"{\"a\"", b":1}\n{\"b\":2}\r\n\n", b"{\"c\":3}"], 1024);
        let expected: Vec<Result<Bytes, String>> = vec![
            Ok(Bytes::from_static(b"{\"a\":1}")),
            Ok(Bytes::from_static(b"{\"b\":2}")),
            Ok(Bytes::from_static(b"{\"c\":3}")),
        ];
        assert_eq!(got, expected);
    }

    #[test]
    fn an_over_long_line_is_an_error_that_quotes_its_start() {
        let got = split_all(&[b"{\"a\":\"0123456789", b"0123456789\"}\n{}\n"], 16);
        assert_eq!(got.len(), 1);
        assert_eq!(
            got[0].as_ref().unwrap_err(),
            r#"GET /api/v1/pods?watch=true: a line is longer than the limit of 16 bytes; it starts with "{\"a\":\"01234567890123456789\"}""#
        );
    }

    #[test]
    fn a_long_line_in_one_chunk_is_caught_too() {
        let got = split_all(&[b"{\"a\":\"01234567890123456789\"}\n"], 16);
        assert!(got[0].as_ref().unwrap_err().contains("longer than the limit"));
    }

    proptest::proptest! {
        #[test]
        fn lines_come_out_whole_wherever_the_chunks_split(
            lines in proptest::collection::vec("[a-z{}\":, ]{1,40}", 0..8),
            crlf in proptest::bool::ANY,
            cuts in proptest::collection::vec(0usize..400, 0..6),
        ) {
            let ending = if crlf { "\r\n" } else { "\n" };
            let text: String = lines.iter().map(|line| format!("{line}{ending}")).collect();
            let mut cuts: Vec<usize> = cuts.into_iter().map(|cut| cut % (text.len() + 1)).collect();
            cuts.extend([0, text.len()]);
            cuts.sort_unstable();
            let chunks: Vec<&[u8]> = cuts.windows(2).map(|pair| &text.as_bytes()[pair[0]..pair[1]]).collect();
            let expected: Vec<Result<Bytes, String>> = lines
                .iter()
                .filter(|line| !line.trim().is_empty())
                .map(|line| Ok(Bytes::copy_from_slice(line.as_bytes())))
                .collect();
            proptest::prop_assert_eq!(split_all(&chunks, 1024), expected);
        }
    }
}
