//! The first request head of each connection, checked before hyper reads
//! it: hyper answers a malformed head (bad request line, bad
//! `Content-Length`, a head too long) with an empty body, where
//! kube-apiserver's clients expect a `Status`. The server reads the head
//! itself with hyper's parser (`httparse`), answers what it refuses with a
//! `Status`, and hands hyper the bytes it read. Later requests on a kept-alive
//! connection are hyper's alone: those are from clients that already sent
//! one well-formed request.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use rudder::Status;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};

/// The longest request head (request line and headers) read, as
/// kube-apiserver's `MaxHeaderBytes`.
pub(crate) const MAX_HEAD_BYTES: usize = 1024 * 1024;
/// The most headers a request may have (hyper's default).
pub(crate) const MAX_HEADERS: usize = 100;

const HTTP2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// What the first bytes of a connection turned out to be.
#[derive(Debug, PartialEq)]
pub(crate) enum FirstHead {
    /// A well-formed HTTP/1 head or an HTTP/2 preface: these bytes, and
    /// what follows them, are for hyper.
    Accepted(Vec<u8>),
    /// Refused and answered; the connection is done.
    Refused(Status),
    /// The client closed before sending a whole head.
    Closed,
}

/// Reads and checks the first request head of `stream`; a refused one is
/// answered with its `Status` before this returns.
pub(crate) async fn read_first_head<S>(stream: &mut S) -> io::Result<FirstHead>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut buffer = Vec::with_capacity(4096);
    let mut judged = false;
    let mut new_from: usize = 0;
    loop {
        // The head is judged when its first bytes, its end or too many bytes
        // are in: not at every read, which would parse a long head again and
        // again.
        let verdict = if judged
            && !ends_head(&buffer[new_from.saturating_sub(2)..])
            && buffer.len() <= MAX_HEAD_BYTES
        {
            Verdict::Incomplete
        } else {
            judged = !buffer.is_empty();
            check(&buffer)
        };
        match verdict {
            Verdict::Incomplete => {}
            Verdict::Accept => return Ok(FirstHead::Accepted(buffer)),
            Verdict::Refuse(status) => {
                answer(stream, &status).await?;
                return Ok(FirstHead::Refused(*status));
            }
        }
        let mut chunk = [0u8; 8192];
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            return Ok(FirstHead::Closed);
        }
        new_from = buffer.len();
        buffer.extend_from_slice(&chunk[..read]);
    }
}

/// Whether the bytes hold an empty line, the end of a head (httparse
/// accepts bare `\n` line ends as hyper does).
fn ends_head(buffer: &[u8]) -> bool {
    buffer.windows(2).any(|pair| pair == b"\n\n") || buffer.windows(3).any(|triple| triple == b"\n\r\n")
}

enum Verdict {
    Incomplete,
    Accept,
    Refuse(Box<Status>),
}

fn refuse(code: u16, message: impl Into<String>) -> Verdict {
    let status = Status::failure(code, rudder::error::reason_for_code(code), message);
    Verdict::Refuse(Box::new(status))
}

/// Judges the bytes read so far.
fn check(buffer: &[u8]) -> Verdict {
    let preface_length = buffer.len().min(HTTP2_PREFACE.len());
    if buffer[..preface_length] == HTTP2_PREFACE[..preface_length] {
        return if buffer.len() >= HTTP2_PREFACE.len() {
            Verdict::Accept
        } else {
            Verdict::Incomplete
        };
    }
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    match request.parse(buffer) {
        Ok(httparse::Status::Complete(length)) if length > MAX_HEAD_BYTES => too_long(buffer),
        Ok(httparse::Status::Complete(_)) => check_framing(request.headers),
        Ok(httparse::Status::Partial) if buffer.len() > MAX_HEAD_BYTES => too_long(buffer),
        Ok(httparse::Status::Partial) => Verdict::Incomplete,
        Err(httparse::Error::TooManyHeaders) => {
            refuse(431, format!("the request has more than {MAX_HEADERS} headers"))
        }
        Err(error) => refuse(400, format!("malformed HTTP request: {error}")),
    }
}

/// 414 when the request line alone is too long, 431 when the headers are.
fn too_long(buffer: &[u8]) -> Verdict {
    let request_line = buffer.windows(2).position(|pair| pair == b"\r\n");
    match request_line {
        Some(length) if length <= MAX_HEAD_BYTES => refuse(
            431,
            format!("the request headers are longer than {MAX_HEAD_BYTES} bytes"),
        ),
        _ => refuse(
            414,
            format!("the request line is longer than {MAX_HEAD_BYTES} bytes"),
        ),
    }
}

/// How the body is framed: `Content-Length` must be one number (repeated
/// only with the same value), and a `Transfer-Encoding` must end in chunked.
fn check_framing(headers: &[httparse::Header<'_>]) -> Verdict {
    let named = |name: &'static str| {
        headers
            .iter()
            .filter(move |header| header.name.eq_ignore_ascii_case(name))
            .map(|header| String::from_utf8_lossy(header.value).trim().to_owned())
    };
    let mut lengths = Vec::new();
    for value in named("content-length") {
        for part in value.split(',').map(str::trim) {
            let digits = !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
            match part.parse::<u64>() {
                Ok(length) if digits => lengths.push(length),
                _ => {
                    return refuse(
                        400,
                        format!("invalid Content-Length {value:?}: not a number of bytes"),
                    );
                }
            }
        }
    }
    if lengths.windows(2).any(|pair| pair[0] != pair[1]) {
        return refuse(400, "conflicting Content-Length headers");
    }
    if let Some(encoding) = named("transfer-encoding").next_back() {
        let last = encoding.rsplit(',').next().unwrap_or_default().trim();
        if !last.eq_ignore_ascii_case("chunked") {
            return refuse(
                400,
                format!("unsupported Transfer-Encoding {encoding:?}: the last coding must be chunked"),
            );
        }
    }
    Verdict::Accept
}

/// Writes the `Status` as a whole HTTP/1.1 response and closes.
async fn answer<S: AsyncWrite + Unpin>(stream: &mut S, status: &Status) -> io::Result<()> {
    let body = serde_json::to_vec(&status.to_wire_json()).unwrap_or_default();
    let reason = http::StatusCode::from_u16(status.code)
        .ok()
        .and_then(|code| code.canonical_reason())
        .unwrap_or("Error");
    let head = format!(
        "HTTP/1.1 {} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        status.code,
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(&body).await?;
    stream.shutdown().await
}

/// A stream whose first bytes were already read: it gives them again
/// before reading on.
pub(crate) struct Replayed<S> {
    read: Vec<u8>,
    position: usize,
    stream: S,
}

impl<S> Replayed<S> {
    pub(crate) fn new(read: Vec<u8>, stream: S) -> Self {
        Replayed {
            read,
            position: 0,
            stream,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Replayed<S> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let rest = &this.read[this.position..];
        if rest.is_empty() {
            return Pin::new(&mut this.stream).poll_read(cx, buf);
        }
        let length = rest.len().min(buf.remaining());
        buf.put_slice(&rest[..length]);
        this.position += length;
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Replayed<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn first_head(bytes: &[u8]) -> (FirstHead, String) {
        let (mut client, mut server) = tokio::io::duplex(4 * MAX_HEAD_BYTES);
        client.write_all(bytes).await.unwrap_or_default();
        client.shutdown().await.unwrap_or_default();
        let verdict = read_first_head(&mut server).await.expect("no IO error");
        drop(server);
        let mut answer = String::new();
        client.read_to_string(&mut answer).await.unwrap_or_default();
        (verdict, answer)
    }

    fn code(verdict: &FirstHead) -> Option<u16> {
        match verdict {
            FirstHead::Refused(status) => Some(status.code),
            _ => None,
        }
    }

    #[tokio::test]
    async fn a_well_formed_head_is_handed_on_whole() {
        let request = b"POST /api/v1/namespaces HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}";
        let (verdict, answer) = first_head(request).await;
        assert_eq!(verdict, FirstHead::Accepted(request.to_vec()));
        assert_eq!(answer, "");
    }

    #[tokio::test]
    async fn an_http2_preface_is_handed_on() {
        let (verdict, _) = first_head(HTTP2_PREFACE).await;
        assert_eq!(verdict, FirstHead::Accepted(HTTP2_PREFACE.to_vec()));
    }

    #[tokio::test]
    async fn a_half_head_then_close_is_closed_without_an_answer() {
        let (verdict, answer) = first_head(b"GET / HTTP/1.1\r\nHost:").await;
        assert_eq!((verdict, answer.as_str()), (FirstHead::Closed, ""));
    }

    #[tokio::test]
    async fn framing_that_hyper_would_refuse_is_refused_with_a_status() {
        for (head, expected) in [
            (&b"GET / HTTP/1.1\r\nContent-Length: 1, 2\r\n\r\n"[..], 400),
            (b"GET / HTTP/1.1\r\nContent-Length: +1\r\n\r\n", 400),
            (
                b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                400,
            ),
            (b"GET / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
            (
                b"GET / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\nContent-Length: 3\r\n\r\n",
                0,
            ),
        ] {
            let (verdict, answer) = first_head(head).await;
            if expected == 0 {
                assert!(matches!(verdict, FirstHead::Accepted(_)), "{answer}");
            } else {
                assert_eq!(
                    code(&verdict),
                    Some(expected),
                    "{}",
                    String::from_utf8_lossy(head)
                );
                assert!(answer.contains("\"kind\":\"Status\""), "{answer}");
            }
        }
    }
}
