//! The request timeout bounds `send` and bounded streams (lists); other
//! streams have none. Paused tokio time
//! jumps to the timeout while the client waits, so no test waits for real.

mod support;

use std::time::Duration;

use futures::StreamExt;
use rudder::{HttpRest, Rest};
use support::{config_for, get, transport_failure};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test(start_paused = true)]
async fn a_send_that_outlasts_the_request_timeout_fails_as_timed_out() {
    let server = MockServer::start().await;
    Mock::given(path("/api"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    let mut config = config_for(&server.uri());
    config.request_timeout = Some(Duration::from_secs(5));
    let error = HttpRest::new(config)
        .unwrap()
        .send(get("/api"))
        .await
        .unwrap_err();
    let failure = transport_failure(&error);
    assert!(failure.is_timeout(), "{error}");
    assert!(error.to_string().contains("timed out"), "{error}");
}

/// A server that sends the head of a chunked response at once and one chunk
/// only when `release` fires.
async fn slow_body_server(release: oneshot::Receiver<()>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut buffer = [0u8; 1024];
        let _ = stream.read(&mut buffer).await;
        let head = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-type: application/json\r\n\r\n";
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.flush().await.unwrap();
        let _ = release.await;
        stream.write_all(b"4\r\ndata\r\n0\r\n\r\n").await.unwrap();
    });
    url
}

#[tokio::test(start_paused = true)]
async fn a_stream_has_no_request_timeout() {
    let (release, released) = oneshot::channel();
    let url = slow_body_server(released).await;
    let mut config = config_for(&url);
    config.request_timeout = Some(Duration::from_secs(5));
    let response = HttpRest::new(config)
        .unwrap()
        .send_stream(get("/api?watch=true"))
        .await
        .unwrap();
    // Far past the request timeout before the body comes.
    tokio::time::sleep(Duration::from_secs(600)).await;
    release.send(()).unwrap();
    let mut body = response.into_body();
    assert_eq!(body.next().await.unwrap().unwrap().as_ref(), b"data");
}

#[tokio::test(start_paused = true)]
async fn a_bounded_stream_whose_body_outlasts_the_request_timeout_fails_as_timed_out() {
    let (_release, released) = oneshot::channel();
    let url = slow_body_server(released).await;
    let mut config = config_for(&url);
    config.request_timeout = Some(Duration::from_secs(5));
    let mut list = get("/api/v1/pods");
    list.extensions_mut().insert(rudder::rest::BoundedBody);
    let response = HttpRest::new(config).unwrap().send_stream(list).await.unwrap();
    let error = response.into_body().next().await.unwrap().unwrap_err();
    assert!(error.to_string().contains("timed out"), "{error}");
}
