//! The handlers of resource requests, one per verb family; each works on
//! the [`State`](super::store::state::State) under its lock and answers
//! with the API server's body or `Status`.

pub(super) mod delete;
pub(super) mod patching;
pub(super) mod pod_logs;
pub(super) mod read;
pub(super) mod scale;
pub(super) mod write;
