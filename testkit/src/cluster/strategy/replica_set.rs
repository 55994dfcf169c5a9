//! ReplicaSets: one replica by default, and the pod template's defaults.

use serde_json::{Map, Value, json};

use super::json::{default_pointer, object_at};
use super::pod_spec::default_template_of;

pub(crate) fn default(replica_set: &mut Map<String, Value>) {
    let Some(spec) = object_at(replica_set, "spec") else {
        return;
    };
    default_pointer(spec, "replicas", json!(1));
    default_template_of(spec);
}
