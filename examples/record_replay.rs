//! Record a session once, then replay it with no cluster: the same code gets
//! the same answers, a watch included.
//!
//! ```sh
//! cargo run --example record_replay                        # records against an embedded FakeCluster
//! cargo run --example record_replay -- --kubeconfig PATH   # records against a real cluster
//! cargo run --example record_replay -- --cassette FILE     # keeps the cassette (default: a temporary file)
//! ```
//!
//! A `Recorder` wraps the live `Rest` and writes every request and answer
//! to a reviewable YAML cassette (secrets redacted); a `Replayer` answers
//! from that file, and the whole SDK (`Api<K>`, watches, discovery) runs on
//! it unchanged. In a test, `Cassette::rest` does both: it records when the
//! file is missing and replays after (see the README).

#[path = "shared/connect.rs"]
mod connect;
#[path = "shared/report.rs"]
mod report;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use rudder::types::{DeleteParams, ListParams, PostParams, WatchEvent, WatchParams};
use rudder::{Api, Client, Typed};
use rudder_testkit::cassette::{Recorder, Replayer};

type Failure = Box<dyn std::error::Error>;

/// The object the session creates and deletes again.
const NAME: &str = "record-replay-demo";

#[tokio::main]
async fn main() -> std::process::ExitCode {
    report::exit_code(run().await)
}

async fn run() -> Result<(), Failure> {
    let mut connection = connect::connect()?;
    let (cassette, _folder) = cassette_path(&mut connection.args)?;
    if !connection.args.is_empty() {
        return Err("usage: record_replay [--kubeconfig PATH | --live] [--cassette FILE]".into());
    }

    println!("== Recording through a Recorder around the live client");
    let recorder = Arc::new(Recorder::new(connection.client.rest().clone(), &cassette));
    let recorded = session(Client::new(recorder.clone(), "default")).await?;
    recorder.finish()?;
    let interactions = recorder.cassette().interactions.len();
    println!("wrote {interactions} interactions to {}", cassette.display());
    show_excerpt(&cassette)?;

    println!("\n== Replaying the cassette: no cluster from here on");
    let replayer = Arc::new(Replayer::open(&cassette)?);
    let replayed = session(Client::new(replayer.clone(), "default")).await?;
    if replayed != recorded {
        return Err(format!("the replay saw {replayed:?}, the recording {recorded:?}").into());
    }
    let unused = replayer.unused();
    if !unused.is_empty() {
        return Err(format!("interactions never asked for: {unused:?}").into());
    }
    println!("\nThe replay gave the same results, all {interactions} interactions used.");
    Ok(())
}

/// What a small program does: list, watch, create, see the event, delete.
/// Returns what it saw, to compare the recording with the replay.
async fn session(client: Client) -> Result<Vec<String>, Failure> {
    let config_maps: Api<ConfigMap> = client.namespaced("default");
    let mut seen = Vec::new();
    if config_maps.get_opt(NAME).await?.is_some() {
        config_maps.delete(NAME, &DeleteParams::default()).await?;
    }
    let listed = config_maps.list(&ListParams::default()).await?;
    seen.push(format!("listed {} config maps", listed.items.len()));
    let from = listed.metadata.resource_version.unwrap_or_default();
    let mut events = config_maps
        .watch(&WatchParams::default().from_version(&from).timeout(10))
        .await?;
    let mut wanted = ConfigMap::default();
    wanted.metadata.name = Some(NAME.to_owned());
    wanted.data = Some([("greeting".to_owned(), "hello".to_owned())].into());
    config_maps
        .create(&PostParams::default().manager("record-replay"), &wanted)
        .await?;
    seen.push(format!("created {NAME}"));
    match tokio::time::timeout(Duration::from_secs(10), events.next()).await {
        Ok(Some(Ok(WatchEvent::Added(object)))) => seen.push(format!(
            "watch: ADDED {}",
            object.metadata.name.unwrap_or_default()
        )),
        Ok(Some(Ok(other))) => seen.push(format!("watch: {other:?}")),
        Ok(Some(Err(error))) => return Err(error.into()),
        Ok(None) | Err(_) => seen.push("watch: nothing within 10 s".to_owned()),
    }
    drop(events);
    config_maps.delete(NAME, &DeleteParams::default()).await?;
    seen.push(format!("deleted {NAME}"));
    for line in &seen {
        println!("  {line}");
    }
    Ok(seen)
}

/// `--cassette FILE`, or a file in a temporary folder kept while the
/// returned guard lives.
fn cassette_path(args: &mut Vec<String>) -> Result<(PathBuf, Option<tempfile::TempDir>), Failure> {
    if let Some(at) = args.iter().position(|arg| arg == "--cassette") {
        if at + 1 >= args.len() {
            return Err("--cassette needs a file".into());
        }
        let path = PathBuf::from(args.remove(at + 1));
        args.remove(at);
        return Ok((path, None));
    }
    let folder = tempfile::tempdir()?;
    Ok((folder.path().join("session.yaml"), Some(folder)))
}

/// The start of the cassette: what a reviewer sees in a diff.
fn show_excerpt(cassette: &std::path::Path) -> Result<(), Failure> {
    let text = std::fs::read_to_string(cassette)?;
    println!("the cassette starts:");
    for line in text.lines().take(18) {
        println!("  | {line}");
    }
    Ok(())
}
