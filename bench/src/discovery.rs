//! Discovery of a server with 40 API groups (and the core group), in both
//! forms a client may ask for: aggregated (`/api` and `/apis` with the
//! `apidiscovery.k8s.io/v2` Accept header) and legacy (`/api`, `/apis`, then
//! one document per group version). Built once, served from bytes.
//!
//! The groups: the 22 of a real 1.31 server (the repository's fixture of a
//! real `/apis` document), the core group (its real `/api/v1` fixture), and
//! 18 groups of the kind operators install (cert-manager, Prometheus, Istio…),
//! generated with the shapes real CRDs have (status and scale subresources,
//! short names, categories).

use std::collections::HashMap;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{ACCEPT, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use hyper::{Request, Response, StatusCode};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    APIGroup, APIGroupList, APIResource, APIResourceList, APIVersions, GroupVersionForDiscovery,
};
use rudder::discovery::wire::{
    ApiGroupDiscovery, ApiGroupDiscoveryList, ApiResourceDiscovery, ApiSubresourceDiscovery,
    ApiVersionDiscovery, CONTENT_TYPE_AGGREGATED_V2, GroupMetadata, ResponseKind,
};

use crate::server::Body;
use crate::workloads::Decoded;

type Failure = Box<dyn std::error::Error + Send + Sync>;

/// Groups under `/apis` (the core group comes on top).
pub const GROUPS: usize = 40;

/// The real `/apis` of a 1.31 server, aggregated, and its core `/api/v1`.
const REAL_APIS: &str = include_str!("../../fixtures/discovery/aggregated_v2.json");
const REAL_CORE_V1: &str = include_str!("../../fixtures/discovery/api__v1.json");

/// Groups operators commonly install, for the CRD-shaped part of the server.
const CRD_GROUPS: [&str; GROUPS - 22] = [
    "cert-manager.io",
    "acme.cert-manager.io",
    "monitoring.coreos.com",
    "networking.istio.io",
    "security.istio.io",
    "telemetry.istio.io",
    "argoproj.io",
    "external-secrets.io",
    "kustomize.toolkit.fluxcd.io",
    "source.toolkit.fluxcd.io",
    "helm.toolkit.fluxcd.io",
    "snapshot.storage.k8s.io",
    "gateway.networking.k8s.io",
    "keda.sh",
    "velero.io",
    "postgresql.cnpg.io",
    "kyverno.io",
    "traefik.io",
];

const CRD_KINDS: [&str; 12] = [
    "Certificate",
    "Issuer",
    "Policy",
    "Rollout",
    "Gateway",
    "Route",
    "Backup",
    "Schedule",
    "Cluster",
    "Snapshot",
    "Monitor",
    "Rule",
];

const ALL_VERBS: [&str; 8] = [
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

/// One document: its bytes and the `ETag` the server sends with them.
struct Document {
    body: Bytes,
    etag: String,
}

impl Document {
    fn new(value: &impl serde::Serialize) -> Document {
        let body = serde_json::to_vec(value).expect("a discovery document serializes");
        let etag = format!("\"{:016x}\"", crate::pods::fnv1a(&body));
        Document {
            body: body.into(),
            etag,
        }
    }
}

/// Every discovery document the server serves, by request path.
#[derive(Default)]
pub struct Documents {
    /// `/api` and `/apis` for an Accept header that asks for the aggregated form.
    aggregated: HashMap<&'static str, Document>,
    /// `/api`, `/apis`, `/api/v1` and `/apis/<group>/<version>`.
    legacy: HashMap<String, Document>,
}

/// The documents, and what a client must have discovered from them: one
/// count and checksum term per resource of every group version.
pub fn documents() -> (Documents, Decoded) {
    let mut apis: ApiGroupDiscoveryList =
        serde_json::from_str(REAL_APIS).expect("the fixture is aggregated discovery");
    apis.items
        .extend(CRD_GROUPS.iter().enumerate().map(|(n, name)| crd_group(n, name)));
    assert_eq!(apis.items.len(), GROUPS, "the fixture's group count changed");
    let core_v1: APIResourceList =
        serde_json::from_str(REAL_CORE_V1).expect("the fixture is an APIResourceList");
    let core = ApiGroupDiscoveryList {
        api_version: apis.api_version.clone(),
        kind: apis.kind.clone(),
        items: vec![aggregated_core(&core_v1)],
    };
    let mut expected = Decoded::default();
    let mut documents = Documents::default();
    for group in core.items.iter().chain(&apis.items) {
        for version in &group.versions {
            for resource in &version.resources {
                expected.add_term(resource_checksum(
                    &group.metadata.name,
                    &version.version,
                    &resource.resource,
                    resource.response_kind.as_ref().map_or("", |k| k.kind.as_str()),
                    resource.scope == "Namespaced",
                    &resource.verbs,
                    resource.subresources.len(),
                ));
            }
            let path = if group.metadata.name.is_empty() {
                format!("/api/{}", version.version)
            } else {
                format!("/apis/{}/{}", group.metadata.name, version.version)
            };
            documents
                .legacy
                .insert(path, Document::new(&resource_list(&group.metadata.name, version)));
        }
    }
    documents.legacy.insert(
        "/api".into(),
        Document::new(&APIVersions {
            versions: vec!["v1".into()],
            server_address_by_client_cidrs: vec![],
        }),
    );
    documents
        .legacy
        .insert("/apis".into(), Document::new(&group_list(&apis)));
    documents.aggregated.insert("/api", Document::new(&core));
    documents.aggregated.insert("/apis", Document::new(&apis));
    (documents, expected)
}

/// The checksum term of one discovered resource; both clients' results and
/// the documents are summed with it.
pub fn resource_checksum(
    group: &str,
    version: &str,
    plural: &str,
    kind: &str,
    namespaced: bool,
    verbs: &[String],
    subresources: usize,
) -> u64 {
    let mut bytes = Vec::with_capacity(128);
    for part in [group, version, plural, kind] {
        bytes.extend_from_slice(part.as_bytes());
        bytes.push(0);
    }
    bytes.push(u8::from(namespaced));
    for verb in verbs {
        bytes.extend_from_slice(verb.as_bytes());
        bytes.push(1);
    }
    bytes.extend_from_slice(&subresources.to_le_bytes());
    crate::pods::fnv1a(&bytes)
}

/// rudder: the discovery its `Client` holds (cached on disk under
/// `$KUBECACHEDIR`, which the parent points at a fresh folder for a cold run
/// and at a filled one for a warm run), as an application calls it.
pub async fn rudder_run(client: rudder::Client, warm: bool) -> Result<Decoded, Failure> {
    use rudder::discovery::{Discovery, DiscoverySource};
    let apis = client.discovery().server_apis().await?;
    let expected_source = if warm {
        DiscoverySource::DiskCache
    } else {
        DiscoverySource::Aggregated
    };
    if apis.source() != expected_source {
        return Err(format!(
            "rudder's discovery came from {:?}, not {expected_source:?}",
            apis.source()
        )
        .into());
    }
    apis.ensure_complete()?;
    let mut decoded = Decoded::default();
    for served in apis.resources() {
        let resource = &served.resource;
        decoded.add_term(resource_checksum(
            &resource.group,
            &resource.version,
            &resource.plural,
            &resource.kind,
            resource.scope == rudder::types::Scope::Namespaced,
            &served.verbs,
            served.subresources.len(),
        ));
    }
    Ok(decoded)
}

/// kube-rs: `Discovery::new(client).run_aggregated()` (it has no disk cache).
pub async fn kube_run(client: kube::Client) -> Result<Decoded, Failure> {
    let discovery = kube::Discovery::new(client).run_aggregated().await?;
    let mut decoded = Decoded::default();
    for group in discovery.groups() {
        for version in group.versions() {
            for (resource, capabilities) in group.versioned_resources(version) {
                decoded.add_term(resource_checksum(
                    &resource.group,
                    &resource.version,
                    &resource.plural,
                    &resource.kind,
                    capabilities.scope == kube::discovery::Scope::Namespaced,
                    &capabilities.operations,
                    capabilities.subresources.len(),
                ));
            }
        }
    }
    Ok(decoded)
}

/// The answer to a discovery request, or `None` for a path that is not one.
pub fn answer(documents: &Documents, request: &Request<Incoming>) -> Option<Response<Body>> {
    let path = request.uri().path();
    let accept = request
        .headers()
        .get(ACCEPT)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    let wants_aggregated = accept.contains("as=APIGroupDiscoveryList");
    let (document, content_type) = match documents.aggregated.get(path) {
        Some(document) if wants_aggregated => (document, CONTENT_TYPE_AGGREGATED_V2),
        _ => (documents.legacy.get(path)?, "application/json"),
    };
    let not_modified = request
        .headers()
        .get(IF_NONE_MATCH)
        .is_some_and(|tag| tag.as_bytes() == document.etag.as_bytes());
    let mut response = if not_modified {
        let mut response = Response::new(Full::new(Bytes::new()).boxed());
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        response
    } else {
        Response::new(Full::new(document.body.clone()).boxed())
    };
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, content_type.parse().expect("a valid header"));
    headers.insert(ETAG, document.etag.parse().expect("a valid header"));
    Some(response)
}

/// The core group in the aggregated form, from its legacy document: a
/// `pods/status` entry becomes the `status` subresource of `pods`.
fn aggregated_core(list: &APIResourceList) -> ApiGroupDiscovery {
    let mut resources: Vec<ApiResourceDiscovery> = Vec::new();
    for entry in &list.resources {
        match entry.name.split_once('/') {
            None => resources.push(ApiResourceDiscovery {
                resource: entry.name.clone(),
                response_kind: Some(kind_of("", "v1", &entry.kind)),
                scope: scope(entry.namespaced).into(),
                singular_resource: entry.singular_name.clone(),
                verbs: entry.verbs.clone(),
                short_names: entry.short_names.clone().unwrap_or_default(),
                categories: entry.categories.clone().unwrap_or_default(),
                subresources: vec![],
            }),
            Some((parent, subresource)) => {
                if let Some(owner) = resources.iter_mut().find(|r| r.resource == parent) {
                    owner.subresources.push(ApiSubresourceDiscovery {
                        subresource: subresource.into(),
                        response_kind: Some(kind_of(
                            entry.group.as_deref().unwrap_or(""),
                            entry.version.as_deref().unwrap_or("v1"),
                            &entry.kind,
                        )),
                        verbs: entry.verbs.clone(),
                    });
                }
            }
        }
    }
    ApiGroupDiscovery {
        metadata: GroupMetadata::default(),
        versions: vec![ApiVersionDiscovery {
            version: "v1".into(),
            resources,
            freshness: Some("Current".into()),
        }],
    }
}

/// The `n`th operator-installed group: one or two versions, 2-7 kinds each.
fn crd_group(n: usize, name: &str) -> ApiGroupDiscovery {
    let versions: &[&str] = if n.is_multiple_of(3) {
        &["v1", "v1beta1"]
    } else {
        &["v1"]
    };
    let kinds = 2 + n % 6;
    let short = name.split('.').next().unwrap_or(name);
    ApiGroupDiscovery {
        metadata: GroupMetadata { name: name.into() },
        versions: versions
            .iter()
            .map(|version| ApiVersionDiscovery {
                version: (*version).into(),
                resources: (0..kinds)
                    .map(|k| crd_resource(name, version, short, CRD_KINDS[(n + k) % CRD_KINDS.len()], k))
                    .collect(),
                freshness: Some("Current".into()),
            })
            .collect(),
    }
}

fn crd_resource(group: &str, version: &str, short: &str, kind: &str, k: usize) -> ApiResourceDiscovery {
    let singular = kind.to_lowercase();
    let mut subresources = vec![ApiSubresourceDiscovery {
        subresource: "status".into(),
        response_kind: Some(kind_of(group, version, kind)),
        verbs: vec!["get".into(), "patch".into(), "update".into()],
    }];
    if k % 3 == 1 {
        subresources.push(ApiSubresourceDiscovery {
            subresource: "scale".into(),
            response_kind: Some(kind_of("autoscaling", "v1", "Scale")),
            verbs: vec!["get".into(), "patch".into(), "update".into()],
        });
    }
    ApiResourceDiscovery {
        resource: format!("{singular}s"),
        response_kind: Some(kind_of(group, version, kind)),
        scope: scope(k % 4 != 3).into(),
        singular_resource: singular.clone(),
        verbs: ALL_VERBS.iter().map(|verb| (*verb).into()).collect(),
        short_names: vec![format!("{}{}", &short[..short.len().min(3)], &singular[..2])],
        categories: vec![short.into(), "all".into()],
        subresources,
    }
}

fn kind_of(group: &str, version: &str, kind: &str) -> ResponseKind {
    ResponseKind {
        group: group.into(),
        version: version.into(),
        kind: kind.into(),
    }
}

fn scope(namespaced: bool) -> &'static str {
    if namespaced { "Namespaced" } else { "Cluster" }
}

/// The legacy `/apis`: every group and its versions, preferred first.
fn group_list(apis: &ApiGroupDiscoveryList) -> APIGroupList {
    APIGroupList {
        groups: apis
            .items
            .iter()
            .map(|group| {
                let versions: Vec<GroupVersionForDiscovery> = group
                    .versions
                    .iter()
                    .map(|version| GroupVersionForDiscovery {
                        group_version: format!("{}/{}", group.metadata.name, version.version),
                        version: version.version.clone(),
                    })
                    .collect();
                APIGroup {
                    name: group.metadata.name.clone(),
                    preferred_version: versions.first().cloned(),
                    server_address_by_client_cidrs: None,
                    versions,
                }
            })
            .collect(),
    }
}

/// A group version's legacy document: its resources, then each subresource
/// as `<plural>/<subresource>`.
fn resource_list(group: &str, version: &ApiVersionDiscovery) -> APIResourceList {
    let group_version = if group.is_empty() {
        version.version.clone()
    } else {
        format!("{group}/{}", version.version)
    };
    let mut resources = Vec::new();
    for resource in &version.resources {
        let kind = resource.response_kind.as_ref().map_or("", |k| k.kind.as_str());
        let namespaced = resource.scope == "Namespaced";
        resources.push(APIResource {
            name: resource.resource.clone(),
            singular_name: resource.singular_resource.clone(),
            namespaced,
            kind: kind.into(),
            verbs: resource.verbs.clone(),
            short_names: Some(resource.short_names.clone()).filter(|names| !names.is_empty()),
            categories: Some(resource.categories.clone()).filter(|names| !names.is_empty()),
            group: None,
            version: None,
            storage_version_hash: None,
        });
        for subresource in &resource.subresources {
            let response = subresource.response_kind.clone().unwrap_or_default();
            resources.push(APIResource {
                name: format!("{}/{}", resource.resource, subresource.subresource),
                singular_name: String::new(),
                namespaced,
                kind: response.kind,
                verbs: subresource.verbs.clone(),
                short_names: None,
                categories: None,
                group: Some(response.group).filter(|g| !g.is_empty()),
                version: Some(response.version).filter(|v| !v.is_empty()),
                storage_version_hash: None,
            });
        }
    }
    APIResourceList {
        group_version,
        resources,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forty_groups_and_the_core_group_each_with_resources() {
        let (documents, expected) = documents();
        // Core v1, and a document per version of every group.
        let group_versions = documents
            .legacy
            .keys()
            .filter(|path| path.matches('/').count() >= 2)
            .count();
        assert!(group_versions > GROUPS, "{group_versions}");
        assert!(expected.count > 200, "{expected:?}");
        assert_eq!(documents.aggregated.len(), 2);
    }
}
