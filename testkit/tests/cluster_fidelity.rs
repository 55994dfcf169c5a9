//! What the fake answers as kube-apiserver answers, beyond defaults:
//! managedFields on every write, delete answers, and the smaller
//! divergences (media types, list and watch options, path names), through
//! raw requests, `Api<K>` and `DynamicClient`.

mod cluster_support;

use std::sync::Arc;

use cluster_support::*;
use http::Method;
use http::header::USER_AGENT;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::ConfigMap;
use rudder::rest::{RequestBuilder, ResourcePath};
use rudder::types::{
    ApiResource, DeleteParams, Deletion, DynamicObject, Patch, PatchParams, PostParams, Scope,
};
use rudder::{Api, Dynamic, DynamicClient, Rest, Typed};
use rudder_testkit::FakeCluster;
use serde_json::{Value, json};

fn rest(cluster: &FakeCluster) -> Arc<dyn Rest> {
    Arc::new(cluster.clone())
}

/// The managers and operations of an object's managedFields, in order.
fn managers(object: &Value) -> Vec<(String, String, Option<String>)> {
    object["metadata"]["managedFields"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|entry| {
            (
                entry["manager"].as_str().unwrap_or_default().to_owned(),
                entry["operation"].as_str().unwrap_or_default().to_owned(),
                entry["subresource"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

fn entry<'a>(object: &'a Value, manager: &str) -> &'a Value {
    object["metadata"]["managedFields"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|entry| entry["manager"] == manager)
        .unwrap_or_else(|| panic!("no entry of {manager} in {object}"))
}

fn owned(s: &[(&str, &str)]) -> Vec<(String, String, Option<String>)> {
    s.iter()
        .map(|(m, o)| ((*m).to_owned(), (*o).to_owned(), None))
        .collect()
}

#[tokio::test]
async fn every_write_records_its_manager() {
    let cluster = FakeCluster::builder().deterministic().build();
    let path = configmaps("default");
    let created = send(
        &cluster,
        Method::POST,
        &path,
        &[("fieldManager", "creator")],
        Some(&configmap("a", "1")),
    )
    .await
    .body;
    assert_eq!(managers(&created), owned(&[("creator", "Update")]));
    let first = entry(&created, "creator");
    assert_eq!(first["fieldsType"], "FieldsV1");
    assert_eq!(first["apiVersion"], "v1");
    assert_eq!(first["time"], "2024-01-01T00:00:00Z");
    assert_eq!(first["fieldsV1"], json!({"f:data": {"f:value": {}}}));

    // An update by another manager takes the field it changed.
    let mut changed = created.clone();
    changed["data"]["value"] = json!("2");
    changed["data"]["other"] = json!("x");
    let updated = send(
        &cluster,
        Method::PUT,
        &path.clone().name("a"),
        &[("fieldManager", "updater")],
        Some(&changed),
    )
    .await
    .body;
    assert_eq!(
        managers(&updated),
        owned(&[("updater", "Update")]),
        "creator lost its only field"
    );
    assert_eq!(
        entry(&updated, "updater")["fieldsV1"],
        json!({"f:data": {"f:other": {}, "f:value": {}}})
    );

    // A patch without fieldManager is recorded under the User-Agent's program.
    let patch = RequestBuilder::new(Method::PATCH, &path.clone().name("a"))
        .unwrap()
        .header(USER_AGENT, "my-controller/1.2 (linux/amd64)")
        .body(r#"{"data":{"third":"3"}}"#, "application/merge-patch+json");
    let patched = send_request(&cluster, patch).await.body;
    assert_eq!(
        managers(&patched),
        owned(&[("updater", "Update"), ("my-controller", "Update")])
    );

    // Without a User-Agent, the manager is `unknown`.
    let merge = RequestBuilder::new(Method::PATCH, &path.clone().name("a"))
        .unwrap()
        .body(r#"{"data":{"fourth":"4"}}"#, "application/merge-patch+json");
    let anonymous = send_request(&cluster, merge).await.body;
    assert_eq!(
        entry(&anonymous, "unknown")["fieldsV1"],
        json!({"f:data": {"f:fourth": {}}})
    );

    // Apply takes ownership: a conflict with the updater's field, then forced.
    let applied_value = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"value": "applied"}});
    let apply = |force: bool| {
        let mut builder = RequestBuilder::new(Method::PATCH, &path.clone().name("a"))
            .unwrap()
            .query("fieldManager", "applier")
            .body(applied_value.to_string(), "application/apply-patch+yaml");
        if force {
            builder = builder.query("force", "true");
        }
        builder
    };
    let conflict = send_request(&cluster, apply(false)).await;
    assert_eq!(conflict.code, 409, "{}", conflict.body);
    assert_eq!(conflict.body["reason"], "Conflict");
    let forced = send_request(&cluster, apply(true)).await.body;
    assert_eq!(entry(&forced, "applier")["operation"], "Apply");
    assert_eq!(
        entry(&forced, "applier")["fieldsV1"],
        json!({"f:data": {"f:value": {}}})
    );
    assert_eq!(
        entry(&forced, "updater")["fieldsV1"],
        json!({"f:data": {"f:other": {}}}),
        "the updater lost value"
    );
}

#[tokio::test]
async fn a_status_write_is_its_own_entry_and_clients_may_reset_entries() {
    let cluster = FakeCluster::builder().deterministic().build();
    let path = ResourcePath::new("apps", "v1", "deployments").namespace("default");
    let deployment = json!({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "nginx"}]}}}
    });
    let created = send(
        &cluster,
        Method::POST,
        &path,
        &[("fieldManager", "ctl")],
        Some(&deployment),
    )
    .await
    .body;
    let mut with_status = created.clone();
    with_status["status"] = json!({"replicas": 1});
    let status = send(
        &cluster,
        Method::PUT,
        &path.clone().name("web").subresource("status"),
        &[("fieldManager", "ctl")],
        Some(&with_status),
    )
    .await
    .body;
    assert_eq!(
        managers(&status),
        vec![
            ("ctl".to_owned(), "Update".to_owned(), None),
            ("ctl".to_owned(), "Update".to_owned(), Some("status".to_owned()))
        ]
    );
    assert!(
        entry(&created, "ctl")["fieldsV1"]["f:spec"]["f:revisionHistoryLimit"].is_object(),
        "defaults are the creator's"
    );

    let mut reset = status.clone();
    reset["metadata"]["managedFields"] = json!([{}]);
    let cleared = send(
        &cluster,
        Method::PUT,
        &path.clone().name("web"),
        &[("fieldManager", "ctl")],
        Some(&reset),
    )
    .await
    .body;
    assert_eq!(
        cleared["metadata"].get("managedFields"),
        None,
        "an empty entry clears every entry, and nothing changed"
    );
}

#[tokio::test]
async fn deletes_answer_with_a_status_or_the_pending_object() {
    let cluster = FakeCluster::builder().deterministic().build();
    let configmaps: Api<ConfigMap> = Api::namespaced(rest(&cluster), "default");
    let created = configmaps
        .create(
            &PostParams::default(),
            &serde_json::from_value(configmap("gone", "1")).unwrap(),
        )
        .await
        .unwrap();
    let Deletion::Status(status) = configmaps.delete("gone", &DeleteParams::default()).await.unwrap() else {
        panic!("a config map without finalizers is gone at once");
    };
    assert_eq!(status.status, "Success");
    let details = status.details.expect("details");
    assert_eq!(
        (
            details.name.as_str(),
            details.group.as_str(),
            details.kind.as_str()
        ),
        ("gone", "", "configmaps")
    );
    assert_eq!(Some(details.uid), created.metadata.uid);

    let mut held = configmap("held", "1");
    held["metadata"]["finalizers"] = json!(["example.com/hold"]);
    configmaps
        .create(&PostParams::default(), &serde_json::from_value(held).unwrap())
        .await
        .unwrap();
    let Deletion::Object(pending) = configmaps.delete("held", &DeleteParams::default()).await.unwrap() else {
        panic!("a finalizer keeps the object");
    };
    assert!(pending.metadata.deletion_timestamp.is_some());
    assert_eq!(
        pending.metadata.finalizers,
        Some(vec!["example.com/hold".to_owned()])
    );

    // Through the dynamic client, a Deployment (background by default) is gone at once.
    let resource = ApiResource::new("apps", "v1", "Deployment", "deployments", Scope::Namespaced);
    let dynamic = DynamicClient::namespaced(rest(&cluster), resource, "default").unwrap();
    let deployment: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "nginx"}]}}}
    }))
    .unwrap();
    let created = dynamic.create(&PostParams::default(), &deployment).await.unwrap();
    assert_eq!(
        created.data["spec"]["replicas"], 1,
        "defaults through the dynamic client"
    );
    assert_eq!(created.data["status"], json!({}));
    let deleted = dynamic.delete("web", &DeleteParams::default()).await.unwrap();
    assert!(matches!(deleted, Deletion::Status(_)), "{deleted:?}");
}

#[tokio::test]
async fn a_job_orphans_its_pods_by_default_and_its_generation_moves_on_deletion() {
    let cluster = FakeCluster::builder().deterministic().build();
    let jobs: Api<Job> = Api::namespaced(rest(&cluster), "default");
    let job: Job = serde_json::from_value(json!({
        "metadata": {"name": "pi", "finalizers": ["example.com/hold"]},
        "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "pi", "image": "perl"}]}}}
    }))
    .unwrap();
    let job = jobs.create(&PostParams::default(), &job).await.unwrap();
    let uid = job.metadata.uid.clone().unwrap();
    let selector = job
        .spec
        .as_ref()
        .and_then(|spec| spec.selector.as_ref())
        .and_then(|s| s.match_labels.clone());
    assert_eq!(selector.unwrap()["batch.kubernetes.io/controller-uid"], uid);
    let pod = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "pi-1", "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": "pi", "uid": uid}]},
        "spec": {"containers": [{"name": "pi", "image": "perl"}]}});
    create(
        &cluster,
        &ResourcePath::core("v1", "pods").namespace("default"),
        &pod,
    )
    .await;

    let Deletion::Object(pending) = jobs.delete("pi", &DeleteParams::default()).await.unwrap() else {
        panic!("the job has a finalizer");
    };
    assert_eq!(
        pending.metadata.generation,
        Some(2),
        "deletion bumps the generation"
    );
    let finalizers = pending.metadata.finalizers.unwrap_or_default();
    assert!(finalizers.contains(&"orphan".to_owned()), "{finalizers:?}");
}

#[tokio::test]
async fn a_typed_create_answers_with_defaults_and_an_empty_status() {
    let cluster = FakeCluster::new();
    let deployments: Api<Deployment> = Api::namespaced(rest(&cluster), "default");
    let deployment: Deployment = serde_json::from_value(json!({
        "metadata": {"name": "web"},
        "spec": {"selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "nginx"}]}}}
    }))
    .unwrap();
    let created = deployments
        .create(&PostParams::default().manager("typed"), &deployment)
        .await
        .unwrap();
    let spec = created.spec.clone();
    assert_eq!(spec.replicas, Some(1));
    assert_eq!(spec.progress_deadline_seconds, Some(600));
    let container = &spec.template.spec.expect("a pod spec").containers[0];
    assert_eq!(container.image_pull_policy.as_deref(), Some("Always"));
    assert!(
        created.status.is_some(),
        "status: {{}} decodes as an empty status"
    );
    let managed = created.metadata.managed_fields.unwrap_or_default();
    assert_eq!(managed[0].manager.as_deref(), Some("typed"));

    let patched = deployments
        .patch(
            "web",
            &PatchParams::default().manager("scaler"),
            &Patch::Merge(json!({"spec": {"replicas": 3}})),
        )
        .await
        .unwrap();
    let managers: Vec<_> = patched
        .metadata
        .managed_fields
        .unwrap_or_default()
        .into_iter()
        .filter_map(|entry| entry.manager)
        .collect();
    assert_eq!(managers, ["typed", "scaler"]);
}

#[tokio::test]
async fn a_body_in_a_format_the_server_does_not_take_is_415() {
    let cluster = FakeCluster::new();
    let path = configmaps("default");
    let plain = RequestBuilder::new(Method::POST, &path)
        .unwrap()
        .body(configmap("a", "1").to_string(), "text/plain");
    let refused = send_request(&cluster, plain).await;
    assert_eq!(refused.code, 415, "{}", refused.body);
    assert_eq!(refused.body["reason"], "UnsupportedMediaType");
    assert_eq!(
        get(&cluster, &path.clone().name("a")).await.code,
        404,
        "nothing created"
    );

    let yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {value: '1'}\n";
    let from_yaml = send_request(
        &cluster,
        RequestBuilder::new(Method::POST, &path)
            .unwrap()
            .body(yaml, "application/yaml"),
    )
    .await;
    assert_eq!(from_yaml.code, 201, "{}", from_yaml.body);
    let put = RequestBuilder::new(Method::PUT, &path.clone().name("a"))
        .unwrap()
        .body(from_yaml.body.to_string(), "text/plain");
    assert_eq!(send_request(&cluster, put).await.code, 415);
}

#[tokio::test]
async fn list_options_are_checked_and_served_as_the_server_does() {
    let cluster = FakeCluster::new();
    for name in ["a", "b", "c"] {
        create(&cluster, &configmaps("default"), &configmap(name, "1")).await;
    }
    let first = send(
        &cluster,
        Method::GET,
        &configmaps("default"),
        &[("limit", "1")],
        None,
    )
    .await
    .body;
    let token = first["metadata"]["continue"]
        .as_str()
        .expect("a continue token")
        .to_owned();
    let both = send(
        &cluster,
        Method::GET,
        &configmaps("default"),
        &[("continue", &token), ("resourceVersion", "5")],
        None,
    )
    .await;
    assert_eq!(both.code, 400);
    assert_eq!(
        both.body["message"],
        "specifying resource version is not allowed when using continue"
    );

    let cached = send(
        &cluster,
        Method::GET,
        &configmaps("default"),
        &[("limit", "1"), ("resourceVersion", "0")],
        None,
    )
    .await
    .body;
    assert_eq!(
        cached["items"].as_array().map(Vec::len),
        Some(3),
        "the watch cache ignores limit"
    );
    assert!(cached["metadata"].get("continue").is_none());
}

#[tokio::test]
async fn a_watch_that_refuses_initial_events_starts_now() {
    let cluster = FakeCluster::new();
    create(&cluster, &configmaps("default"), &configmap("before", "1")).await;
    let mut watch = Watch::open(
        &cluster,
        &configmaps("default"),
        &[("sendInitialEvents", "false")],
    )
    .await;
    create(&cluster, &configmaps("default"), &configmap("after", "1")).await;
    let (kind, object) = watch.next().await.expect("an event");
    assert_eq!(
        (kind.as_str(), name(&object)),
        ("ADDED", "after"),
        "no synthetic ADDED for `before`"
    );
}

#[tokio::test]
async fn names_and_namespaces_that_cannot_be_path_segments_are_refused() {
    let cluster = FakeCluster::new();
    let dots = send_request(
        &cluster,
        RequestBuilder::raw(Method::GET, "/api/v1/namespaces/default/configmaps/.."),
    )
    .await;
    assert_eq!(dots.code, 400);
    assert_eq!(
        dots.body["message"],
        "Name parameter invalid: \"..\": may not be '..'"
    );
    let slash = send_request(
        &cluster,
        RequestBuilder::raw(Method::GET, "/api/v1/namespaces/default/configmaps/a%2Fb"),
    )
    .await;
    assert_eq!(
        slash.body["message"],
        "Name parameter invalid: \"a/b\": may not contain '/'"
    );
    let malformed = send_request(
        &cluster,
        RequestBuilder::raw(Method::GET, "/api/v1/namespaces/default/configmaps/a%zz"),
    )
    .await;
    assert_eq!(malformed.code, 400, "{}", malformed.body);
    let namespace = send_request(
        &cluster,
        RequestBuilder::raw(Method::GET, "/api/v1/namespaces/a%2Fb/configmaps"),
    )
    .await;
    assert_eq!(namespace.code, 404, "not an empty list: {}", namespace.body);
    let dotted = send_request(
        &cluster,
        RequestBuilder::raw(Method::GET, "/api/v1/namespaces/../configmaps"),
    )
    .await;
    assert_eq!(dotted.code, 404);
}

#[tokio::test]
async fn a_custom_resources_generation_moves_with_its_spec_only() {
    let cluster = FakeCluster::new();
    let crd: Value =
        serde_saphyr::from_str(include_str!("../../fixtures/seed/foo-crd.yaml")).expect("the fixture");
    create(
        &cluster,
        &ResourcePath::new("apiextensions.k8s.io", "v1", "customresourcedefinitions"),
        &crd,
    )
    .await;
    let foos = ResourcePath::new("samplecontroller.k8s.io", "v1alpha1", "foos").namespace("default");
    let foo = json!({"apiVersion": "samplecontroller.k8s.io/v1alpha1", "kind": "Foo", "metadata": {"name": "a"},
                     "spec": {"deploymentName": "a", "replicas": 1}});
    let created = create(&cluster, &foos, &foo).await;
    assert_eq!(
        created.get("status"),
        None,
        "no status: {{}} for a custom resource"
    );

    let mut with_status = created.clone();
    with_status["status"] = json!({"availableReplicas": 1});
    let status_path = foos.clone().name("a").subresource("status");
    let status = send(&cluster, Method::PUT, &status_path, &[], Some(&with_status))
        .await
        .body;
    assert_eq!(
        status["metadata"]["generation"], 1,
        "a status write is no spec change"
    );

    let mut labelled = status.clone();
    labelled["metadata"]["labels"] = json!({"tier": "a"});
    let labelled = send(
        &cluster,
        Method::PUT,
        &foos.clone().name("a"),
        &[],
        Some(&labelled),
    )
    .await
    .body;
    assert_eq!(
        labelled["metadata"]["generation"], 1,
        "metadata is no spec change"
    );

    let mut scaled = labelled.clone();
    scaled["spec"]["replicas"] = json!(2);
    let scaled = send(&cluster, Method::PUT, &foos.clone().name("a"), &[], Some(&scaled))
        .await
        .body;
    assert_eq!(scaled["metadata"]["generation"], 2);
    assert_eq!(
        scaled["status"],
        json!({"availableReplicas": 1}),
        "status kept from the stored object"
    );
}
