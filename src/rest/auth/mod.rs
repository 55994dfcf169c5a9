//! Credentials applied per request: basic, bearer, a token file re-read as it
//! rotates, and exec plugins whose credential is cached until it expires.

mod credentials;
mod exec_cache;
mod exec_output;
mod exec_plugin;
mod oidc;
mod token_file;

pub(crate) use credentials::{Credentials, RequestCredentials, basic_authorization};
pub use token_file::TOKEN_FILE_REREAD_INTERVAL;
