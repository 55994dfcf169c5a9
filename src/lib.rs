//! rudder: a Kubernetes client SDK whose every layer is a trait.
//!
//! | layer | trait | live implementation |
//! |---|---|---|
//! | Rest | [`Rest`] | [`HttpRest`] (reqwest + rustls) |
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

pub mod config;
pub mod error;
pub mod rest;
pub mod types;

pub use config::Config;
pub use error::{Error, Result};
pub use rest::{HttpRest, Rest};
pub use types::Status;
