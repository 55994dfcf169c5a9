//! The fake cluster's rules, table-driven through `Api<K>`: the errors a
//! controller branches on, system metadata, status and scale, dry-run,
//! deletion policies, reads at a resourceVersion and initial-events watches.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::StreamExt;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use rudder::types::{
    DeleteParams, ListParams, ObjectMeta, Patch, PatchParams, PostParams, PropagationPolicy,
    ResourceVersionMatch, WatchEvent, WatchParams,
};
use rudder::{Api, Error, Rest, Typed};
use rudder_testkit::FakeCluster;
use serde_json::json;

fn rest(cluster: &FakeCluster) -> Arc<dyn Rest> {
    Arc::new(cluster.clone())
}

fn configmap(name: &str) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.into()),
            ..ObjectMeta::default()
        },
        data: Some(BTreeMap::from([("k".to_owned(), "v".to_owned())])),
        ..ConfigMap::default()
    }
}

fn deployment(name: &str, replicas: i32) -> Deployment {
    serde_json::from_value(json!({
        "metadata": {"name": name},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "c", "image": "x"}]}}}
    }))
    .expect("a deployment")
}

fn code(error: &Error) -> u16 {
    error.status().map_or(0, |status| status.code)
}

/// What was done, the error it got, the expected code, and the predicate that recognises it.
type ErrorCase = (&'static str, Error, u16, fn(&Error) -> bool);

#[tokio::test]
async fn the_errors_a_controller_branches_on() {
    let cluster = FakeCluster::new();
    let api: Api<ConfigMap> = Api::namespaced(rest(&cluster), "default");
    let missing_namespace: Api<ConfigMap> = Api::namespaced(rest(&cluster), "nowhere");
    let stored = api
        .create(&PostParams::default(), &configmap("taken"))
        .await
        .unwrap();
    let mut stale = stored.clone();
    let mut newer = stored.clone();
    newer.data = Some(BTreeMap::from([("k".to_owned(), "newer".to_owned())]));
    api.replace("taken", &PostParams::default(), &newer)
        .await
        .unwrap();
    stale.data = Some(BTreeMap::from([("k".to_owned(), "changed".to_owned())]));
    let stale_write = api
        .replace("taken", &PostParams::default(), &stale)
        .await
        .unwrap_err();

    let cases: Vec<ErrorCase> = vec![
        (
            "get of a missing object",
            api.get("nope").await.unwrap_err(),
            404,
            Error::is_not_found,
        ),
        (
            "create of a taken name",
            api.create(&PostParams::default(), &configmap("taken"))
                .await
                .unwrap_err(),
            409,
            Error::is_already_exists,
        ),
        ("a stale resourceVersion", stale_write, 409, Error::is_conflict),
        (
            "an invalid name",
            api.create(&PostParams::default(), &configmap("Bad_Name"))
                .await
                .unwrap_err(),
            422,
            Error::is_invalid,
        ),
        (
            "a missing namespace",
            missing_namespace
                .create(&PostParams::default(), &configmap("a"))
                .await
                .unwrap_err(),
            404,
            Error::is_not_found,
        ),
    ];
    for (case, error, expected, is) in cases {
        assert_eq!(code(&error), expected, "{case}: {error}");
        assert!(is(&error), "{case}: {error}");
    }
    assert!(api.get_opt("nope").await.unwrap().is_none());
}

#[tokio::test]
async fn system_metadata_generation_and_generate_name() {
    let cluster = FakeCluster::new();
    let api: Api<Deployment> = Api::namespaced(rest(&cluster), "default");
    let mut generated = deployment("", 1);
    generated.metadata.name = None;
    generated.metadata.generate_name = Some("web-".into());
    let created = api.create(&PostParams::default(), &generated).await.unwrap();
    let name = created.metadata.name.clone().unwrap();
    assert_eq!(name.len(), "web-".len() + 5);
    assert!(created.metadata.uid.is_some() && created.metadata.creation_timestamp.is_some());
    assert_eq!(created.metadata.generation, Some(1));

    let mut relabelled = created.clone();
    relabelled.metadata.labels = Some(BTreeMap::from([("x".to_owned(), "y".to_owned())]));
    let relabelled = api
        .replace(&name, &PostParams::default(), &relabelled)
        .await
        .unwrap();
    assert_eq!(relabelled.metadata.generation, Some(1));
    let mut scaled = relabelled.clone();
    scaled.spec.replicas = Some(3);
    let scaled = api.replace(&name, &PostParams::default(), &scaled).await.unwrap();
    assert_eq!(scaled.metadata.generation, Some(2));
}

#[tokio::test]
async fn status_and_scale_subresources() {
    let cluster = FakeCluster::new();
    let api: Api<Deployment> = Api::namespaced(rest(&cluster), "default");
    let created = api
        .create(&PostParams::default(), &deployment("web", 2))
        .await
        .unwrap();
    let mut with_status = created.clone();
    with_status.status = Some(serde_json::from_value(json!({"replicas": 2, "readyReplicas": 1})).unwrap());
    let updated = api
        .replace_status("web", &PostParams::default(), &with_status)
        .await
        .unwrap();
    assert_eq!(
        updated.status.as_ref().and_then(|status| status.ready_replicas),
        Some(1)
    );
    let ignored = api
        .replace("web", &PostParams::default(), &deployment("web", 2))
        .await
        .unwrap();
    assert_eq!(
        ignored.status.and_then(|status| status.ready_replicas),
        Some(1),
        "a main update keeps status"
    );

    let mut scale = api.get_scale("web").await.unwrap();
    assert_eq!(scale.spec.as_ref().and_then(|spec| spec.replicas), Some(2));
    scale.spec.as_mut().unwrap().replicas = Some(6);
    api.replace_scale("web", &PostParams::default(), &scale)
        .await
        .unwrap();
    assert_eq!(api.get("web").await.unwrap().spec.replicas, Some(6));
}

#[tokio::test]
async fn dry_run_stores_nothing() {
    let cluster = FakeCluster::new();
    let api: Api<ConfigMap> = Api::namespaced(rest(&cluster), "default");
    let before = cluster.resource_version();
    let answered = api
        .create(&PostParams::default().dry_run(), &configmap("a"))
        .await
        .unwrap();
    assert_eq!(answered.metadata.name.as_deref(), Some("a"));
    assert_eq!(cluster.resource_version(), before);
    assert!(api.get_opt("a").await.unwrap().is_none());
}

#[tokio::test]
async fn dry_run_update_patch_and_delete_store_nothing() {
    let cluster = FakeCluster::new();
    let api: Api<ConfigMap> = Api::namespaced(rest(&cluster), "default");
    let stored = api.create(&PostParams::default(), &configmap("a")).await.unwrap();
    let before = cluster.resource_version();
    let mut changed = stored.clone();
    changed.data = Some(BTreeMap::from([("k".to_owned(), "replaced".to_owned())]));
    let replaced = api
        .replace("a", &PostParams::default().dry_run(), &changed)
        .await
        .unwrap();
    assert_eq!(replaced.data, changed.data);
    let patch = Patch::Merge(json!({"data": {"k": "patched"}}));
    let patched = api
        .patch("a", &PatchParams::default().dry_run(), &patch)
        .await
        .unwrap();
    assert_eq!(patched.data.unwrap()["k"], "patched");
    api.delete("a", &DeleteParams::default().dry_run()).await.unwrap();
    assert_eq!(cluster.resource_version(), before);
    assert_eq!(api.get("a").await.unwrap(), stored);
}

#[tokio::test]
async fn an_expired_continue_token_is_gone_through_api_list() {
    let cluster = FakeCluster::builder().history_limit(3).build();
    let api: Api<ConfigMap> = Api::namespaced(rest(&cluster), "default");
    for name in ["a", "b", "c"] {
        api.create(&PostParams::default(), &configmap(name))
            .await
            .unwrap();
    }
    let first_page = ListParams::default().limit(1);
    let first = api.list(&first_page).await.unwrap();
    let token = first.continue_token().expect("a continue token").to_owned();
    api.create(&PostParams::default(), &configmap("later"))
        .await
        .unwrap();
    cluster.compact();
    let next_page = first_page.continue_token(&token);
    let error = api.list(&next_page).await.expect_err("an expired token");
    assert!(error.is_gone(), "{error:?}");
}

#[tokio::test]
async fn deletion_policies_for_dependents() {
    let cases = [
        (PropagationPolicy::Background, false, false),
        (PropagationPolicy::Orphan, false, true),
        (PropagationPolicy::Foreground, false, false),
    ];
    for (policy, owner_remains, dependent_remains) in cases {
        let cluster = FakeCluster::new();
        let deployments: Api<Deployment> = Api::namespaced(rest(&cluster), "default");
        let configmaps: Api<ConfigMap> = Api::namespaced(rest(&cluster), "default");
        let owner = deployments
            .create(&PostParams::default(), &deployment("owner", 1))
            .await
            .unwrap();
        let mut dependent = configmap("dependent");
        dependent.metadata.owner_references = Some(vec![
            k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference {
                api_version: "apps/v1".into(),
                kind: "Deployment".into(),
                name: "owner".into(),
                uid: owner.metadata.uid.unwrap(),
                ..Default::default()
            },
        ]);
        configmaps
            .create(&PostParams::default(), &dependent)
            .await
            .unwrap();
        deployments
            .delete("owner", &DeleteParams::default().propagation(policy))
            .await
            .unwrap();
        assert_eq!(
            deployments.get_opt("owner").await.unwrap().is_some(),
            owner_remains,
            "{policy:?}"
        );
        let remaining = configmaps.get_opt("dependent").await.unwrap();
        assert_eq!(remaining.is_some(), dependent_remains, "{policy:?}");
        if let Some(orphan) = remaining {
            assert!(
                orphan
                    .metadata
                    .owner_references
                    .is_none_or(|references| references.is_empty())
            );
        }
    }
}

#[tokio::test]
async fn deleting_a_namespace_takes_its_objects() {
    let cluster = FakeCluster::new();
    let namespaces: Api<Namespace> = Api::cluster(rest(&cluster));
    let namespace = Namespace {
        metadata: ObjectMeta {
            name: Some("team".into()),
            ..ObjectMeta::default()
        },
        ..Namespace::default()
    };
    namespaces
        .create(&PostParams::default(), &namespace)
        .await
        .unwrap();
    let configmaps: Api<ConfigMap> = Api::namespaced(rest(&cluster), "team");
    configmaps
        .create(&PostParams::default(), &configmap("a"))
        .await
        .unwrap();
    namespaces.delete("team", &DeleteParams::default()).await.unwrap();
    assert!(namespaces.get_opt("team").await.unwrap().is_none());
    let all: Api<ConfigMap> = Api::all(rest(&cluster));
    assert!(all.list(&ListParams::default()).await.unwrap().items.is_empty());
}

#[tokio::test]
async fn reads_at_a_resource_version() {
    let cluster = FakeCluster::new();
    let api: Api<ConfigMap> = Api::namespaced(rest(&cluster), "default");
    api.create(&PostParams::default(), &configmap("first"))
        .await
        .unwrap();
    let then = cluster.resource_version().to_string();
    api.create(&PostParams::default(), &configmap("second"))
        .await
        .unwrap();
    let cases = [
        (ListParams::default(), 2),
        (ListParams::default().any_version(), 2),
        (
            ListParams::default().at(&then, ResourceVersionMatch::NotOlderThan),
            2,
        ),
        (ListParams::default().at(&then, ResourceVersionMatch::Exact), 1),
    ];
    for (params, count) in cases {
        assert_eq!(api.list(&params).await.unwrap().items.len(), count, "{params:?}");
    }
    cluster.compact();
    let gone = api
        .list(&ListParams::default().at(&then, ResourceVersionMatch::Exact))
        .await
        .unwrap_err();
    assert!(gone.is_gone(), "{gone}");
}

#[tokio::test]
async fn a_watch_with_initial_events_ends_them_with_a_bookmark() {
    let cluster = FakeCluster::new();
    let api: Api<ConfigMap> = Api::namespaced(rest(&cluster), "default");
    api.create(&PostParams::default(), &configmap("a")).await.unwrap();
    let mut events = api
        .watch(&WatchParams::default().bookmarks(true).initial_events())
        .await
        .unwrap();
    assert!(matches!(events.next().await, Some(Ok(WatchEvent::Added(_)))));
    match events.next().await {
        Some(Ok(WatchEvent::Bookmark(bookmark))) => {
            assert_eq!(
                bookmark
                    .metadata
                    .annotations
                    .get("k8s.io/initial-events-end")
                    .map(String::as_str),
                Some("true")
            );
            assert_eq!(
                bookmark.metadata.resource_version,
                cluster.resource_version().to_string()
            );
        }
        other => panic!("expected the initial-events-end bookmark, got {other:?}"),
    }
    api.create(&PostParams::default(), &configmap("b")).await.unwrap();
    assert!(matches!(events.next().await, Some(Ok(WatchEvent::Added(_)))));
}

#[tokio::test]
async fn a_watch_from_a_compacted_version_ends_with_gone() {
    let cluster = FakeCluster::new();
    let api: Api<ConfigMap> = Api::namespaced(rest(&cluster), "default");
    let start = cluster.resource_version().to_string();
    api.create(&PostParams::default(), &configmap("a")).await.unwrap();
    cluster.compact();
    let mut events = api
        .watch(&WatchParams::default().from_version(&start))
        .await
        .unwrap();
    match events.next().await {
        Some(Ok(WatchEvent::Error(status))) => {
            assert_eq!((status.code, status.reason.as_str()), (410, "Expired"))
        }
        other => panic!("expected 410 Gone, got {other:?}"),
    }
}

#[tokio::test]
async fn immutable_fields_refuse_changes() {
    let cluster = FakeCluster::new();
    let configmaps: Api<ConfigMap> = Api::namespaced(rest(&cluster), "default");
    let mut frozen = configmap("frozen");
    frozen.immutable = Some(true);
    let stored = configmaps.create(&PostParams::default(), &frozen).await.unwrap();
    let mut changed = stored.clone();
    changed.data = Some(BTreeMap::from([("k".to_owned(), "other".to_owned())]));
    let error = configmaps
        .replace("frozen", &PostParams::default(), &changed)
        .await
        .unwrap_err();
    assert!(error.is_invalid(), "{error}");
    assert_eq!(
        error.status().unwrap().message,
        "ConfigMap \"frozen\" is invalid: data: Forbidden: field is immutable when `immutable` is set"
    );

    let deployments: Api<Deployment> = Api::namespaced(rest(&cluster), "default");
    let stored = deployments
        .create(&PostParams::default(), &deployment("web", 1))
        .await
        .unwrap();
    let mut reselected = stored.clone();
    reselected.spec.selector.match_labels = Some(BTreeMap::from([("app".to_owned(), "other".to_owned())]));
    let error = deployments
        .replace("web", &PostParams::default(), &reselected)
        .await
        .unwrap_err();
    // As on the real server, the template's labels no longer match either.
    let causes = &error.status().unwrap().details.as_ref().unwrap().causes;
    assert!(
        causes
            .iter()
            .any(|cause| cause.field == "spec.selector" && cause.message.contains("immutable")),
        "{causes:?}"
    );
}

#[tokio::test]
async fn kinds_registered_by_type_and_objects_seeded_as_dynamic_objects() {
    use k8s_openapi::api::rbac::v1::Role;
    use rudder::types::DynamicObject;
    let cluster = FakeCluster::builder().register_type::<Role>().build();
    let role: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
        "metadata": {"name": "reader", "namespace": "default"},
        "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]
    }))
    .unwrap();
    cluster.seed_all(vec![role]).unwrap();
    let roles: Api<Role> = Api::namespaced(rest(&cluster), "default");
    let fetched = roles.get("reader").await.unwrap();
    assert_eq!(fetched.rules.unwrap()[0].verbs, ["get"]);
}

#[tokio::test]
async fn bodies_that_do_not_decode_as_their_kind_are_bad_requests_and_nothing_is_stored() {
    use rudder::dynamic::{Dynamic, DynamicClient};
    use rudder::types::{DynamicObject, Patch, PatchParams};

    let cluster = FakeCluster::new();
    let deployments_resource = <Deployment as rudder::Resource>::api_resource();
    let dynamic = DynamicClient::namespaced(rest(&cluster), deployments_resource, "default").unwrap();
    let typed: Api<Deployment> = Api::namespaced(rest(&cluster), "default");

    // A string where the Go type has an int32: the decoder's 400.
    let mut wrong_type = serde_json::to_value(deployment("web", 1)).unwrap();
    wrong_type["apiVersion"] = json!("apps/v1");
    wrong_type["kind"] = json!("Deployment");
    wrong_type["spec"]["replicas"] = json!("two");
    let object: DynamicObject = serde_json::from_value(wrong_type).unwrap();
    let error = dynamic.create(&PostParams::default(), &object).await.unwrap_err();
    assert!(error.is_bad_request(), "{error}");
    assert!(
        error.to_string().contains(
            "Deployment in version \"v1\" cannot be handled as a Deployment: invalid type: string \"two\""
        ),
        "{error}"
    );

    assert!(
        typed.get_opt("web").await.unwrap().is_none(),
        "nothing was stored"
    );

    // A patch that would make the object undecodable leaves it as it was.
    let stored = typed
        .create(&PostParams::default(), &deployment("web", 1))
        .await
        .unwrap();
    let patch = Patch::Merge(json!({"spec": {"replicas": "two"}}));
    let error = typed
        .patch("web", &PatchParams::default(), &patch)
        .await
        .unwrap_err();
    assert!(error.is_bad_request(), "{error}");
    let after = typed.get("web").await.unwrap();
    assert_eq!(after.metadata.resource_version, stored.metadata.resource_version);
    assert_eq!(after.spec.replicas, Some(1));
}

#[tokio::test]
async fn the_spec_rules_controllers_trip_over_are_enforced_with_the_servers_field_paths() {
    use k8s_openapi::api::core::v1::Pod;

    let cluster = FakeCluster::new();
    let deployments: Api<Deployment> = Api::namespaced(rest(&cluster), "default");
    let pods: Api<Pod> = Api::namespaced(rest(&cluster), "default");
    let post = PostParams::default();

    let mut mismatched = deployment("web", 1);
    mismatched.spec.template.metadata.as_mut().unwrap().labels =
        Some(BTreeMap::from([("app".to_owned(), "other".to_owned())]));
    let mut negative = deployment("web", 1);
    negative.spec.replicas = Some(-1);
    let mut no_image = deployment("web", 1);
    no_image.spec.template.spec.as_mut().unwrap().containers[0].image = None;
    let mut no_selector = deployment("web", 1);
    no_selector.spec.selector = Default::default();

    let cases: [(&str, Deployment, &str, &str); 4] = [
        (
            "labels not matched by the selector",
            mismatched,
            "spec.template.metadata.labels",
            "FieldValueInvalid",
        ),
        (
            "negative replicas",
            negative,
            "spec.replicas",
            "FieldValueInvalid",
        ),
        (
            "a container without an image",
            no_image,
            "spec.template.spec.containers[0].image",
            "FieldValueRequired",
        ),
        (
            "an empty selector",
            no_selector,
            "spec.selector",
            "FieldValueInvalid",
        ),
    ];
    for (case, object, field, reason) in cases {
        let error = deployments.create(&post, &object).await.unwrap_err();
        assert!(error.is_invalid(), "{case}: {error}");
        let causes = &error.status().unwrap().details.as_ref().unwrap().causes;
        assert!(
            causes
                .iter()
                .any(|cause| cause.field == field && cause.reason == reason),
            "{case}: {causes:?}"
        );
    }
    assert!(
        deployments.get_opt("web").await.unwrap().is_none(),
        "nothing was stored"
    );

    let empty_pod: Pod = serde_json::from_value(json!({"metadata": {"name": "p"}})).unwrap();
    let error = pods.create(&post, &empty_pod).await.unwrap_err();
    assert_eq!(
        error.status().unwrap().message,
        "Pod \"p\" is invalid: spec.containers: Required value"
    );
    deployments
        .create(&post, &deployment("web", 1))
        .await
        .expect("a valid deployment is stored");
}
