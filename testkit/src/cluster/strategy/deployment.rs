//! Deployments: apps/v1's defaults (one replica, a 25%/25% rolling
//! update, ten old ReplicaSets kept, a 600 s progress deadline) and the pod
//! template's.

use serde_json::{Map, Value, json};

use super::json::{default_pointer, default_value, object_at};
use super::pod_spec::default_template_of;

pub(crate) fn default(deployment: &mut Map<String, Value>) {
    let Some(spec) = object_at(deployment, "spec") else {
        return;
    };
    default_pointer(spec, "replicas", json!(1));
    if let Some(strategy) = object_at(spec, "strategy") {
        default_value(strategy, "type", json!("RollingUpdate"));
        if super::json::text(strategy, "type") == "RollingUpdate"
            && let Some(rolling) = object_at(strategy, "rollingUpdate")
        {
            default_pointer(rolling, "maxUnavailable", json!("25%"));
            default_pointer(rolling, "maxSurge", json!("25%"));
        }
    }
    default_pointer(spec, "revisionHistoryLimit", json!(10));
    default_pointer(spec, "progressDeadlineSeconds", json!(600));
    default_template_of(spec);
}
