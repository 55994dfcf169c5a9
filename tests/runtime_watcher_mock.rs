//! The watcher on `MockTyped<K>`: code that watches can be unit-tested with
//! the mock, which checks each request the watcher makes.
#![cfg(feature = "mock")]

use futures::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use rudder::Status;
use rudder::runtime::watcher::{self, Config, Event, InitialList};
use rudder::typed::MockTyped;
use rudder::types::{ObjectList, WatchEvent};

fn pod(name: &str, version: &str) -> Pod {
    let mut pod = Pod::default();
    pod.metadata.name = Some(name.into());
    pod.metadata.namespace = Some("default".into());
    pod.metadata.resource_version = Some(version.into());
    pod
}

fn names(events: &[Event<Pod>]) -> Vec<String> {
    events
        .iter()
        .map(|event| match event {
            Event::Init => "Init".to_owned(),
            Event::InitDone => "InitDone".to_owned(),
            Event::InitApply(pod) | Event::Apply(pod) | Event::Delete(pod) => {
                pod.metadata.name.clone().unwrap_or_default()
            }
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn the_watcher_sends_the_selector_everywhere_and_relists_after_an_expired_watch() {
    let mut pods = MockTyped::<Pod>::new();
    let mut list_versions = vec!["7", "20"].into_iter();
    pods.expect_list()
        .withf(|params| params.label_selector.as_deref() == Some("app=web") && params.limit == Some(2))
        .times(2)
        .returning(move |_| {
            let version = list_versions.next().unwrap_or("99");
            let mut list = ObjectList {
                items: vec![pod("web-1", version)],
                ..ObjectList::default()
            };
            list.metadata.resource_version = Some(version.into());
            Ok(list)
        });
    pods.expect_watch()
        .withf(|params| {
            params.resource_version.as_deref() == Some("7")
                && params.label_selector.as_deref() == Some("app=web")
                && params.allow_watch_bookmarks
                && !params.send_initial_events
        })
        .times(1)
        .returning(|_| {
            let expired = Status::failure(410, "Expired", "too old resource version: 7 (15)");
            let events = vec![
                Ok(WatchEvent::Added(pod("web-2", "8"))),
                Ok(WatchEvent::Error(expired)),
            ];
            Ok(futures::stream::iter(events).boxed())
        });
    pods.expect_watch()
        .withf(|params| params.resource_version.as_deref() == Some("20"))
        .returning(|_| Ok(futures::stream::pending().boxed()));

    let config = Config::default()
        .labels("app=web")
        .page_size(2)
        .initial_list(InitialList::Paged);
    let events: Vec<Event<Pod>> = watcher::watcher(pods, config)
        .take(7)
        .map(|event| event.expect("no failure is scripted"))
        .collect()
        .await;
    assert_eq!(
        names(&events),
        ["Init", "web-1", "InitDone", "web-2", "Init", "web-1", "InitDone"]
    );
}
