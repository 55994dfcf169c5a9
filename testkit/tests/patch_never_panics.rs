//! Whatever the input, patching returns a value or an error, never a panic;
//! and the laws each patch type keeps hold for any document. A few dozen
//! cases in `cargo test`; set `PROPTEST_CASES` for a long run.

mod proptest_support;

use proptest::prelude::*;
use proptest_support::cases;
use rudder::types::GroupVersionKind;
use rudder_testkit::patch::{
    ApplyRequest, ManagedFieldsEntry, apply, json_patch, merge_patch, record_update, schema_for,
    strategic_merge,
};
use serde_json::{Map, Value, json};

/// Keys that hit schema fields, directives and pointer syntax often.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("spec".to_string()),
        Just("containers".to_string()),
        Just("name".to_string()),
        Just("metadata".to_string()),
        Just("finalizers".to_string()),
        Just("$patch".to_string()),
        Just("$retainKeys".to_string()),
        Just("$setElementOrder/containers".to_string()),
        Just("$deleteFromPrimitiveList/finalizers".to_string()),
        Just("f:spec".to_string()),
        Just("k:{\"name\":\"a\"}".to_string()),
        "[a-z~/.:-]{0,4}",
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|n| json!(n)),
        prop_oneof![
            Just("delete"),
            Just("replace"),
            Just("merge"),
            Just("a"),
            Just("/a/0"),
            Just("-")
        ]
        .prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..5)
                .prop_map(|members| Value::Object(members.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn operation() -> impl Strategy<Value = Value> {
    let op = prop_oneof![
        Just("add"),
        Just("remove"),
        Just("replace"),
        Just("move"),
        Just("copy"),
        Just("test"),
        Just("x")
    ];
    let path = "(/[a-z0-9~-]{0,2}){0,3}";
    (op, path, path, json_value())
        .prop_map(|(op, path, from, value)| json!({"op": op, "path": path, "from": from, "value": value}))
}

proptest! {
    #![proptest_config(cases(64))]

    #[test]
    fn json_patch_never_panics(doc in json_value(), ops in prop::collection::vec(operation(), 0..6)) {
        let _ = json_patch(&doc, &Value::Array(ops));
    }

    #[test]
    fn merge_patch_never_panics(doc in json_value(), patch in json_value()) {
        let _ = merge_patch(&doc, &patch);
    }

    #[test]
    fn strategic_merge_never_panics(doc in json_value(), patch in json_value()) {
        for kind in [GroupVersionKind::new("", "v1", "Pod"), GroupVersionKind::new("apps", "v1", "Deployment")] {
            if let Ok(schema) = schema_for(&kind) {
                let _ = strategic_merge(&doc, &patch, schema);
            }
        }
    }

    #[test]
    fn apply_and_record_update_never_panic(live in json_value(), config in json_value(), fields in json_value(), force in any::<bool>()) {
        let schema = schema_for(&GroupVersionKind::new("", "v1", "Pod")).ok();
        let mut entry = ManagedFieldsEntry::default();
        entry.manager = "other".into();
        entry.operation = "Update".into();
        entry.fields_v1 = Some(fields);
        let managed = vec![entry];
        let request = ApplyRequest::new("me", "2026-01-01T00:00:00Z").schema(schema);
        let request = if force { request.force() } else { request };
        let _ = apply(Some(&live), &config, &request, &managed);
        let _ = apply(None, &config, &request, &managed);
        let _ = record_update(Some(&live), &config, "me", "2026-01-01T00:00:00Z", schema, &managed);
    }
}

proptest! {
    #![proptest_config(cases(64))]

    /// RFC 7386: a merge patch applied twice changes nothing the second time.
    #[test]
    fn a_merge_patch_is_idempotent(doc in json_value(), patch in json_value()) {
        let once = merge_patch(&doc, &patch).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(merge_patch(&once, &patch), Ok(once));
    }

    /// An added member tests equal to what was added, and removing it
    /// gives back the document.
    #[test]
    fn json_patch_add_then_test_then_remove_is_the_original(members in prop::collection::btree_map("[a-z]{1,4}", json_value(), 0..4), value in json_value()) {
        let doc = Value::Object(members.into_iter().collect());
        prop_assume!(doc.get("new").is_none());
        let patch = json!([
            {"op": "add", "path": "/new", "value": value},
            {"op": "test", "path": "/new", "value": value},
            {"op": "remove", "path": "/new"},
        ]);
        prop_assert_eq!(json_patch(&doc, &patch), Ok(doc));
    }

    /// Applying the same configuration again as the same manager keeps the
    /// object and its ownership.
    #[test]
    fn applying_the_same_configuration_twice_changes_nothing(data in prop::collection::btree_map("[a-z]{1,4}", "[a-z0-9]{0,4}", 0..4), labels in prop::collection::btree_map("[a-z]{1,4}", "[a-z0-9]{1,4}", 0..3)) {
        let config = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": labels}, "data": data});
        let request = ApplyRequest::new("me", "2026-01-01T00:00:00Z");
        let first = apply(None, &config, &request, &[]).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let second = apply(Some(&first.object), &config, &request, &first.managed_fields).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(second, first);
    }
}
