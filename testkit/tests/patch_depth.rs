//! No input nests deep enough to overflow the caller's stack: every patch
//! function refuses a value deeper than `MAX_DEPTH` with an error naming the
//! limit, and handles one exactly `MAX_DEPTH` deep. Each test runs on a
//! thread with a 2 MiB stack, the default of spawned threads and tokio
//! workers, so an overflow aborts the test binary.

use rudder::types::GroupVersionKind;
use rudder_testkit::patch::{
    ApplyRequest, MAX_DEPTH, ManagedFieldsEntry, PatchError, apply, json_patch, merge_patch, record_update,
    schema_for, strategic_merge,
};
use serde_json::{Value, json};

/// An object of `depth` objects and arrays, alternating, with a string inside.
fn nested(depth: usize) -> Value {
    (0..depth).fold(json!("leaf"), |inner, level| {
        if level % 2 == 0 {
            json!({ "a": inner })
        } else {
            json!([inner])
        }
    })
}

/// Objects only, as `fieldsV1` and strategic merge patches nest.
fn nested_objects(depth: usize) -> Value {
    (0..depth).fold(json!({}), |inner, _| json!({ "f:a": inner }))
}

fn on_small_stack<T: Send + 'static>(run: impl FnOnce() -> T + Send + 'static) -> T {
    let thread = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(run)
        .expect("a thread can be spawned");
    thread.join().expect("the patch function returned")
}

fn too_deep(what: &str) -> PatchError {
    PatchError::TooDeep {
        what: what.to_owned(),
        limit: MAX_DEPTH,
    }
}

fn request() -> ApplyRequest<'static> {
    ApplyRequest::new("me", "2026-01-01T00:00:00Z")
        .schema(schema_for(&GroupVersionKind::new("", "v1", "Pod")).ok())
}

#[test]
fn a_strategic_merge_patch_500_deep_is_refused_naming_the_limit() {
    let result = on_small_stack(|| {
        let schema = schema_for(&GroupVersionKind::new("", "v1", "Pod"))?;
        strategic_merge(&json!({}), &json!({"spec": nested(500)}), schema)
    });
    assert_eq!(result, Err(too_deep("the strategic merge patch")));
    assert_eq!(
        too_deep("the strategic merge patch").to_string(),
        format!(
            "the strategic merge patch is nested more than {MAX_DEPTH} levels deep, the most a patch may handle"
        )
    );
}

#[test]
fn a_merge_patch_500_deep_is_refused() {
    let result = on_small_stack(|| merge_patch(&json!({}), &nested_objects(500)));
    assert_eq!(result, Err(too_deep("the merge patch")));
}

#[test]
fn a_json_patch_with_a_value_or_object_500_deep_is_refused() {
    let result = on_small_stack(|| {
        let patch = json!([{"op": "test", "path": "", "value": nested(500)}]);
        json_patch(&nested(500), &patch)
    });
    assert_eq!(result, Err(too_deep("the JSON patch")));
    let result = on_small_stack(|| json_patch(&nested(500), &json!([])));
    assert_eq!(result, Err(too_deep("the object to patch")));
}

#[test]
fn a_json_patch_that_copies_the_object_into_itself_past_the_limit_is_refused() {
    let copy = json!({"op": "copy", "from": "", "path": "/a"});
    let patch = Value::Array(vec![copy; 4]);
    let result = on_small_stack(move || json_patch(&json!({"x": nested(MAX_DEPTH - 3)}), &patch));
    assert_eq!(result, Err(too_deep("the patched object")));
}

#[test]
fn apply_and_record_update_refuse_objects_and_fields_v1_500_deep() {
    let (deep_object, deep_fields) = on_small_stack(|| {
        let deep_config = json!({"apiVersion": "v1", "kind": "Pod", "spec": nested(500)});
        let object = apply(None, &deep_config, &request(), &[]).map(|_| ());
        let mut entry = ManagedFieldsEntry::default();
        entry.manager = "other".into();
        entry.operation = "Update".into();
        entry.fields_v1 = Some(nested_objects(500));
        let pod = json!({"apiVersion": "v1", "kind": "Pod"});
        let fields =
            record_update(Some(&pod), &pod, "me", "2026-01-01T00:00:00Z", None, &[entry]).map(|_| ());
        (object, fields)
    });
    assert_eq!(deep_object, Err(too_deep("the applied or written object")));
    assert_eq!(deep_fields, Err(too_deep("the fieldsV1 of manager \"other\"")));
}

#[test]
fn every_patch_function_handles_an_input_exactly_max_depth_deep() {
    let results = on_small_stack(|| {
        let deep = || json!({"spec": nested(MAX_DEPTH - 1)});
        let schema = schema_for(&GroupVersionKind::new("", "v1", "Pod"))?;
        let merged = merge_patch(&deep(), &deep())?;
        let strategic = strategic_merge(&deep(), &deep(), schema)?;
        // The operation's own array and object leave MAX_DEPTH - 2 for its value.
        let test = json!([{"op": "test", "path": "/spec/a", "value": nested(MAX_DEPTH - 2)}]);
        let patched = json_patch(&deep(), &test)?;
        let first = apply(None, &deep(), &request(), &[])?;
        let again = apply(Some(&first.object), &deep(), &request(), &first.managed_fields)?;
        let owners = record_update(None, &deep(), "writer", "2026-01-01T00:00:00Z", None, &[])?;
        Ok::<_, PatchError>((merged, strategic, patched, again.object, owners.len()))
    });
    let (merged, strategic, patched, applied, owners) = results.expect("MAX_DEPTH is within the limit");
    let expected = json!({"spec": nested(MAX_DEPTH - 1)});
    assert_eq!(merged, expected);
    assert_eq!(strategic, expected);
    assert_eq!(patched, expected);
    assert_eq!(applied["spec"], expected["spec"]);
    assert_eq!(owners, 1);
}

/// Through the fake's own PATCH a document that deep never reaches the patch
/// functions: the JSON decoder stops at 128 levels and the YAML decoder (of
/// apply bodies) at 64, and the answer is a 400 Status naming the depth.
#[test]
fn the_fake_answers_a_too_deep_apply_with_a_status_naming_the_depth() {
    use http::Method;
    use rudder::Rest;
    use rudder::rest::{RequestBuilder, ResourcePath};
    use rudder_testkit::FakeCluster;

    let answer = on_small_stack(|| {
        let inner = (0..500).fold("x".to_owned(), |inner, _| format!("{{a: {inner}}}"));
        let yaml = format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata: {inner}\n");
        let path = ResourcePath::new("", "v1", "configmaps")
            .namespace("default")
            .name("deep");
        let request = RequestBuilder::new(Method::PATCH, &path)
            .expect("a path")
            .query("fieldManager", "me")
            .body(yaml, "application/apply-patch+yaml")
            .build();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        let response = runtime.block_on(FakeCluster::new().send(request.expect("a request")));
        response.map(|response| {
            (
                response.status().as_u16(),
                String::from_utf8_lossy(response.body()).into_owned(),
            )
        })
    });
    let (code, body) = answer.expect("an answer");
    assert_eq!(code, 400, "{body}");
    let status: Value = serde_json::from_str(&body).expect("a Status body");
    assert_eq!(status["kind"], "Status");
    let message = status["message"].as_str().unwrap_or_default();
    assert!(message.to_lowercase().contains("depth"), "{message}");
}
