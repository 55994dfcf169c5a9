//! The server under clients that misbehave at the HTTP level, over raw TCP
//! on loopback: they are cut off, and answered with a `Status` where the
//! server can answer at all.

mod server_support;

use std::sync::Arc;

use rudder::Rest;
use rudder_testkit::server::Server;
use server_support::ToyRest;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn serve() -> Server {
    Server::builder(ToyRest::new() as Arc<dyn Rest>)
        .start()
        .await
        .expect("a server")
}

/// Everything the server writes until it closes the connection.
async fn read_to_close(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    // A reset rather than a clean close still ends the connection.
    let _ = stream.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test(start_paused = true)]
async fn a_client_that_sends_half_a_request_head_is_disconnected() {
    let server = serve().await;
    let mut stream = TcpStream::connect(server.address()).await.unwrap();
    stream
        .write_all(b"GET /api/v1/namespaces HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        .await
        .unwrap();
    // Paused time moves on while the server waits for the rest, until its
    // timeout closes the connection; without one this read never ends.
    let answer = read_to_close(&mut stream).await;
    assert!(!answer.contains(" 200 "), "{answer}");
}

#[tokio::test(start_paused = true)]
async fn a_client_that_connects_and_sends_nothing_is_disconnected() {
    let server = serve().await;
    let mut stream = TcpStream::connect(server.address()).await.unwrap();
    assert_eq!(read_to_close(&mut stream).await, "");
}

#[tokio::test(start_paused = true)]
async fn a_kept_alive_connection_is_closed_once_idle() {
    let server = serve().await;
    let mut stream = TcpStream::connect(server.address()).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    let answer = read_to_close(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
}

/// Sends `request` on a new connection; the answer's status code and its
/// body as JSON.
async fn answer_to(server: &Server, request: &[u8]) -> (String, serde_json::Value) {
    let mut stream = TcpStream::connect(server.address()).await.unwrap();
    // The server may answer and close before it has read everything sent.
    let _ = stream.write_all(request).await;
    let answer = read_to_close(&mut stream).await;
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status_line = head.lines().next().unwrap_or_default().to_owned();
    let body = serde_json::from_str(body).unwrap_or(serde_json::Value::Null);
    (status_line, body)
}

fn assert_status(answer: &(String, serde_json::Value), code: u16) {
    let (status_line, body) = answer;
    assert!(
        status_line.starts_with(&format!("HTTP/1.1 {code} ")),
        "{status_line}"
    );
    assert_eq!(body["kind"], "Status", "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
}

#[tokio::test]
async fn a_bad_request_line_is_a_400_status() {
    let server = serve().await;
    assert_status(&answer_to(&server, b"HELLO THERE\r\n\r\n").await, 400);
    assert_status(
        &answer_to(&server, b"GET / HTTP/9.9\r\nHost: x\r\n\r\n").await,
        400,
    );
}

#[tokio::test]
async fn a_bad_content_length_is_a_400_status() {
    let server = serve().await;
    let answer = answer_to(
        &server,
        b"POST /api/v1/namespaces HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n",
    )
    .await;
    assert_status(&answer, 400);
    assert!(
        answer.1["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Content-Length")
    );
}

#[tokio::test]
async fn a_url_too_long_is_a_414_status() {
    let server = serve().await;
    let mut request = b"GET /api/v1/namespaces?labelSelector=".to_vec();
    request.resize(request.len() + 1024 * 1024 + 10, b'a');
    request.extend_from_slice(b" HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_status(&answer_to(&server, &request).await, 414);
}

#[tokio::test]
async fn headers_too_long_or_too_many_are_a_431_status() {
    let server = serve().await;
    let mut request = b"GET /api HTTP/1.1\r\nHost: x\r\nX-Big: ".to_vec();
    request.resize(request.len() + 1024 * 1024 + 10, b'a');
    request.extend_from_slice(b"\r\n\r\n");
    assert_status(&answer_to(&server, &request).await, 431);

    let mut request = b"GET /api HTTP/1.1\r\nHost: x\r\n".to_vec();
    for index in 0..150 {
        request.extend_from_slice(format!("X-Header-{index}: v\r\n").as_bytes());
    }
    request.extend_from_slice(b"\r\n");
    assert_status(&answer_to(&server, &request).await, 431);
}

#[tokio::test]
async fn a_well_formed_request_still_reaches_the_server() {
    let server = serve().await;
    let (status_line, _) = answer_to(
        &server,
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(status_line.starts_with("HTTP/1.1 200"), "{status_line}");
}

#[tokio::test(start_paused = true)]
async fn a_client_that_stalls_its_tls_handshake_is_disconnected() {
    let server = Server::builder(ToyRest::new() as Arc<dyn Rest>)
        .tls()
        .start()
        .await
        .expect("a server");
    let mut stream = TcpStream::connect(server.address()).await.unwrap();
    // The first bytes of a TLS record header, and nothing more.
    stream.write_all(&[0x16, 0x03, 0x01]).await.unwrap();
    assert_eq!(read_to_close(&mut stream).await, "");
}
