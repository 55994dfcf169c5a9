//! The Discovery layer: which groups, versions and resources a server has,
//! which resource a name (`deploy`, `deployments.apps`, `Deployment`) means,
//! and the server's version.
//!
//! [`DiscoveryClient`] asks for aggregated discovery first (two requests for
//! everything) and falls back to the legacy documents (one per group
//! version, fetched concurrently). It caches in memory and, when asked, on
//! disk in kubectl's layout (`~/.kube/cache/discovery/<host_port>/...`,
//! shared with kubectl) with an HTTP cache that revalidates with `ETag`; the
//! caches are written in the background, in order, by one queue per process.

mod builder;
mod cache_path;
mod cache_writes;
mod client;
mod convert;
mod disk_cache;
mod error;
mod fetch;
mod http_cache;
mod interface;
mod model;
mod resolve;
mod version;
pub mod wire;

pub use builder::{DEFAULT_MAX_CONCURRENT_REQUESTS, DEFAULT_TTL, DiscoveryClientBuilder};
pub use cache_path::{default_cache_dir, http_cache_dir, server_cache_dir};
pub use client::DiscoveryClient;
pub use error::DiscoveryError;
pub use interface::Discovery;
pub use model::{
    DiscoverySource, GroupVersionFailure, ServedGroup, ServedResource, ServedSubresource, ServerApis,
};
pub use version::ServerVersion;

#[cfg(feature = "mock")]
pub use interface::MockDiscovery;
