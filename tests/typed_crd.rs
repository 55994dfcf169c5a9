//! The typed `Foo` of the examples against the real sample-controller
//! artifacts: its identity is the CRD's, and the sample objects read into
//! it and write back unchanged.

#[allow(dead_code)] // the tests use part of the example type
#[path = "../examples/shared/foo.rs"]
mod foo;

use foo::Foo;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use rudder::types::{Resource, Scope};
use serde_json::Value;

fn fixture(name: &str) -> String {
    let path = format!("{}/fixtures/sample-controller/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

#[test]
fn foo_has_the_group_version_kind_plural_and_scope_of_the_crd() {
    let crd: CustomResourceDefinition = serde_saphyr::from_str(&fixture("crd.yaml")).unwrap();
    let version = &crd.spec.versions[0];
    assert_eq!(crd.spec.group, Foo::GROUP);
    assert_eq!(version.name, Foo::VERSION);
    assert_eq!(crd.spec.names.kind, Foo::KIND);
    assert_eq!(crd.spec.names.plural, Foo::PLURAL);
    assert_eq!(crd.spec.scope, "Namespaced");
    assert_eq!(Foo::SCOPE, Scope::Namespaced);
    assert_eq!(
        crd.metadata.name.as_deref(),
        Some(format!("{}.{}", Foo::PLURAL, Foo::GROUP).as_str())
    );
    // The status the typed client writes through `replace_status`/`patch_status`
    // is a subresource of this CRD.
    let subresources = version.subresources.as_ref().unwrap();
    assert!(subresources.status.is_some());
}

#[test]
fn the_sample_foos_read_as_foo_and_write_back_unchanged() {
    for (file, replicas) in [("example-foo.yaml", 1), ("update-foo.yaml", 3)] {
        let text = fixture(file);
        let foo: Foo = serde_saphyr::from_str(&text).unwrap();
        assert_eq!(foo.api_version, Foo::api_version(), "{file}");
        assert_eq!(foo.kind, Foo::KIND, "{file}");
        assert_eq!(foo.name(), Some("example-foo"), "{file}");
        assert_eq!(foo.spec.deployment_name, "example-foo", "{file}");
        assert_eq!(foo.spec.replicas, Some(replicas), "{file}");
        assert_eq!(foo.status, None, "{file}");

        let as_written: Value = serde_saphyr::from_str(&text).unwrap();
        assert_eq!(serde_json::to_value(&foo).unwrap(), as_written, "{file}");
        assert_eq!(Foo::new("example-foo", "example-foo", replicas), foo, "{file}");
    }
}
