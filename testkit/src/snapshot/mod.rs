//! Snapshots of what a controller did, made stable: the values the API server
//! picks (uids, resourceVersions, timestamps, generated names) become
//! numbered placeholders, so `insta` snapshots do not change between runs or
//! between the fake and a real cluster.

mod normalizer;

pub use normalizer::Normalizer;
