//! The Typed layer: verbs on one compiled-in kind.

mod lines;
mod requests;

pub use lines::{DEFAULT_MAX_LINE, LineError};
pub use requests::ResourceRequests;
