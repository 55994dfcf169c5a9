//! Requests sent beside others run as tasks of their own: dropping the
//! caller's future must stop them as it stops a request run inline.

mod support;

use std::time::Duration;

use rudder::{HttpRest, Rest};
use support::{config_for, get};
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// What the server saw of one connection.
#[derive(Debug, PartialEq, Eq)]
enum Seen {
    /// A request arrived on connection `n` (counted from 0); it is never answered.
    Request(usize),
    /// The client closed connection `n`.
    Closed(usize),
}

/// An HTTP/1.1 server on 127.0.0.1 that reads requests, never answers, and
/// reports what it sees.
async fn silent_server() -> (String, mpsc::UnboundedReceiver<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let url = format!("http://{}", listener.local_addr().expect("the address"));
    let (seen, events) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut connection = 0;
        while let Ok((mut stream, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut buffer = [0; 4096];
                let mut reported = false;
                loop {
                    match stream.read(&mut buffer).await {
                        Ok(0) | Err(_) => {
                            let _ = seen.send(Seen::Closed(connection));
                            return;
                        }
                        Ok(_) if !reported => {
                            reported = true;
                            let _ = seen.send(Seen::Request(connection));
                        }
                        Ok(_) => {}
                    }
                }
            });
            connection += 1;
        }
    });
    (url, events)
}

async fn next(events: &mut mpsc::UnboundedReceiver<Seen>) -> Seen {
    tokio::time::timeout(Duration::from_secs(10), events.recv())
        .await
        .expect("the server saw something within 10 s")
        .expect("the server runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_sent_beside_another_stops_when_its_caller_drops_it() {
    let (url, mut events) = silent_server().await;
    let rest = HttpRest::new(config_for(&url)).unwrap();
    let first = tokio::spawn({
        let rest = rest.clone();
        async move { rest.send(get("/first")).await }
    });
    assert_eq!(next(&mut events).await, Seen::Request(0));
    // The first is in flight, so this one runs as a task of its own.
    let second = tokio::spawn({
        let rest = rest.clone();
        async move { rest.send(get("/second")).await }
    });
    assert_eq!(next(&mut events).await, Seen::Request(1));
    second.abort();
    assert_eq!(
        next(&mut events).await,
        Seen::Closed(1),
        "the exchange's task was aborted with its caller, closing its connection"
    );
    first.abort();
    assert_eq!(next(&mut events).await, Seen::Closed(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_beside_each_other_are_all_answered() {
    let server = support::ok_server().await;
    let rest = HttpRest::new(config_for(&server.uri())).unwrap();
    let answers = futures::future::join_all((0..64).map(|_| rest.send(get("/version")))).await;
    for answer in answers {
        assert_eq!(answer.expect("an answer").status(), 200);
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 64);
}
