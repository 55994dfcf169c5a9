//! The finalizer helper against the fake cluster: it adds the finalizer to
//! a live object, applies while the object lives, cleans up once it is
//! being deleted, and removing the finalizer lets the deletion finish.

use std::sync::Arc;

use k8s_openapi::api::core::v1::ConfigMap;
use rudder::runtime::controller::Action;
use rudder::runtime::finalizer::{FinalizerError, FinalizerEvent, finalizer};
use rudder::types::{DeleteParams, ObjectMeta, PostParams};
use rudder::{Api, Typed};
use rudder_testkit::FakeCluster;

const FINALIZER: &str = "rudder.test/cleanup";

#[derive(Debug, thiserror::Error)]
#[error("cleanup refused")]
struct Refused;

/// What the reconcile was asked to do: "apply" or "cleanup".
async fn run(
    api: &Api<ConfigMap>,
    name: &str,
    refuse_cleanup: bool,
) -> (Result<Action, FinalizerError<Refused>>, Vec<&'static str>) {
    let object = Arc::new(api.get(name).await.unwrap());
    let mut asked = Vec::new();
    let outcome = finalizer(api, FINALIZER, object, |event| {
        let (what, result) = match event {
            FinalizerEvent::Apply(_) => ("apply", Ok(Action::await_change())),
            FinalizerEvent::Cleanup(_) if refuse_cleanup => ("cleanup", Err(Refused)),
            FinalizerEvent::Cleanup(_) => ("cleanup", Ok(Action::await_change())),
        };
        asked.push(what);
        std::future::ready(result)
    })
    .await;
    (outcome, asked)
}

async fn config_map(cluster: &FakeCluster) -> Api<ConfigMap> {
    let api: Api<ConfigMap> = cluster.client().default_namespaced();
    let object = ConfigMap {
        metadata: ObjectMeta {
            name: Some("settings".into()),
            ..ObjectMeta::default()
        },
        ..ConfigMap::default()
    };
    api.create(&PostParams::default(), &object).await.unwrap();
    api
}

fn finalizers(object: &ConfigMap) -> Vec<String> {
    object.metadata.finalizers.clone().unwrap_or_default()
}

#[tokio::test]
async fn the_finalizer_is_added_then_apply_runs() {
    let cluster = FakeCluster::new();
    let api = config_map(&cluster).await;

    let (outcome, asked) = run(&api, "settings", false).await;
    assert_eq!(outcome.unwrap(), Action::await_change());
    assert!(asked.is_empty(), "adding the finalizer is the whole first step");
    assert_eq!(finalizers(&api.get("settings").await.unwrap()), [FINALIZER]);

    let (outcome, asked) = run(&api, "settings", false).await;
    assert!(outcome.is_ok());
    assert_eq!(asked, ["apply"]);
}

#[tokio::test]
async fn a_deletion_waits_for_the_cleanup_and_then_completes() {
    let cluster = FakeCluster::new();
    let api = config_map(&cluster).await;
    run(&api, "settings", false).await.0.unwrap();
    api.delete("settings", &DeleteParams::default()).await.unwrap();
    let terminating = api.get("settings").await.unwrap();
    assert!(
        terminating.metadata.deletion_timestamp.is_some(),
        "held by the finalizer"
    );

    let (outcome, asked) = run(&api, "settings", true).await;
    assert!(matches!(outcome, Err(FinalizerError::Cleanup(Refused))));
    assert_eq!(asked, ["cleanup"]);
    assert_eq!(
        finalizers(&api.get("settings").await.unwrap()),
        [FINALIZER],
        "kept after a failed cleanup"
    );

    let (outcome, asked) = run(&api, "settings", false).await;
    assert!(outcome.is_ok());
    assert_eq!(asked, ["cleanup"]);
    assert!(
        api.get_opt("settings").await.unwrap().is_none(),
        "the deletion finished"
    );
}

#[tokio::test]
async fn another_writers_finalizers_are_kept_and_a_stale_object_is_a_conflict() {
    let cluster = FakeCluster::new();
    let api = config_map(&cluster).await;
    let mut current = api.get("settings").await.unwrap();
    current.metadata.finalizers = Some(vec!["other.test/keep".into()]);
    api.replace("settings", &PostParams::default(), &current)
        .await
        .unwrap();
    run(&api, "settings", false).await.0.unwrap();
    assert_eq!(
        finalizers(&api.get("settings").await.unwrap()),
        ["other.test/keep", FINALIZER]
    );

    let stale = Arc::new(current);
    let outcome: Result<Action, FinalizerError<Refused>> =
        finalizer(&api, "rudder.test/second", stale, |_| async {
            Ok(Action::await_change())
        })
        .await;
    match outcome {
        Err(FinalizerError::AddFinalizer { source, .. }) => assert!(source.is_conflict(), "{source}"),
        other => panic!("expected a conflict, got {other:?}"),
    }
}
