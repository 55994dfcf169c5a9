//! Connections for the `tls-server-name` client: TCP to the server (or a
//! tunnel through the proxy), then TLS with `tls-server-name` as the SNI and
//! as the name the certificate is checked against. Nothing else about the
//! request changes: hyper sends the URL's host in `Host` / `:authority`.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::Uri;
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::rt::TokioIo;
use rustls_pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tower_service::Service;

use super::proxy_tunnel::ProxyTunnel;

/// Connects to the server as `server_name`, through `tunnel`.
#[derive(Clone)]
pub(crate) struct ServerNameConnector {
    tcp: HttpConnector,
    tunnel: Arc<ProxyTunnel>,
    tls: TlsConnector,
    server_name: ServerName<'static>,
    connect_timeout: Option<Duration>,
}

impl ServerNameConnector {
    /// `tls` is the client's rustls configuration (the one reqwest would
    /// use), whose verifier already checks the certificate against
    /// `server_name`. `connect_timeout` bounds TCP, proxy and TLS together,
    /// as reqwest's does.
    pub(crate) fn new(
        tls: rustls::ClientConfig,
        server_name: ServerName<'static>,
        tunnel: ProxyTunnel,
        connect_timeout: Option<Duration>,
    ) -> Self {
        let mut tcp = HttpConnector::new();
        // The URIs are https; the TLS is ours, on top of this connection.
        tcp.enforce_http(false);
        tcp.set_nodelay(true);
        ServerNameConnector {
            tcp,
            tunnel: Arc::new(tunnel),
            tls: TlsConnector::from(Arc::new(tls)),
            server_name,
            connect_timeout,
        }
    }

    async fn connect(self, target: Uri) -> Result<TokioIo<TlsConnection>, ConnectError> {
        let tcp = self.tunnel.open(self.tcp, target.clone()).await?;
        let tls = self
            .tls
            .connect(self.server_name.clone(), tcp)
            .await
            .map_err(|error| {
                let authority = target.authority().map_or("", |authority| authority.as_str());
                let server_name = self.server_name.to_str();
                ConnectError::new(
                    format!("TLS handshake with {authority} as {server_name} (tls-server-name) failed"),
                    error,
                )
            })?;
        Ok(TokioIo::new(TlsConnection(tls)))
    }
}

impl Service<Uri> for ServerNameConnector {
    type Response = TokioIo<TlsConnection>;
    type Error = ConnectError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, ConnectError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), ConnectError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, target: Uri) -> Self::Future {
        let connector = self.clone();
        Box::pin(async move {
            let Some(limit) = connector.connect_timeout else {
                return connector.connect(target).await;
            };
            match tokio::time::timeout(limit, connector.connect(target)).await {
                Ok(connected) => connected,
                Err(_) => Err(ConnectError::new(
                    format!("no connection within the connect timeout of {limit:?}"),
                    io::Error::from(io::ErrorKind::TimedOut),
                )),
            }
        })
    }
}

/// Why no connection was made: what was being done, and the cause as a
/// source, so retries can tell a refused connection (and errors show the
/// whole chain).
#[derive(Debug)]
pub(crate) struct ConnectError {
    context: String,
    cause: Box<dyn std::error::Error + Send + Sync>,
}

impl ConnectError {
    pub(crate) fn new(context: String, cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        ConnectError {
            context,
            cause: cause.into(),
        }
    }
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.context)
    }
}

impl std::error::Error for ConnectError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.cause)
    }
}

/// A TLS connection that tells hyper whether ALPN chose HTTP/2.
pub(crate) struct TlsConnection(TlsStream<TcpStream>);

impl Connection for TlsConnection {
    fn connected(&self) -> Connected {
        let connected = Connected::new();
        if self.0.get_ref().1.alpn_protocol() == Some(b"h2") {
            connected.negotiated_h2()
        } else {
            connected
        }
    }
}

impl AsyncRead for TlsConnection {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for TlsConnection {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}
