//! A cassette as seed state: the last version of every object it saw, so a
//! recorded session can continue as a live [`FakeCluster`](crate::FakeCluster).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::body::Body;
use super::format::{Cassette, Interaction};
use crate::cluster::Registry;

/// Kinds that are answers about the API, not stored objects.
const NOT_STORED: [&str; 17] = [
    "APIGroup",
    "APIGroupDiscoveryList",
    "APIGroupList",
    "APIResourceList",
    "APIVersions",
    "Binding",
    "DeleteOptions",
    "Eviction",
    "LocalSubjectAccessReview",
    "PartialObjectMetadata",
    "Scale",
    "SelfSubjectAccessReview",
    "SelfSubjectReview",
    "SelfSubjectRulesReview",
    "Status",
    "SubjectAccessReview",
    "Table",
];

/// API groups whose kinds are never stored: discovery documents, tables and
/// partial metadata, reviews and token requests.
const NOT_STORED_GROUPS: [&str; 4] = [
    "apidiscovery.k8s.io",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "meta.k8s.io",
];

/// Metadata the API server sets on create, which a seed must not carry (a
/// create with a `resourceVersion` is refused; the rest would be replaced).
const SERVER_SET_METADATA: [&str; 8] = [
    "creationTimestamp",
    "deletionGracePeriodSeconds",
    "deletionTimestamp",
    "generation",
    "managedFields",
    "resourceVersion",
    "selfLink",
    "uid",
];

/// The namespaces every fake cluster starts with: seeding them again would
/// be a conflict.
const INITIAL_NAMESPACES: [&str; 4] = ["default", "kube-node-lease", "kube-public", "kube-system"];

impl Cassette {
    /// The last version of every object this cassette saw, ready to seed a
    /// fake cluster: Namespaces first, then CustomResourceDefinitions, then
    /// the rest by apiVersion, kind, namespace and name.
    ///
    /// Objects are taken from successful answers (single objects, list
    /// items, which get the list's apiVersion and kind, and watch events);
    /// a successful delete or a `DELETED` event removes one. Dry-run writes
    /// are skipped. When two versions of an object are seen, the one with
    /// the higher `resourceVersion` wins (a watch may deliver a change after
    /// a later request read it); versions that are not numbers are taken in
    /// the order they were recorded. What the server sets on create (uid,
    /// resourceVersion, managedFields, timestamps, generation) is removed,
    /// as are the namespaces a fake cluster starts with.
    ///
    /// ```
    /// use rudder_testkit::FakeCluster;
    /// use rudder_testkit::cassette::Cassette;
    ///
    /// # fn demo(cassette: Cassette) -> Result<(), Box<dyn std::error::Error>> {
    /// let cluster = FakeCluster::new();
    /// cluster.seed_yaml(&cassette.seed_yaml())?;
    /// # Ok(()) }
    /// ```
    pub fn seed_objects(&self) -> Vec<Value> {
        let mut seen = Seen::default();
        for interaction in &self.interactions {
            seen.observe(interaction);
        }
        seen.into_objects()
    }

    /// [`seed_objects`](Self::seed_objects) as multi-document YAML, as
    /// `FakeCluster::seed_yaml` and `rudder-testkit serve --fixtures` take it.
    pub fn seed_yaml(&self) -> String {
        let mut out = String::new();
        for object in self.seed_objects() {
            // A JSON value always serializes to YAML.
            if let Ok(yaml) = serde_saphyr::to_string(&object) {
                out.push_str("---\n");
                out.push_str(&yaml);
            }
        }
        out
    }
}

/// Which object: apiVersion, kind, namespace, name.
type ObjectKey = (String, String, String, String);

/// The last known state of one object.
struct Version {
    /// `None` once deleted.
    object: Option<Value>,
    resource_version: Option<u64>,
}

#[derive(Default)]
struct Seen {
    objects: BTreeMap<ObjectKey, Version>,
    kinds: Kinds,
}

/// Which kind a group's plural is: the built-in kinds, and the CRDs seen.
struct Kinds {
    registry: Registry,
    custom: BTreeMap<(String, String), String>,
}

impl Default for Kinds {
    fn default() -> Self {
        Kinds {
            registry: Registry::with_defaults(),
            custom: BTreeMap::new(),
        }
    }
}

impl Kinds {
    fn kind_of(&self, group: &str, plural: &str) -> Option<String> {
        self.custom
            .get(&(group.to_owned(), plural.to_owned()))
            .cloned()
            .or_else(|| {
                self.registry
                    .by_resource(group, plural)
                    .map(|kind| kind.api.kind.clone())
            })
    }

    fn learn_crd(&mut self, crd: &Value) {
        let spec = crd.get("spec");
        let field = |path: &[&str]| {
            path.iter()
                .try_fold(spec?, |value, field| value.get(field))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        if let (Some(group), Some(plural), Some(kind)) = (
            field(&["group"]),
            field(&["names", "plural"]),
            field(&["names", "kind"]),
        ) {
            self.custom.insert((group, plural), kind);
        }
    }
}

/// The object a request path names: `/api/v1/namespaces/NS/PLURAL/NAME`,
/// `/apis/GROUP/VERSION/PLURAL/NAME` and the like.
struct ObjectPath {
    group: String,
    namespace: String,
    plural: String,
    name: String,
}

impl ObjectPath {
    fn parse(path: &str) -> Option<ObjectPath> {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        let (group, rest) = match segments.as_slice() {
            ["api", _version, rest @ ..] => ("", rest),
            ["apis", group, _version, rest @ ..] => (*group, rest),
            _ => return None,
        };
        let (namespace, plural, name) = match rest {
            ["namespaces", namespace, plural, name] => (*namespace, *plural, *name),
            [plural, name] => ("", *plural, *name),
            _ => return None,
        };
        Some(ObjectPath {
            group: group.to_owned(),
            namespace: namespace.to_owned(),
            plural: plural.to_owned(),
            name: name.to_owned(),
        })
    }
}

/// The group of an apiVersion (`apps/v1` is `apps`, `v1` the core group "").
fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(group, _)| group)
}

impl Seen {
    fn observe(&mut self, interaction: &Interaction) {
        let (request, response) = (&interaction.request, &interaction.response);
        if !(200..300).contains(&response.status) || request.query.first("dryRun").is_some() {
            return;
        }
        let deleting = request.method.eq_ignore_ascii_case("DELETE");
        if let Some(body) = response.body.as_json() {
            self.observe_body(body, deleting, &request.path);
        }
        for event in response.stream.iter().flat_map(|stream| &stream.events) {
            if let Body::Json(event) = &event.data {
                self.observe_event(event);
            }
        }
    }

    fn observe_body(&mut self, body: &Value, deleting: bool, path: &str) {
        let kind = text(body, "kind");
        if let Some(items) = body.get("items").and_then(Value::as_array)
            && let Some(item_kind) = kind.strip_suffix("List")
        {
            for item in items {
                let item = with_type(item, text(body, "apiVersion"), item_kind);
                self.put(&item, deleting);
            }
        } else if kind == "Status" && deleting {
            // `{"kind": "Status", "status": "Success", "details": {...}}`:
            // the object at the request's path is gone.
            self.delete_at_path(path);
        } else {
            self.put(body, deleting);
        }
    }

    fn observe_event(&mut self, event: &Value) {
        let Some(object) = event.get("object") else {
            return;
        };
        match text(event, "type") {
            "ADDED" | "MODIFIED" => self.put(object, false),
            "DELETED" => self.put(object, true),
            _ => {}
        }
    }

    /// Records `object` as the latest version of itself, or as deleted.
    fn put(&mut self, object: &Value, deleted: bool) {
        let Some(key) = key(object) else {
            return;
        };
        let resource_version = metadata_text(object, "resourceVersion").parse().ok();
        let older = matches!(
            (self.objects.get(&key).and_then(|known| known.resource_version), resource_version),
            (Some(known), Some(new)) if new < known
        );
        if older {
            return;
        }
        if text(object, "kind") == "CustomResourceDefinition" {
            self.kinds.learn_crd(object);
        }
        self.objects.insert(
            key.clone(),
            Version {
                object: Some(object.clone()),
                resource_version,
            },
        );
        if deleted {
            self.mark_deleted(&key);
        }
    }

    /// A delete answered with a `Status`: the object the request's path
    /// names is gone. The path gives the plural, not the kind: it is looked
    /// up among the built-in kinds and the CRDs the cassette saw, and when
    /// it is unknown any kind of that group with the name is taken.
    fn delete_at_path(&mut self, path: &str) {
        let Some(target) = ObjectPath::parse(path) else {
            return;
        };
        let kind = self.kinds.kind_of(&target.group, &target.plural);
        let doomed: Vec<ObjectKey> = self
            .objects
            .keys()
            .filter(|(api_version, object_kind, namespace, name)| {
                group_of(api_version) == target.group
                    && kind.as_ref().is_none_or(|kind| kind == object_kind)
                    && *namespace == target.namespace
                    && *name == target.name
            })
            .cloned()
            .collect();
        for key in doomed {
            self.mark_deleted(&key);
        }
    }

    /// Marks `key` deleted; a Namespace takes everything in it along.
    fn mark_deleted(&mut self, key: &ObjectKey) {
        if let Some(version) = self.objects.get_mut(key) {
            version.object = None;
        }
        let (api_version, kind, _, name) = key;
        if api_version == "v1" && kind == "Namespace" {
            for ((_, _, namespace, _), version) in &mut self.objects {
                if namespace == name {
                    version.object = None;
                }
            }
        }
    }

    fn into_objects(self) -> Vec<Value> {
        let mut objects: Vec<(u8, Value)> = self
            .objects
            .into_iter()
            .filter_map(|((_, kind, _, name), version)| {
                let object = version.object?;
                let initial = kind == "Namespace" && INITIAL_NAMESPACES.contains(&name.as_str());
                (!initial).then(|| (creation_order(&kind), without_server_metadata(object)))
            })
            .collect();
        // The sort is stable: within a rank the key order is kept.
        objects.sort_by_key(|(rank, _)| *rank);
        objects.into_iter().map(|(_, object)| object).collect()
    }
}

/// Namespaces and CRDs must exist before what lives in or is served by them.
fn creation_order(kind: &str) -> u8 {
    match kind {
        "Namespace" => 0,
        "CustomResourceDefinition" => 1,
        _ => 2,
    }
}

/// The key of a stored object, or `None` for what is not one (an answer
/// about the API, an object without a name).
fn key(object: &Value) -> Option<ObjectKey> {
    let (api_version, kind) = (text(object, "apiVersion"), text(object, "kind"));
    let name = metadata_text(object, "name");
    let not_stored = NOT_STORED.contains(&kind) || NOT_STORED_GROUPS.contains(&group_of(api_version));
    if api_version.is_empty() || kind.is_empty() || name.is_empty() || not_stored {
        return None;
    }
    Some((
        api_version.to_owned(),
        kind.to_owned(),
        metadata_text(object, "namespace").to_owned(),
        name.to_owned(),
    ))
}

/// A list item with the list's apiVersion and kind, which the server leaves
/// out of the items of built-in lists.
fn with_type(item: &Value, api_version: &str, kind: &str) -> Value {
    let mut item = item.clone();
    if let Some(fields) = item.as_object_mut() {
        for (field, value) in [("apiVersion", api_version), ("kind", kind)] {
            let missing = fields
                .get(field)
                .and_then(Value::as_str)
                .is_none_or(str::is_empty);
            if missing && !value.is_empty() {
                fields.insert(field.to_owned(), Value::String(value.to_owned()));
            }
        }
    }
    item
}

fn without_server_metadata(mut object: Value) -> Value {
    if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        for field in SERVER_SET_METADATA {
            metadata.remove(field);
        }
    }
    object
}

fn text<'a>(value: &'a Value, field: &str) -> &'a str {
    value.get(field).and_then(Value::as_str).unwrap_or("")
}

fn metadata_text<'a>(object: &'a Value, field: &str) -> &'a str {
    object
        .get("metadata")
        .and_then(Value::as_object)
        .and_then(|metadata: &Map<String, Value>| metadata.get(field))
        .and_then(Value::as_str)
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cassette of `interactions` written in the cassette format.
    fn cassette(interactions: &str) -> Cassette {
        let count = interactions.matches("- request:").count();
        let text = format!("version: 1\ninteractions:\n{interactions}interaction_count: {count}\n");
        Cassette::from_yaml(&text, "test.yaml").expect("a valid cassette")
    }

    fn names(objects: &[Value]) -> Vec<String> {
        objects
            .iter()
            .map(|object| {
                format!(
                    "{} {}/{}",
                    text(object, "kind"),
                    metadata_text(object, "namespace"),
                    metadata_text(object, "name")
                )
            })
            .collect()
    }

    const LIST_AND_WATCH: &str = r#"- request: {method: GET, path: /api/v1/configmaps}
  response:
    status: 200
    body:
      json:
        kind: ConfigMapList
        apiVersion: v1
        metadata: {resourceVersion: "10"}
        items:
        - metadata: {name: a, namespace: default, resourceVersion: "5", uid: u-a, managedFields: []}
          data: {v: "1"}
        - metadata: {name: b, namespace: default, resourceVersion: "6"}
- request: {method: GET, path: /api/v1/namespaces/default/configmaps, query: {watch: "true"}}
  response:
    status: 200
    stream:
      events:
      - offset_ms: 3
        data: {json: {type: MODIFIED, object: {kind: ConfigMap, apiVersion: v1, metadata: {name: a, namespace: default, resourceVersion: "12"}, data: {v: "2"}}}}
      - offset_ms: 5
        data: {json: {type: DELETED, object: {kind: ConfigMap, apiVersion: v1, metadata: {name: b, namespace: default, resourceVersion: "13"}}}}
      end: client-dropped
- request: {method: GET, path: /api/v1/namespaces/default/configmaps/a}
  response:
    status: 200
    body:
      json: {kind: ConfigMap, apiVersion: v1, metadata: {name: a, namespace: default, resourceVersion: "11"}, data: {v: "stale"}}
"#;

    #[test]
    fn list_items_get_the_lists_type_and_watch_events_update_and_delete() {
        let objects = cassette(LIST_AND_WATCH).seed_objects();
        assert_eq!(names(&objects), ["ConfigMap default/a"]);
        assert_eq!(objects[0]["apiVersion"], "v1");
        assert_eq!(objects[0]["data"]["v"], "2", "the highest resourceVersion wins");
        assert_eq!(
            objects[0]["metadata"],
            serde_json::json!({"name": "a", "namespace": "default"}),
            "server-set metadata is removed"
        );
    }

    #[test]
    fn a_status_answer_to_a_delete_removes_only_the_kind_its_path_names() {
        let objects = cassette(
            r#"- request: {method: POST, path: /api/v1/namespaces/default/services}
  response:
    status: 201
    body: {json: {kind: Service, apiVersion: v1, metadata: {name: web, namespace: default}}}
- request: {method: POST, path: /apis/apps/v1/namespaces/default/deployments}
  response:
    status: 201
    body: {json: {kind: Deployment, apiVersion: apps/v1, metadata: {name: web, namespace: default}}}
- request: {method: DELETE, path: /api/v1/namespaces/default/services/web}
  response:
    status: 200
    body: {json: {kind: Status, apiVersion: v1, status: Success, details: {name: web, kind: services}}}
"#,
        )
        .seed_objects();
        assert_eq!(names(&objects), ["Deployment default/web"]);
    }

    #[test]
    fn a_deleted_namespace_takes_its_objects_and_initial_namespaces_are_left_out() {
        let objects = cassette(
            r#"- request: {method: GET, path: /api/v1/namespaces}
  response:
    status: 200
    body:
      json:
        kind: NamespaceList
        apiVersion: v1
        items:
        - metadata: {name: default}
        - metadata: {name: shop}
        - metadata: {name: temp}
- request: {method: POST, path: /api/v1/namespaces/temp/configmaps}
  response:
    status: 201
    body: {json: {kind: ConfigMap, apiVersion: v1, metadata: {name: settings, namespace: temp}}}
- request: {method: POST, path: /api/v1/namespaces/shop/configmaps}
  response:
    status: 201
    body: {json: {kind: ConfigMap, apiVersion: v1, metadata: {name: settings, namespace: shop}}}
- request: {method: DELETE, path: /api/v1/namespaces/temp}
  response:
    status: 200
    body: {json: {kind: Namespace, apiVersion: v1, metadata: {name: temp}, status: {phase: Terminating}}}
"#,
        )
        .seed_objects();
        assert_eq!(names(&objects), ["Namespace /shop", "ConfigMap shop/settings"]);
    }

    #[test]
    fn failures_dry_runs_and_answers_about_the_api_are_not_objects() {
        let objects = cassette(
            r#"- request: {method: POST, path: /api/v1/namespaces/default/configmaps, query: {dryRun: All}}
  response:
    status: 201
    body: {json: {kind: ConfigMap, apiVersion: v1, metadata: {name: dry, namespace: default}}}
- request: {method: POST, path: /api/v1/namespaces/default/configmaps}
  response:
    status: 409
    body: {json: {kind: Status, apiVersion: v1, status: Failure, reason: AlreadyExists, code: 409}}
- request: {method: GET, path: /apis/apps/v1/namespaces/default/deployments/web/scale}
  response:
    status: 200
    body: {json: {kind: Scale, apiVersion: autoscaling/v1, metadata: {name: web, namespace: default}}}
- request: {method: GET, path: /api/v1}
  response:
    status: 200
    body: {json: {kind: APIResourceList, groupVersion: v1, resources: []}}
- request: {method: GET, path: /apis}
  response:
    status: 200
    body:
      json:
        kind: APIGroupDiscoveryList
        apiVersion: apidiscovery.k8s.io/v2
        items:
        - metadata: {name: apps}
          versions: []
"#,
        )
        .seed_objects();
        assert!(objects.is_empty(), "{objects:?}");
    }

    #[test]
    fn a_crd_and_its_objects_come_after_namespaces_and_a_custom_plural_is_resolved() {
        let objects = cassette(
            r#"- request: {method: POST, path: /apis/example.com/v1/namespaces/shop/foos}
  response:
    status: 201
    body: {json: {kind: Foo, apiVersion: example.com/v1, metadata: {name: keep, namespace: shop}}}
- request: {method: POST, path: /apis/example.com/v1/namespaces/shop/foos}
  response:
    status: 201
    body: {json: {kind: Foo, apiVersion: example.com/v1, metadata: {name: gone, namespace: shop}}}
- request: {method: POST, path: /apis/apiextensions.k8s.io/v1/customresourcedefinitions}
  response:
    status: 201
    body: {json: {kind: CustomResourceDefinition, apiVersion: apiextensions.k8s.io/v1, metadata: {name: foos.example.com}, spec: {group: example.com, names: {plural: foos, kind: Foo}}}}
- request: {method: POST, path: /api/v1/namespaces}
  response:
    status: 201
    body: {json: {kind: Namespace, apiVersion: v1, metadata: {name: shop}}}
- request: {method: DELETE, path: /apis/example.com/v1/namespaces/shop/foos/gone}
  response:
    status: 200
    body: {json: {kind: Status, apiVersion: v1, status: Success}}
"#,
        )
        .seed_objects();
        assert_eq!(
            names(&objects),
            [
                "Namespace /shop",
                "CustomResourceDefinition /foos.example.com",
                "Foo shop/keep"
            ]
        );
    }
}
