//! The Typed layer: verbs on one compiled-in kind.
//!
//! [`Api<K>`] implements [`Typed<K>`] for every k8s-openapi kind and every
//! CRD type that implements [`Resource`](crate::types::Resource). Requests
//! are built with no IO by [`ResourceRequests`] and sent by
//! [`ResourceClient`], which the dynamic layer shares.

mod api;
mod interface;
mod lines;
mod list_body;
mod list_decoder;
pub(crate) mod pager;
mod pod_logs;
mod requests;
mod resource_client;

pub use api::{Api, list_all, list_stream};
#[cfg(feature = "mock")]
pub use interface::MockTyped;
pub use interface::Typed;
pub use lines::{DEFAULT_MAX_LINE, LineError};
pub use pager::DEFAULT_PAGE_SIZE;
#[cfg(feature = "mock")]
pub use pod_logs::MockPodLogs;
pub use pod_logs::PodLogs;
pub use requests::ResourceRequests;
pub use resource_client::{ResourceClient, WatchStream};
