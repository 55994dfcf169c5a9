//! `rudder-testkit`: a throwaway fake cluster, and cassettes, from the
//! command line.
//!
//! ```text
//! rudder-testkit serve --fixtures fixtures/seed --tls
//! rudder-testkit record --kubeconfig ~/.kube/config --out session.yaml
//! rudder-testkit replay session.yaml
//! rudder-testkit import go-vcr.yaml --out session.yaml
//! rudder-testkit seed-from session.yaml > seed.yaml
//! ```

mod import;
mod listen;
mod record;
mod replay;
mod seed_from;
mod serve;
mod usage;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// rudder-testkit: a throwaway Kubernetes API server (the rudder fake
/// cluster) for kubectl and tests, and recorded sessions (cassettes).
#[derive(Debug, Parser)]
#[command(name = "rudder-testkit", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Serve(serve::ServeArgs),
    Record(record::RecordArgs),
    Replay(replay::ReplayArgs),
    Import(import::ImportArgs),
    SeedFrom(seed_from::SeedFromArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return usage::report(&error),
    };
    let outcome = match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Record(args) => record::run(args),
        Command::Replay(args) => replay::run(args),
        Command::Import(args) => import::run(args),
        Command::SeedFrom(args) => seed_from::run(args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    pub(crate) fn parse(line: &str) -> Result<Command, clap::Error> {
        Cli::try_parse_from(std::iter::once("rudder-testkit").chain(line.split_whitespace()))
            .map(|cli| cli.command)
    }
}
