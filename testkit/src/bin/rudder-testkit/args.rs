//! The command line of `rudder-testkit`, parsed by hand: two subcommands and
//! five flags do not need an argument-parsing crate (and its build time).

use std::path::PathBuf;

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    /// Print this help text and exit.
    Help(&'static str),
    /// Print the version and exit.
    Version,
    /// Serve a fake cluster.
    Serve(ServeOptions),
}

/// The options of `rudder-testkit serve`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ServeOptions {
    pub fixtures: Vec<PathBuf>,
    pub port: Option<u16>,
    pub tls: bool,
    pub token: Option<String>,
    pub kubeconfig_out: Option<PathBuf>,
}

pub const MAIN_HELP: &str = "\
rudder-testkit: a throwaway Kubernetes API server (the rudder fake cluster) for kubectl and tests

Usage: rudder-testkit <COMMAND>

Commands:
  serve    Start a fake cluster on 127.0.0.1 and write a kubeconfig for it
  help     Print this message, or the help of a command (`rudder-testkit help serve`)

Options:
  -h, --help     Print help
  -V, --version  Print version
";

pub const SERVE_HELP: &str = "\
Start a fake cluster on 127.0.0.1, seeded from YAML, and write a kubeconfig for it.
Each request is logged on one line; Ctrl-C stops the server.

Usage: rudder-testkit serve [OPTIONS]

Options:
      --fixtures <DIR|FILE>...  Seed the cluster from these YAML files or folders (multi-document;
                                may be given more than once)
      --port <N>                Listen on this port (default: a free one)
      --tls                     Serve HTTPS with a CA generated at start (the kubeconfig trusts it)
      --token <T>               Require this bearer token (the kubeconfig carries it)
      --kubeconfig-out <PATH>   Write the kubeconfig here (default: a file in the temporary directory,
                                removed when the server stops)
  -h, --help                    Print help

Example:
  rudder-testkit serve --fixtures fixtures/seed --tls
  export KUBECONFIG=...   (the line printed at start)
  kubectl get pods -A
";

/// A command line that cannot be understood.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}\n\nRun `rudder-testkit {help_for}--help` for the usage.")]
pub struct UsageError {
    message: String,
    help_for: &'static str,
}

fn usage(message: impl Into<String>, help_for: &'static str) -> UsageError {
    UsageError {
        message: message.into(),
        help_for,
    }
}

/// Parses the arguments after the program name.
pub fn parse(arguments: impl IntoIterator<Item = String>) -> Result<Command, UsageError> {
    let mut arguments = arguments.into_iter();
    match arguments.next().as_deref() {
        None | Some("-h" | "--help") => Ok(Command::Help(MAIN_HELP)),
        Some("-V" | "--version") => Ok(Command::Version),
        Some("help") => match arguments.next().as_deref() {
            None => Ok(Command::Help(MAIN_HELP)),
            Some("serve") => Ok(Command::Help(SERVE_HELP)),
            Some(other) => Err(usage(format!("unknown command {other:?}"), "")),
        },
        Some("serve") => parse_serve(arguments),
        Some(other) => Err(usage(format!("unknown command {other:?}"), "")),
    }
}

fn parse_serve(arguments: impl Iterator<Item = String>) -> Result<Command, UsageError> {
    let mut options = ServeOptions::default();
    let mut arguments = arguments.peekable();
    while let Some(argument) = arguments.next() {
        // `--flag=value` is the same as `--flag value`.
        let (flag, inline) = match argument.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag.to_owned(), Some(value.to_owned())),
            _ => (argument, None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| arguments.next_if(|next| !next.starts_with("--")))
                .ok_or_else(|| usage(format!("{name} needs a value"), "serve "))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help(SERVE_HELP)),
            "--fixtures" => {
                options.fixtures.push(PathBuf::from(value("--fixtures")?));
                while let Some(more) = arguments.next_if(|next| !next.starts_with("--")) {
                    options.fixtures.push(PathBuf::from(more));
                }
            }
            "--port" => {
                let text = value("--port")?;
                let port = text.parse().map_err(|_| {
                    usage(
                        format!("--port {text:?} is not a port number (0-65535)"),
                        "serve ",
                    )
                })?;
                options.port = Some(port);
            }
            "--tls" => options.tls = true,
            "--token" => {
                let token = value("--token")?;
                if token.is_empty() {
                    return Err(usage("--token must not be empty", "serve "));
                }
                options.token = Some(token);
            }
            "--kubeconfig-out" => options.kubeconfig_out = Some(PathBuf::from(value("--kubeconfig-out")?)),
            other => return Err(usage(format!("unknown option {other:?} for serve"), "serve ")),
        }
    }
    Ok(Command::Serve(options))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_line(line: &str) -> Result<Command, UsageError> {
        parse(line.split_whitespace().map(str::to_owned))
    }

    #[test]
    fn every_option_of_serve_is_read() {
        let command = parse_line(
            "serve --fixtures a.yaml dir --port 6443 --tls --token=t0k --kubeconfig-out /tmp/k --fixtures b.yaml",
        );
        assert_eq!(
            command,
            Ok(Command::Serve(ServeOptions {
                fixtures: vec!["a.yaml".into(), "dir".into(), "b.yaml".into()],
                port: Some(6443),
                tls: true,
                token: Some("t0k".to_owned()),
                kubeconfig_out: Some("/tmp/k".into()),
            }))
        );
    }

    #[test]
    fn help_is_there_for_the_program_and_for_serve() {
        assert_eq!(parse_line(""), Ok(Command::Help(MAIN_HELP)));
        assert_eq!(parse_line("--help"), Ok(Command::Help(MAIN_HELP)));
        assert_eq!(parse_line("serve --help"), Ok(Command::Help(SERVE_HELP)));
        assert_eq!(parse_line("serve --port 1 -h"), Ok(Command::Help(SERVE_HELP)));
        assert_eq!(parse_line("help serve"), Ok(Command::Help(SERVE_HELP)));
        assert_eq!(parse_line("-V"), Ok(Command::Version));
    }

    #[test]
    fn mistakes_say_what_is_wrong_and_where_the_usage_is() {
        let cases = [
            (
                "serve --port eighty",
                "--port \"eighty\" is not a port number (0-65535)",
            ),
            (
                "serve --port 70000",
                "--port \"70000\" is not a port number (0-65535)",
            ),
            ("serve --token", "--token needs a value"),
            ("serve --fixtures", "--fixtures needs a value"),
            ("serve --verbose", "unknown option \"--verbose\" for serve"),
            ("start", "unknown command \"start\""),
        ];
        for (line, expected) in cases {
            let error = parse_line(line).expect_err(line).to_string();
            assert!(error.starts_with(expected), "{line}: {error}");
            assert!(error.contains("--help` for the usage"), "{line}: {error}");
        }
    }
}
