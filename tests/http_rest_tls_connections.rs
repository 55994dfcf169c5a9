//! How many connections HttpRest opens to a TLS server: a burst of requests
//! to an HTTP/2 server shares one connection; to a server that speaks
//! HTTP/1.1 only, the requests still run side by side.

mod support;

use std::sync::Arc;
use std::time::Duration;

use rudder::{HttpRest, Rest};
use support::tls_server::{ClientAuth, Connections, TestPki, serve_tls, server_config};
use support::{config_for, get};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::task::JoinSet;

/// A TLS server offering `protocols` by ALPN: `/hold` is never answered
/// (each arrival is signalled on `held`), every other path answered "ok".
async fn serve(pki: &TestPki, protocols: &[&[u8]], held: Arc<Notify>) -> (String, Arc<Connections>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let port = listener.local_addr().expect("the port").port();
    let mut config = server_config(pki, ClientAuth::None);
    config.alpn_protocols = protocols.iter().map(|protocol| protocol.to_vec()).collect();
    let connections = serve_tls(listener, config, move |_, request| {
        if request.uri().path() == "/hold" {
            held.notify_one();
            return None;
        }
        Some("ok".to_owned())
    });
    (format!("https://127.0.0.1:{port}"), connections)
}

fn client_for(url: &str, pki: &TestPki) -> HttpRest {
    let mut config = config_for(url);
    config.tls.root_certificates = vec![pki.ca.clone()];
    HttpRest::new(config).unwrap()
}

fn spawn_gets(rest: &HttpRest, path: &'static str, count: usize) -> JoinSet<rudder::Result<String>> {
    let mut gets = JoinSet::new();
    for _ in 0..count {
        let rest = rest.clone();
        gets.spawn(async move {
            let response = rest.send(get(path)).await?;
            Ok(String::from_utf8_lossy(response.body()).into_owned())
        });
    }
    gets
}

/// Waits (a few ms at a time) until `done` holds; the test fails after 10 s.
async fn until(mut done: impl FnMut() -> bool) {
    tokio::time::timeout(Duration::from_secs(10), async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    })
    .await
    .expect("the condition held within 10 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_requests_at_once_to_an_http2_server_share_one_connection() {
    let pki = TestPki::generate();
    let (url, connections) = serve(&pki, &[b"h2", b"http/1.1"], Arc::default()).await;
    let rest = client_for(&url, &pki);
    let mut gets = spawn_gets(&rest, "/version", 64);
    while let Some(answer) = gets.join_next().await {
        assert_eq!(answer.expect("the task ran").expect("a 200"), "ok");
    }
    assert_eq!(connections.counts(), (1, 0), "(HTTP/2, HTTP/1.1) connections");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_to_an_http1_only_server_still_run_side_by_side() {
    let pki = TestPki::generate();
    let held = Arc::new(Notify::new());
    let (url, connections) = serve(&pki, &[b"http/1.1"], held).await;
    let rest = client_for(&url, &pki);
    assert_eq!(rest.send(get("/version")).await.unwrap().body().as_ref(), b"ok");
    // HTTP/1.1 carries one request at a time: 8 requests the server holds
    // at once are on 8 connections.
    let mut gets = spawn_gets(&rest, "/hold", 8);
    until(|| connections.counts().1 >= 8).await;
    assert_eq!(connections.counts().0, 0, "no HTTP/2 connection");
    gets.abort_all();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_request_dropped_before_its_answer_lets_the_waiting_ones_go() {
    let pki = TestPki::generate();
    let held = Arc::new(Notify::new());
    let (url, connections) = serve(&pki, &[b"h2", b"http/1.1"], held.clone()).await;
    let rest = client_for(&url, &pki);
    let mut first = spawn_gets(&rest, "/hold", 1);
    held.notified().await;
    // The first request is at the server, which holds it: these wait for it.
    let mut waiting = spawn_gets(&rest, "/version", 8);
    tokio::time::sleep(Duration::from_millis(5)).await;
    assert!(
        waiting.try_join_next().is_none(),
        "no request goes before the first is answered"
    );
    first.abort_all();
    let answers = tokio::time::timeout(Duration::from_secs(10), waiting.join_all())
        .await
        .expect("the waiting requests went once the first was dropped");
    for answer in answers {
        assert_eq!(answer.expect("a 200"), "ok");
    }
    assert_eq!(
        connections.counts(),
        (1, 0),
        "they share the first request's connection"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_first_request_lets_the_next_one_go_first() {
    let pki = TestPki::generate();
    let (url, _) = serve(&pki, &[b"h2", b"http/1.1"], Arc::default()).await;
    // A client that does not trust the server's CA fails its handshakes;
    // every request must still end (with that error), none wait for ever.
    let mut config = config_for(&url);
    config.tls.root_certificates = vec![TestPki::generate().ca];
    let rest = HttpRest::new(config).unwrap();
    let failures = tokio::time::timeout(
        Duration::from_secs(10),
        spawn_gets(&rest, "/version", 8).join_all(),
    )
    .await
    .expect("every request ended");
    for failure in failures {
        let message = failure.expect_err("an untrusted server").to_string();
        assert!(message.contains("invalid peer certificate"), "{message}");
    }
}
