//! Testing code that depends on discovery with `MockDiscovery` (feature
//! `mock`), through `Arc<dyn Discovery>` as an application would hold it.
#![cfg(feature = "mock")]

use std::sync::Arc;

use rudder::discovery::{Discovery, DiscoveryError, MockDiscovery, ServedResource};
use rudder::types::{ApiResource, Scope};

/// Code under test: the URL path of a collection, found through discovery.
async fn collection_path(discovery: &dyn Discovery, name: &str, namespace: &str) -> rudder::Result<String> {
    let served = discovery.resolve(name).await?;
    let r = &served.resource;
    let prefix = if r.group.is_empty() {
        format!("/api/{}", r.version)
    } else {
        format!("/apis/{}/{}", r.group, r.version)
    };
    Ok(if r.is_namespaced() {
        format!("{prefix}/namespaces/{namespace}/{}", r.plural)
    } else {
        format!("{prefix}/{}", r.plural)
    })
}

fn deployments() -> ServedResource {
    let mut deployments = ServedResource::new(ApiResource::new(
        "apps",
        "v1",
        "Deployment",
        "deployments",
        Scope::Namespaced,
    ));
    deployments.singular = "deployment".into();
    deployments.verbs = vec!["get".into(), "list".into()];
    deployments.short_names = vec!["deploy".into()];
    deployments.categories = vec!["all".into()];
    deployments
}

#[tokio::test]
async fn code_using_discovery_is_tested_with_the_mock() {
    let mut mock = MockDiscovery::new();
    mock.expect_resolve()
        .withf(|name| name == "deploy")
        .times(1)
        .returning(|_| Ok(deployments()));
    let discovery: Arc<dyn Discovery> = Arc::new(mock);

    let path = collection_path(discovery.as_ref(), "deploy", "web")
        .await
        .unwrap();

    assert_eq!(path, "/apis/apps/v1/namespaces/web/deployments");
}

#[tokio::test]
async fn the_mock_can_answer_not_found() {
    let mut mock = MockDiscovery::new();
    mock.expect_resolve().returning(|name| {
        Err(DiscoveryError::ResourceNotFound {
            name: name.to_owned(),
            suggestions: vec![],
            failed: vec![],
        }
        .into())
    });
    let error = collection_path(&mock, "widgets", "default").await.unwrap_err();
    assert_eq!(
        error.to_string(),
        r#"the server doesn't have a resource type "widgets""#
    );
}
