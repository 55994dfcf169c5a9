//! Protobuf request bodies, as kubectl's typed commands send them
//! (`kubectl create configmap|namespace|secret|deployment|serviceaccount`),
//! turned into the JSON the `Rest` understands.
//!
//! Only the messages those commands send are known; a body of another kind,
//! or with a set field this decoder does not know, is refused with 415
//! rather than stored with a field silently lost.

mod schema;
mod wire;

pub(crate) use wire::to_json;
