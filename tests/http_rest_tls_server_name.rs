//! `tls-server-name` as client-go sends it: the name goes in the TLS SNI and
//! is what the certificate is checked against, and nothing else changes: the
//! connection (or the proxy's `CONNECT`) goes to the URL's host, and `Host`
//! (HTTP/2 `:authority`) is the URL's. The server's certificate is valid for
//! `kubernetes.internal` only, never for the 127.0.0.1 the client dials.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures::TryStreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use rudder::config::{Auth, Impersonation, SecretString};
use rudder::typed::{Api, Typed};
use rudder::{Error, HttpRest, Rest};
use support::tls_server::{ClientAuth, TestPki, serve_https, serve_tls, server_config};
use support::{ExecScript, LogCapture, config_for, get, transport_failure};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const SERVER_NAME: &str = "kubernetes.internal";

/// What the server saw of one request, sent back as a ConfigMap's data.
#[derive(Debug, PartialEq)]
struct Seen {
    sni: String,
    authority: String,
    version: String,
}

impl Seen {
    fn from_config_map(config_map: &ConfigMap) -> Self {
        let data = config_map.data.as_ref().expect("data");
        Seen {
            sni: data["sni"].clone(),
            authority: data["authority"].clone(),
            version: data["version"].clone(),
        }
    }
}

/// Serves HTTPS on a free 127.0.0.1 port (see [`serve_on`]); returns the port.
async fn serve(pki: &TestPki, protocols: &[&[u8]]) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let port = listener.local_addr().expect("the port").port();
    serve_on(listener, pki, protocols);
    port
}

/// Serves HTTPS on `listener` with `pki`'s server certificate, offering the
/// ALPN `protocols`. `/hang` is never answered; every other request is
/// answered with a ConfigMap whose data holds the SNI the client sent (`-`
/// for none), the `Host` header (or, on HTTP/2, the `:authority`) and the
/// HTTP version.
fn serve_on(listener: TcpListener, pki: &TestPki, protocols: &[&[u8]]) {
    let mut config = server_config(pki, ClientAuth::None);
    config.alpn_protocols = protocols.iter().map(|protocol| protocol.to_vec()).collect();
    serve_tls(listener, config, |peer, request| {
        (request.uri().path() != "/hang").then(|| answer(&peer.sni, request))
    });
}

fn answer(sni: &str, request: &hyper::Request<hyper::body::Incoming>) -> String {
    let host = request
        .headers()
        .get(hyper::header::HOST)
        .map(|host| String::from_utf8_lossy(host.as_bytes()).into_owned());
    let authority = match request.version() {
        hyper::Version::HTTP_2 => request.uri().authority().map(ToString::to_string),
        _ => host,
    };
    let header = |name: &str| {
        request.headers().get(name).map_or("-".to_owned(), |value| {
            String::from_utf8_lossy(value.as_bytes()).into_owned()
        })
    };
    serde_json::json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "seen", "namespace": "default"},
        "data": {
            "sni": sni,
            "authority": authority.unwrap_or_else(|| "-".into()),
            "version": format!("{:?}", request.version()),
            "user-agent": header("user-agent"),
            "impersonate-user": header("impersonate-user"),
            "authorization": header("authorization"),
        },
    })
    .to_string()
}

/// An HTTP proxy on 127.0.0.1 that opens `CONNECT` tunnels to loopback
/// targets only, recording each request head. Returns its port.
async fn connect_proxy(heads: Arc<Mutex<Vec<String>>>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let port = listener.local_addr().expect("the port").port();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            tokio::spawn(tunnel(client, heads.clone()));
        }
    });
    port
}

async fn tunnel(mut client: TcpStream, heads: Arc<Mutex<Vec<String>>>) {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        if client.read_exact(&mut byte).await.is_err() {
            return;
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    heads.lock().unwrap().push(head.clone());
    let target = head.split(' ').nth(1).unwrap_or_default().to_owned();
    let loopback = target.starts_with("127.0.0.1:");
    let server = match head.starts_with("CONNECT ") && loopback {
        true => TcpStream::connect(&target).await.ok(),
        false => None,
    };
    let Some(mut server) = server else {
        let _ = client.write_all(b"HTTP/1.1 403 Forbidden\r\n\r\n").await;
        return;
    };
    if client
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .await
        .is_ok()
    {
        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
    }
}

/// A SOCKS5 proxy on 127.0.0.1 (no authentication) that connects to
/// 127.0.0.1 targets only, recording each target as `host:port`. Returns its port.
async fn socks5_proxy(targets: Arc<Mutex<Vec<String>>>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let port = listener.local_addr().expect("the port").port();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let targets = targets.clone();
            tokio::spawn(async move {
                let _ = socks5_connect(client, targets).await;
            });
        }
    });
    port
}

async fn socks5_connect(mut client: TcpStream, targets: Arc<Mutex<Vec<String>>>) -> std::io::Result<()> {
    let mut greeting = [0u8; 2];
    client.read_exact(&mut greeting).await?;
    let mut methods = vec![0u8; usize::from(greeting[1])];
    client.read_exact(&mut methods).await?;
    client.write_all(&[5, 0]).await?;
    let mut request = [0u8; 4];
    client.read_exact(&mut request).await?;
    let host = match request[3] {
        1 => {
            let mut ip = [0u8; 4];
            client.read_exact(&mut ip).await?;
            std::net::Ipv4Addr::from(ip).to_string()
        }
        3 => {
            let mut length = [0u8; 1];
            client.read_exact(&mut length).await?;
            let mut name = vec![0u8; usize::from(length[0])];
            client.read_exact(&mut name).await?;
            String::from_utf8_lossy(&name).into_owned()
        }
        _ => return client.write_all(&[5, 8, 0, 1, 0, 0, 0, 0, 0, 0]).await,
    };
    let mut port = [0u8; 2];
    client.read_exact(&mut port).await?;
    let target = format!("{host}:{}", u16::from_be_bytes(port));
    targets.lock().unwrap().push(target.clone());
    if host != "127.0.0.1" {
        return client.write_all(&[5, 2, 0, 1, 0, 0, 0, 0, 0, 0]).await;
    }
    let mut server = TcpStream::connect(&target).await?;
    client.write_all(&[5, 0, 0, 1, 0, 0, 0, 0, 0, 0]).await?;
    tokio::io::copy_bidirectional(&mut client, &mut server)
        .await
        .map(drop)
}

/// A client for `https://127.0.0.1:port` trusting `pki`'s CA, with `SERVER_NAME` as its `tls-server-name`.
fn rest(pki: &TestPki, port: u16, proxy_port: Option<u16>) -> HttpRest {
    let mut config = config_for(&format!("https://127.0.0.1:{port}"));
    config.tls.root_certificates = vec![pki.ca.clone()];
    config.tls.server_name = Some(SERVER_NAME.into());
    config.proxy_url =
        proxy_port.map(|proxy| format!("http://jane:s3cret@127.0.0.1:{proxy}").parse().unwrap());
    HttpRest::new(config).expect("a client")
}

async fn seen(rest: HttpRest) -> Seen {
    let api: Api<ConfigMap> = Api::namespaced(Arc::new(rest), "default");
    Seen::from_config_map(&api.get("seen").await.expect("the typed GET succeeds"))
}

#[tokio::test]
async fn http1_sends_the_server_name_as_sni_and_the_url_host_as_host() {
    let pki = TestPki::for_server_names(&[SERVER_NAME]);
    let port = serve(&pki, &[b"http/1.1"]).await;
    let rest = rest(&pki, port, None);

    let response = rest
        .send(get("/api/v1/namespaces/default/configmaps/seen"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let expected = Seen {
        sni: SERVER_NAME.into(),
        authority: format!("127.0.0.1:{port}"),
        version: "HTTP/1.1".into(),
    };
    assert_eq!(seen(rest).await, expected);
}

#[tokio::test]
async fn the_user_agent_impersonation_and_credentials_are_sent_on_this_path_too() {
    let pki = TestPki::for_server_names(&[SERVER_NAME]);
    let port = serve(&pki, &[b"h2", b"http/1.1"]).await;
    let mut config = rest(&pki, port, None).config().clone();
    config.auth = Auth::Bearer(SecretString::new("t0ken"));
    let mut impersonation = Impersonation::default();
    impersonation.user = "jane".into();
    config.impersonate = Some(impersonation);
    let api: Api<ConfigMap> = Api::namespaced(Arc::new(HttpRest::new(config).unwrap()), "default");
    let data = api.get("seen").await.unwrap().data.unwrap();
    assert!(data["user-agent"].starts_with("rudder/"), "{data:?}");
    assert_eq!(data["impersonate-user"], "jane");
    assert_eq!(data["authorization"], "Bearer t0ken");
}

#[tokio::test]
async fn http2_sends_the_url_host_as_authority() {
    let pki = TestPki::for_server_names(&[SERVER_NAME]);
    let port = serve(&pki, &[b"h2", b"http/1.1"]).await;
    let expected = Seen {
        sni: SERVER_NAME.into(),
        authority: format!("127.0.0.1:{port}"),
        version: "HTTP/2.0".into(),
    };
    assert_eq!(seen(rest(&pki, port, None)).await, expected);
}

#[tokio::test]
async fn through_an_http_proxy_the_tunnel_goes_to_the_url_host_and_the_sni_is_the_server_name() {
    let pki = TestPki::for_server_names(&[SERVER_NAME]);
    let port = serve(&pki, &[b"h2", b"http/1.1"]).await;
    let heads = Arc::new(Mutex::new(Vec::new()));
    let proxy_port = connect_proxy(heads.clone()).await;

    let seen = seen(rest(&pki, port, Some(proxy_port))).await;
    assert_eq!(seen.sni, SERVER_NAME);
    assert_eq!(seen.authority, format!("127.0.0.1:{port}"));
    let heads = heads.lock().unwrap().clone();
    assert_eq!(heads.len(), 1, "{heads:?}");
    let request_line = heads[0].lines().next().unwrap();
    assert_eq!(request_line, format!("CONNECT 127.0.0.1:{port} HTTP/1.1"));
    // base64("jane:s3cret"), from the proxy URL's user info.
    assert!(
        heads[0].contains("Proxy-Authorization: Basic amFuZTpzM2NyZXQ=\r\n"),
        "{}",
        heads[0]
    );
}

#[tokio::test]
async fn through_a_socks5_proxy_the_connection_goes_to_the_url_host_and_the_sni_is_the_server_name() {
    let pki = TestPki::for_server_names(&[SERVER_NAME]);
    let port = serve(&pki, &[b"h2", b"http/1.1"]).await;
    let targets = Arc::new(Mutex::new(Vec::new()));
    let proxy_port = socks5_proxy(targets.clone()).await;
    let mut config = rest(&pki, port, None).config().clone();
    config.proxy_url = Some(format!("socks5h://127.0.0.1:{proxy_port}").parse().unwrap());

    let seen = seen(HttpRest::new(config).unwrap()).await;
    assert_eq!(seen.sni, SERVER_NAME);
    assert_eq!(seen.authority, format!("127.0.0.1:{port}"));
    assert_eq!(*targets.lock().unwrap(), vec![format!("127.0.0.1:{port}")]);
}

#[tokio::test]
async fn a_proxy_that_refuses_the_tunnel_is_a_transport_error_naming_it() {
    let pki = TestPki::for_server_names(&[SERVER_NAME]);
    let heads = Arc::new(Mutex::new(Vec::new()));
    let proxy_port = connect_proxy(heads.clone()).await;
    let mut config = config_for("https://10.0.0.1:6443");
    config.tls.root_certificates = vec![pki.ca.clone()];
    config.tls.server_name = Some(SERVER_NAME.into());
    config.proxy_url = Some(format!("http://127.0.0.1:{proxy_port}").parse().unwrap());
    // The proxy refuses non-loopback targets, so nothing leaves the machine.
    let error = HttpRest::new(config)
        .unwrap()
        .send(get("/version"))
        .await
        .unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert!(
        message.contains(&format!(
            "proxy 127.0.0.1:{proxy_port} opened no tunnel (CONNECT) to 10.0.0.1:6443"
        )),
        "{message}"
    );
    assert_eq!(
        heads.lock().unwrap()[0].lines().next().unwrap(),
        "CONNECT 10.0.0.1:6443 HTTP/1.1"
    );
}

#[tokio::test]
async fn a_certificate_valid_for_neither_name_fails_with_a_clear_error() {
    let pki = TestPki::for_server_names(&["other.internal"]);
    let port = serve(&pki, &[b"h2", b"http/1.1"]).await;
    let error = rest(&pki, port, None).send(get("/version")).await.unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert!(
        message.starts_with(&format!("GET https://127.0.0.1:{port}/version: ")),
        "{message}"
    );
    assert!(
        message.contains(&format!(
            "TLS handshake with 127.0.0.1:{port} as {SERVER_NAME} (tls-server-name) failed"
        )),
        "{message}"
    );
    assert!(
        message.contains(&format!(r#"certificate not valid for name "{SERVER_NAME}""#)),
        "{message}"
    );
}

#[tokio::test]
async fn a_stream_goes_to_the_url_host_with_the_server_name_as_sni() {
    let pki = TestPki::for_server_names(&[SERVER_NAME]);
    let port = serve(&pki, &[b"h2", b"http/1.1"]).await;
    let response = rest(&pki, port, None)
        .send_stream(get("/api/v1/namespaces/default/configmaps/seen"))
        .await
        .unwrap();
    let body: Vec<Bytes> = response.into_body().try_collect().await.unwrap();
    let config_map: ConfigMap = serde_json::from_slice(&body.concat()).unwrap();
    assert_eq!(
        Seen::from_config_map(&config_map).authority,
        format!("127.0.0.1:{port}")
    );
}

#[tokio::test(start_paused = true)]
async fn a_send_that_outlasts_the_request_timeout_fails_as_timed_out() {
    let pki = TestPki::for_server_names(&[SERVER_NAME]);
    let port = serve(&pki, &[b"h2", b"http/1.1"]).await;
    let mut config = rest(&pki, port, None).config().clone();
    config.request_timeout = Some(Duration::from_secs(5));
    let error = HttpRest::new(config)
        .unwrap()
        .send(get("/hang"))
        .await
        .unwrap_err();
    let failure = transport_failure(&error);
    assert!(failure.is_timeout(), "{error}");
    assert!(failure.reqwest_error().is_none(), "hyper's client sent it");
    assert!(error.to_string().contains("timed out"), "{error}");
}

#[tokio::test(start_paused = true)]
async fn a_get_is_retried_when_the_connection_is_refused() {
    let (logs, _guard) = LogCapture::start();
    let pki = TestPki::for_server_names(&[SERVER_NAME]);
    // A port nobody listens on (for now).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let rest = rest(&pki, port, None);
    let sent = tokio::spawn(async move { rest.send(get("/version")).await });
    // Busy-wait (never idle, so paused time cannot move) until the first try
    // has been refused and the retry is waiting; then start the server.
    while !logs.text().contains("retrying after a connection failure") {
        tokio::task::yield_now().await;
    }
    let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    serve_on(listener, &pki, &[b"h2", b"http/1.1"]);
    let response = sent.await.unwrap().unwrap();
    assert_eq!(response.status(), 200);
    assert!(logs.text().contains("Connection refused"), "{}", logs.text());
}

#[tokio::test]
async fn an_exec_plugin_token_and_client_certificate_are_sent_on_this_path_too() {
    let pki = TestPki::for_server_names(&[SERVER_NAME]);
    let url = serve_https(&pki, ClientAuth::Required).await;
    let credential = serde_json::json!({
        "apiVersion": "client.authentication.k8s.io/v1",
        "kind": "ExecCredential",
        "status": {
            "token": "plugin-token",
            "clientCertificateData": pki.client_certificate_pem,
            "clientKeyData": pki.client_key_pem,
        },
    });
    let script = ExecScript::new("cat \"$dir/credential.json\"");
    script.write_file("credential.json", &credential.to_string());
    let mut config = config_for(&url);
    config.tls.root_certificates = vec![pki.ca.clone()];
    config.tls.server_name = Some(SERVER_NAME.into());
    config.auth = Auth::Exec(Box::new(script.exec_config()));
    let rest = HttpRest::new(config).unwrap();
    let body = |path: &'static str| {
        let rest = rest.clone();
        async move { rest.send(get(path)).await.map(|response| response.into_body()) }
    };
    assert_eq!(body("/sni").await.unwrap(), SERVER_NAME);
    assert_eq!(body("/version").await.unwrap(), "HTTP/2.0 client_cert=true");
    assert_eq!(body("/authorization").await.unwrap(), "Bearer plugin-token");
    assert_eq!(script.runs(), 1);
}
