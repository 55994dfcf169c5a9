//! How the examples reach a cluster.
//!
//! - no flag: an in-memory `FakeCluster` seeded from `fixtures/seed/` (a
//!   small web app and the sample-controller `Foo` CRD), so every example
//!   runs on a fresh machine with no cluster;
//! - `--kubeconfig PATH`: the cluster that kubeconfig's current context names;
//! - `--live`: the cluster kubectl would use (`KUBECONFIG`, else
//!   `~/.kube/config`, else the pod's service account).
//!
//! The same code then runs against either: that is the point of `Rest`.

#![allow(dead_code)] // each example uses only part of this module

use rudder::Client;
use rudder::config::{Config, KubeconfigOptions};
use rudder_testkit::FakeCluster;

/// The client, and the command-line arguments left once the connection
/// flags are taken out.
pub struct Connection {
    /// The client; its default namespace is the context's (`default` on the fake).
    pub client: Client,
    /// The example's own arguments.
    pub args: Vec<String>,
    /// Whether the client is on the embedded fake cluster (no flag given),
    /// where nothing but the example itself acts on the objects.
    pub embedded: bool,
}

/// Connects as the flags on the command line say.
pub fn connect() -> Result<Connection, Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let (client, embedded) = if take_flag(&mut args, "--live") {
        (Client::try_default()?, false)
    } else if let Some(path) = take_option(&mut args, "--kubeconfig")? {
        let options = KubeconfigOptions::default().path(path);
        (
            Client::try_from_config(Config::from_kubeconfig(&options)?)?,
            false,
        )
    } else {
        (fake_cluster()?, true)
    };
    Ok(Connection {
        client,
        args,
        embedded,
    })
}

fn fake_cluster() -> Result<Client, Box<dyn std::error::Error>> {
    let cluster = FakeCluster::new();
    let seeded = cluster.seed_path(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/seed"))?;
    eprintln!(
        "(an in-memory FakeCluster seeded with {} objects from fixtures/seed/; \
         --kubeconfig PATH or --live for a real cluster)",
        seeded.len()
    );
    Ok(cluster.client())
}

fn take_flag(args: &mut Vec<String>, flag: &str) -> bool {
    let before = args.len();
    args.retain(|arg| arg != flag);
    args.len() != before
}

fn take_option(args: &mut Vec<String>, option: &str) -> Result<Option<String>, String> {
    let Some(at) = args.iter().position(|arg| arg == option) else {
        return Ok(None);
    };
    if at + 1 >= args.len() {
        return Err(format!("{option} needs a value"));
    }
    let value = args.remove(at + 1);
    args.remove(at);
    Ok(Some(value))
}
