//! `/openapi/v3`: the OpenAPI v3 documents kubectl reads, for `apply`'s
//! field validation and for `explain`.
//!
//! The built-in kinds' schemas come from the Kubernetes v1.37 definitions
//! shipped with this crate (`data/openapi-definitions-v1.37.json`, Apache-2.0,
//! see `data/README.md`); a custom resource's come from its CRD, asked of
//! the `Rest` at request time so a CRD created a moment ago is described.

mod builtin;
mod document;

pub(crate) use document::OpenApi;
