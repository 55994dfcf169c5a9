//! `rudder-testkit replay`: a cassette served back, for kubectl and any client.

use std::path::PathBuf;
use std::sync::Arc;

use rudder_testkit::cassette::{Replayer, govcr};

use crate::listen::{self, ListenArgs};

/// Serve a recorded cassette on 127.0.0.1, with no cluster
///
/// The same requests get the same answers, watches included, so the same
/// kubectl commands print the same output. A go-vcr cassette (version 1 or
/// 2) is read directly. A request the cassette does not hold is answered
/// with a 500 whose message shows the closest recorded requests.
#[derive(Debug, PartialEq, Eq, clap::Args)]
#[command(after_help = "\
Example:
  rudder-testkit replay fixtures/cassettes/session.yaml
  export KUBECONFIG=...   (the line printed at start)
  kubectl get pods -A")]
pub struct ReplayArgs {
    /// The cassette (rudder or go-vcr)
    #[arg(value_name = "FILE")]
    pub cassette: PathBuf,
    /// Answer a request again with its last recorded answer once all its
    /// recorded answers were given (clients that poll or re-read discovery)
    #[arg(long)]
    pub allow_repeats: bool,
    #[command(flatten)]
    pub listen: ListenArgs,
}

/// Serves the cassette until SIGINT or SIGTERM; then lists what was never asked for.
pub fn run(args: ReplayArgs) -> Result<(), String> {
    listen::init_logging();
    let cassette = govcr::load_any(&args.cassette).map_err(|error| error.to_string())?;
    let count = cassette.interactions.len();
    let replayer =
        Arc::new(Replayer::new(cassette, &args.cassette).allow_playback_repeats(args.allow_repeats));
    listen::runtime()?.block_on(async move {
        let builder = args.listen.proxy_builder(replayer.clone());
        let what = format!("replaying {count} interaction(s) of {}", args.cassette.display());
        let stopped = listen::serve_until_stopped(listen::start(builder, &what).await?).await;
        let unused = replayer.unused();
        if !unused.is_empty() {
            tracing::info!(
                "{} interaction(s) never asked for:\n  {}",
                unused.len(),
                unused.join("\n  ")
            );
        }
        stopped
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Command;
    use crate::tests::parse;

    #[test]
    fn replay_takes_a_file_and_the_listening_flags() {
        let command =
            parse("replay s.yaml --allow-repeats --kubeconfig-out k").expect("a valid command line");
        let Command::Replay(args) = command else {
            panic!("replay parses as replay: {command:?}");
        };
        assert_eq!(
            args,
            ReplayArgs {
                cassette: "s.yaml".into(),
                allow_repeats: true,
                listen: ListenArgs {
                    port: None,
                    tls: false,
                    kubeconfig_out: Some("k".into()),
                },
            }
        );
        let missing = parse("replay").expect_err("a file is required");
        assert!(missing.to_string().contains("<FILE>"), "{missing}");
    }
}
