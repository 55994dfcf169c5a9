//! Sets of field paths, as server-side apply records ownership, and their
//! `fieldsV1` wire form: `{"f:spec":{"f:replicas":{}}}`, with `k:{...}` for
//! an item of a keyed list, `v:...` for an item of a set, and `".": {}`
//! where a node that has children is itself a member.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Value};

use super::schema::{FieldSchema, Node};

/// One step of a field path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Element {
    /// An object member: `f:name`.
    Field(String),
    /// A keyed list item, by its key fields: `k:{"name":"web"}`.
    Key(Map<String, Value>),
    /// A set item, by value: `v:"a"`.
    Value(Value),
}

impl Element {
    fn encode(&self) -> String {
        let mut out = String::new();
        self.encode_into(&mut out);
        out
    }

    /// Appends the encoding to `out` (a key map, written without copying it).
    fn encode_into(&self, out: &mut String) {
        use fmt::Write;
        match self {
            Element::Field(name) => {
                out.push_str("f:");
                out.push_str(name);
            }
            Element::Key(key) => {
                out.push_str("k:");
                // The compact JSON `Value::Object` displays as.
                if let Ok(text) = serde_json::to_string(key) {
                    out.push_str(&text);
                }
            }
            Element::Value(value) => {
                let _ = write!(out, "v:{value}");
            }
        }
    }

    fn decode(text: &str) -> Result<Element, String> {
        let json = |s: &str| serde_json::from_str::<Value>(s).map_err(|e| format!("{text:?}: {e}"));
        match text.split_at_checked(2) {
            Some(("f:", name)) => Ok(Element::Field(name.to_string())),
            Some(("k:", key)) => match json(key)? {
                Value::Object(key) => Ok(Element::Key(key)),
                _ => Err(format!("{text:?}: a k: element must hold a JSON object")),
            },
            Some(("v:", value)) => Ok(Element::Value(json(value)?)),
            _ => Err(format!("{text:?} is not an f:, k: or v: element")),
        }
    }
}

/// A path from the object's root.
pub(crate) type Path = Vec<Element>;

/// Renders a path the way the API server names fields in conflicts:
/// `.spec.containers[name="web"].image`.
pub(crate) fn describe(path: &[Element]) -> String {
    let mut out = String::new();
    for element in path {
        match element {
            Element::Field(name) => {
                out.push('.');
                out.push_str(name);
            }
            Element::Key(key) => {
                let parts: Vec<String> = key.iter().map(|(k, v)| format!("{k}={v}")).collect();
                out.push_str(&format!("[{}]", parts.join(",")));
            }
            Element::Value(value) => out.push_str(&format!("[={value}]")),
        }
    }
    out
}

impl fmt::Display for Element {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.encode())
    }
}

/// A set of member paths, by their encoded form (which orders them).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct FieldSet {
    paths: BTreeMap<String, Path>,
}

impl FieldSet {
    /// The path's elements encoded and joined by NUL, in one string (what
    /// a [`Cursor`] keeps in step as it walks).
    #[cfg(test)]
    pub(crate) fn key(path: &[Element]) -> String {
        let mut key = String::new();
        for (index, element) in path.iter().enumerate() {
            if index > 0 {
                key.push('\u{0}');
            }
            element.encode_into(&mut key);
        }
        key
    }

    #[cfg(test)]
    pub(crate) fn insert(&mut self, path: Path) {
        self.paths.insert(FieldSet::key(&path), path);
    }

    /// Adds a member whose key ([`entries`](Self::entries)) is known.
    pub(crate) fn insert_keyed(&mut self, key: String, path: Path) {
        self.paths.insert(key, path);
    }

    /// Adds every member of `other` (taken whole when this set is empty).
    pub(crate) fn absorb(&mut self, other: FieldSet) {
        if self.paths.is_empty() {
            *self = other;
        } else {
            self.paths.extend(other.paths);
        }
    }

    #[cfg(test)]
    pub(crate) fn contains(&self, path: &[Element]) -> bool {
        self.paths.contains_key(&FieldSet::key(path))
    }

    /// Removes the member with this key (from [`entries`](Self::entries)).
    pub(crate) fn remove_key(&mut self, key: &str) {
        self.paths.remove(key);
    }

    /// Whether the member with this key (from [`entries`](Self::entries)) is in the set.
    pub(crate) fn contains_key(&self, key: &str) -> bool {
        self.paths.contains_key(key)
    }

    /// Whether any member is `path` or lies below it.
    pub(crate) fn covers(&self, path: &[Element]) -> bool {
        self.paths.values().any(|p| p.starts_with(path))
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    #[cfg(test)]
    pub(crate) fn paths(&self) -> impl Iterator<Item = &Path> {
        self.paths.values()
    }

    /// The members with their keys, in order: another set is asked about a
    /// member by its key without encoding the path again.
    pub(crate) fn entries(&self) -> impl Iterator<Item = (&str, &Path)> {
        self.paths.iter().map(|(key, path)| (key.as_str(), path))
    }

    /// The `fieldsV1` JSON of this set, built in place.
    pub(crate) fn to_fields_v1(&self) -> Value {
        let mut root = Map::new();
        let mut encoded = String::new();
        for path in self.paths.values() {
            add_member(&mut root, path, &mut encoded);
        }
        // The root has no parent to see it grow children.
        if self.paths.contains_key("") && !root.is_empty() {
            mark_member(&mut root);
        }
        Value::Object(root)
    }

    /// Reads `fieldsV1` JSON.
    pub(crate) fn from_fields_v1(value: &Value) -> Result<FieldSet, String> {
        let mut set = FieldSet::default();
        let Value::Object(root) = value else {
            return Err("fieldsV1 must be a JSON object".into());
        };
        read(root, &mut Cursor::default(), &mut set)?;
        Ok(set)
    }
}

/// The path a walk is at, with its key ([`FieldSet::key`]) kept in step:
/// each element is encoded once, when the walk enters it, not once for
/// every member below it.
#[derive(Default)]
struct Cursor {
    path: Path,
    key: String,
    /// The key's length before each element.
    marks: Vec<usize>,
}

impl Cursor {
    fn push(&mut self, element: Element) {
        self.marks.push(self.key.len());
        if !self.path.is_empty() {
            self.key.push('\u{0}');
        }
        element.encode_into(&mut self.key);
        self.path.push(element);
    }

    fn pop(&mut self) {
        self.path.pop();
        if let Some(mark) = self.marks.pop() {
            self.key.truncate(mark);
        }
    }

    /// Adds the path walked so far as a member.
    fn add_to(&self, set: &mut FieldSet) {
        set.insert_keyed(self.key.clone(), self.path.clone());
    }
}

/// Adds the member `path` below `node`. A node with members below it that
/// is itself a member is marked with `"."`: when its path ends at a node
/// that already has children, or goes on through a node that was there
/// and empty (a member leaf until now).
fn add_member(node: &mut Map<String, Value>, path: &[Element], encoded: &mut String) {
    let Some((first, rest)) = path.split_first() else {
        if !node.is_empty() {
            mark_member(node);
        }
        return;
    };
    encoded.clear();
    first.encode_into(encoded);
    let existed = node.contains_key(encoded.as_str());
    if !existed {
        node.insert(encoded.clone(), Value::Object(Map::new()));
    }
    if let Some(Value::Object(child)) = node.get_mut(encoded.as_str()) {
        if existed && child.is_empty() && !rest.is_empty() {
            mark_member(child);
        }
        add_member(child, rest, encoded);
    }
}

/// Marks a node with members below it as itself a member.
fn mark_member(node: &mut Map<String, Value>) {
    node.insert(".".into(), Value::Object(Map::new()));
}

fn read(node: &Map<String, Value>, prefix: &mut Cursor, set: &mut FieldSet) -> Result<(), String> {
    for (text, child) in node {
        if text == "." {
            prefix.add_to(set);
            continue;
        }
        let Value::Object(child) = child else {
            return Err(format!("the value of {text:?} must be a JSON object"));
        };
        prefix.push(Element::decode(text)?);
        if child.is_empty() {
            prefix.add_to(set);
        } else {
            read(child, prefix, set)?;
        }
        prefix.pop();
    }
    Ok(())
}

/// How a list's items are identified, from its schema.
pub(crate) enum ListKind<'a> {
    /// By the values of these item fields.
    Keyed(&'a [String]),
    /// By value.
    Set,
    /// Not at all: the list is one value.
    Atomic,
}

pub(crate) fn list_kind(field: Option<&FieldSchema>) -> ListKind<'_> {
    let Some(field) = field else {
        return ListKind::Atomic;
    };
    match field.list_type.as_deref() {
        Some("map") if !field.item_key_fields().is_empty() => ListKind::Keyed(field.item_key_fields()),
        Some("set") => ListKind::Set,
        Some(_) => ListKind::Atomic,
        None if field.has_strategy("merge") => match &field.patch_merge_key {
            Some(_) => ListKind::Keyed(field.patch_merge_key.as_slice()),
            None => ListKind::Set,
        },
        None => ListKind::Atomic,
    }
}

/// The key element of a keyed list item.
pub(crate) fn item_key(item: &Value, keys: &[String]) -> Option<Element> {
    // Sorted by name whatever `Map` keeps (serde_json's `preserve_order`
    // keeps insertion order): the `k:` text must be the same from every
    // path that writes it, and the API server sorts the key fields too.
    let sorted: BTreeMap<&str, &Value> = keys
        .iter()
        .filter_map(|k| item.get(k).map(|v| (k.as_str(), v)))
        .collect();
    let key: Map<String, Value> = sorted
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.clone()))
        .collect();
    (!key.is_empty()).then_some(Element::Key(key))
}

/// Whether a top-level member is owned by a manager: all but `apiVersion`
/// and `kind`, which name the type rather than set a field.
pub(crate) fn is_tracked_member(name: &str) -> bool {
    name != "apiVersion" && name != "kind"
}

/// Metadata that the server sets and no manager owns.
const SERVER_METADATA: [&str; 8] = [
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "managedFields",
    "selfLink",
];

/// Whether `name` is metadata the server sets, which no manager owns.
pub(crate) fn is_server_metadata(name: &str) -> bool {
    SERVER_METADATA.contains(&name)
}

/// Whether a value at this field and node is one member however many
/// members it has: a struct or map declared atomic.
pub(crate) fn is_atomic_struct(field: Option<&FieldSchema>, node: Node) -> bool {
    matches!(node, Node::Struct(s) if s.is_atomic())
        || field.is_some_and(|f| f.map_type.as_deref() == Some("atomic"))
}

/// The fields an object sets: leaves, keyed list items, set items, and
/// atomic lists and structs as single members. `apiVersion`, `kind` and the
/// server-set metadata are left out, as the API server leaves them out.
pub(crate) fn fields_of(object: &Value, root: Node) -> FieldSet {
    let mut set = FieldSet::default();
    let mut path = Cursor::default();
    if let Value::Object(members) = object {
        for (name, value) in members {
            if !is_tracked_member(name) {
                continue;
            }
            let (field, node) = root.member(name);
            path.push(Element::Field(name.clone()));
            if name == "metadata" {
                if let Value::Object(meta) = value {
                    for (meta_name, meta_value) in meta.iter().filter(|(k, _)| !is_server_metadata(k)) {
                        let (meta_field, meta_node) = node.member(meta_name);
                        path.push(Element::Field(meta_name.clone()));
                        collect(meta_value, meta_field, meta_node, &mut path, &mut set);
                        path.pop();
                    }
                }
            } else {
                collect(value, field, node, &mut path, &mut set);
            }
            path.pop();
        }
    }
    set
}

fn collect(value: &Value, field: Option<&FieldSchema>, node: Node, path: &mut Cursor, set: &mut FieldSet) {
    match value {
        Value::Object(members) if !members.is_empty() && !is_atomic_struct(field, node) => {
            for (name, child) in members {
                let (child_field, child_node) = node.member(name);
                path.push(Element::Field(name.clone()));
                collect(child, child_field, child_node, path, set);
                path.pop();
            }
        }
        Value::Array(items) => match list_kind(field) {
            ListKind::Keyed(keys) => {
                for item in items {
                    let Some(key) = item_key(item, keys) else {
                        continue;
                    };
                    path.push(key);
                    path.add_to(set);
                    if let Value::Object(members) = item {
                        for (name, child) in members {
                            let (child_field, child_node) = node.member(name);
                            path.push(Element::Field(name.clone()));
                            collect(child, child_field, child_node, path, set);
                            path.pop();
                        }
                    }
                    path.pop();
                }
            }
            ListKind::Set => {
                for item in items {
                    path.push(Element::Value(item.clone()));
                    path.add_to(set);
                    path.pop();
                }
            }
            ListKind::Atomic => path.add_to(set),
        },
        _ => path.add_to(set),
    }
}

/// The value at a path, if the object has it.
pub(crate) fn value_at<'a>(object: &'a Value, path: &[Element]) -> Option<&'a Value> {
    let mut current = object;
    for element in path {
        current = match element {
            Element::Field(name) => current.get(name)?,
            Element::Key(key) => current
                .as_array()?
                .iter()
                .find(|item| key.iter().all(|(k, v)| item.get(k) == Some(v)))?,
            Element::Value(value) => current.as_array()?.iter().find(|item| *item == value)?,
        };
    }
    Some(current)
}

/// Removes the value at a path, if the object has it.
pub(crate) fn remove_at(object: &mut Value, path: &[Element]) {
    let Some((last, parent_path)) = path.split_last() else {
        return;
    };
    let mut current = object;
    for element in parent_path {
        let next = match element {
            Element::Field(name) => current.get_mut(name),
            Element::Key(key) => current.as_array_mut().and_then(|items| {
                items
                    .iter_mut()
                    .find(|item| key.iter().all(|(k, v)| item.get(k) == Some(v)))
            }),
            Element::Value(value) => current
                .as_array_mut()
                .and_then(|items| items.iter_mut().find(|item| *item == value)),
        };
        let Some(next) = next else { return };
        current = next;
    }
    match (last, current) {
        (Element::Field(name), Value::Object(members)) => {
            members.remove(name);
        }
        (Element::Key(key), Value::Array(items)) => {
            items.retain(|item| !key.iter().all(|(k, v)| item.get(k) == Some(v)))
        }
        (Element::Value(value), Value::Array(items)) => items.retain(|item| item != value),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    #[test]
    fn members_with_children_are_marked_with_a_dot() -> Result<(), String> {
        let fields = json!({"f:spec": {"f:containers": {"k:{\"name\":\"a\"}": {".": {}, "f:image": {}}}, "f:finalizers": {"v:\"x\"": {}}}});
        let set = FieldSet::from_fields_v1(&fields)?;
        assert_eq!(set.to_fields_v1(), fields);
        assert!(set.contains(&[
            Element::Field("spec".into()),
            Element::Field("finalizers".into()),
            Element::Value(json!("x"))
        ]));
        Ok(())
    }

    #[test]
    fn paths_are_named_as_the_api_server_names_them() {
        let key = match json!({"name": "web"}) {
            Value::Object(key) => key,
            _ => Map::new(),
        };
        let path = [
            Element::Field("spec".into()),
            Element::Field("containers".into()),
            Element::Key(key),
            Element::Field("image".into()),
        ];
        assert_eq!(describe(&path), r#".spec.containers[name="web"].image"#);
        assert_eq!(
            describe(&[Element::Field("f".into()), Element::Value(json!("x"))]),
            r#".f[="x"]"#
        );
    }

    #[test]
    fn malformed_fields_v1_is_an_error() {
        assert!(FieldSet::from_fields_v1(&json!([])).is_err());
        assert!(FieldSet::from_fields_v1(&json!({"f:a": 1})).is_err());
        assert!(FieldSet::from_fields_v1(&json!({"k:[1]": {}})).is_err());
        assert!(FieldSet::from_fields_v1(&json!({"v:{": {}})).is_err());
    }

    fn element() -> impl Strategy<Value = Element> {
        prop_oneof![
            "[a-z]{1,3}".prop_map(Element::Field),
            "[a-z]{1,3}".prop_map(|v| Element::Value(json!(v))),
            ("[a-z]{1,3}", 0..3i64).prop_map(|(k, v)| {
                let mut key = Map::new();
                key.insert(k, json!(v));
                Element::Key(key)
            }),
        ]
    }

    proptest! {
        #[test]
        fn fields_v1_round_trips(paths in prop::collection::vec(prop::collection::vec(element(), 1..4), 0..6)) {
            let mut set = FieldSet::default();
            for path in paths {
                set.insert(path);
            }
            prop_assert_eq!(FieldSet::from_fields_v1(&set.to_fields_v1()), Ok(set));
        }

        /// Paths that share prefixes and are prefixes of each other (the
        /// root among them), which is where `"."` marks go: the same JSON
        /// as the nested tree the set used to be rendered through.
        #[test]
        fn nested_members_render_as_a_tree_does(paths in prop::collection::vec(prop::collection::vec("[ab]".prop_map(Element::Field), 0..4), 0..8)) {
            let mut set = FieldSet::default();
            for path in paths {
                set.insert(path);
            }
            prop_assert_eq!(set.to_fields_v1(), rendered_as_a_tree(&set));
        }
    }

    #[derive(Default)]
    struct Tree {
        member: bool,
        children: BTreeMap<String, Tree>,
    }

    fn rendered_as_a_tree(set: &FieldSet) -> Value {
        fn render(tree: &Tree) -> Value {
            let mut out: Map<String, Value> = tree
                .children
                .iter()
                .map(|(k, child)| (k.clone(), render(child)))
                .collect();
            if tree.member && !tree.children.is_empty() {
                out.insert(".".into(), Value::Object(Map::new()));
            }
            Value::Object(out)
        }
        let mut root = Tree::default();
        for path in set.paths() {
            let mut node = &mut root;
            for element in path {
                node = node.children.entry(element.encode()).or_default();
            }
            node.member = true;
        }
        render(&root)
    }
}
