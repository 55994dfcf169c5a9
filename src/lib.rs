//! rudder: a Kubernetes client SDK whose every layer is a trait.
//!
//! | layer | trait | live implementation |
//! |---|---|---|
//! | ClientSet | [`Client`] | hands out every layer below |
//! | Rest | [`Rest`] | [`HttpRest`] (reqwest + rustls) |
//! | Typed | [`Typed<K>`](Typed) | [`Api<K>`](Api) over any `Rest` |
//! | Dynamic | [`Dynamic`] | [`DynamicClient`] over any `Rest` |
//! | Discovery | [`Discovery`] | [`DiscoveryClient`] over any `Rest` |
//!
//! `Rest` is the only layer that touches the network; everything above it is
//! written against the trait, so the live client, the `rudder-testkit` fake
//! cluster, a cassette replayer or a mock all give the whole SDK.
//!
//! ```no_run
//! # async fn run() -> rudder::Result<()> {
//! use rudder::{Config, HttpRest, Rest};
//! use rudder::rest::RequestBuilder;
//!
//! // KUBECONFIG, else ~/.kube/config, else the pod's service account.
//! let config = Config::infer()?;
//! let rest = HttpRest::new(config)?;
//! let request = RequestBuilder::get(&rudder::rest::ResourcePath::core("v1", "namespaces"))?.build()?;
//! let response = rest.send(request).await?;
//! println!("{}", response.status());
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod client;
pub mod config;
pub mod discovery;
pub mod dynamic;
pub mod error;
pub mod rest;
pub mod runtime;
pub mod typed;
pub mod types;

/// The k8s-openapi crate rudder is built on (one Kubernetes version), for
/// the built-in kinds and `ObjectMeta`.
pub use k8s_openapi;

pub use client::Client;
pub use config::Config;
pub use discovery::{Discovery, DiscoveryClient};
pub use dynamic::{Dynamic, DynamicClient};
pub use error::{Error, Result};
pub use rest::{HttpRest, Rest};
pub use typed::{Api, Typed};
pub use types::{Resource, Status};

/// The README's examples, compiled by `cargo test` so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;
