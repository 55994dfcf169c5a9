//! How a command line that cannot be understood is reported.

use std::process::ExitCode;

use clap::error::{ContextKind, ContextValue, ErrorKind};

/// Prints `error` (help and version requests included) and says how the
/// program exits: 0 for help and version, 2 for a usage error.
///
/// An unknown flag is reported as `unknown option "--prot" for serve`, which
/// names the subcommand too, followed by clap's suggestion and usage.
pub fn report(error: &clap::Error) -> ExitCode {
    if matches!(error.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = error.print();
        return ExitCode::SUCCESS;
    }
    match unknown_option(error) {
        Some(text) => eprint!("{text}"),
        None => {
            let _ = error.print();
        }
    }
    ExitCode::from(2)
}

fn unknown_option(error: &clap::Error) -> Option<String> {
    if error.kind() != ErrorKind::UnknownArgument {
        return None;
    }
    let flag = context_text(error, ContextKind::InvalidArg)?;
    let usage = context_text(error, ContextKind::Usage)?;
    // The usage line is `Usage: rudder-testkit SUBCOMMAND ...`.
    let subcommand = usage
        .split_whitespace()
        .nth(2)
        .filter(|word| !word.starts_with(['[', '<']));
    let mut text = match subcommand {
        Some(subcommand) => format!("error: unknown option {flag:?} for {subcommand}\n"),
        None => format!("error: unknown option {flag:?}\n"),
    };
    if let Some(suggested) = context_text(error, ContextKind::SuggestedArg) {
        text.push_str(&format!("\n  tip: did you mean {suggested}?\n"));
    }
    let help = subcommand.map_or_else(String::new, |subcommand| format!("{subcommand} "));
    text.push_str(&format!(
        "\n{usage}\n\nRun `rudder-testkit {help}--help` for the usage.\n"
    ));
    Some(text)
}

fn context_text(error: &clap::Error, kind: ContextKind) -> Option<String> {
    match error.get(kind)? {
        ContextValue::String(text) => Some(text.clone()),
        ContextValue::Strings(texts) => texts.first().cloned(),
        ContextValue::StyledStr(text) => Some(text.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::tests::parse;

    use super::*;

    #[test]
    fn an_unknown_option_names_itself_the_subcommand_and_the_closest_option() {
        let error = parse("serve --prot 80").expect_err("--prot is not an option");
        let text = unknown_option(&error).expect("an unknown option");
        assert!(
            text.starts_with("error: unknown option \"--prot\" for serve\n"),
            "{text}"
        );
        assert!(text.contains("did you mean --port?"), "{text}");
        assert!(text.contains("Usage: rudder-testkit serve "), "{text}");
        assert!(text.contains("`rudder-testkit serve --help`"), "{text}");
    }

    #[test]
    fn other_mistakes_keep_claps_message_which_names_the_flag() {
        for (line, expected) in [
            ("serve --port eighty", "--port <N>"),
            ("serve --port 70000", "--port <N>"),
            ("serve --token", "--token <T>"),
            ("serve --token=", "--token <T>"),
            ("serve --fixtures", "--fixtures <DIR|FILE>"),
            ("start", "'start'"),
        ] {
            let error = parse(line).expect_err(line);
            assert_eq!(unknown_option(&error), None, "{line}");
            let text = error.to_string();
            assert!(text.contains(expected), "{line}: {text}");
        }
    }
}
