//! [`Server`]: any `Rest` served over HTTP(S) on loopback, with a kubeconfig.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use rudder::Rest;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::accept::{AcceptBackoff, next_connection};
use super::auth::Authentication;
use super::error::ServeError;
use super::handler::{Clock, Handler};
use super::idle::{Activity, IDLE_TIMEOUT};
use super::kubeconfig::{KubeconfigContents, render};
use super::openapi::OpenApi;
use super::request_head::{FirstHead, MAX_HEAD_BYTES, MAX_HEADERS, Replayed, read_first_head};
use super::tls::{PemIdentity, ServerPki};

/// How long a shutdown waits for requests in flight before it drops them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// How long a client may take to send a request head over HTTP/1, as
/// kube-apiserver's `ReadHeaderTimeout`.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(32);

/// Builds a [`Server`]; every option has a default (a free port, plain HTTP,
/// no authentication, a kubeconfig in the temporary directory).
#[must_use]
pub struct ServerBuilder {
    rest: Arc<dyn Rest>,
    port: u16,
    tls: bool,
    auth: Authentication,
    kubeconfig_path: Option<PathBuf>,
    clock: Option<Clock>,
}

impl std::fmt::Debug for ServerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerBuilder")
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("auth", &self.auth)
            .field("kubeconfig_path", &self.kubeconfig_path)
            .finish_non_exhaustive()
    }
}

impl ServerBuilder {
    /// Listens on this port of 127.0.0.1 instead of a free one. A port in use
    /// makes [`start`](Self::start) fail with [`ServeError::Bind`].
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Serves HTTPS with a certificate (for 127.0.0.1, ::1 and localhost) from
    /// a CA generated at start; the kubeconfig carries the CA.
    pub fn tls(mut self) -> Self {
        self.tls = true;
        self
    }

    /// Requires `Authorization: Bearer <token>`; the kubeconfig carries it.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.auth = self.auth.token(token);
        self
    }

    /// Requires a client certificate issued by the server's CA (implies
    /// [`tls`](Self::tls)); the kubeconfig carries one, issued at start.
    pub fn client_certificate(mut self) -> Self {
        self.auth = self.auth.client_certificate();
        self.tls = true;
        self
    }

    /// Writes the kubeconfig here (kept after the server stops) rather than
    /// to a file in the temporary directory (removed when it stops).
    pub fn kubeconfig_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.kubeconfig_path = Some(path.into());
        self
    }

    /// The clock the AGE column is measured with (by default the system's);
    /// a fake cluster with a manual clock passes its own.
    pub fn clock(mut self, clock: impl Fn() -> jiff::Timestamp + Send + Sync + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Binds, writes the kubeconfig and starts serving in the background.
    ///
    /// # Errors
    /// [`ServeError::Bind`] when the port is taken; certificate, TLS or
    /// kubeconfig-writing errors otherwise.
    pub async fn start(self) -> Result<Server, ServeError> {
        let requested = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let listener = TcpListener::bind(requested)
            .await
            .map_err(|source| ServeError::Bind {
                address: requested,
                source,
            })?;
        let address = listener.local_addr().map_err(|source| ServeError::Bind {
            address: requested,
            source,
        })?;
        let pki = if self.tls {
            Some(ServerPki::generate()?)
        } else {
            None
        };
        let acceptor = match &pki {
            Some(pki) => Some(tokio_rustls::TlsAcceptor::from(pki.rustls_config()?)),
            None => None,
        };
        let scheme = if self.tls { "https" } else { "http" };
        let url = format!("{scheme}://{address}");
        let kubeconfig = render(&KubeconfigContents {
            server_url: &url,
            ca_pem: pki.as_ref().map(|pki| pki.ca_pem.as_str()),
            token: self.auth.required_token(),
            client: pki
                .as_ref()
                .filter(|_| self.auth.requires_client_certificate())
                .map(|pki| &pki.client),
        });
        let (kubeconfig_path, owns_kubeconfig) = match self.kubeconfig_path {
            Some(path) => (path, false),
            None => (
                std::env::temp_dir().join(format!(
                    "rudder-testkit-{}-{}.kubeconfig",
                    std::process::id(),
                    address.port()
                )),
                true,
            ),
        };
        write_private(&kubeconfig_path, &kubeconfig).map_err(|source| ServeError::WriteKubeconfig {
            path: kubeconfig_path.clone(),
            source,
        })?;
        let (stop, stopping) = watch::channel(false);
        let handler = Arc::new(Handler {
            rest: self.rest,
            auth: self.auth.clone(),
            clock: self.clock.unwrap_or_else(|| Arc::new(jiff::Timestamp::now)),
            openapi: OpenApi::default(),
            shutdown: stopping.clone(),
        });
        let task = tokio::spawn(accept_loop(listener, acceptor, handler, stopping));
        tracing::info!(target: "rudder_testkit::server", "serving on {url}");
        Ok(Server {
            address,
            url,
            kubeconfig,
            kubeconfig_path,
            owns_kubeconfig,
            pki,
            auth: self.auth,
            stop,
            task: Some(task),
        })
    }
}

/// A `Rest` served over HTTP(S) on 127.0.0.1, with a kubeconfig pointing at
/// it. Dropping it stops the server (and removes a kubeconfig it wrote to the
/// temporary directory); [`shutdown`](Self::shutdown) also waits for it.
///
/// ```no_run
/// # async fn run(rest: std::sync::Arc<dyn rudder::Rest>) -> Result<(), Box<dyn std::error::Error>> {
/// use rudder_testkit::server::Server;
///
/// let server = Server::builder(rest).tls().token("s3cret").start().await?;
/// println!("export KUBECONFIG={}", server.kubeconfig_path().display());
/// server.shutdown().await;
/// # Ok(())
/// # }
/// ```
pub struct Server {
    address: SocketAddr,
    url: String,
    kubeconfig: String,
    kubeconfig_path: PathBuf,
    owns_kubeconfig: bool,
    pki: Option<ServerPki>,
    auth: Authentication,
    stop: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("url", &self.url)
            .field("kubeconfig_path", &self.kubeconfig_path)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// A builder serving `rest`.
    pub fn builder(rest: impl Into<Arc<dyn Rest>>) -> ServerBuilder {
        ServerBuilder {
            rest: rest.into(),
            port: 0,
            tls: false,
            auth: Authentication::default(),
            kubeconfig_path: None,
            clock: None,
        }
    }

    /// The address the server listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The kubeconfig, as YAML.
    pub fn kubeconfig(&self) -> &str {
        &self.kubeconfig
    }

    /// Where the kubeconfig was written.
    pub fn kubeconfig_path(&self) -> &Path {
        &self.kubeconfig_path
    }

    /// The CA certificate (PEM) of an HTTPS server.
    pub fn ca_pem(&self) -> Option<&str> {
        self.pki.as_ref().map(|pki| pki.ca_pem.as_str())
    }

    /// The client certificate and key the server's CA issued (HTTPS only);
    /// the kubeconfig carries it when client certificates are required.
    pub fn client_identity(&self) -> Option<&PemIdentity> {
        self.pki.as_ref().map(|pki| &pki.client)
    }

    /// A [`rudder::Config`] for this server, with the credentials the
    /// kubeconfig holds, ready for `HttpRest::new`.
    pub fn config(&self) -> rudder::Config {
        let url = url::Url::parse(&self.url)
            .unwrap_or_else(|_| unreachable!("a URL made from a socket address always parses"));
        let mut config = rudder::Config::new(url);
        if let Some(pki) = &self.pki {
            config.tls.root_certificates = vec![pki.ca_der()];
            if self.auth.requires_client_certificate() {
                config.tls.client_identity = Some(rudder::config::ClientIdentity::new(
                    vec![pki.client.certificate_der()],
                    pki.client.key_der(),
                ));
            }
        }
        if let Some(token) = self.auth.required_token() {
            config.auth = rudder::config::Auth::Bearer(token.to_owned().into());
        }
        config
    }

    /// Stops accepting, ends open watches and waits (a few seconds at most)
    /// for requests in flight.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if self.owns_kubeconfig {
            let _ = std::fs::remove_file(&self.kubeconfig_path);
        }
    }
}

/// Writes a file only its owner can read: a kubeconfig holds credentials.
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(contents.as_bytes())
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    handler: Arc<Handler>,
    stopping: watch::Receiver<bool>,
) {
    let mut stop_signal = stopping.clone();
    let mut connections = JoinSet::new();
    let mut backoff = AcceptBackoff::default();
    loop {
        tokio::select! {
            (tcp, peer) = next_connection(&listener, &mut backoff) => {
                let handler = handler.clone();
                let acceptor = acceptor.clone();
                let stopping = stopping.clone();
                connections.spawn(async move {
                    match acceptor {
                        None => serve_connection(tcp, false, handler, stopping).await,
                        Some(acceptor) => match tls_handshake(&acceptor, tcp).await {
                            Ok(tls) => {
                                let certificate = tls
                                    .get_ref()
                                    .1
                                    .peer_certificates()
                                    .is_some_and(|chain| !chain.is_empty());
                                serve_connection(tls, certificate, handler, stopping).await;
                            }
                            Err(error) => tracing::debug!(
                                target: "rudder_testkit::server",
                                "TLS handshake with {peer} failed: {error}"
                            ),
                        },
                    }
                });
            }
            () = stopped(&mut stop_signal) => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    let drained = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(SHUTDOWN_GRACE, drained).await.is_err() {
        connections.abort_all();
    }
}

/// The server's side of a TLS handshake; a client that stalls it is cut
/// off like one that stalls its request head.
async fn tls_handshake(
    acceptor: &tokio_rustls::TlsAcceptor,
    tcp: tokio::net::TcpStream,
) -> std::io::Result<tokio_rustls::server::TlsStream<tokio::net::TcpStream>> {
    tokio::time::timeout(HEADER_READ_TIMEOUT, acceptor.accept(tcp))
        .await
        .unwrap_or_else(|_| {
            Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("no TLS handshake within {HEADER_READ_TIMEOUT:?}"),
            ))
        })
}

async fn serve_connection<S>(
    mut stream: S,
    client_certificate: bool,
    handler: Arc<Handler>,
    mut stopping: watch::Receiver<bool>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let first_head = tokio::select! {
        read = tokio::time::timeout(HEADER_READ_TIMEOUT, read_first_head(&mut stream)) => read,
        () = stopped(&mut stopping) => return,
    };
    let read = match first_head {
        Ok(Ok(FirstHead::Accepted(read))) => read,
        Ok(Ok(FirstHead::Refused(status))) => {
            tracing::info!(target: "rudder_testkit::server", "refused a malformed request: {} {}", status.code, status.message);
            return;
        }
        Ok(Ok(FirstHead::Closed)) => return,
        Ok(Err(error)) => {
            return tracing::debug!(target: "rudder_testkit::server", "connection ended: {error}");
        }
        Err(_) => {
            return tracing::debug!(
                target: "rudder_testkit::server",
                "closing a connection that sent no request head within {HEADER_READ_TIMEOUT:?}"
            );
        }
    };
    let stream = Replayed::new(read, stream);
    let activity = Arc::new(Activity::new());
    let requests = activity.clone();
    let service = hyper::service::service_fn(move |request| {
        let handler = handler.clone();
        let in_flight = requests.start();
        async move {
            let response = handler.serve(request, client_certificate).await?;
            Ok::<_, std::convert::Infallible>(response.map(|body| in_flight.until_end_of(body)))
        }
    });
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .max_headers(MAX_HEADERS)
        // Room for the longest head the first request may have, so hyper
        // refuses no later head that the first would have passed.
        .max_buf_size(2 * MAX_HEAD_BYTES);
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    tokio::select! {
        result = connection.as_mut() => log_connection_end(result),
        () = activity.idle_for(IDLE_TIMEOUT) => {
            tracing::debug!(target: "rudder_testkit::server", "closing a connection idle for {IDLE_TIMEOUT:?}");
        }
        () = stopped(&mut stopping) => {
            connection.as_mut().graceful_shutdown();
            log_connection_end(connection.await);
        }
    }
}

/// Resolves once the server is stopping (or gone).
async fn stopped(stopping: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns is not `Send`: drop it at once.
    let _ = stopping.wait_for(|stop| *stop).await.map(|_| ());
}

fn log_connection_end(result: Result<(), Box<dyn std::error::Error + Send + Sync>>) {
    if let Err(error) = result {
        tracing::debug!(target: "rudder_testkit::server", "connection ended: {error}");
    }
}
