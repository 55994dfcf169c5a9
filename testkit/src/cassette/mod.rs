//! Cassettes: a recorded Kubernetes API session in one reviewable YAML file,
//! written by a [`Recorder`] around any `Rest` and played back by a
//! [`Replayer`], which is itself a `Rest`.
//!
//! The file format is described in `docs/cassettes.md` and modelled by
//! [`Cassette`].

mod body;
mod capture;
mod error;
pub mod format;
mod matching;
mod miss;
mod query;
mod recorder;
mod recording;
mod redact;
mod replay_stream;
mod replayer;
mod session;
mod stream_tap;

pub use body::Body;
pub use error::CassetteError;
pub use format::{
    Cassette, FORMAT_VERSION, Interaction, RecordedRequest, RecordedResponse, RecordedStream, StreamEnd,
    StreamEvent,
};
pub use miss::ReplayMiss;
pub use query::Query;
pub use recorder::Recorder;
pub use replay_stream::Pace;
pub use replayer::Replayer;
pub use session::{CassetteRest, MODE_VARIABLE, Mode};
