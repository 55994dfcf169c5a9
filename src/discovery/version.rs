//! The server's `/version`.

/// What `/version` returns: `major`, `minor`, `git_version`, `platform`, ...
/// (k8s-openapi's `version::Info`).
pub type ServerVersion = k8s_openapi::apimachinery::pkg::version::Info;
