//! The watcher's store converges to exactly the server's state while the
//! objects change and the fake closes watches at random moments, forgets
//! its history (410 Gone), fails its API and refuses connections.
//!
//! Every storm is drawn from a seed, on paused tokio time: a failure names
//! its seed and replays the same way.

mod runtime_support;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::time::Instant;

use k8s_openapi::api::core::v1::ConfigMap;
use rudder::DynamicClient;
use rudder::runtime::reflector::Store;
use rudder::runtime::watcher::{Config, InitialList};
use rudder::runtime::{BackoffConfig, Object};
use rudder::typed::Api;
use rudder::types::{ApiResource, Resource};
use rudder_testkit::FakeCluster;
use runtime_support::{Storm, Tally, assert_backed_off, reflect, versions};

const ROUNDS: usize = 4;
const DISRUPTIONS_PER_ROUND: usize = 15;
/// How long after the faults end the store may take to catch up: the
/// watches told to fail before then (up to 2 per disruption) each cost a
/// backoff of up to a minute.
const CONVERGENCE_BOUND: Duration = Duration::from_secs(60 * 60);

/// A fake whose watches, for odd seeds, also close when they fall 4 events behind.
fn cluster_for(seed: u64) -> FakeCluster {
    let builder = FakeCluster::builder().seed(seed);
    if seed % 2 == 1 {
        builder.watch_buffer(4).build()
    } else {
        builder.build()
    }
}

fn config(seed: u64, initial_list: InitialList) -> Config {
    Config::default()
        .initial_list(initial_list)
        .page_size(5)
        .backoff(BackoffConfig::default().seed(seed))
}

/// Runs the storm in rounds; after each, once the faults end, the store must
/// hold exactly the server's objects at the server's versions.
async fn weather<K: Object>(
    seed: u64,
    storm: &mut Storm,
    store: &Store<K>,
    tally: &Tally,
    selector: Option<&str>,
) -> usize {
    for round in 0..ROUNDS {
        storm.round(DISRUPTIONS_PER_ROUND).await;
        storm.calm();
        // Watches already told to fail still fail, each after a longer
        // backoff: give the watcher (virtual) time, then demand equality.
        let calm_since = Instant::now();
        loop {
            let server = storm.server_state(selector).await;
            let kept = versions(store.state().iter().map(Arc::as_ref));
            if kept == server {
                break;
            }
            assert!(
                calm_since.elapsed() < CONVERGENCE_BOUND,
                "seed {seed}, round {round}: the store still differs from the server {:?} after {:?}:\n store:  {kept:?}\n server: {server:?}",
                CONVERGENCE_BOUND,
                storm.disruptions
            );
            tokio::time::sleep(Duration::from_secs(20)).await;
        }
    }
    assert!(
        tally.lists.load(Ordering::Relaxed) > 1,
        "seed {seed}: no relist after {:?}",
        storm.disruptions
    );
    assert!(
        tally.errors.load(Ordering::Relaxed) > 0,
        "seed {seed}: no failure was seen"
    );
    assert_backed_off(&storm.flaky.refused_at(), Duration::from_millis(800));
    storm.total_disruptions()
}

async fn typed_storm(seed: u64, initial_list: InitialList) -> usize {
    let mut storm = Storm::new(seed, cluster_for(seed));
    let api: Api<ConfigMap> = Api::all(Arc::new(storm.flaky.clone()));
    let (store, tally) = reflect(api, config(seed, initial_list));
    weather(seed, &mut storm, &store, &tally, None).await
}

#[tokio::test(start_paused = true)]
async fn paged_lists_converge_through_the_storm() {
    let mut disruptions = 0;
    for seed in 0..6 {
        disruptions += typed_storm(seed, InitialList::Paged).await;
    }
    assert_eq!(disruptions, 6 * ROUNDS * DISRUPTIONS_PER_ROUND);
}

#[tokio::test(start_paused = true)]
async fn streaming_lists_converge_through_the_storm() {
    let mut disruptions = 0;
    for seed in 100..106 {
        disruptions += typed_storm(seed, InitialList::Streaming).await;
    }
    assert_eq!(disruptions, 6 * ROUNDS * DISRUPTIONS_PER_ROUND);
}

#[tokio::test(start_paused = true)]
async fn a_dynamic_watch_with_a_label_selector_converges_as_objects_move_in_and_out() {
    let resource: ApiResource = ConfigMap::api_resource();
    let mut disruptions = 0;
    for seed in 200..204 {
        let mut storm = Storm::new(seed, cluster_for(seed));
        let api = DynamicClient::all(Arc::new(storm.flaky.clone()), resource.clone());
        let (store, tally) = reflect(api, config(seed, InitialList::Streaming).labels("app=web"));
        disruptions += weather(seed, &mut storm, &store, &tally, Some("app=web")).await;
    }
    assert_eq!(disruptions, 4 * ROUNDS * DISRUPTIONS_PER_ROUND);
}

#[tokio::test(start_paused = true)]
async fn a_server_that_refuses_streaming_lists_is_listed_in_pages_and_converges() {
    let mut disruptions = 0;
    for seed in 300..302 {
        let mut storm = Storm::new(seed, cluster_for(seed));
        storm.flaky.refuse_streaming_lists();
        let api: Api<ConfigMap> = Api::all(Arc::new(storm.flaky.clone()));
        let (store, tally) = reflect(api, config(seed, InitialList::Streaming));
        disruptions += weather(seed, &mut storm, &store, &tally, None).await;
        let lists = storm.cluster.actions().count("list", "configmaps");
        assert!(lists > 0, "seed {seed}: never fell back to paged lists");
    }
    assert_eq!(disruptions, 2 * ROUNDS * DISRUPTIONS_PER_ROUND);
}

#[tokio::test(start_paused = true)]
async fn every_subscriber_of_a_shared_watch_converges_through_the_storm() {
    use futures::StreamExt;
    use rudder::runtime::SharedWatch;
    use rudder::runtime::reflector::{self, Writer};
    use rudder::runtime::watcher::{self, Event};

    let mut disruptions = 0;
    for seed in 400..402 {
        let mut storm = Storm::new(seed, cluster_for(seed));
        let api: Api<ConfigMap> = Api::all(Arc::new(storm.flaky.clone()));
        // The tally counts what the shared watcher yields, before the fan-out.
        let tally = Tally::default();
        let counted = tally.clone();
        let events = watcher::watcher(api, config(seed, InitialList::Streaming)).inspect(move |event| {
            match event {
                Ok(Event::Init) => counted.lists.fetch_add(1, Ordering::Relaxed),
                Err(_) => counted.errors.fetch_add(1, Ordering::Relaxed),
                Ok(_) => 0,
            };
        });
        let shared = SharedWatch::new(events, 16);
        let subscriber = |shared: &SharedWatch<ConfigMap>| {
            let writer = Writer::new();
            let store = writer.as_reader();
            tokio::spawn(reflector::reflector(writer, shared.subscribe()).for_each(|_| async {}));
            store
        };
        let first = subscriber(&shared);
        disruptions += weather(seed, &mut storm, &shared.store(), &tally, None).await;
        // A subscriber that joined late holds the same as one there from the start.
        let late = subscriber(&shared);
        tokio::time::sleep(Duration::from_secs(1)).await;
        let expected = storm.server_state(None).await;
        assert_eq!(
            versions(first.state().iter().map(Arc::as_ref)),
            expected,
            "seed {seed}"
        );
        assert_eq!(
            versions(late.state().iter().map(Arc::as_ref)),
            expected,
            "seed {seed}"
        );
    }
    assert_eq!(disruptions, 2 * ROUNDS * DISRUPTIONS_PER_ROUND);
}
