//! Server-side apply and managedFields bookkeeping.

use rudder::types::GroupVersionKind;
use rudder_testkit::patch::{
    Applied, ApplyRequest, ManagedFieldsEntry, PatchError, apply, record_update, schema_for,
};
use serde_json::{Value, json};

const T0: &str = "2026-01-01T00:00:00Z";
const T1: &str = "2026-01-01T00:01:00Z";

fn request(manager: &str, force: bool) -> ApplyRequest<'_> {
    let schema = schema_for(&GroupVersionKind::new("apps", "v1", "Deployment")).ok();
    assert!(schema.is_some());
    let request = ApplyRequest::new(manager, T1).schema(schema);
    if force { request.force() } else { request }
}

fn deployment(replicas: u32, labels: Value, containers: Value) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "labels": labels},
        "spec": {"replicas": replicas, "template": {"spec": {"containers": containers}}}
    })
}

fn applied(
    live: Option<&Value>,
    config: &Value,
    request: &ApplyRequest<'_>,
    managed: &[ManagedFieldsEntry],
) -> Applied {
    apply(live, config, request, managed).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn create_on_apply_records_the_applied_fields() {
    let config = deployment(
        2,
        json!({"app": "web"}),
        json!([{"name": "web", "image": "nginx"}]),
    );
    let result = applied(None, &config, &request("kubectl", false), &[]);
    assert_eq!(result.object["spec"]["replicas"], 2);
    insta::assert_json_snapshot!(result.object["metadata"]["managedFields"], @r#"
    [
      {
        "apiVersion": "apps/v1",
        "fieldsType": "FieldsV1",
        "fieldsV1": {
          "f:metadata": {
            "f:labels": {
              "f:app": {}
            }
          },
          "f:spec": {
            "f:replicas": {},
            "f:template": {
              "f:spec": {
                "f:containers": {
                  "k:{\"name\":\"web\"}": {
                    ".": {},
                    "f:image": {},
                    "f:name": {}
                  }
                }
              }
            }
          }
        },
        "manager": "kubectl",
        "operation": "Apply",
        "time": "2026-01-01T00:01:00Z"
      }
    ]
    "#);
}

/// The live object as the other manager left it: created by `kubectl
/// create`-style update with 3 replicas.
fn owned_by_client_side_apply() -> (Value, Vec<ManagedFieldsEntry>) {
    let live = deployment(
        3,
        json!({"app": "web"}),
        json!([{"name": "web", "image": "nginx"}]),
    );
    let schema = schema_for(&GroupVersionKind::new("apps", "v1", "Deployment")).ok();
    let managed =
        record_update(None, &live, "kubectl-client-side-apply", T0, schema, &[]).unwrap_or_default();
    (live, managed)
}

#[test]
fn a_field_owned_by_another_manager_with_another_value_conflicts() {
    let (live, managed) = owned_by_client_side_apply();
    let config = deployment(
        5,
        json!({"app": "web"}),
        json!([{"name": "web", "image": "nginx"}]),
    );
    let error = apply(Some(&live), &config, &request("kubectl", false), &managed).map(|a| a.object);
    let Err(error @ PatchError::Conflicts { .. }) = error else {
        panic!("expected a conflict, got {error:?}");
    };
    assert_eq!(
        error.to_string(),
        r#"Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas"#
    );
}

#[test]
fn several_conflicts_are_listed_one_per_line() {
    let (live, managed) = owned_by_client_side_apply();
    let config = deployment(
        5,
        json!({"app": "api"}),
        json!([{"name": "web", "image": "httpd"}]),
    );
    let error = apply(Some(&live), &config, &request("kubectl", false), &managed).map(|a| a.object);
    insta::assert_snapshot!(error.map(|o| o.to_string()).unwrap_or_else(|e| e.to_string()), @r#"
    Apply failed with 3 conflicts: conflicts with "kubectl-client-side-apply" using apps/v1:
    - .metadata.labels.app
    - .spec.replicas
    - .spec.template.spec.containers[name="web"].image
    "#);
}

#[test]
fn conflicts_are_grouped_by_manager() {
    let (live, managed) = owned_by_client_side_apply();
    let labelled = applied(
        Some(&live),
        &json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"labels": {"team": "a"}}}),
        &request("labeller", false),
        &managed,
    );
    let config = deployment(
        5,
        json!({"app": "web", "team": "b"}),
        json!([{"name": "web", "image": "nginx"}]),
    );
    let error = apply(
        Some(&labelled.object),
        &config,
        &request("kubectl", false),
        &labelled.managed_fields,
    )
    .map(|a| a.object);
    insta::assert_snapshot!(error.map(|o| o.to_string()).unwrap_or_else(|e| e.to_string()), @r#"
    Apply failed with 2 conflicts: conflicts with "labeller" using apps/v1:
    - .metadata.labels.team
    conflicts with "kubectl-client-side-apply" using apps/v1:
    - .spec.replicas
    "#);
}

#[test]
fn the_same_value_is_shared_without_conflict() {
    let (live, managed) = owned_by_client_side_apply();
    let config = deployment(
        3,
        json!({"app": "web"}),
        json!([{"name": "web", "image": "nginx"}]),
    );
    let result = applied(Some(&live), &config, &request("kubectl", false), &managed);
    let managers: Vec<&str> = result.managed_fields.iter().map(|e| e.manager.as_str()).collect();
    assert_eq!(managers, vec!["kubectl-client-side-apply", "kubectl"]);
}

#[test]
fn force_takes_ownership_from_the_other_manager() {
    let (live, managed) = owned_by_client_side_apply();
    let config = deployment(
        5,
        json!({"app": "web"}),
        json!([{"name": "web", "image": "nginx"}]),
    );
    let result = applied(Some(&live), &config, &request("kubectl", true), &managed);
    assert_eq!(result.object["spec"]["replicas"], 5);
    let other = &result.managed_fields[0];
    assert_eq!(other.manager, "kubectl-client-side-apply");
    let other_fields = other.fields_v1.clone().unwrap_or_default();
    assert_eq!(other_fields["f:spec"].get("f:replicas"), None);
    assert!(other_fields["f:metadata"]["f:labels"].get("f:app").is_some());
}

#[test]
fn fields_dropped_from_the_config_are_removed_unless_someone_else_owns_them() {
    let first = deployment(
        2,
        json!({"a": "1", "b": "2"}),
        json!([{"name": "web", "image": "nginx"}, {"name": "sidecar", "image": "envoy"}]),
    );
    let created = applied(None, &first, &request("kubectl", false), &[]);
    let second = deployment(2, json!({"a": "1"}), json!([{"name": "web", "image": "nginx"}]));
    let result = applied(
        Some(&created.object),
        &second,
        &request("kubectl", false),
        &created.managed_fields,
    );
    assert_eq!(result.object["metadata"]["labels"], json!({"a": "1"}));
    assert_eq!(
        result.object["spec"]["template"]["spec"]["containers"],
        json!([{"name": "web", "image": "nginx"}])
    );

    // Another manager that also applied label b keeps it alive.
    let other = applied(
        Some(&created.object),
        &json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"labels": {"b": "2"}}}),
        &request("labeller", false),
        &created.managed_fields,
    );
    let result = applied(
        Some(&other.object),
        &second,
        &request("kubectl", false),
        &other.managed_fields,
    );
    assert_eq!(result.object["metadata"]["labels"], json!({"a": "1", "b": "2"}));
}

#[test]
fn fields_of_other_managers_are_kept_when_merging() {
    let (live, managed) = owned_by_client_side_apply();
    let config =
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"annotations": {"note": "x"}}});
    let result = applied(Some(&live), &config, &request("kubectl", false), &managed);
    assert_eq!(result.object["spec"]["replicas"], 3);
    assert_eq!(result.object["metadata"]["annotations"], json!({"note": "x"}));
    assert_eq!(result.object["metadata"]["name"], "web");
}

#[test]
fn lists_of_custom_resources_are_atomic() {
    let request = ApplyRequest::new("ctl", T0);
    let live = json!({"apiVersion": "example.com/v1", "kind": "Foo", "spec": {"items": [{"name": "a"}, {"name": "b"}]}});
    let created = applied(None, &live, &request, &[]);
    assert_eq!(
        created.managed_fields[0].fields_v1,
        Some(json!({"f:spec": {"f:items": {}}}))
    );
    let config = json!({"apiVersion": "example.com/v1", "kind": "Foo", "spec": {"items": [{"name": "c"}]}});
    let result = applied(Some(&created.object), &config, &request, &created.managed_fields);
    assert_eq!(result.object["spec"]["items"], json!([{"name": "c"}]));
}

#[test]
fn updates_move_changed_fields_to_the_updater() {
    let (live, managed) = owned_by_client_side_apply();
    let mut scaled = live.clone();
    scaled["spec"]["replicas"] = json!(4);
    let schema = schema_for(&GroupVersionKind::new("apps", "v1", "Deployment")).ok();
    let entries = record_update(Some(&live), &scaled, "hpa", T1, schema, &managed).unwrap_or_default();
    let summary: Vec<(String, String, Value)> = entries
        .iter()
        .map(|e| {
            (
                e.manager.clone(),
                e.operation.clone(),
                e.fields_v1.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(summary.len(), 2);
    assert_eq!(summary[0].2["f:spec"].get("f:replicas"), None);
    assert_eq!(
        summary[1],
        (
            "hpa".into(),
            "Update".into(),
            json!({"f:spec": {"f:replicas": {}}})
        )
    );
}

#[test]
fn managed_fields_round_trip_through_the_object() {
    let (mut live, managed) = owned_by_client_side_apply();
    ManagedFieldsEntry::write_to(&mut live, &managed);
    assert_eq!(ManagedFieldsEntry::from_object(&live), Ok(managed));
    let broken = json!({"metadata": {"managedFields": "nope"}});
    assert!(matches!(
        ManagedFieldsEntry::from_object(&broken),
        Err(PatchError::ManagedFields(_))
    ));
    let bad_fields = json!([{"manager": "m", "operation": "Apply", "fieldsV1": {"x:y": {}}}]);
    let entries: Vec<ManagedFieldsEntry> = serde_json::from_value(bad_fields).unwrap_or_default();
    let error = apply(None, &json!({}), &request("m", false), &entries).map(|a| a.object);
    insta::assert_snapshot!(error.map(|o| o.to_string()).unwrap_or_else(|e| e.to_string()), @r#"invalid metadata.managedFields: manager "m": "x:y" is not an f:, k: or v: element"#);
}

#[test]
fn an_unmanaged_object_belongs_to_before_first_apply() {
    let live = deployment(
        3,
        json!({"app": "web"}),
        json!([{"name": "web", "image": "nginx"}]),
    );
    let config = deployment(
        5,
        json!({"app": "web"}),
        json!([{"name": "web", "image": "nginx"}]),
    );
    let error = apply(Some(&live), &config, &request("kubectl", false), &[]).map(|a| a.object);
    assert_eq!(
        error.map_err(|e| e.to_string()),
        Err(r#"Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas"#.to_string())
    );
    let forced = applied(Some(&live), &config, &request("kubectl", true), &[]);
    let managers: Vec<&str> = forced.managed_fields.iter().map(|e| e.manager.as_str()).collect();
    assert_eq!(managers, vec!["before-first-apply", "kubectl"]);
}
