//! PersistentVolumeClaims (and PersistentVolumes): a filesystem volume
//! mode, and `Pending` until a controller binds them.

use serde_json::{Map, Value, json};

use super::json::{default_pointer, default_value, object_at};

/// A claim's defaults; also those of a StatefulSet's claim templates.
pub(crate) fn default(claim: &mut Map<String, Value>) {
    if let Some(spec) = object_at(claim, "spec") {
        default_pointer(spec, "volumeMode", json!("Filesystem"));
    }
    if let Some(status) = object_at(claim, "status") {
        default_value(status, "phase", json!("Pending"));
    }
}

/// A volume's defaults: retained when released, filesystem mode, `Pending`.
pub(crate) fn default_volume(volume: &mut Map<String, Value>) {
    if let Some(spec) = object_at(volume, "spec") {
        default_value(spec, "persistentVolumeReclaimPolicy", json!("Retain"));
        default_pointer(spec, "volumeMode", json!("Filesystem"));
    }
    if let Some(status) = object_at(volume, "status") {
        default_value(status, "phase", json!("Pending"));
    }
}
