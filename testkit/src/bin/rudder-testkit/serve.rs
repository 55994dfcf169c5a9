//! `rudder-testkit serve`: a fake cluster, seeded from YAML, for kubectl.

use std::path::PathBuf;
use std::sync::Arc;

use rudder_testkit::FakeCluster;

use crate::listen::{self, ListenArgs};

/// Start a fake cluster on 127.0.0.1, seeded from YAML, and write a kubeconfig for it
///
/// Each request is logged on one line; Ctrl-C (or SIGTERM) stops the server.
#[derive(Debug, PartialEq, Eq, clap::Args)]
#[command(after_help = "\
Example:
  rudder-testkit serve --fixtures fixtures/seed --tls
  export KUBECONFIG=...   (the line printed at start)
  kubectl get pods -A")]
pub struct ServeArgs {
    /// Seed the cluster from these YAML files or folders (multi-document; may
    /// be given more than once)
    #[arg(long, value_name = "DIR|FILE", num_args = 1..)]
    pub fixtures: Vec<PathBuf>,
    #[command(flatten)]
    pub listen: ListenArgs,
    /// Require this bearer token (the kubeconfig carries it)
    #[arg(long, value_name = "T", value_parser = clap::builder::NonEmptyStringValueParser::new())]
    pub token: Option<String>,
}

/// Seeds a fake cluster and serves it until SIGINT or SIGTERM.
pub fn run(args: ServeArgs) -> Result<(), String> {
    listen::init_logging();
    let cluster = FakeCluster::new();
    for path in &args.fixtures {
        let seeded = cluster.seed_path(path).map_err(|error| error.to_string())?;
        tracing::info!("seeded {} object(s) from {}", seeded.len(), path.display());
    }
    listen::runtime()?.block_on(async move {
        let clock = cluster.clock();
        let mut builder = args
            .listen
            .builder(Arc::new(cluster) as Arc<dyn rudder::Rest>)
            .clock(move || clock.now());
        if let Some(token) = args.token {
            builder = builder.token(token);
        }
        let server = listen::start(builder, "a fake cluster is serving").await?;
        listen::serve_until_stopped(server).await
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Command;
    use crate::tests::parse;

    #[test]
    fn every_option_of_serve_is_read() {
        let command = parse(
            "serve --fixtures a.yaml dir --port 6443 --tls --token=t0k --kubeconfig-out /tmp/k --fixtures b.yaml",
        )
        .expect("a valid command line");
        let Command::Serve(args) = command else {
            panic!("serve parses as serve: {command:?}");
        };
        assert_eq!(
            args,
            ServeArgs {
                fixtures: vec!["a.yaml".into(), "dir".into(), "b.yaml".into()],
                listen: ListenArgs {
                    port: Some(6443),
                    tls: true,
                    kubeconfig_out: Some("/tmp/k".into()),
                },
                token: Some("t0k".to_owned()),
            }
        );
    }

    #[test]
    fn help_is_there_for_the_program_and_for_serve() {
        use clap::error::ErrorKind;
        for line in ["--help", "serve --help", "serve --port 1 -h", "help serve"] {
            let error = parse(line).expect_err(line);
            assert_eq!(error.kind(), ErrorKind::DisplayHelp, "{line}");
        }
        let serve_help = parse("help serve").expect_err("help").to_string();
        for option in [
            "--fixtures",
            "--port",
            "--tls",
            "--token",
            "--kubeconfig-out",
            "Example:",
        ] {
            assert!(
                serve_help.contains(option),
                "{option} missing from:\n{serve_help}"
            );
        }
        assert_eq!(
            parse("-V").expect_err("version").kind(),
            ErrorKind::DisplayVersion
        );
    }
}
