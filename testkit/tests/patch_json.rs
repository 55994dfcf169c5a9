//! JSON patch (RFC 6902): the examples of Appendix A, and error messages.

use rudder_testkit::patch::{PatchError, json_patch};
use serde_json::{Value, json};

fn ok(doc: Value, patch: Value, expected: Value) {
    assert_eq!(json_patch(&doc, &patch), Ok(expected), "patch {patch}");
}

fn err(doc: Value, patch: Value) -> String {
    match json_patch(&doc, &patch) {
        Ok(value) => panic!("patch {patch} should fail, gave {value}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn rfc6902_a1_adding_an_object_member() {
    ok(
        json!({"foo": "bar"}),
        json!([{"op": "add", "path": "/baz", "value": "qux"}]),
        json!({"baz": "qux", "foo": "bar"}),
    );
}

#[test]
fn rfc6902_a2_adding_an_array_element() {
    ok(
        json!({"foo": ["bar", "baz"]}),
        json!([{"op": "add", "path": "/foo/1", "value": "qux"}]),
        json!({"foo": ["bar", "qux", "baz"]}),
    );
}

#[test]
fn rfc6902_a3_removing_an_object_member() {
    ok(
        json!({"baz": "qux", "foo": "bar"}),
        json!([{"op": "remove", "path": "/baz"}]),
        json!({"foo": "bar"}),
    );
}

#[test]
fn rfc6902_a4_removing_an_array_element() {
    ok(
        json!({"foo": ["bar", "qux", "baz"]}),
        json!([{"op": "remove", "path": "/foo/1"}]),
        json!({"foo": ["bar", "baz"]}),
    );
}

#[test]
fn rfc6902_a5_replacing_a_value() {
    ok(
        json!({"baz": "qux", "foo": "bar"}),
        json!([{"op": "replace", "path": "/baz", "value": "boo"}]),
        json!({"baz": "boo", "foo": "bar"}),
    );
}

#[test]
fn rfc6902_a6_moving_a_value() {
    ok(
        json!({"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}}),
        json!([{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}]),
        json!({"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}}),
    );
}

#[test]
fn rfc6902_a7_moving_an_array_element() {
    ok(
        json!({"foo": ["all", "grass", "cows", "eat"]}),
        json!([{"op": "move", "from": "/foo/1", "path": "/foo/3"}]),
        json!({"foo": ["all", "cows", "eat", "grass"]}),
    );
}

#[test]
fn rfc6902_a8_testing_a_value_success() {
    let doc = json!({"baz": "qux", "foo": ["a", 2, "c"]});
    ok(
        doc.clone(),
        json!([{"op": "test", "path": "/baz", "value": "qux"}, {"op": "test", "path": "/foo/1", "value": 2}]),
        doc,
    );
}

#[test]
fn rfc6902_a9_testing_a_value_error_names_the_operation() {
    insta::assert_snapshot!(err(json!({"baz": "qux"}), json!([{"op": "test", "path": "/baz", "value": "bar"}])), @r#"JSON patch operation 0 (test /baz): test failed: expected "bar", found "qux""#);
}

#[test]
fn rfc6902_a10_adding_a_nested_member_object() {
    ok(
        json!({"foo": "bar"}),
        json!([{"op": "add", "path": "/child", "value": {"grandchild": {}}}]),
        json!({"foo": "bar", "child": {"grandchild": {}}}),
    );
}

#[test]
fn rfc6902_a11_ignoring_unrecognized_elements() {
    ok(
        json!({"foo": "bar"}),
        json!([{"op": "add", "path": "/baz", "value": "qux", "xyz": 123}]),
        json!({"foo": "bar", "baz": "qux"}),
    );
}

#[test]
fn rfc6902_a12_adding_to_a_nonexistent_target_fails() {
    insta::assert_snapshot!(err(json!({"foo": "bar"}), json!([{"op": "add", "path": "/baz/bat", "value": "qux"}])), @"JSON patch operation 0 (add /baz/bat): path /baz does not exist");
}

#[test]
fn rfc6902_a14_escape_ordering() {
    let doc = json!({"/": 9, "~1": 10});
    ok(
        doc.clone(),
        json!([{"op": "test", "path": "/~01", "value": 10}]),
        doc,
    );
}

#[test]
fn rfc6902_a15_strings_and_numbers_differ() {
    insta::assert_snapshot!(err(json!({"/": 9, "~1": 10}), json!([{"op": "test", "path": "/~01", "value": "10"}])), @r#"JSON patch operation 0 (test /~01): test failed: expected "10", found 10"#);
}

#[test]
fn rfc6902_a16_adding_an_array_value_with_dash_appends() {
    ok(
        json!({"foo": ["bar"]}),
        json!([{"op": "add", "path": "/foo/-", "value": ["abc", "def"]}]),
        json!({"foo": ["bar", ["abc", "def"]]}),
    );
}

#[test]
fn copy_duplicates_and_root_replace_swaps_the_document() {
    ok(
        json!({"a": {"b": 1}}),
        json!([{"op": "copy", "from": "/a", "path": "/c"}]),
        json!({"a": {"b": 1}, "c": {"b": 1}}),
    );
    ok(
        json!({"a": 1}),
        json!([{"op": "replace", "path": "", "value": [1]}]),
        json!([1]),
    );
}

#[test]
fn numbers_test_equal_by_value() {
    ok(
        json!({"n": 1}),
        json!([{"op": "test", "path": "/n", "value": 1.0}]),
        json!({"n": 1}),
    );
}

#[test]
fn a_failure_leaves_nothing_applied() {
    let doc = json!({"a": 1});
    let patch = json!([{"op": "add", "path": "/b", "value": 2}, {"op": "remove", "path": "/zzz"}]);
    assert!(matches!(
        json_patch(&doc, &patch),
        Err(PatchError::Operation { index: 1, .. })
    ));
    assert_eq!(doc, json!({"a": 1}));
}

#[test]
fn bad_operations_say_which_and_why() {
    let doc = json!({"list": [1, 2]});
    let messages = [
        json!({"op": "add"}),
        json!([{"op": "frobnicate", "path": "/a"}]),
        json!([{"path": "/a"}]),
        json!([{"op": "add", "path": "/a"}]),
        json!([{"op": "move", "path": "/a"}]),
        json!([{"op": "add", "path": "/list/5", "value": 0}]),
        json!([{"op": "remove", "path": "/list/01"}]),
        json!([{"op": "replace", "path": "/list/2", "value": 0}]),
        json!([{"op": "move", "from": "/list", "path": "/list/0"}]),
        json!([{"op": "remove", "path": ""}]),
        json!([{"op": "add", "path": "list"}]),
        json!([{"op": "add", "path": "/list/0/x", "value": 1}]),
        json!([1]),
    ]
    .map(|patch| err(doc.clone(), patch));
    insta::assert_snapshot!(messages.join("\n"));
}
