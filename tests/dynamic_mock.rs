//! How to test code written against `Dynamic` with `MockDynamic`.
#![cfg(feature = "mock")]

use rudder::dynamic::{Dynamic, MockDynamic};
use rudder::types::{ApiResource, DynamicObject, PatchParams, Scope};
use serde_json::json;

/// The code under test: a tiny GitOps step that applies each desired
/// object as `manager` and returns the resourceVersions the server reports.
async fn apply_all(
    target: &dyn Dynamic,
    desired: &[DynamicObject],
    manager: &str,
) -> rudder::Result<Vec<String>> {
    let params = PatchParams::apply(manager).force();
    let mut versions = Vec::new();
    for object in desired {
        let applied = target.apply(&params, object).await?;
        versions.push(applied.metadata.resource_version.unwrap_or_default());
    }
    Ok(versions)
}

#[tokio::test]
async fn every_desired_object_is_applied_with_force_as_the_manager() {
    let foos = ApiResource::new(
        "samplecontroller.k8s.io",
        "v1alpha1",
        "Foo",
        "foos",
        Scope::Namespaced,
    );
    let desired = vec![
        DynamicObject::new("a", &foos).with_data(json!({"spec": {"replicas": 1}})),
        DynamicObject::new("b", &foos).with_data(json!({"spec": {"replicas": 2}})),
    ];
    let mut target = MockDynamic::new();
    target
        .expect_apply()
        .withf(|params, _| params.field_manager.as_deref() == Some("gitops") && params.force)
        .times(2)
        .returning(|_, object| {
            let mut stored = object.clone();
            stored.metadata.resource_version = Some(format!("rv-{}", object.name().unwrap_or_default()));
            Ok(stored)
        });
    let versions = apply_all(&target, &desired, "gitops").await.unwrap();
    assert_eq!(versions, ["rv-a", "rv-b"]);
}
