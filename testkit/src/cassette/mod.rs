//! Cassettes: a recorded Kubernetes API session in one reviewable YAML file,
//! written by a recorder around any `Rest` and played back by a replayer,
//! which is itself a `Rest`.
//!
//! The file format is described in `docs/cassettes.md` and modelled by
//! [`Cassette`].

mod body;
mod error;
pub mod format;
pub mod govcr;
mod query;

pub use body::Body;
pub use error::CassetteError;
pub use format::{
    Cassette, FORMAT_VERSION, Interaction, RecordedRequest, RecordedResponse, RecordedStream, StreamEnd,
    StreamEvent,
};
pub use query::Query;
