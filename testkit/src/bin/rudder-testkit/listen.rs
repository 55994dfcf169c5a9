//! What `serve`, `record` and `replay` share: where and how they listen, the
//! lines they print at start, logging, and waiting for SIGINT or SIGTERM.

use std::path::PathBuf;
use std::sync::Arc;

use rudder_testkit::server::{Server, ServerBuilder};

/// The flags of every subcommand that serves on loopback.
#[derive(Debug, Default, PartialEq, Eq, clap::Args)]
pub struct ListenArgs {
    /// Listen on this port of 127.0.0.1 (default: a free one)
    #[arg(long, value_name = "N")]
    pub port: Option<u16>,
    /// Serve HTTPS with a CA generated at start (the kubeconfig trusts it;
    /// record and replay also require the client certificate it carries)
    #[arg(long)]
    pub tls: bool,
    /// Write the kubeconfig here (default: a file in the temporary directory,
    /// removed when the server stops)
    #[arg(long, value_name = "PATH")]
    pub kubeconfig_out: Option<PathBuf>,
}

impl ListenArgs {
    /// A server builder for `rest` with these flags applied.
    pub fn builder(&self, rest: Arc<dyn rudder::Rest>) -> ServerBuilder {
        let mut builder = Server::builder(rest);
        if let Some(port) = self.port {
            builder = builder.port(port);
        }
        if self.tls {
            builder = builder.tls();
        }
        if let Some(path) = &self.kubeconfig_out {
            builder = builder.kubeconfig_path(path);
        }
        builder
    }

    /// [`builder`](Self::builder) for `record` and `replay`: over TLS it
    /// also requires the client certificate its kubeconfig carries. The
    /// recording proxy holds a cluster's credentials, so only the holder of
    /// its kubeconfig may use it; and kubectl, given an HTTPS server and no
    /// client identity, would stop to ask for a user name.
    pub fn proxy_builder(&self, rest: Arc<dyn rudder::Rest>) -> ServerBuilder {
        let builder = self.builder(rest);
        if self.tls {
            builder.client_certificate()
        } else {
            builder
        }
    }
}

/// Starts `builder` and prints where it serves `what` and the line that
/// points kubectl at it.
pub async fn start(builder: ServerBuilder, what: &str) -> Result<Server, String> {
    let server = builder.start().await.map_err(|error| error.to_string())?;
    let path = server.kubeconfig_path().display();
    println!("rudder-testkit: {what} at {}", server.url());
    println!("kubeconfig: {path}");
    println!("export KUBECONFIG={path}");
    println!("(Ctrl-C to stop)");
    Ok(server)
}

/// Serves until SIGINT or SIGTERM, then shuts the server down, which ends
/// open watches.
pub async fn serve_until_stopped(server: Server) -> Result<(), String> {
    let stopped = stop_requested().await;
    server.shutdown().await;
    stopped
}

/// Logs one line a request to stderr (`RUST_LOG` overrides the level).
pub fn init_logging() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("rudder_testkit=info")),
        )
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

/// A multi-threaded runtime for the subcommand's async part.
pub fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Runtime::new().map_err(|error| format!("cannot start the async runtime: {error}"))
}

/// Resolves on SIGINT (Ctrl-C) or, on Unix, SIGTERM: both mean "stop and
/// write what you have", which is how `kill` and test harnesses stop us.
async fn stop_requested() -> Result<(), String> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate =
            signal(SignalKind::terminate()).map_err(|error| format!("cannot wait for SIGTERM: {error}"))?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result.map_err(|error| format!("cannot wait for Ctrl-C: {error}")),
            _ = terminate.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c()
        .await
        .map_err(|error| format!("cannot wait for Ctrl-C: {error}"))
}
