//! Types shared by every layer: the API server's `Status`, and (as the upper
//! layers arrive) params, lists, watch events and resources.

mod status;

pub use status::{Status, StatusCause, StatusDetails};
