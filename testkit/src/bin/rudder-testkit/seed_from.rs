//! `rudder-testkit seed-from`: a cassette's last state as seed YAML.

use std::io::Write;
use std::path::PathBuf;

use rudder_testkit::cassette::govcr;

/// Print the last version of every object a cassette saw as seed YAML
///
/// Objects come from writes, gets, lists and watch events, deletions
/// honoured; the output is what `serve --fixtures` and
/// `FakeCluster::seed_yaml` take, so a recorded session continues as a live
/// fake. A go-vcr cassette is read too.
#[derive(Debug, PartialEq, Eq, clap::Args)]
#[command(after_help = "\
Example:
  rudder-testkit seed-from fixtures/cassettes/session.yaml > seed.yaml
  rudder-testkit serve --fixtures seed.yaml")]
pub struct SeedFromArgs {
    /// The cassette (rudder or go-vcr)
    #[arg(value_name = "FILE")]
    pub cassette: PathBuf,
}

/// Writes the seed YAML to stdout; a closed stdout (`| head`) is an error,
/// not a panic.
pub fn run(args: SeedFromArgs) -> Result<(), String> {
    let cassette = govcr::load_any(&args.cassette).map_err(|error| error.to_string())?;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(cassette.seed_yaml().as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|error| format!("cannot write the seed to stdout: {error}"))
}
