//! `rudder-testkit`: a throwaway fake cluster from the command line.
//!
//! ```text
//! rudder-testkit serve --fixtures fixtures/seed --tls
//! ```

mod args;

use std::process::ExitCode;
use std::sync::Arc;

use args::{Command, ServeOptions};
use rudder_testkit::FakeCluster;
use rudder_testkit::server::Server;

fn main() -> ExitCode {
    let command = match args::parse(std::env::args().skip(1)) {
        Ok(command) => command,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    match command {
        Command::Help(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Command::Version => {
            println!("rudder-testkit {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Command::Serve(options) => match serve(options) {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("error: {message}");
                ExitCode::FAILURE
            }
        },
    }
}

fn serve(options: ServeOptions) -> Result<(), String> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("rudder_testkit=info")),
        )
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cluster = FakeCluster::new();
    for path in &options.fixtures {
        let seeded = cluster.seed_path(path).map_err(|error| error.to_string())?;
        tracing::info!("seeded {} object(s) from {}", seeded.len(), path.display());
    }
    let runtime =
        tokio::runtime::Runtime::new().map_err(|error| format!("cannot start the async runtime: {error}"))?;
    runtime.block_on(async move {
        let clock = cluster.clock();
        let mut builder =
            Server::builder(Arc::new(cluster) as Arc<dyn rudder::Rest>).clock(move || clock.now());
        if let Some(port) = options.port {
            builder = builder.port(port);
        }
        if options.tls {
            builder = builder.tls();
        }
        if let Some(token) = options.token {
            builder = builder.token(token);
        }
        if let Some(path) = options.kubeconfig_out {
            builder = builder.kubeconfig_path(path);
        }
        let server = builder.start().await.map_err(|error| error.to_string())?;
        let path = server.kubeconfig_path().display();
        println!("rudder-testkit: a fake cluster is serving at {}", server.url());
        println!("kubeconfig: {path}");
        println!("export KUBECONFIG={path}");
        println!("(Ctrl-C to stop)");
        tokio::signal::ctrl_c()
            .await
            .map_err(|error| format!("cannot wait for Ctrl-C: {error}"))?;
        server.shutdown().await;
        Ok(())
    })
}
