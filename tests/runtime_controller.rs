//! The `Controller` against the fake cluster, on paused time: the work
//! queue's rules as a user sees them.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use rudder::runtime::controller::{Action, Controller};
use rudder::runtime::{ObjectKey, SharedWatch};
use rudder::types::{Patch, PatchParams};
use rudder::{Api, Client, Typed};
use rudder_testkit::FakeCluster;
use serde_json::json;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

#[derive(Debug, thiserror::Error)]
#[error("failed on purpose")]
struct Failed;

/// What the reconciles did: when each started, and how many ran at once.
#[derive(Default)]
struct Log {
    starts: Vec<(String, Instant)>,
    running: Vec<String>,
    overlaps_of_one_key: usize,
    finished: usize,
}

type Shared = Arc<Mutex<Log>>;

/// How the test reconcile behaves.
#[derive(Clone, Copy)]
struct Behaviour {
    work: Duration,
    fail: bool,
    action: Action,
}

/// A fake cluster with a ConfigMap for each of `config_maps` and a Secret
/// for each of `secrets`.
fn cluster_with(config_maps: &[&str], secrets: &[&str]) -> (FakeCluster, Client) {
    let cluster = FakeCluster::new();
    let objects = [("ConfigMap", config_maps), ("Secret", secrets)];
    for (kind, names) in objects {
        for name in names {
            let yaml =
                format!("apiVersion: v1\nkind: {kind}\nmetadata: {{name: {name}, namespace: default}}\n");
            cluster.seed_yaml(&yaml).unwrap();
        }
    }
    let client = cluster.client();
    (cluster, client)
}

/// Runs a controller of the ConfigMaps that also watches the Secrets of the
/// same name, until `stop`.
fn start(
    client: &Client,
    behaviour: Behaviour,
    stop: CancellationToken,
) -> (Shared, tokio::task::JoinHandle<()>) {
    let log = Shared::default();
    let seen = log.clone();
    let reconcile = move |object: Arc<ConfigMap>, log: Arc<Mutex<Log>>| async move {
        let key = object.metadata.name.clone().unwrap_or_default();
        {
            let mut log = log.lock().unwrap();
            if log.running.contains(&key) {
                log.overlaps_of_one_key += 1;
            }
            log.running.push(key.clone());
            log.starts.push((key.clone(), Instant::now()));
        }
        tokio::time::sleep(behaviour.work).await;
        let mut log = log.lock().unwrap();
        log.running.retain(|running| *running != key);
        log.finished += 1;
        if behaviour.fail {
            Err(Failed)
        } else {
            Ok(behaviour.action)
        }
    };
    let controller = Controller::new(client.default_namespaced::<ConfigMap>(), Default::default())
        .watches(
            client.default_namespaced::<Secret>(),
            Default::default(),
            |secret: Secret| {
                vec![ObjectKey::new(
                    secret.metadata.namespace.as_deref(),
                    &secret.metadata.name.unwrap_or_default(),
                )]
            },
        )
        .concurrency(4)
        .graceful_shutdown_on(stop.cancelled_owned());
    let task = tokio::spawn(
        controller
            .run(reconcile, |_, _, _| Action::backoff(), seen)
            .for_each(|_| std::future::ready(())),
    );
    (log, task)
}

fn starts_of(log: &Shared, key: &str) -> Vec<Instant> {
    let log = log.lock().unwrap();
    log.starts
        .iter()
        .filter(|(k, _)| k == key)
        .map(|(_, at)| *at)
        .collect()
}

async fn touch(client: &Client, name: &str, value: &str) {
    let config_maps: Api<ConfigMap> = client.default_namespaced();
    let patch = Patch::Merge(json!({"data": {"value": value}}));
    config_maps
        .patch(name, &PatchParams::default(), &patch)
        .await
        .unwrap();
}

const QUICK: Behaviour = Behaviour {
    work: Duration::ZERO,
    fail: false,
    action: Action::await_change(),
};

#[tokio::test(start_paused = true)]
async fn changes_during_a_reconcile_run_it_once_more_and_never_concurrently() {
    let (_cluster, client) = cluster_with(&["app"], &[]);
    let stop = CancellationToken::new();
    let slow = Behaviour {
        work: Duration::from_secs(10),
        ..QUICK
    };
    let (log, task) = start(&client, slow, stop.clone());
    tokio::time::sleep(Duration::from_secs(1)).await;
    for value in ["1", "2", "3", "4", "5"] {
        touch(&client, "app", value).await;
    }
    tokio::time::sleep(Duration::from_secs(60)).await;

    assert_eq!(
        starts_of(&log, "app").len(),
        2,
        "the first run, and one more for all five changes"
    );
    assert_eq!(log.lock().unwrap().overlaps_of_one_key, 0);
    stop.cancel();
    task.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_requeue_runs_the_key_again_after_its_delay() {
    let (_cluster, client) = cluster_with(&["app"], &[]);
    let stop = CancellationToken::new();
    let every_minute = Behaviour {
        action: Action::requeue(Duration::from_secs(60)),
        ..QUICK
    };
    let (log, task) = start(&client, every_minute, stop.clone());
    tokio::time::sleep(Duration::from_secs(60 * 5 + 30)).await;

    let starts = starts_of(&log, "app");
    assert_eq!(starts.len(), 6, "at 0, 1, 2, 3, 4 and 5 minutes");
    let gaps: Vec<Duration> = starts.windows(2).map(|pair| pair[1] - pair[0]).collect();
    assert!(gaps.iter().all(|gap| *gap == Duration::from_secs(60)), "{gaps:?}");
    stop.cancel();
    task.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_failing_key_backs_off_exponentially() {
    let (_cluster, client) = cluster_with(&["app"], &[]);
    let stop = CancellationToken::new();
    let failing = Behaviour { fail: true, ..QUICK };
    let (log, task) = start(&client, failing, stop.clone());
    tokio::time::sleep(Duration::from_millis(700)).await;

    let starts = starts_of(&log, "app");
    let gaps: Vec<u128> = starts
        .windows(2)
        .map(|pair| (pair[1] - pair[0]).as_millis())
        .collect();
    assert_eq!(gaps[..7], [5, 10, 20, 40, 80, 160, 320]);
    stop.cancel();
    task.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_watched_object_queues_the_key_its_mapper_names() {
    let (_cluster, client) = cluster_with(&["app", "other"], &["app", "other"]);
    let stop = CancellationToken::new();
    let (log, task) = start(&client, QUICK, stop.clone());
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = starts_of(&log, "app").len();
    let other_before = starts_of(&log, "other").len();

    let secrets: Api<Secret> = client.default_namespaced();
    let patch = Patch::Merge(json!({"stringData": {"token": "new"}}));
    secrets
        .patch("app", &PatchParams::default(), &patch)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;

    assert_eq!(starts_of(&log, "app").len(), before + 1);
    assert_eq!(
        starts_of(&log, "other").len(),
        other_before,
        "only the mapped key runs"
    );
    stop.cancel();
    task.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn shutdown_waits_for_running_reconciles_and_starts_no_more() {
    let (_cluster, client) = cluster_with(&["app"], &[]);
    let stop = CancellationToken::new();
    let slow = Behaviour {
        work: Duration::from_secs(10),
        ..QUICK
    };
    let (log, task) = start(&client, slow, stop.clone());
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(log.lock().unwrap().running.len(), 1);

    stop.cancel();
    touch(&client, "app", "after the signal").await;
    task.await.unwrap();

    let log = log.lock().unwrap();
    assert_eq!(log.finished, 1, "the running reconcile finished");
    assert_eq!(log.starts.len(), 1, "no reconcile started after the signal");
}

#[tokio::test(start_paused = true)]
async fn two_controllers_share_one_watch() {
    let (cluster, client) = cluster_with(&["app"], &[]);
    let shared = SharedWatch::watch(client.default_namespaced::<ConfigMap>(), Default::default(), 16);
    let stop = CancellationToken::new();
    let counts = Arc::new(Mutex::new([0usize; 2]));
    let mut tasks = Vec::new();
    for which in 0..2 {
        let counts = counts.clone();
        let reconcile = move |_: Arc<ConfigMap>, _: Arc<()>| {
            counts.lock().unwrap()[which] += 1;
            std::future::ready(Ok::<_, Failed>(Action::await_change()))
        };
        let run = Controller::for_stream(shared.subscribe(), shared.store())
            .graceful_shutdown_on(stop.clone().cancelled_owned())
            .run(reconcile, |_, _, _| Action::backoff(), Arc::new(()));
        tasks.push(tokio::spawn(run.for_each(|_| std::future::ready(()))));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    touch(&client, "app", "changed").await;
    tokio::time::sleep(Duration::from_secs(1)).await;

    assert_eq!(
        *counts.lock().unwrap(),
        [2, 2],
        "each saw the list and the change"
    );
    assert_eq!(
        cluster.actions().count("watch", "configmaps"),
        1,
        "one watch for both"
    );
    stop.cancel();
    for task in tasks {
        task.await.unwrap();
    }
}
