//! What an answer carries, and how it is written: a value built for the
//! answer, or stored objects written from the store's `Arc<Value>` without
//! copying them.
//!
//! Serving a stored object changes it only when its CRD version has schema
//! defaults that apply to it, or when it has no `apiVersion`; only then is
//! it copied ([`render`]). Otherwise it is written in place, its
//! `apiVersion` replaced on the way out when it is served at another
//! version than it is stored at, and left without `apiVersion` and `kind`
//! as an item of a built-in kind's list. The bytes are those of the
//! rendered copy (tests below compare them).

use std::sync::Arc;

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{Map, Value};

use crate::cluster::crd;
use crate::cluster::registry::ResourceKind;

/// An object as served at `version` (CRDs may serve several): a copy with
/// its schema defaults applied and its `apiVersion` set.
pub(crate) fn render(kind: &ResourceKind, version: &str, object: &Value) -> Value {
    render_owned(kind, version, object.clone())
}

/// [`render`] of an object the caller owns, changed in place.
fn render_owned(kind: &ResourceKind, version: &str, mut object: Value) -> Value {
    crd::default_on_read(kind, version, &mut object);
    if let Some(map) = object.as_object_mut() {
        map.insert("apiVersion".into(), Value::String(kind.api_version_at(version)));
    }
    object
}

/// Whether `api_version` is `kind`'s at `version` (`apps/v1`, or `v1` in
/// the core group), compared without formatting it.
fn is_api_version_at(kind: &ResourceKind, version: &str, api_version: &str) -> bool {
    let group = kind.api.group.as_str();
    if group.is_empty() {
        return api_version == version;
    }
    api_version
        .strip_prefix(group)
        .and_then(|rest| rest.strip_prefix('/'))
        == Some(version)
}

/// An object as one answer serves it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Served {
    /// A stored object, as it is stored.
    Stored(Arc<Value>),
    /// A stored object at another version of its CRD: only its
    /// `apiVersion` differs, and it is replaced as the object is written.
    Retagged { object: Arc<Value>, api_version: String },
    /// A copy that serving changed (defaults applied, `apiVersion` added),
    /// or an object that is not stored (a dry run's).
    Rendered(Value),
}

impl Served {
    /// The stored `object` served at `version`, copied only if serving changes more than its `apiVersion`.
    pub fn stored(kind: &ResourceKind, version: &str, object: &Arc<Value>) -> Self {
        if crd::defaults_on_read(kind, version, object) {
            return Served::Rendered(render(kind, version, object));
        }
        let Some(map) = object.as_object() else {
            return Served::Stored(object.clone());
        };
        match map.get("apiVersion") {
            // Added, it would take a place of its own among the keys.
            None => Served::Rendered(render(kind, version, object)),
            Some(Value::String(stored)) if is_api_version_at(kind, version, stored) => {
                Served::Stored(object.clone())
            }
            Some(_) => Served::Retagged {
                object: object.clone(),
                api_version: kind.api_version_at(version),
            },
        }
    }

    /// An object the caller owns (not stored) served at `version`.
    pub fn owned(kind: &ResourceKind, version: &str, object: Value) -> Self {
        Served::Rendered(render_owned(kind, version, object))
    }

    /// The object as a value of its own (a copy of a stored object that is still shared).
    pub fn into_value(self) -> Value {
        match self {
            Served::Stored(object) => Arc::unwrap_or_clone(object),
            Served::Retagged { object, api_version } => {
                let mut object = Arc::unwrap_or_clone(object);
                if let Some(map) = object.as_object_mut() {
                    map.insert("apiVersion".into(), Value::String(api_version));
                }
                object
            }
            Served::Rendered(object) => object,
        }
    }

    /// The object and the `apiVersion` it is written with, if not its own.
    fn parts(&self) -> (&Value, Option<&str>) {
        match self {
            Served::Stored(object) => (object, None),
            Served::Retagged { object, api_version } => (object, Some(api_version)),
            Served::Rendered(object) => (object, None),
        }
    }
}

impl Serialize for Served {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Written {
            served: self,
            bare: false,
        }
        .serialize(serializer)
    }
}

/// A served object as written: with its `apiVersion` replaced when
/// retagged and, `bare` (an item of a built-in kind's list), with no
/// `apiVersion` or `kind`.
struct Written<'a> {
    served: &'a Served,
    bare: bool,
}

impl Serialize for Written<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (object, api_version) = self.served.parts();
        match object.as_object() {
            Some(map) if self.bare || api_version.is_some() => Entries {
                map,
                api_version,
                bare: self.bare,
                items: None,
            }
            .serialize(serializer),
            _ => object.serialize(serializer),
        }
    }
}

/// A JSON object written entry by entry in its own order (as
/// `Value::Object` writes it), with some entries replaced or left out:
/// what a changed copy would write, without making the copy.
struct Entries<'a> {
    map: &'a Map<String, Value>,
    /// Written as the value of `apiVersion`.
    api_version: Option<&'a str>,
    /// Leaves `apiVersion` and `kind` out.
    bare: bool,
    /// Written as the value of `items`.
    items: Option<Items<'a>>,
}

impl Serialize for Entries<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let left_out = if self.bare {
            ["apiVersion", "kind"]
                .iter()
                .filter(|key| self.map.contains_key(**key))
                .count()
        } else {
            0
        };
        let mut out = serializer.serialize_map(Some(self.map.len() - left_out))?;
        for (key, value) in self.map {
            match (key.as_str(), self.api_version, &self.items) {
                ("apiVersion" | "kind", _, _) if self.bare => {}
                ("apiVersion", Some(api_version), _) => out.serialize_entry(key, api_version)?,
                ("items", _, Some(items)) => out.serialize_entry(key, items)?,
                _ => out.serialize_entry(key, value)?,
            }
        }
        out.end()
    }
}

/// A list's items as written.
struct Items<'a> {
    items: &'a [Served],
    bare: bool,
}

impl Serialize for Items<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_seq(Some(self.items.len()))?;
        for served in self.items {
            out.serialize_element(&Written {
                served,
                bare: self.bare,
            })?;
        }
        out.end()
    }
}

/// A list answer whose items are served objects.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ListBody {
    /// `kind`, `apiVersion`, `metadata`, and `items: null` holding the place
    /// where the items are written (where a `Value` would have them).
    head: Map<String, Value>,
    items: Vec<Served>,
    /// Items without `apiVersion` and `kind`, as built-in kinds' lists have them.
    bare: bool,
}

impl ListBody {
    /// A list of `items` under `head` (a JSON object without `items`).
    pub fn new(head: Value, items: Vec<Served>, bare: bool) -> Self {
        let mut head = match head {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        head.insert("items".into(), Value::Null);
        ListBody { head, items, bare }
    }

    fn into_value(self) -> Value {
        let bare = self.bare;
        let items = self
            .items
            .into_iter()
            .map(|served| {
                let mut item = served.into_value();
                if bare && let Some(map) = item.as_object_mut() {
                    map.remove("apiVersion");
                    map.remove("kind");
                }
                item
            })
            .collect();
        let mut head = self.head;
        head.insert("items".into(), Value::Array(items));
        Value::Object(head)
    }
}

impl Serialize for ListBody {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let items = Items {
            items: &self.items,
            bare: self.bare,
        };
        Entries {
            map: &self.head,
            api_version: None,
            bare: false,
            items: Some(items),
        }
        .serialize(serializer)
    }
}

/// The body of a successful answer.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Body {
    /// A value built for the answer (a Status, a Scale, a reactor's object).
    Value(Value),
    /// One object.
    Object(Served),
    /// A list of objects.
    List(ListBody),
}

impl Body {
    /// The body as a value of its own, for the callers that read or change
    /// it (a copy of what is still stored).
    pub fn into_value(self) -> Value {
        match self {
            Body::Value(value) => value,
            Body::Object(served) => served.into_value(),
            Body::List(list) => list.into_value(),
        }
    }
}

impl From<Value> for Body {
    fn from(value: Value) -> Self {
        Body::Value(value)
    }
}

impl From<Served> for Body {
    fn from(served: Served) -> Self {
        Body::Object(served)
    }
}

impl From<ListBody> for Body {
    fn from(list: ListBody) -> Self {
        Body::List(list)
    }
}

impl Serialize for Body {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Body::Value(value) => value.serialize(serializer),
            Body::Object(served) => served.serialize(serializer),
            Body::List(list) => list.serialize(serializer),
        }
    }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::apps::v1::Deployment;
    use k8s_openapi::api::core::v1::Pod;
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    /// A CRD serving `v1` (stored; its schema has defaults) and `v2` (no defaults).
    fn widget_kind(defaults: bool) -> ResourceKind {
        let spec_v1 = if defaults {
            json!({"type": "object", "properties": {
                "replicas": {"type": "integer", "default": 1},
                "mode": {"type": "string", "default": "fast"},
                "note": {"type": "string", "nullable": true, "default": "n"},
                "ports": {"type": "array", "items": {"type": "object", "properties": {
                    "protocol": {"type": "string", "default": "TCP"}}}}}})
        } else {
            json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true})
        };
        let schema =
            |spec: Value| json!({"openAPIV3Schema": {"type": "object", "properties": {"spec": spec}}});
        crate::cluster::crd::kind_of(&json!({
            "spec": {"group": "example.com", "scope": "Namespaced",
                     "names": {"plural": "widgets", "kind": "Widget"},
                     "versions": [
                        {"name": "v1", "served": true, "storage": true, "schema": schema(spec_v1)},
                        {"name": "v2", "served": true, "storage": false,
                         "schema": schema(json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true}))}]}
        }))
        .expect("a complete CRD")
    }

    /// The answer to a GET as the handlers wrote it before `Served`: a rendered copy.
    fn rendered_get(kind: &ResourceKind, version: &str, object: &Value) -> Vec<u8> {
        serde_json::to_vec(&render(kind, version, object)).unwrap()
    }

    /// A list as the handlers wrote it before `ListBody`: rendered copies,
    /// stripped of `apiVersion` and `kind` for built-in kinds, moved into a `Value`.
    fn rendered_list(kind: &ResourceKind, version: &str, objects: &[Value]) -> Vec<u8> {
        let items = objects
            .iter()
            .map(|object| {
                let mut item = render(kind, version, object);
                if !kind.custom
                    && let Some(map) = item.as_object_mut()
                {
                    map.remove("apiVersion");
                    map.remove("kind");
                }
                item
            })
            .collect();
        let mut list = list_head(kind, version);
        list["items"] = Value::Array(items);
        serde_json::to_vec(&list).unwrap()
    }

    fn list_head(kind: &ResourceKind, version: &str) -> Value {
        json!({"kind": kind.list_kind(), "apiVersion": kind.api_version_at(version),
               "metadata": {"resourceVersion": "7", "continue": "abc"}})
    }

    fn served_list(kind: &ResourceKind, version: &str, objects: &[Value]) -> ListBody {
        let items = objects
            .iter()
            .map(|object| Served::stored(kind, version, &Arc::new(object.clone())))
            .collect();
        ListBody::new(list_head(kind, version), items, !kind.custom)
    }

    /// Serving `objects` at `version` writes the bytes the rendered copies
    /// did, and `into_value` gives the rendered values.
    fn assert_same_as_rendered(kind: &ResourceKind, version: &str, objects: &[Value]) {
        for object in objects {
            let served = Served::stored(kind, version, &Arc::new(object.clone()));
            let written =
                String::from_utf8(serde_json::to_vec(&Body::from(served.clone())).unwrap()).unwrap();
            let rendered = String::from_utf8(rendered_get(kind, version, object)).unwrap();
            assert_eq!(written, rendered, "{served:?}");
            assert_eq!(served.into_value(), render(kind, version, object));
        }
        let list = served_list(kind, version, objects);
        let written = String::from_utf8(serde_json::to_vec(&Body::from(list.clone())).unwrap()).unwrap();
        let rendered = String::from_utf8(rendered_list(kind, version, objects)).unwrap();
        assert_eq!(written, rendered);
        assert_eq!(
            list.into_value(),
            serde_json::from_str::<Value>(&rendered).unwrap()
        );
    }

    fn pod(name: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": name, "namespace": "default", "labels": {"app": "web"}},
               "spec": {"containers": [{"name": "app", "image": "nginx"}]}, "status": {"phase": "Running"}})
    }

    #[test]
    fn built_in_objects_are_written_as_their_rendered_copies() {
        assert_same_as_rendered(&ResourceKind::of::<Pod>(), "v1", &[pod("a"), pod("b")]);
        let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment",
                                "metadata": {"name": "d"}, "spec": {"replicas": 2}});
        assert_same_as_rendered(&ResourceKind::of::<Deployment>(), "v1", &[deployment]);
    }

    #[test]
    fn a_stored_object_that_serving_does_not_change_is_not_copied() {
        let kind = ResourceKind::of::<Pod>();
        let stored = Arc::new(pod("a"));
        assert!(
            matches!(Served::stored(&kind, "v1", &stored), Served::Stored(object) if Arc::ptr_eq(&object, &stored))
        );
        let widget = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"},
                            "spec": {"replicas": 3, "mode": "slow", "note": null, "ports": [{"protocol": "UDP"}]}});
        let stored = Arc::new(widget);
        assert!(matches!(
            Served::stored(&widget_kind(true), "v1", &stored),
            Served::Stored(_)
        ));
        assert!(matches!(
            Served::stored(&widget_kind(true), "v2", &stored),
            Served::Retagged { .. }
        ));
    }

    #[test]
    fn custom_resources_with_and_without_defaults_at_each_version() {
        let widgets = [
            json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "a"}, "spec": {}}),
            json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "b"},
                   "spec": {"replicas": 3, "mode": null, "ports": [{}, {"protocol": "UDP"}]}}),
            json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "c"},
                   "spec": {"replicas": 3, "mode": "slow", "note": null, "ports": []}}),
            json!({"kind": "Widget", "metadata": {"name": "no-api-version"}, "spec": {"replicas": 1}}),
        ];
        for defaults in [true, false] {
            for version in ["v1", "v2"] {
                assert_same_as_rendered(&widget_kind(defaults), version, &widgets);
            }
        }
    }

    #[test]
    fn an_empty_list_and_odd_stored_values() {
        assert_same_as_rendered(&ResourceKind::of::<Pod>(), "v1", &[]);
        assert_same_as_rendered(&widget_kind(true), "v2", &[]);
        let odd = [
            json!({}),
            json!({"apiVersion": 1, "kind": null}),
            json!("text"),
            json!([1]),
        ];
        assert_same_as_rendered(&ResourceKind::of::<Pod>(), "v1", &odd);
        assert_same_as_rendered(&widget_kind(true), "v1", &odd);
    }

    /// A value of a field the widget schema names, or of one it does not.
    fn spec_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<i32>().prop_map(|n| json!(n)),
            "[a-z]{0,3}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 12, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
                prop::collection::btree_map(
                    prop::sample::select(vec!["protocol", "replicas", "x", "kind", "apiVersion"]),
                    inner,
                    0..4
                )
                .prop_map(|map| Value::Object(map.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
            ]
        })
    }

    /// An object as a store might hold it: any `apiVersion` (or none), any
    /// spec fields, with and without `kind`.
    fn stored_object() -> impl Strategy<Value = Value> {
        let api_version = prop::option::of(prop_oneof![
            Just(json!("v1")),
            Just(json!("apps/v1")),
            Just(json!("example.com/v1")),
            Just(json!("example.com/v2")),
            Just(json!(3)),
        ]);
        let spec = prop::collection::btree_map(
            prop::sample::select(vec!["replicas", "mode", "note", "ports", "other"]),
            spec_value(),
            0..5,
        );
        (api_version, any::<bool>(), spec, "[a-z]{1,4}").prop_map(|(api_version, with_kind, spec, name)| {
            let mut object = json!({"metadata": {"name": name}, "spec": spec});
            if let Some(api_version) = api_version {
                object["apiVersion"] = api_version;
            }
            if with_kind {
                object["kind"] = json!("Thing");
            }
            object
        })
    }

    fn kinds() -> Vec<(ResourceKind, &'static str)> {
        vec![
            (ResourceKind::of::<Pod>(), "v1"),
            (ResourceKind::of::<Deployment>(), "v1"),
            (widget_kind(true), "v1"),
            (widget_kind(true), "v2"),
            (widget_kind(false), "v1"),
            (widget_kind(false), "v2"),
        ]
    }

    proptest! {
        #[test]
        fn served_objects_are_written_as_their_rendered_copies(
            objects in prop::collection::vec(stored_object(), 0..4),
            which in 0..6usize,
        ) {
            let (kind, version) = &kinds()[which];
            assert_same_as_rendered(kind, version, &objects);
        }
    }
}
