//! Turning a kubeconfig into a [`Config`](crate::Config).

mod cluster;
mod exec_plugin;
mod options;
mod selection;
mod user;

pub use options::KubeconfigOptions;
