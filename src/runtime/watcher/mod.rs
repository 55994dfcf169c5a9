//! `watcher`: a list, then a watch, kept going for as long as it is read.
//!
//! The watcher is a state machine (`state.rs`): it lists (in pages, or as a
//! streaming list), hands out each object as it arrives, watches from the
//! list's resourceVersion, resumes each watch that ends from the last
//! resourceVersion it saw, and lists again when the server says that
//! version is gone.

mod config;
mod event;
mod state;
mod stream;
#[cfg(test)]
mod tests;

pub use config::{Config, InitialList};
pub use event::{Error, Event};
pub use stream::watcher;
