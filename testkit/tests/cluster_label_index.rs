//! The store's label index against a plain scan: after random writes
//! through every write path (create, update, merge patch, apply, delete,
//! graceful deletion, garbage collection, namespace deletion), a list by a
//! random label selector, whole or a page at a time, and at an older
//! revision, gives exactly the objects a scan of everything stored selects,
//! at their current version, in the same order. A few dozen cases in `cargo test`; set
//! `PROPTEST_CASES` for a long run.

mod cluster_support;

mod proptest_support;

use proptest_support::cases;
use std::collections::BTreeMap;

use cluster_support::*;
use http::Method;
use proptest::prelude::*;
use rudder::rest::{RequestBuilder, ResourcePath};
use rudder::types::LabelSelector;
use rudder_testkit::FakeCluster;
use serde_json::{Value, json};

/// Two namespaces, one the other's prefix, so that a list of every
/// namespace pages across both.
const NAMESPACES: [&str; 2] = ["a", "a-b"];
const NAMES: [&str; 4] = ["p", "q", "r", "s"];
const KEYS: [&str; 3] = ["app", "tier", "rank"];
const VALUES: [&str; 4] = ["x", "y", "1", "5"];

type Labels = BTreeMap<String, String>;

#[derive(Clone, Debug)]
enum Write {
    Create {
        namespace: usize,
        name: usize,
        labels: Labels,
        finalizer: bool,
        owner: Option<usize>,
    },
    Replace {
        namespace: usize,
        name: usize,
        labels: Labels,
    },
    MergeLabel {
        namespace: usize,
        name: usize,
        key: usize,
        value: Option<usize>,
    },
    Apply {
        namespace: usize,
        name: usize,
        labels: Labels,
    },
    Delete {
        namespace: usize,
        name: usize,
    },
    Release {
        namespace: usize,
        name: usize,
    },
    DeleteNamespace {
        namespace: usize,
    },
    CreateNamespace {
        namespace: usize,
    },
}

fn labels() -> impl Strategy<Value = Labels> {
    prop::collection::btree_map(
        prop::sample::select(&KEYS[..]).prop_map(str::to_owned),
        prop::sample::select(&VALUES[..]).prop_map(str::to_owned),
        0..3,
    )
}

fn write() -> impl Strategy<Value = Write> {
    let namespace = 0..NAMESPACES.len();
    let name = 0..NAMES.len();
    prop_oneof![
        4 => (namespace.clone(), name.clone(), labels(), any::<bool>(), prop::option::of(0..NAMES.len()))
            .prop_map(|(namespace, name, labels, finalizer, owner)| Write::Create { namespace, name, labels, finalizer, owner }),
        2 => (namespace.clone(), name.clone(), labels())
            .prop_map(|(namespace, name, labels)| Write::Replace { namespace, name, labels }),
        2 => (namespace.clone(), name.clone(), 0..KEYS.len(), prop::option::of(0..VALUES.len()))
            .prop_map(|(namespace, name, key, value)| Write::MergeLabel { namespace, name, key, value }),
        2 => (namespace.clone(), name.clone(), labels())
            .prop_map(|(namespace, name, labels)| Write::Apply { namespace, name, labels }),
        2 => (namespace.clone(), name.clone()).prop_map(|(namespace, name)| Write::Delete { namespace, name }),
        1 => (namespace.clone(), name).prop_map(|(namespace, name)| Write::Release { namespace, name }),
        1 => namespace.clone().prop_map(|namespace| Write::DeleteNamespace { namespace }),
        1 => namespace.prop_map(|namespace| Write::CreateNamespace { namespace }),
    ]
}

fn requirement() -> impl Strategy<Value = String> {
    let key = || prop::sample::select(&KEYS[..]);
    let value = || prop::sample::select(&VALUES[..]);
    let values = || prop::collection::vec(value(), 1..3).prop_map(|values| values.join(","));
    prop_oneof![
        (key(), value()).prop_map(|(key, value)| format!("{key}={value}")),
        (key(), value()).prop_map(|(key, value)| format!("{key}=={value}")),
        (key(), value()).prop_map(|(key, value)| format!("{key}!={value}")),
        (key(), values()).prop_map(|(key, values)| format!("{key} in ({values})")),
        (key(), values()).prop_map(|(key, values)| format!("{key} notin ({values})")),
        key().prop_map(str::to_owned),
        key().prop_map(|key| format!("!{key}")),
        key().prop_map(|key| format!("{key}>2")),
        key().prop_map(|key| format!("{key}<3")),
    ]
}

fn selector() -> impl Strategy<Value = String> {
    prop::collection::vec(requirement(), 0..3).prop_map(|requirements| requirements.join(","))
}

fn namespaces() -> ResourcePath {
    ResourcePath::core("v1", "namespaces")
}

fn config_maps(namespace: Option<usize>) -> ResourcePath {
    match namespace {
        Some(namespace) => configmaps(NAMESPACES[namespace]),
        None => ResourcePath::core("v1", "configmaps"),
    }
}

async fn patch(cluster: &FakeCluster, path: &ResourcePath, content_type: &str, body: &Value) {
    let builder = RequestBuilder::new(Method::PATCH, path)
        .expect("a valid path")
        .body(body.to_string(), content_type)
        .query("fieldManager", "prop")
        .query("force", "true");
    send_request(cluster, builder).await;
}

/// Applies one write; a write the cluster refuses (a missing object, a
/// namespace being deleted) is a write like any other here.
async fn apply(cluster: &FakeCluster, write: &Write) {
    let path = |namespace: usize, name: usize| configmaps(NAMESPACES[namespace]).name(NAMES[name]);
    let object = |name: usize, labels: &Labels| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": NAMES[name], "labels": labels}});
    match write {
        Write::Create {
            namespace,
            name,
            labels,
            finalizer,
            owner,
        } => {
            let mut body = object(*name, labels);
            if *finalizer {
                body["metadata"]["finalizers"] = json!(["example.com/hold"]);
            }
            if let Some(owner) = owner {
                let found = get(cluster, &path(*namespace, *owner)).await;
                if let Some(uid) = found.body["metadata"]["uid"].as_str() {
                    body["metadata"]["ownerReferences"] =
                        json!([{"apiVersion": "v1", "kind": "ConfigMap", "name": NAMES[*owner], "uid": uid}]);
                }
            }
            send(
                cluster,
                Method::POST,
                &config_maps(Some(*namespace)),
                &[],
                Some(&body),
            )
            .await;
        }
        Write::Replace {
            namespace,
            name,
            labels,
        } => {
            let found = get(cluster, &path(*namespace, *name)).await;
            if found.code == 200 {
                let mut body = found.body;
                body["metadata"]["labels"] = json!(labels);
                send(cluster, Method::PUT, &path(*namespace, *name), &[], Some(&body)).await;
            }
        }
        Write::MergeLabel {
            namespace,
            name,
            key,
            value,
        } => {
            let body = json!({"metadata": {"labels": {KEYS[*key]: value.map(|value| VALUES[value])}}});
            patch(
                cluster,
                &path(*namespace, *name),
                "application/merge-patch+json",
                &body,
            )
            .await;
        }
        Write::Apply {
            namespace,
            name,
            labels,
        } => {
            let body = object(*name, labels);
            patch(
                cluster,
                &path(*namespace, *name),
                "application/apply-patch+yaml",
                &body,
            )
            .await;
        }
        Write::Delete { namespace, name } => {
            send(cluster, Method::DELETE, &path(*namespace, *name), &[], None).await;
        }
        Write::Release { namespace, name } => {
            let body = json!({"metadata": {"finalizers": null}});
            patch(
                cluster,
                &path(*namespace, *name),
                "application/merge-patch+json",
                &body,
            )
            .await;
        }
        Write::DeleteNamespace { namespace } => {
            let path = namespaces().name(NAMESPACES[*namespace]);
            send(cluster, Method::DELETE, &path, &[], None).await;
        }
        Write::CreateNamespace { namespace } => {
            let body = json!({"metadata": {"name": NAMESPACES[*namespace]}});
            send(cluster, Method::POST, &namespaces(), &[], Some(&body)).await;
        }
    }
}

/// `namespace/name` of each config map among `objects` in `namespace` that
/// `selector` selects, in the order given (the store's).
fn scanned(objects: &[Value], namespace: Option<usize>, selector: &str) -> Vec<String> {
    let selector = LabelSelector::parse(selector).expect("a valid selector");
    objects
        .iter()
        .filter(|object| object["kind"] == "ConfigMap")
        .filter(|object| {
            namespace.is_none_or(|namespace| object["metadata"]["namespace"] == NAMESPACES[namespace])
        })
        .filter(|object| {
            let labels: Labels = object["metadata"]["labels"]
                .as_object()
                .into_iter()
                .flatten()
                .filter_map(|(key, value)| Some((key.clone(), value.as_str()?.to_owned())))
                .collect();
            selector.matches(&labels)
        })
        .map(position)
        .collect()
}

/// An object's place and its resourceVersion: a list must give the
/// current version of each object, not only the right ones.
fn position(object: &Value) -> String {
    format!(
        "{}/{}@{}",
        object["metadata"]["namespace"].as_str().unwrap_or(""),
        name(object),
        object["metadata"]["resourceVersion"].as_str().unwrap_or("")
    )
}

/// The listed objects, following continue tokens when `limit` is set.
async fn listed(
    cluster: &FakeCluster,
    namespace: Option<usize>,
    selector: &str,
    limit: Option<usize>,
    revision: Option<u64>,
) -> Vec<String> {
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let limit_text = limit.map(|limit| limit.to_string());
        let revision_text = revision.map(|revision| revision.to_string());
        let mut query: Vec<(&str, &str)> = Vec::new();
        if !selector.is_empty() {
            query.push(("labelSelector", selector));
        }
        if let Some(limit) = &limit_text {
            query.push(("limit", limit));
        }
        match &token {
            Some(token) => query.push(("continue", token)),
            None => {
                if let Some(revision) = &revision_text {
                    query.extend([
                        ("resourceVersion", revision.as_str()),
                        ("resourceVersionMatch", "Exact"),
                    ]);
                }
            }
        }
        let answer = send(cluster, Method::GET, &config_maps(namespace), &query, None).await;
        assert_eq!(answer.code, 200, "{query:?}: {:?}", answer.body);
        let items = answer.body["items"].as_array().expect("items");
        seen.extend(items.iter().map(position));
        match answer.body["metadata"]["continue"].as_str() {
            Some(next) if !next.is_empty() => token = Some(next.to_owned()),
            _ => return seen,
        }
    }
}

proptest! {
    #![proptest_config(cases(48))]

    #[test]
    fn indexed_lists_select_what_a_scan_selects(
        writes in prop::collection::vec(write(), 1..24),
        marked in any::<prop::sample::Index>(),
        selector in selector(),
        namespace in prop::option::of(0..NAMESPACES.len()),
        limit in prop::option::of(1..4usize),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
        runtime.block_on(async {
            let cluster = FakeCluster::new();
            for namespace in 0..NAMESPACES.len() {
                apply(&cluster, &Write::CreateNamespace { namespace }).await;
            }
            let marked = marked.index(writes.len());
            let mut earlier = None;
            for (at, write) in writes.iter().enumerate() {
                apply(&cluster, write).await;
                if at == marked {
                    earlier = Some((cluster.resource_version(), cluster.objects()));
                }
            }
            let now = cluster.objects();
            let expected = scanned(&now, namespace, &selector);
            assert_eq!(listed(&cluster, namespace, &selector, None, None).await, expected, "whole list");
            assert_eq!(listed(&cluster, namespace, &selector, limit, None).await, expected, "paged list");
            let (revision, then) = earlier.expect("a marked write");
            assert_eq!(
                listed(&cluster, namespace, &selector, limit, Some(revision)).await,
                scanned(&then, namespace, &selector),
                "list at {revision}"
            );
        });
    }
}
