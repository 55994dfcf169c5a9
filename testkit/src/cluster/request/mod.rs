//! A request as the handlers see it: its route, its query options and
//! selectors, and the API server's error answers.

pub(super) mod body;
pub(super) mod call;
pub(super) mod errors;
pub(super) mod query;
pub(super) mod router;
pub(super) mod selector;
