//! HttpRest retries (Retry-After, connection failures) and the client-side
//! rate limiter, on paused tokio time.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::TryStreamExt;
use http::Method;
use rudder::config::RateLimit;
use rudder::{Error, HttpRest, Rest};
use support::{LogCapture, config_for, get, ok_server, request};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::time::Instant;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A server that answers `status` with `Retry-After: retry_after` the first
/// `times` requests, then 200.
async fn server_failing(status: u16, retry_after: Option<&str>, times: u64) -> MockServer {
    let server = MockServer::start().await;
    let mut failure = ResponseTemplate::new(status);
    if let Some(seconds) = retry_after {
        failure = failure.insert_header("Retry-After", seconds);
    }
    Mock::given(any_path())
        .respond_with(failure)
        .up_to_n_times(times)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(any_path())
        .respond_with(ResponseTemplate::new(200))
        .with_priority(2)
        .mount(&server)
        .await;
    server
}

fn any_path() -> wiremock::matchers::PathRegexMatcher {
    wiremock::matchers::path_regex(".*")
}

async fn requests_seen(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

#[tokio::test(start_paused = true)]
async fn a_get_is_retried_after_the_retry_after_seconds() {
    let server = server_failing(503, Some("7"), 2).await;
    let rest = HttpRest::new(config_for(&server.uri())).unwrap();
    let started = Instant::now();
    let response = rest.send(get("/api")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(requests_seen(&server).await, 3);
    assert!(
        started.elapsed() >= Duration::from_secs(14),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn retries_stop_at_max_retries_and_the_last_answer_is_returned() {
    let server = server_failing(429, Some("1"), 100).await;
    let mut config = config_for(&server.uri());
    config.retry.max_retries = 2;
    config.retry.max_total_wait = Duration::from_secs(60);
    let response = HttpRest::new(config).unwrap().send(get("/api")).await.unwrap();
    assert_eq!(response.status(), 429);
    assert_eq!(requests_seen(&server).await, 3);
}

#[tokio::test(start_paused = true)]
async fn retries_stop_before_the_total_wait_passes_its_limit() {
    let server = server_failing(429, Some("6"), 100).await;
    let mut config = config_for(&server.uri());
    config.retry.max_retries = 10;
    config.retry.max_total_wait = Duration::from_secs(10);
    let response = HttpRest::new(config).unwrap().send(get("/api")).await.unwrap();
    assert_eq!(response.status(), 429);
    assert_eq!(requests_seen(&server).await, 2);
}

#[tokio::test(start_paused = true)]
async fn a_5xx_without_retry_after_is_returned_at_once() {
    let server = server_failing(503, None, 1).await;
    let response = HttpRest::new(config_for(&server.uri()))
        .unwrap()
        .send(get("/api"))
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(requests_seen(&server).await, 1);
}

#[tokio::test(start_paused = true)]
async fn a_post_is_retried_on_429_and_503_but_not_on_other_5xx() {
    for (status, expected_requests, final_status) in
        [(429, 2, 200), (503, 2, 200), (500, 1, 500), (502, 1, 502)]
    {
        let server = server_failing(status, Some("1"), 1).await;
        let rest = HttpRest::new(config_for(&server.uri())).unwrap();
        let response = rest
            .send(request(Method::POST, "/api/v1/namespaces"))
            .await
            .unwrap();
        assert_eq!(response.status(), final_status, "after {status}");
        assert_eq!(requests_seen(&server).await, expected_requests, "after {status}");
    }
}

/// A raw HTTP server that resets the first `resets` connections after
/// reading the request head, then answers `200 ok`. Returns its URL and how
/// many connections it accepted.
async fn resetting_server(resets: usize) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let number = counter.fetch_add(1, Ordering::SeqCst) + 1;
            let mut head = Vec::new();
            let mut buffer = [0u8; 1024];
            while !head.windows(4).any(|window| window == b"\r\n\r\n") {
                match stream.read(&mut buffer).await {
                    Ok(0) | Err(_) => break,
                    Ok(read) => head.extend_from_slice(&buffer[..read]),
                }
            }
            if number <= resets {
                // SO_LINGER 0: closing sends RST, so the client sees "connection reset".
                stream.set_zero_linger().unwrap();
                drop(stream);
            } else {
                let _ = stream
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
                    .await;
            }
        }
    });
    (url, accepted)
}

#[tokio::test(start_paused = true)]
async fn a_get_is_retried_after_a_connection_reset() {
    let (url, accepted) = resetting_server(2).await;
    let response = HttpRest::new(config_for(&url))
        .unwrap()
        .send(get("/api"))
        .await
        .unwrap();
    assert_eq!(response.body().as_ref(), b"ok");
    assert_eq!(accepted.load(Ordering::SeqCst), 3);
}

#[tokio::test(start_paused = true)]
async fn a_post_is_not_retried_after_a_connection_reset() {
    let (url, accepted) = resetting_server(1).await;
    let rest = HttpRest::new(config_for(&url)).unwrap();
    let error = rest
        .send(request(Method::POST, "/api/v1/namespaces"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .starts_with(&format!("POST {url}/api/v1/namespaces: ")),
        "{error}"
    );
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn a_stream_is_retried_when_the_connection_fails_before_headers() {
    let (url, accepted) = resetting_server(1).await;
    let response = HttpRest::new(config_for(&url))
        .unwrap()
        .send_stream(get("/api?watch=true"))
        .await
        .unwrap();
    let body: Vec<bytes::Bytes> = response.into_body().try_collect().await.unwrap();
    assert_eq!(body.concat(), b"ok");
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn a_get_is_retried_when_the_connection_is_refused() {
    let (logs, _guard) = LogCapture::start();
    // A port nobody listens on (for now).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let rest = HttpRest::new(config_for(&format!("http://127.0.0.1:{port}"))).unwrap();
    let sent = tokio::spawn(async move { rest.send(get("/api")).await });
    // Busy-wait (never idle, so paused time cannot move) until the first try
    // has been refused and the retry is waiting; then start the server.
    while !logs.text().contains("retrying after a connection failure") {
        tokio::task::yield_now().await;
    }
    let listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    let server = MockServer::builder().listener(listener).start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let response = sent.await.unwrap().unwrap();
    assert_eq!(response.status(), 200);
    assert!(logs.text().contains("Connection refused"), "{}", logs.text());
}

/// Stops paused time from moving by itself while the returned sender lives:
/// tokio does not auto-advance while a blocking task runs. A request that
/// had to wait for the rate limiter could then never finish, so one that
/// finishes did not wait.
fn freeze_clock() -> std::sync::mpsc::Sender<()> {
    let (sender, receiver) = std::sync::mpsc::channel::<()>();
    tokio::task::spawn_blocking(move || receiver.recv());
    sender
}

/// A rate so slow (one request every 1000 s) that a request that waited for
/// it is told apart from one that did not, whatever else paused time skips
/// over (reqwest's own timers advance it while real IO is in flight).
const ONE_PER_1000_S: f32 = 0.001;
const LIMITER_WAIT: Duration = Duration::from_secs(1000);

#[tokio::test(start_paused = true)]
async fn a_burst_goes_at_once_and_streams_take_their_token_too() {
    let server = ok_server().await;
    let mut config = config_for(&server.uri());
    config.rate_limit.qps = ONE_PER_1000_S;
    config.rate_limit.burst = 3;
    let rest = HttpRest::new(config).unwrap();
    let started = Instant::now();
    rest.send(get("/api")).await.unwrap();
    for _ in 0..2 {
        rest.send_stream(get("/api?watch=true")).await.unwrap();
    }
    assert!(started.elapsed() < LIMITER_WAIT / 2, "the burst goes at once");
    // The bucket is empty now: a rewatch waits its turn like any request.
    rest.send_stream(get("/api?watch=true")).await.unwrap();
    assert!(started.elapsed() >= LIMITER_WAIT, "{:?}", started.elapsed());
    assert_eq!(requests_seen(&server).await, 4);
}

#[tokio::test(start_paused = true)]
async fn a_request_dropped_while_it_waits_for_the_rate_limiter_gives_its_token_back() {
    let server = ok_server().await;
    let mut config = config_for(&server.uri());
    config.rate_limit = RateLimit::new(ONE_PER_1000_S, 1);
    let rest = HttpRest::new(config).unwrap();
    let first = Instant::now();
    rest.send(get("/api")).await.unwrap();
    let dropped = tokio::time::timeout(Duration::from_secs(1), rest.send(get("/api"))).await;
    assert!(dropped.is_err(), "the second request waits for the limiter");
    tokio::time::sleep_until(first + LIMITER_WAIT).await;
    // One token is back by now and nobody holds it: this one goes at once.
    let started = Instant::now();
    rest.send(get("/api")).await.unwrap();
    assert!(started.elapsed() < LIMITER_WAIT / 2, "{:?}", started.elapsed());
    assert_eq!(requests_seen(&server).await, 2);
}

#[tokio::test(start_paused = true)]
async fn requests_beyond_the_burst_wait_for_the_rate_limiter() {
    let server = ok_server().await;
    let mut config = config_for(&server.uri());
    config.rate_limit.qps = 2.0;
    config.rate_limit.burst = 3;
    let rest = HttpRest::new(config).unwrap();
    let started = Instant::now();
    for _ in 0..7 {
        rest.send(get("/api")).await.unwrap();
    }
    // Three go at once, the other four at 2 a second.
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(requests_seen(&server).await, 7);
}

#[tokio::test(start_paused = true)]
async fn a_qps_of_zero_turns_the_rate_limiter_off() {
    let server = ok_server().await;
    let mut config = config_for(&server.uri());
    config.rate_limit.qps = 0.0;
    config.rate_limit.burst = 0;
    let rest = HttpRest::new(config).unwrap();
    let _frozen = freeze_clock();
    for _ in 0..20 {
        rest.send(get("/api")).await.unwrap();
    }
    assert_eq!(requests_seen(&server).await, 20);
}

#[tokio::test]
async fn a_nonsense_rate_limit_is_refused_with_an_error_naming_the_field() {
    let server = ok_server().await;
    let nonsense = [
        (RateLimit::new(1e-30, 10), "rate_limit.qps"),
        (RateLimit::new(f32::NAN, 10), "rate_limit.qps"),
        (RateLimit::new(f32::INFINITY, 10), "rate_limit.qps"),
        (RateLimit::new(-1.0, 10), "rate_limit.qps"),
        (RateLimit::new(5.0, 0), "rate_limit.burst"),
    ];
    for (limit, field) in nonsense {
        let mut config = config_for(&server.uri());
        config.rate_limit = limit;
        let error = HttpRest::new(config).expect_err(&format!("{limit:?} must be refused"));
        let message = error.to_string();
        assert!(matches!(error, Error::Config(_)), "{message}");
        assert!(message.contains(field), "{limit:?}: {message}");
    }
}
