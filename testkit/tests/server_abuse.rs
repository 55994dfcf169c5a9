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
