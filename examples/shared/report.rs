//! How the examples end: on an error, its message (the `Display` form, which
//! names the verb, URL and server's reason) and a failing exit code.

use std::process::ExitCode;

/// The exit code for `result`, printing the error if there is one.
pub fn exit_code(result: Result<(), Box<dyn std::error::Error>>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
