//! Strategic merge patch on built-in kinds: the cases of the Kubernetes
//! docs (update-api-object-kubectl-patch) and of the strategic merge patch
//! design (`$patch`, `$retainKeys`, `$setElementOrder`,
//! `$deleteFromPrimitiveList`).

use rudder::types::GroupVersionKind;
use rudder_testkit::patch::{PatchError, TypeSchema, schema_for, strategic_merge};
use serde_json::{Value, json};

fn deployment() -> TypeSchema {
    schema_for(&GroupVersionKind::new("apps", "v1", "Deployment")).unwrap_or_else(|e| panic!("{e}"))
}

fn pod() -> TypeSchema {
    schema_for(&GroupVersionKind::new("", "v1", "Pod")).unwrap_or_else(|e| panic!("{e}"))
}

fn merged(schema: TypeSchema, live: Value, patch: Value) -> Value {
    strategic_merge(&live, &patch, schema).unwrap_or_else(|e| panic!("{e}"))
}

/// The docs' patch-demo Deployment.
fn patch_demo() -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "patch-demo"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "nginx"}},
            "template": {
                "metadata": {"labels": {"app": "nginx"}},
                "spec": {
                    "containers": [{"name": "patch-demo-ctr", "image": "nginx"}],
                    "tolerations": [{"effect": "NoSchedule", "key": "dedicated", "value": "test-team"}]
                }
            }
        }
    })
}

#[test]
fn docs_containers_patch_merges_by_name_new_container_first() {
    let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": "patch-demo-ctr-2", "image": "redis"}]}}}});
    let result = merged(deployment(), patch_demo(), patch);
    assert_eq!(
        result["spec"]["template"]["spec"]["containers"],
        json!([{"name": "patch-demo-ctr-2", "image": "redis"}, {"name": "patch-demo-ctr", "image": "nginx"}])
    );
}

#[test]
fn docs_tolerations_patch_replaces_the_list() {
    let patch = json!({"spec": {"template": {"spec": {"tolerations": [{"effect": "NoSchedule", "key": "disktype", "value": "ssd"}]}}}});
    let result = merged(deployment(), patch_demo(), patch);
    assert_eq!(
        result["spec"]["template"]["spec"]["tolerations"],
        json!([{"effect": "NoSchedule", "key": "disktype", "value": "ssd"}])
    );
}

#[test]
fn docs_retain_keys_clears_rolling_update() {
    let live = json!({"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "30%"}}}});
    let without = merged(
        deployment(),
        live.clone(),
        json!({"spec": {"strategy": {"type": "Recreate"}}}),
    );
    assert_eq!(
        without["spec"]["strategy"],
        json!({"type": "Recreate", "rollingUpdate": {"maxSurge": "30%"}})
    );
    let with = merged(
        deployment(),
        live,
        json!({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}),
    );
    assert_eq!(with["spec"]["strategy"], json!({"type": "Recreate"}));
}

#[test]
fn existing_container_is_merged_field_by_field() {
    let live = json!({"spec": {"containers": [{"name": "a", "image": "nginx", "env": [{"name": "X", "value": "1"}, {"name": "Y", "value": "2"}]}]}});
    let patch = json!({"spec": {"containers": [{"name": "a", "image": "nginx:2", "env": [{"name": "Y", "value": "3"}]}]}});
    let result = merged(pod(), live, patch);
    assert_eq!(
        result["spec"]["containers"],
        json!([{"name": "a", "image": "nginx:2", "env": [{"name": "X", "value": "1"}, {"name": "Y", "value": "3"}]}])
    );
}

#[test]
fn ports_merge_by_container_port_and_volume_mounts_by_mount_path() {
    let live = json!({"spec": {"containers": [{"name": "a", "ports": [{"containerPort": 80, "name": "http"}], "volumeMounts": [{"mountPath": "/data", "name": "d"}]}]}});
    let patch = json!({"spec": {"containers": [{"name": "a", "ports": [{"containerPort": 80, "protocol": "TCP"}, {"containerPort": 443}], "volumeMounts": [{"mountPath": "/data", "readOnly": true}]}]}});
    let result = merged(pod(), live, patch);
    let container = &result["spec"]["containers"][0];
    assert_eq!(
        container["ports"],
        json!([{"containerPort": 80, "name": "http", "protocol": "TCP"}, {"containerPort": 443}])
    );
    assert_eq!(
        container["volumeMounts"],
        json!([{"mountPath": "/data", "name": "d", "readOnly": true}])
    );
}

#[test]
fn patch_delete_removes_a_list_item_by_key() {
    let live = json!({"spec": {"containers": [{"name": "a"}, {"name": "b"}]}});
    let result = merged(
        pod(),
        live,
        json!({"spec": {"containers": [{"name": "a", "$patch": "delete"}]}}),
    );
    assert_eq!(result["spec"]["containers"], json!([{"name": "b"}]));
}

#[test]
fn patch_replace_item_replaces_the_whole_list() {
    let live = json!({"spec": {"containers": [{"name": "a"}, {"name": "b"}]}});
    let patch = json!({"spec": {"containers": [{"name": "c", "image": "x"}, {"$patch": "replace"}]}});
    let result = merged(pod(), live, patch);
    assert_eq!(result["spec"]["containers"], json!([{"name": "c", "image": "x"}]));
}

#[test]
fn patch_replace_and_delete_on_maps() {
    let live = json!({"metadata": {"labels": {"a": "1", "b": "2"}}, "spec": {"nodeSelector": {"x": "y"}}});
    let replaced = merged(
        pod(),
        live.clone(),
        json!({"metadata": {"labels": {"$patch": "replace", "c": "3"}}}),
    );
    assert_eq!(replaced["metadata"]["labels"], json!({"c": "3"}));
    let deleted = merged(
        pod(),
        live,
        json!({"spec": {"nodeSelector": {"$patch": "delete"}}}),
    );
    assert_eq!(deleted["spec"]["nodeSelector"], json!({}));
}

#[test]
fn null_deletes_a_field_and_maps_merge() {
    let live = json!({"metadata": {"labels": {"a": "1", "b": "2"}, "annotations": {"x": "y"}}});
    let result = merged(
        pod(),
        live,
        json!({"metadata": {"labels": {"a": null, "c": "3"}, "annotations": null}}),
    );
    assert_eq!(result["metadata"], json!({"labels": {"b": "2", "c": "3"}}));
}

#[test]
fn finalizers_are_a_set_union_and_delete_from_primitive_list_removes() {
    let live = json!({"metadata": {"finalizers": ["a", "b"]}});
    let union = merged(
        pod(),
        live.clone(),
        json!({"metadata": {"finalizers": ["b", "c"]}}),
    );
    assert_eq!(union["metadata"]["finalizers"], json!(["a", "b", "c"]));
    let removed = merged(
        pod(),
        live,
        json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}}),
    );
    assert_eq!(removed["metadata"]["finalizers"], json!(["b"]));
}

#[test]
fn set_element_order_orders_the_merged_list() {
    let live = json!({"spec": {"containers": [{"name": "a"}, {"name": "b"}, {"name": "c"}]}});
    let patch = json!({"spec": {
        "$setElementOrder/containers": [{"name": "c"}, {"name": "a"}, {"name": "b"}],
        "containers": [{"name": "a", "image": "x"}]
    }});
    let result = merged(pod(), live.clone(), patch);
    assert_eq!(
        result["spec"]["containers"],
        json!([{"name": "c"}, {"name": "a", "image": "x"}, {"name": "b"}])
    );
    let only_order =
        json!({"spec": {"$setElementOrder/containers": [{"name": "b"}, {"name": "a"}, {"name": "c"}]}});
    let reordered = merged(pod(), live, only_order);
    assert_eq!(
        reordered["spec"]["containers"],
        json!([{"name": "b"}, {"name": "a"}, {"name": "c"}])
    );
}

#[test]
fn volumes_merge_by_name_and_honour_retain_keys() {
    let live = json!({"spec": {"volumes": [{"name": "v", "emptyDir": {}}, {"name": "w", "secret": {"secretName": "s"}}]}});
    let patch = json!({"spec": {"volumes": [{"name": "v", "$retainKeys": ["name", "configMap"], "configMap": {"name": "cm"}}]}});
    let result = merged(pod(), live, patch);
    assert_eq!(
        result["spec"]["volumes"],
        json!([{"name": "v", "configMap": {"name": "cm"}}, {"name": "w", "secret": {"secretName": "s"}}])
    );
}

#[test]
fn bad_patches_name_the_path() {
    let live = json!({"spec": {"containers": [{"name": "a"}]}});
    let errors = [
        json!({"spec": {"containers": [{"image": "x"}]}}),
        json!({"spec": {"containers": ["x"]}}),
        json!({"spec": {"$patch": "frobnicate"}}),
        json!({"spec": {"containers": [{"name": "a", "$patch": "explode"}]}}),
        json!({"metadata": {"$retainKeys": "x"}}),
        json!({"metadata": {"$deleteFromPrimitiveList/finalizers": "x"}}),
        json!([1]),
    ]
    .map(|patch| {
        strategic_merge(&live, &patch, pod())
            .map(|v| v.to_string())
            .unwrap_or_else(|e| e.to_string())
    });
    insta::assert_snapshot!(errors.join("\n"));
}

#[test]
fn crds_have_no_schema() {
    let error = schema_for(&GroupVersionKind::new(
        "samplecontroller.k8s.io",
        "v1alpha1",
        "Foo",
    ))
    .map(|s| s.name());
    assert!(matches!(error, Err(PatchError::UnknownKind(_))));
}

#[test]
fn set_element_order_orders_primitive_lists_too() {
    let live = json!({"metadata": {"finalizers": ["a", "b"]}});
    let patch = json!({"metadata": {"$setElementOrder/finalizers": ["c", "b", "a"], "finalizers": ["c"]}});
    assert_eq!(
        merged(pod(), live, patch)["metadata"]["finalizers"],
        json!(["c", "b", "a"])
    );
}

#[test]
fn service_ports_merge_by_port() {
    let service = schema_for(&GroupVersionKind::new("", "v1", "Service")).unwrap_or_else(|e| panic!("{e}"));
    let live =
        json!({"spec": {"ports": [{"port": 80, "targetPort": 8080}, {"port": 443, "targetPort": 8443}]}});
    let patch = json!({"spec": {"ports": [{"port": 443, "targetPort": 9443}]}});
    assert_eq!(
        merged(service, live, patch)["spec"]["ports"],
        json!([{"port": 80, "targetPort": 8080}, {"port": 443, "targetPort": 9443}])
    );
}

#[test]
fn deleting_a_missing_item_changes_nothing() {
    let live = json!({"spec": {"containers": [{"name": "a"}]}});
    let patch = json!({"spec": {"containers": [{"name": "zzz", "$patch": "delete"}]}});
    assert_eq!(merged(pod(), live.clone(), patch), live);
}

mod properties {
    use proptest::prelude::*;
    use rudder_testkit::patch::merge_patch;

    use super::*;

    /// JSON without lists or directives: where strategic merge has nothing
    /// strategic to do.
    fn plain() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            "[a-z]{0,3}".prop_map(Value::String)
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop::collection::btree_map(
                prop_oneof![
                    Just("spec".to_string()),
                    Just("metadata".to_string()),
                    "[a-z]{1,3}"
                ],
                inner,
                0..4,
            )
            .prop_map(|m| Value::Object(m.into_iter().collect()))
        })
    }

    proptest! {
        #[test]
        fn without_lists_strategic_merge_is_merge_patch(live in plain(), patch in plain()) {
            prop_assume!(live.is_object() && patch.is_object());
            prop_assert_eq!(strategic_merge(&live, &patch, pod()), merge_patch(&live, &patch));
        }

        #[test]
        fn an_empty_patch_changes_nothing(live in plain()) {
            prop_assume!(live.is_object());
            prop_assert_eq!(strategic_merge(&live, &json!({}), deployment()), Ok(live));
        }
    }
}
