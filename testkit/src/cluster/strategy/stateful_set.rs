//! StatefulSets: apps/v1's defaults (OrderedReady pods, a rolling update
//! from partition 0 with one pod unavailable at a time, claims retained, one replica, ten revisions kept),
//! the pod template's, and each volume claim template's as a claim's.

use serde_json::{Map, Value, json};

use super::json::{default_pointer, default_value, object_at, objects_in};
use super::persistent_volume_claim;
use super::pod_spec::default_template_of;

pub(crate) fn default(stateful_set: &mut Map<String, Value>) {
    let Some(spec) = object_at(stateful_set, "spec") else {
        return;
    };
    default_value(spec, "podManagementPolicy", json!("OrderedReady"));
    if let Some(strategy) = object_at(spec, "updateStrategy") {
        if super::json::text(strategy, "type").is_empty() {
            strategy.insert("type".into(), json!("RollingUpdate"));
            default_pointer(strategy, "rollingUpdate", json!({}));
        }
        if super::json::text(strategy, "type") == "RollingUpdate"
            && let Some(rolling) = strategy.get_mut("rollingUpdate").and_then(Value::as_object_mut)
        {
            default_pointer(rolling, "partition", json!(0));
            // MaxUnavailableStatefulSet is on by default in v1.37.
            default_pointer(rolling, "maxUnavailable", json!(1));
        }
    }
    if let Some(retention) = object_at(spec, "persistentVolumeClaimRetentionPolicy") {
        default_value(retention, "whenDeleted", json!("Retain"));
        default_value(retention, "whenScaled", json!("Retain"));
    }
    default_pointer(spec, "replicas", json!(1));
    default_pointer(spec, "revisionHistoryLimit", json!(10));
    default_template_of(spec);
    for claim in objects_in(spec, "volumeClaimTemplates") {
        persistent_volume_claim::default(claim);
    }
}
