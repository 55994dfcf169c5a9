//! ReplicationControllers: the selector and the controller's own labels
//! default to the template's labels, one replica, and the pod template's
//! defaults.

use serde_json::{Map, Value, json};

use super::json::{default_pointer, object_at};
use super::pod_spec::default_template_of;

pub(crate) fn default(controller: &mut Map<String, Value>) {
    let Some(spec) = object_at(controller, "spec") else {
        return;
    };
    default_pointer(spec, "replicas", json!(1));
    let template_labels = spec
        .get("template")
        .and_then(|template| template.pointer("/metadata/labels"))
        .filter(|labels| labels.is_object())
        .cloned();
    if spec.contains_key("template") {
        default_template_of(spec);
    }
    let Some(labels) = template_labels else { return };
    if is_empty_map(spec.get("selector")) {
        spec.insert("selector".into(), labels.clone());
    }
    if let Some(metadata) = object_at(controller, "metadata")
        && is_empty_map(metadata.get("labels"))
    {
        metadata.insert("labels".into(), labels);
    }
}

pub(crate) fn is_empty_map(value: Option<&Value>) -> bool {
    value.and_then(Value::as_object).is_none_or(Map::is_empty)
}
