//! `rudder-testkit import`: a go-vcr cassette converted to a rudder one.

use std::path::PathBuf;

use rudder_testkit::cassette::govcr;

/// Convert a go-vcr cassette (format version 1 or 2) to a rudder cassette
///
/// Bodies become structured YAML (protobuf stays base64), the server's
/// address, credentials and client-only query parameters are dropped, and
/// whole watch bodies become streams of events.
#[derive(Debug, PartialEq, Eq, clap::Args)]
#[command(after_help = "\
Example:
  rudder-testkit import testdata/pods.yaml --out fixtures/cassettes/pods.yaml")]
pub struct ImportArgs {
    /// The go-vcr cassette
    #[arg(value_name = "FILE")]
    pub govcr: PathBuf,
    /// Write the rudder cassette here
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// Imports and writes the cassette (atomically).
pub fn run(args: ImportArgs) -> Result<(), String> {
    let cassette = govcr::import_file(&args.govcr).map_err(|error| error.to_string())?;
    cassette.save(&args.out).map_err(|error| error.to_string())?;
    println!(
        "imported {} interaction(s) from {} to {}",
        cassette.interactions.len(),
        args.govcr.display(),
        args.out.display()
    );
    Ok(())
}
