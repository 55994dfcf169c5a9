//! Property tests of what rudder reads from outside that no other test file
//! covers with properties: discovery documents (whatever their shape,
//! discovery answers or fails without a panic, and a well-formed aggregated
//! document is read back resource for resource), kubeconfigs with
//! arbitrary names and values (read back field for field), and selectors
//! from arbitrary text (whatever parses prints back to itself). A few dozen
//! cases in `cargo test`; set `PROPTEST_CASES` for a long run (see the
//! README).

mod proptest_support;

use proptest_support::cases;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use bytes::Bytes;
use proptest::prelude::*;
use rudder::config::Kubeconfig;
use rudder::discovery::{Discovery, DiscoveryClient};
use rudder::rest::{Request, Response, Rest, StreamResponse};
use rudder::types::{FieldSelector, LabelSelector, Scope};
use serde_json::{Value, json};

const AGGREGATED: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/// Answers each path with its document, and 404 elsewhere.
struct Documents(HashMap<String, (String, Bytes)>);

#[async_trait::async_trait]
impl Rest for Documents {
    async fn send(&self, request: Request) -> rudder::Result<Response> {
        let answer = self.0.get(request.uri().path());
        let (status, content_type, body) = match answer {
            Some((content_type, body)) => (200, content_type.clone(), body.clone()),
            None => (
                404,
                "application/json".to_owned(),
                Bytes::from_static(b"{\"kind\":\"Status\",\"code\":404}"),
            ),
        };
        let mut response = http::Response::new(body);
        *response.status_mut() = http::StatusCode::from_u16(status).unwrap_or_default();
        if let Ok(value) = http::HeaderValue::from_str(&content_type) {
            response.headers_mut().insert(http::header::CONTENT_TYPE, value);
        }
        Ok(response)
    }

    async fn send_stream(&self, request: Request) -> rudder::Result<StreamResponse> {
        let response = self.send(request).await?;
        Ok(response.map(|body| {
            let chunks = futures::stream::iter([Ok::<_, rudder::Error>(body)]);
            Box::pin(chunks) as rudder::rest::ByteStream
        }))
    }
}

fn discover(
    documents: HashMap<String, (String, Bytes)>,
) -> rudder::Result<Arc<rudder::discovery::ServerApis>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(DiscoveryClient::new(Arc::new(Documents(documents))).server_apis())
}

/// A resource: plural, kind, namespaced.
type Generated = (String, String, bool);
/// A group version and its resources.
type Version = (String, Vec<Generated>);

fn resources() -> impl Strategy<Value = BTreeMap<String, (String, bool)>> {
    prop::collection::btree_map("[a-z]{1,8}s", ("[A-Z][a-z]{0,7}", any::<bool>()), 1..5)
}

/// Versions of a group, each with its resources.
fn versions() -> impl Strategy<Value = Vec<Version>> {
    let version = ("v[1-3](alpha[1-2]|beta[1-2])?", resources()).prop_map(|(version, resources)| {
        let resources = resources
            .into_iter()
            .map(|(plural, (kind, namespaced))| (plural, kind, namespaced))
            .collect();
        (version, resources)
    });
    prop::collection::vec(version, 1..3).prop_map(|mut versions| {
        let mut seen = std::collections::HashSet::new();
        versions.retain(|(version, _)| seen.insert(version.clone()));
        versions
    })
}

/// Groups (the core group first) with their versions, preferred first.
fn groups() -> impl Strategy<Value = Vec<(String, Vec<Version>)>> {
    (
        versions(),
        prop::collection::btree_map("[a-z]{1,6}\\.(io|com)", versions(), 0..4),
    )
        .prop_map(|(core, named)| {
            let core = core
                .into_iter()
                .take(1)
                .map(|(_, resources)| ("v1".to_owned(), resources))
                .collect();
            std::iter::once((String::new(), core)).chain(named).collect()
        })
}

fn aggregated_group(name: &str, versions: &[Version]) -> Value {
    let versions: Vec<Value> = versions
        .iter()
        .map(|(version, resources)| {
            let resources: Vec<Value> = resources
                .iter()
                .map(|(plural, kind, namespaced)| {
                    json!({
                        "resource": plural,
                        "responseKind": {"group": name, "version": version, "kind": kind},
                        "scope": if *namespaced { "Namespaced" } else { "Cluster" },
                        "singularResource": plural.trim_end_matches('s'),
                        "verbs": ["get", "list"],
                    })
                })
                .collect();
            json!({"version": version, "resources": resources, "freshness": "Current"})
        })
        .collect();
    json!({"metadata": {"name": name}, "versions": versions})
}

fn aggregated_list(items: Vec<Value>) -> (String, Bytes) {
    let list = json!({"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {}, "items": items});
    (AGGREGATED.to_owned(), Bytes::from(list.to_string()))
}

/// Bodies that are almost, or not at all, discovery documents.
fn garbage() -> impl Strategy<Value = Bytes> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..80).prop_map(Bytes::from),
        Just(Bytes::from_static(
            b"{\"kind\":\"APIGroupDiscoveryList\",\"items\":[{\"versions\":[{}]}]}"
        )),
        Just(Bytes::from_static(
            b"{\"kind\":\"APIGroupList\",\"groups\":[{\"name\":\"a\",\"versions\":[]}]}"
        )),
        Just(Bytes::from_static(b"{\"kind\":\"APIVersions\",\"versions\":[]}")),
        Just(Bytes::from_static(
            b"{\"kind\":\"APIResourceList\",\"groupVersion\":\"/\",\"resources\":[{\"name\":\"\"}]}"
        )),
        "\\{\"(kind|items|groups|versions|resources|name)\":(\\[|\\{|\"\"|1|null)\\}?"
            .prop_map(|s: String| Bytes::from(s)),
    ]
}

proptest! {
    #![proptest_config(cases(48))]

    #[test]
    fn an_aggregated_document_is_read_back_resource_for_resource(groups in groups()) {
        let core = groups.iter().filter(|(name, _)| name.is_empty()).map(|(name, v)| aggregated_group(name, v)).collect();
        let named = groups.iter().filter(|(name, _)| !name.is_empty()).map(|(name, v)| aggregated_group(name, v)).collect();
        let documents = HashMap::from([
            ("/api".to_owned(), aggregated_list(core)),
            ("/apis".to_owned(), aggregated_list(named)),
        ]);
        let apis = discover(documents).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(apis.is_complete());
        for (group, versions) in &groups {
            let served = apis.group(group).ok_or_else(|| TestCaseError::fail(format!("group {group:?} missing")))?;
            prop_assert_eq!(&served.preferred_version, &versions[0].0);
            for (version, resources) in versions {
                let found: Vec<_> = apis.resources_for(group, version).collect();
                prop_assert_eq!(found.len(), resources.len());
                for (plural, kind, namespaced) in resources {
                    let served = found.iter().find(|r| &r.resource.plural == plural)
                        .ok_or_else(|| TestCaseError::fail(format!("{group}/{version} {plural} missing")))?;
                    prop_assert_eq!(&served.resource.kind, kind);
                    let scope = if *namespaced { Scope::Namespaced } else { Scope::Cluster };
                    prop_assert_eq!(served.resource.scope, scope);
                }
            }
        }
    }

    #[test]
    fn any_discovery_answer_is_read_or_refused_without_panicking(
        api in garbage(),
        apis in garbage(),
        group_version in garbage(),
        aggregated in any::<bool>(),
    ) {
        let content_type = if aggregated { AGGREGATED } else { "application/json" };
        let documents = HashMap::from([
            ("/api".to_owned(), (content_type.to_owned(), api)),
            ("/apis".to_owned(), (content_type.to_owned(), apis)),
            ("/api/v1".to_owned(), ("application/json".to_owned(), group_version.clone())),
            ("/apis/a/v1".to_owned(), ("application/json".to_owned(), group_version)),
        ]);
        match discover(documents) {
            Ok(apis) => prop_assert!(apis.groups().iter().all(|g| g.versions.contains(&g.preferred_version) || g.versions.is_empty())),
            Err(error) => prop_assert!(!error.to_string().is_empty()),
        }
    }
}

/// A kubeconfig's clusters, users and contexts with arbitrary names, as
/// JSON (which is YAML): name, server, token.
fn kubeconfig_entries() -> impl Strategy<Value = Vec<(String, String, String)>> {
    prop::collection::vec(
        (
            "\\PC{1,12}",
            "https://[a-z0-9.-]{1,12}(:[0-9]{1,5})?(/[a-z]{0,5})?",
            "[ -~]{1,20}",
        ),
        0..4,
    )
    .prop_map(|mut entries| {
        let mut seen = std::collections::HashSet::new();
        entries.retain(|(name, _, _)| seen.insert(name.clone()));
        entries
    })
}

proptest! {
    #![proptest_config(cases(48))]

    #[test]
    fn a_kubeconfig_with_arbitrary_names_and_values_is_read_back(entries in kubeconfig_entries(), current in any::<prop::sample::Index>()) {
        let current_context = (!entries.is_empty()).then(|| entries[current.index(entries.len())].0.clone());
        let document = json!({
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": entries.iter().map(|(name, server, _)| json!({"name": name, "cluster": {"server": server}})).collect::<Vec<_>>(),
            "users": entries.iter().map(|(name, _, token)| json!({"name": name, "user": {"token": token}})).collect::<Vec<_>>(),
            "contexts": entries.iter().map(|(name, _, _)| json!({"name": name, "context": {"cluster": name, "user": name}})).collect::<Vec<_>>(),
            "current-context": current_context,
        });
        let kubeconfig = Kubeconfig::from_yaml(&document.to_string()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(kubeconfig.current_context, current_context);
        let clusters: Vec<(String, Option<String>)> = kubeconfig.clusters.into_iter().map(|c| (c.name, c.cluster.server)).collect();
        let expected: Vec<(String, Option<String>)> = entries.iter().map(|(name, server, _)| (name.clone(), Some(server.clone()))).collect();
        prop_assert_eq!(clusters, expected);
        prop_assert_eq!(kubeconfig.users.len(), entries.len());
        prop_assert_eq!(kubeconfig.contexts.len(), entries.len());
    }
}

/// Text that is often almost a selector.
fn selector_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            "[a-z][a-z0-9./-]{0,8}",
            prop::sample::select(vec![
                "=", "==", "!=", ",", " in ", " notin ", "(", ")", "!", " ", "\\,", "\\="
            ])
            .prop_map(str::to_owned),
            "\\PC{0,3}",
        ],
        0..10,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn a_label_selector_that_parses_prints_back_to_itself(text in selector_text()) {
        if let Ok(selector) = LabelSelector::parse(&text) {
            prop_assert_eq!(LabelSelector::parse(&selector.to_string()), Ok(selector));
        }
    }

    #[test]
    fn a_field_selector_that_parses_prints_back_to_itself(text in selector_text()) {
        if let Ok(selector) = FieldSelector::parse(&text) {
            prop_assert_eq!(FieldSelector::parse(&selector.to_string()), Ok(selector));
        }
    }
}
