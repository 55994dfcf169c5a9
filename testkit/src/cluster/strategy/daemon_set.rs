//! DaemonSets: a rolling update (one unavailable, none surging), ten
//! revisions kept, and the pod template's defaults.

use serde_json::{Map, Value, json};

use super::json::{default_pointer, default_value, object_at};
use super::pod_spec::default_template_of;

pub(crate) fn default(daemon_set: &mut Map<String, Value>) {
    let Some(spec) = object_at(daemon_set, "spec") else {
        return;
    };
    if let Some(strategy) = object_at(spec, "updateStrategy") {
        default_value(strategy, "type", json!("RollingUpdate"));
        if super::json::text(strategy, "type") == "RollingUpdate"
            && let Some(rolling) = object_at(strategy, "rollingUpdate")
        {
            default_pointer(rolling, "maxUnavailable", json!(1));
            default_pointer(rolling, "maxSurge", json!(0));
        }
    }
    default_pointer(spec, "revisionHistoryLimit", json!(10));
    default_template_of(spec);
}
