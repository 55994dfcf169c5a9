//! The sample-controller `Foo` custom resource as a typed rudder resource
//! (group `samplecontroller.k8s.io`, version `v1alpha1`, namespaced; its CRD
//! is `crd.yaml` in kubernetes/sample-controller).
//!
//! A CRD type is a serde struct with `apiVersion`, `kind` and `metadata`,
//! plus one `rudder::resource!` line that gives its group, version, kind,
//! plural and scope.

use rudder::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use rudder::types::Resource;
use serde::{Deserialize, Serialize};

/// A `Foo`: a deployment name and a replica count the controller keeps true.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Foo {
    /// `samplecontroller.k8s.io/v1alpha1`. Items of a list may come without it.
    #[serde(default)]
    pub api_version: String,
    /// `Foo`.
    #[serde(default)]
    pub kind: String,
    /// The object's metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// What the user wants.
    #[serde(default)]
    pub spec: FooSpec,
    /// What the controller saw; written through the `status` subresource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<FooStatus>,
}

/// `Foo.spec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FooSpec {
    /// The name of the Deployment the controller creates.
    pub deployment_name: String,
    /// How many replicas it should have (the CRD allows 1 to 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i32>,
}

/// `Foo.status`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FooStatus {
    /// How many replicas of the Deployment are available.
    pub available_replicas: i32,
}

rudder::resource!(Foo {
    group: "samplecontroller.k8s.io",
    version: "v1alpha1",
    kind: "Foo",
    plural: "foos",
    scope: Namespaced,
});

impl Foo {
    /// A `Foo` named `name` that wants `replicas` replicas of the Deployment `deployment_name`.
    pub fn new(name: &str, deployment_name: &str, replicas: i32) -> Self {
        Foo {
            api_version: Foo::api_version(),
            kind: Foo::KIND.to_owned(),
            metadata: ObjectMeta {
                name: Some(name.to_owned()),
                ..ObjectMeta::default()
            },
            spec: FooSpec {
                deployment_name: deployment_name.to_owned(),
                replicas: Some(replicas),
            },
            status: None,
        }
    }
}
