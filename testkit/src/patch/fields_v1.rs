//! The `fieldsV1` of every field an object sets, built in one walk of the
//! object: what a creation gives its manager. The same tree as
//! [`fields_of`](super::field_set::fields_of) rendered by
//! [`FieldSet::to_fields_v1`](super::field_set::FieldSet::to_fields_v1),
//! without a path per member (each a copy of every element above it) nor a
//! second walk over those paths.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

use super::field_set::{ListKind, is_atomic_struct, is_server_metadata, is_tracked_member, list_kind};
use super::schema::{FieldSchema, Node};

/// A `fieldsV1` node: its children by encoded element, and `"."` when the
/// node is itself a member and has children. An empty node is a member leaf.
type Tree = Map<String, Value>;

/// The member mark of a node with children.
const MEMBER: &str = ".";

/// The `fieldsV1` of the fields `object` sets, as
/// `fields_of(object, root).to_fields_v1()` gives it.
pub(crate) fn fields_v1_of(object: &Value, root: Node) -> Value {
    let mut tree = Tree::new();
    if let Value::Object(members) = object {
        for (name, value) in members {
            if !is_tracked_member(name) {
                continue;
            }
            let (field, node) = root.member(name);
            let subtree = if name == "metadata" {
                metadata_tree(value, node)
            } else {
                member_tree(value, field, node)
            };
            if let Some(subtree) = subtree {
                tree.insert(field_key(name), Value::Object(subtree));
            }
        }
    }
    Value::Object(tree)
}

/// The fields of `metadata` but those the server sets.
fn metadata_tree(metadata: &Value, node: Node) -> Option<Tree> {
    let Value::Object(members) = metadata else {
        return None;
    };
    let mut tree = Tree::new();
    for (name, value) in members.iter().filter(|(name, _)| !is_server_metadata(name)) {
        let (field, node) = node.member(name);
        if let Some(subtree) = member_tree(value, field, node) {
            tree.insert(field_key(name), Value::Object(subtree));
        }
    }
    (!tree.is_empty()).then_some(tree)
}

/// The node of a member whose value is `value`: empty for a leaf (a
/// scalar, an atomic list or struct, an empty object), its members' nodes
/// for an object, its items' for a keyed list or set; `None` when nothing
/// below it is a field (a keyed list or set without items).
fn member_tree(value: &Value, field: Option<&FieldSchema>, node: Node) -> Option<Tree> {
    match value {
        Value::Object(members) if !members.is_empty() && !is_atomic_struct(field, node) => {
            let tree = members_tree(members, node);
            (!tree.is_empty()).then_some(tree)
        }
        Value::Array(items) => match list_kind(field) {
            ListKind::Keyed(keys) => {
                let mut tree = Tree::new();
                for item in items {
                    let (Value::Object(members), Some(key)) = (item, item_key_text(item, keys)) else {
                        continue;
                    };
                    // The item is a member itself, beside its fields.
                    let mut item_tree = members_tree(members, node);
                    if !item_tree.is_empty() {
                        item_tree.insert(MEMBER.into(), Value::Object(Tree::new()));
                    }
                    add_subtree(&mut tree, key, item_tree);
                }
                (!tree.is_empty()).then_some(tree)
            }
            ListKind::Set => {
                let tree: Tree = items
                    .iter()
                    .map(|item| (format!("v:{item}"), Value::Object(Tree::new())))
                    .collect();
                (!tree.is_empty()).then_some(tree)
            }
            ListKind::Atomic => Some(Tree::new()),
        },
        _ => Some(Tree::new()),
    }
}

/// The nodes of an object's members (of a struct or of a keyed list item).
fn members_tree(members: &Map<String, Value>, node: Node) -> Tree {
    let mut tree = Tree::new();
    for (name, child) in members {
        let (field, child_node) = node.member(name);
        if let Some(subtree) = member_tree(child, field, child_node) {
            tree.insert(field_key(name), Value::Object(subtree));
        }
    }
    tree
}

/// `f:name`.
fn field_key(name: &str) -> String {
    let mut key = String::with_capacity(name.len() + 2);
    key.push_str("f:");
    key.push_str(name);
    key
}

/// The `k:{...}` element of a keyed list item, as the item's key fields
/// encode when gathered into a map; `None` when the item has none of them.
fn item_key_text(item: &Value, keys: &[String]) -> Option<String> {
    let Value::Object(members) = item else {
        return None;
    };
    let fields = KeyFields { members, keys };
    fields.next_after(None)?;
    let mut text = b"k:".to_vec();
    serde_json::to_writer(&mut text, &fields).ok()?;
    String::from_utf8(text).ok()
}

/// The key fields an item has, serialized in the order (by name, each
/// once) of the map `field_set::item_key` gathers them into.
struct KeyFields<'a> {
    members: &'a Map<String, Value>,
    keys: &'a [String],
}

impl<'a> KeyFields<'a> {
    /// The first key field the item has whose name sorts after `after`.
    fn next_after(&self, after: Option<&str>) -> Option<(&'a str, &'a Value)> {
        self.keys
            .iter()
            .filter(|key| after.is_none_or(|after| key.as_str() > after))
            .filter_map(|key| self.members.get_key_value(key.as_str()))
            .min_by(|(a, _), (b, _)| a.cmp(b))
            .map(|(key, value)| (key.as_str(), value))
    }
}

impl Serialize for KeyFields<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        let mut next = self.next_after(None);
        while let Some((key, value)) = next {
            map.serialize_entry(key, value)?;
            next = self.next_after(Some(key));
        }
        map.end()
    }
}

/// Adds the node `subtree` at `key`, joined with the node already there
/// (two items of a keyed list with the same key are one member).
fn add_subtree(tree: &mut Tree, key: String, subtree: Tree) {
    match tree.get_mut(&key) {
        Some(Value::Object(existing)) => join(existing, subtree),
        _ => {
            tree.insert(key, Value::Object(subtree));
        }
    }
}

/// Joins two nodes of the same path: a member in either is a member, the
/// children are joined, and `"."` marks a member that has children.
fn join(into: &mut Tree, other: Tree) {
    let member = is_member(into) || is_member(&other);
    for (key, child) in other {
        if key == MEMBER {
            continue;
        }
        match (into.get_mut(&key), child) {
            (Some(Value::Object(existing)), Value::Object(child)) => join(existing, child),
            (_, child) => {
                into.insert(key, child);
            }
        }
    }
    let has_children = into.keys().any(|key| key != MEMBER);
    if member && has_children {
        into.insert(MEMBER.into(), Value::Object(Tree::new()));
    }
}

/// Whether a node is a member: a leaf, or marked.
fn is_member(node: &Tree) -> bool {
    node.is_empty() || node.contains_key(MEMBER)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rudder::types::GroupVersionKind;
    use serde_json::json;

    use super::*;
    use crate::patch::field_set::{FieldSet, fields_of};
    use crate::patch::schema::schema_for;

    /// Small scalars, so that set items and list keys repeat.
    fn scalar() -> BoxedStrategy<Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            (0..3i64).prop_map(Value::from),
            "[ab\"]{0,2}".prop_map(Value::from),
        ]
        .boxed()
    }

    /// Any JSON, a few levels deep, with empty maps and lists among it.
    fn any_json() -> BoxedStrategy<Value> {
        scalar()
            .prop_recursive(3, 24, 3, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
                    prop::collection::btree_map("[a-c]{1,2}", inner, 0..3)
                        .prop_map(|members| Value::Object(members.into_iter().collect())),
                ]
            })
            .boxed()
    }

    /// An object with each of `members` present or not.
    fn object(members: Vec<(&'static str, BoxedStrategy<Value>)>) -> BoxedStrategy<Value> {
        let members: Vec<_> = members
            .into_iter()
            .map(|(name, value)| prop::option::weighted(0.7, value).prop_map(move |v| (name, v)))
            .collect();
        members
            .prop_map(|members| {
                let members = members
                    .into_iter()
                    .filter_map(|(name, value)| Some((name.to_string(), value?)));
                Value::Object(members.collect())
            })
            .boxed()
    }

    /// A list of `item`, or (sometimes) any JSON in its place.
    fn list_of(item: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
        prop_oneof![
            4 => prop::collection::vec(item, 0..4).prop_map(Value::Array),
            1 => any_json(),
        ]
        .boxed()
    }

    fn string_map() -> BoxedStrategy<Value> {
        prop::collection::btree_map("[a-c]", scalar(), 0..3)
            .prop_map(|members| Value::Object(members.into_iter().collect()))
            .boxed()
    }

    fn name() -> BoxedStrategy<Value> {
        prop_oneof![4 => "[ab]".prop_map(Value::from), 1 => scalar()].boxed()
    }

    fn container() -> BoxedStrategy<Value> {
        let port = object(vec![
            ("containerPort", (0..3i64).prop_map(Value::from).boxed()),
            (
                "protocol",
                prop_oneof![Just(json!("TCP")), Just(json!("UDP"))].boxed(),
            ),
            ("name", name()),
        ]);
        let variable = object(vec![
            ("name", name()),
            ("value", scalar()),
            ("valueFrom", any_json()),
        ]);
        object(vec![
            ("name", name()),
            ("image", scalar()),
            ("ports", list_of(port)),
            ("env", list_of(variable)),
            ("args", list_of(scalar())),
            (
                "resources",
                object(vec![("limits", string_map()), ("requests", string_map())]),
            ),
            ("securityContext", any_json()),
        ])
    }

    /// A Pod as the schema sees it: keyed lists (containers, ports keyed by
    /// two fields, env, ownerReferences), a set (finalizers), atomic lists
    /// and maps, server metadata, and any JSON where a field is unknown.
    fn pod() -> BoxedStrategy<Value> {
        let owner = object(vec![
            ("uid", name()),
            ("name", scalar()),
            ("controller", scalar()),
        ]);
        let metadata = object(vec![
            ("name", scalar()),
            ("uid", scalar()),
            ("labels", string_map()),
            ("annotations", string_map()),
            ("finalizers", list_of(scalar())),
            ("ownerReferences", list_of(owner)),
            ("managedFields", any_json()),
        ]);
        let spec = object(vec![
            ("containers", list_of(container())),
            ("initContainers", list_of(container())),
            ("nodeSelector", string_map()),
            ("tolerations", list_of(any_json())),
            (
                "volumes",
                list_of(object(vec![("name", name()), ("emptyDir", any_json())])),
            ),
            ("unknown", any_json()),
        ]);
        object(vec![
            ("apiVersion", Just(json!("v1")).boxed()),
            ("kind", Just(json!("Pod")).boxed()),
            ("metadata", prop_oneof![4 => metadata, 1 => any_json()].boxed()),
            ("spec", spec),
            ("status", any_json()),
        ])
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// The one walk gives what the field set gave, to the byte.
        #[test]
        fn one_walk_gives_the_field_sets_fields_v1(object in prop_oneof![4 => pod(), 1 => any_json()]) {
            let schema = schema_for(&GroupVersionKind::new("", "v1", "Pod"));
            prop_assert!(schema.is_ok());
            for root in [schema.map_or(Node::Opaque, Node::Struct), Node::Opaque] {
                let set = fields_of(&object, root);
                let built = fields_v1_of(&object, root);
                prop_assert_eq!(built.to_string(), set.to_fields_v1().to_string());
                for (key, path) in set.entries() {
                    prop_assert_eq!(key, FieldSet::key(path), "the walk's keys are the paths' encodings");
                }
            }
        }
    }

    #[test]
    fn items_with_the_same_key_are_one_member() {
        let schema = schema_for(&GroupVersionKind::new("", "v1", "Pod")).map_or(Node::Opaque, Node::Struct);
        let pod = json!({"spec": {"containers": [
            {"name": "a", "ports": [{"containerPort": 1}, {"containerPort": 1, "protocol": "TCP"}]},
            {"name": "a", "image": "x", "args": []}
        ]}});
        let expected = fields_of(&pod, schema).to_fields_v1();
        assert_eq!(fields_v1_of(&pod, schema), expected);
        assert_eq!(
            expected["f:spec"]["f:containers"]["k:{\"name\":\"a\"}"]["."],
            json!({})
        );
    }

    #[test]
    fn key_fields_are_written_by_name_whatever_order_the_schema_lists_them() {
        let item = json!({"driver": "gpu.example.com", "device": "gpu-0", "pool": "p"});
        let keys = ["driver".to_owned(), "device".to_owned(), "pool".to_owned()];
        let expected = r#"k:{"device":"gpu-0","driver":"gpu.example.com","pool":"p"}"#;
        assert_eq!(item_key_text(&item, &keys).as_deref(), Some(expected));
        let element = crate::patch::field_set::item_key(&item, &keys).map(|key| key.to_string());
        assert_eq!(element.as_deref(), Some(expected));
    }
}
