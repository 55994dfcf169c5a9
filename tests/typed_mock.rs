//! How to test code written against `Typed<K>` with `MockTyped<K>`: no
//! server, no HTTP; the mock checks what the code asked for.
#![cfg(feature = "mock")]

#[allow(dead_code)] // the tests use part of the example type
#[path = "../examples/shared/foo.rs"]
mod foo;

use foo::Foo;
use futures::TryStreamExt;
use rudder::Error;
use rudder::typed::{MockPodLogs, MockTyped, PodLogs, Typed, list_all};
use rudder::types::{ListParams, LogParams, ObjectList, Patch, PatchParams, PostParams};
use serde_json::json;

/// The code under test: make sure every Foo wants at least `min` replicas,
/// and that a Foo named `default-foo` exists. Returns the names it changed.
async fn ensure_min_replicas(foos: &dyn Typed<Foo>, min: i32) -> rudder::Result<Vec<String>> {
    let mut changed = Vec::new();
    for item in list_all(foos, &ListParams::default()).await?.items {
        if item.spec.replicas.unwrap_or(1) < min {
            let name = item.metadata.name.clone().unwrap_or_default();
            let patch = Patch::Merge(json!({"spec": {"replicas": min}}));
            foos.patch(&name, &PatchParams::default(), &patch).await?;
            changed.push(name);
        }
    }
    if foos.get_opt("default-foo").await?.is_none() {
        foos.create(
            &PostParams::default(),
            &Foo::new("default-foo", "default-foo", min),
        )
        .await?;
        changed.push("default-foo".into());
    }
    Ok(changed)
}

fn page(foos: Vec<Foo>, continue_token: Option<&str>) -> ObjectList<Foo> {
    let mut list = ObjectList {
        items: foos,
        ..ObjectList::default()
    };
    list.metadata.continue_ = continue_token.map(str::to_owned);
    list
}

#[tokio::test]
async fn only_foos_below_the_minimum_are_patched_and_a_missing_default_is_created() {
    let mut foos = MockTyped::<Foo>::new();
    foos.expect_list()
        .withf(|params| params.continue_token.is_none() && params.limit == Some(500))
        .times(1)
        .returning(|_| Ok(page(vec![Foo::new("small", "small", 1)], Some("next"))));
    foos.expect_list()
        .withf(|params| params.continue_token.as_deref() == Some("next"))
        .times(1)
        .returning(|_| Ok(page(vec![Foo::new("big", "big", 5)], None)));
    foos.expect_patch()
        .withf(|name, _, patch| name == "small" && *patch == Patch::Merge(json!({"spec": {"replicas": 3}})))
        .times(1)
        .returning(|_, _, _| Ok(Foo::new("small", "small", 3)));
    foos.expect_get_opt()
        .withf(|name| name == "default-foo")
        .returning(|_| Ok(None));
    foos.expect_create()
        .withf(|_, wanted| wanted.spec.replicas == Some(3))
        .times(1)
        .returning(|_, wanted| Ok(wanted.clone()));

    let changed = ensure_min_replicas(&foos, 3).await.unwrap();
    assert_eq!(changed, ["small", "default-foo"]);
}

#[tokio::test]
async fn an_api_error_from_the_mock_reaches_the_caller() {
    let mut foos = MockTyped::<Foo>::new();
    foos.expect_list().returning(|_| {
        Err(rudder::error::ApiError::from_response(
            "GET",
            "/apis/samplecontroller.k8s.io/v1alpha1/namespaces/default/foos",
            http::StatusCode::FORBIDDEN,
            br#"{"kind":"Status","status":"Failure","reason":"Forbidden","message":"foos is forbidden","code":403}"#,
        )
        .into())
    });
    let error: Error = ensure_min_replicas(&foos, 3).await.unwrap_err();
    assert!(error.is_forbidden());
}

/// More code under test: the first line of a pod's log that reports an error.
async fn first_error(logs: &dyn PodLogs, pod: &str) -> rudder::Result<Option<String>> {
    let mut lines = logs
        .log_lines(pod, &LogParams::default().container("app"))
        .await?;
    while let Some(line) = lines.try_next().await? {
        if line.contains("ERROR") {
            return Ok(Some(line));
        }
    }
    Ok(None)
}

#[tokio::test]
async fn the_first_error_line_of_a_mocked_log_is_found() {
    let mut logs = MockPodLogs::new();
    logs.expect_log_lines()
        .withf(|pod, params| pod == "web" && params.container.as_deref() == Some("app"))
        .returning(|_, _| {
            let lines =
                ["starting", "ERROR: cannot bind :8080", "ERROR: again"].map(|line| Ok(line.to_owned()));
            Ok(Box::pin(futures::stream::iter(lines)))
        });
    assert_eq!(
        first_error(&logs, "web").await.unwrap().as_deref(),
        Some("ERROR: cannot bind :8080")
    );
}
