//! `DynamicObject`: an object of a kind known only at run time.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};

use super::gvk::{ApiResource, GroupVersionKind};

/// Any Kubernetes object: `apiVersion`, `kind`, typed `metadata`, and
/// everything else (`spec`, `status`, `data`...) as JSON.
///
/// ```
/// use rudder::types::{ApiResource, DynamicObject, Scope};
/// let foos = ApiResource::new("samplecontroller.k8s.io", "v1alpha1", "Foo", "foos", Scope::Namespaced);
/// let foo = DynamicObject::new("example-foo", &foos)
///     .with_data(serde_json::json!({"spec": {"deploymentName": "example-foo", "replicas": 1}}));
/// let json = serde_json::to_value(&foo).unwrap();
/// assert_eq!(json["apiVersion"], "samplecontroller.k8s.io/v1alpha1");
/// assert_eq!(json["spec"]["replicas"], 1);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DynamicObject {
    /// `v1`, `apps/v1`... Items of a list of built-in kinds come without it
    /// (and without `kind`); `DynamicClient` fills both in from its resource.
    #[serde(default, rename = "apiVersion", skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    /// `Pod`, `Foo`... Empty when the server left it out.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// The object's metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Every other top-level field, as a JSON object.
    #[serde(flatten, default = "empty_object")]
    pub data: serde_json::Value,
}

fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(serde_json::Map::new())
}

impl DynamicObject {
    /// An object named `name` of the resource's kind, with no other fields.
    pub fn new(name: &str, resource: &ApiResource) -> Self {
        DynamicObject {
            api_version: resource.api_version(),
            kind: resource.kind.clone(),
            metadata: ObjectMeta {
                name: Some(name.to_owned()),
                ..ObjectMeta::default()
            },
            data: empty_object(),
        }
    }

    /// This object with its other fields set to `data` (a JSON object).
    pub fn with_data(mut self, data: serde_json::Value) -> Self {
        self.data = data;
        self
    }

    /// This object in namespace `namespace`.
    pub fn within(mut self, namespace: &str) -> Self {
        self.metadata.namespace = Some(namespace.to_owned());
        self
    }

    /// The object's name, if it has one.
    pub fn name(&self) -> Option<&str> {
        self.metadata.name.as_deref()
    }

    /// The object's namespace, if it has one.
    pub fn namespace(&self) -> Option<&str> {
        self.metadata.namespace.as_deref()
    }

    /// The object's group, version and kind, from `apiVersion` and `kind`.
    pub fn gvk(&self) -> GroupVersionKind {
        GroupVersionKind::from_api_version(&self.api_version, self.kind.clone())
    }

    /// Converts into a compiled-in type, such as a `Pod` or a CRD struct.
    pub fn try_parse<K: serde::de::DeserializeOwned>(self) -> Result<K, serde_json::Error> {
        serde_json::from_value(serde_json::to_value(self)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_are_kept_and_round_trip() {
        let body = r#"{"apiVersion":"samplecontroller.k8s.io/v1alpha1","kind":"Foo","metadata":{"name":"example-foo","namespace":"default","resourceVersion":"5"},"spec":{"deploymentName":"example-foo","replicas":1},"status":{"availableReplicas":1}}"#;
        let object: DynamicObject = serde_json::from_str(body).unwrap();
        assert_eq!(object.kind, "Foo");
        assert_eq!(object.name(), Some("example-foo"));
        assert_eq!(object.data["spec"]["replicas"], 1);
        assert_eq!(object.gvk().group, "samplecontroller.k8s.io");
        let again: serde_json::Value = serde_json::to_value(&object).unwrap();
        assert_eq!(again, serde_json::from_str::<serde_json::Value>(body).unwrap());
    }

    #[test]
    fn a_list_item_without_type_meta_decodes() {
        let object: DynamicObject = serde_json::from_str(r#"{"metadata":{"name":"a"}}"#).unwrap();
        assert_eq!(object.api_version, "");
        assert_eq!(object.name(), Some("a"));
    }

    #[test]
    fn parses_into_a_typed_object() {
        let object: DynamicObject = serde_json::from_str(
            r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"k":"v"}}"#,
        )
        .unwrap();
        let config_map: k8s_openapi::api::core::v1::ConfigMap = object.try_parse().unwrap();
        assert_eq!(config_map.data.unwrap()["k"], "v");
    }
}
