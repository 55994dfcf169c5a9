//! The Dynamic layer: the verbs on any resource known only at run time.
//!
//! A [`DynamicClient`] is built from an [`ApiResource`](crate::types::ApiResource):
//! written out, or resolved from a kind or a GVR by discovery. It shares the
//! request building and decoding of the typed layer
//! ([`ResourceClient`](crate::typed::ResourceClient)); only the object type differs.

mod client;
mod interface;

pub use client::{DynamicClient, list_all, list_stream};
pub use interface::Dynamic;
#[cfg(feature = "mock")]
pub use interface::MockDynamic;
