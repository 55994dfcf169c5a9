//! `rudder-testkit replay`: a cassette served back, for kubectl and any client.

use std::path::PathBuf;
use std::sync::Arc;

use rudder_testkit::cassette::{Pace, Replayer, govcr};

use crate::listen::{self, ListenArgs};

/// Serve a recorded cassette on 127.0.0.1, with no cluster
///
/// The same requests get the same answers, watches included, so the same
/// kubectl commands print the same output. A go-vcr cassette (version 1 or
/// 2) is read directly. A request the cassette does not hold is answered
/// with a 500 whose message shows the closest recorded requests.
#[derive(Debug, PartialEq, clap::Args)]
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
    /// Play watch events at their recorded offsets times this factor (1: as
    /// recorded, 0.5: twice as fast); by default they are played at once
    #[arg(long, value_name = "FACTOR", value_parser = pace_factor)]
    pub pace: Option<f64>,
    #[command(flatten)]
    pub listen: ListenArgs,
}

/// Serves the cassette until SIGINT or SIGTERM; then lists what was never asked for.
pub fn run(args: ReplayArgs) -> Result<(), String> {
    listen::init_logging();
    let cassette = govcr::load_any(&args.cassette).map_err(|error| error.to_string())?;
    let count = cassette.interactions.len();
    let pace = args.pace.map_or(Pace::Immediate, Pace::Recorded);
    let replayer = Arc::new(
        Replayer::new(cassette, &args.cassette)
            .allow_playback_repeats(args.allow_repeats)
            .pace(pace),
    );
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

/// A pace factor: a finite number, zero or more.
fn pace_factor(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(factor) if factor.is_finite() && factor >= 0.0 => Ok(factor),
        _ => Err(format!("{text:?} is not a factor such as 1 or 0.5")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Command;
    use crate::tests::parse;

    #[test]
    fn replay_takes_a_file_and_the_listening_flags() {
        let command = parse("replay s.yaml --allow-repeats --pace 0.5 --kubeconfig-out k")
            .expect("a valid command line");
        let Command::Replay(args) = command else {
            panic!("replay parses as replay: {command:?}");
        };
        assert_eq!(
            args,
            ReplayArgs {
                cassette: "s.yaml".into(),
                allow_repeats: true,
                pace: Some(0.5),
                listen: ListenArgs {
                    port: None,
                    tls: false,
                    kubeconfig_out: Some("k".into()),
                },
            }
        );
        let missing = parse("replay").expect_err("a file is required");
        assert!(missing.to_string().contains("<FILE>"), "{missing}");
        for bad in ["-1", "fast", "inf"] {
            let error = parse(&format!("replay s.yaml --pace={bad}")).expect_err(bad);
            assert!(error.to_string().contains("--pace <FACTOR>"), "{error}");
        }
    }
}
