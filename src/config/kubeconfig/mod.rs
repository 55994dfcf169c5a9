//! The kubeconfig file: its format, reading and merging.

mod load;
mod types;

pub use types::{
    AuthInfo, AuthProvider, Cluster, Context, ExecEnvVar, ExecSpec, Kubeconfig, NamedAuthInfo, NamedCluster,
    NamedContext, NamedExtension,
};
