//! go-vcr cassettes (format versions 1 and 2, written by hand in the format
//! go-vcr's recorder writes for client-go) import into rudder cassettes.

use std::path::PathBuf;

use rudder_testkit::cassette::{Body, govcr};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/cassettes/go-vcr")
        .join(name)
}

#[test]
fn a_version_1_cassette_imports_as_a_reviewable_rudder_cassette() {
    let path = fixture("v1-client-go.yaml");
    let cassette = govcr::import_file(&path).expect("the v1 cassette imports");
    insta::assert_snapshot!(cassette.to_yaml().expect("YAML"));
}

#[test]
fn a_version_2_cassette_keeps_a_protobuf_body_byte_for_byte() {
    let path = fixture("v2-protobuf.yaml");
    let cassette = govcr::import_file(&path).expect("the v2 cassette imports");
    let Body::Base64(bytes) = &cassette.interactions[0].response.body else {
        panic!(
            "a protobuf body stays binary: {:?}",
            cassette.interactions[0].response.body
        );
    };
    assert!(bytes.starts_with(b"k8s\0"), "{bytes:?}");
    assert!(
        std::str::from_utf8(bytes).is_err(),
        "the fixture's body is not UTF-8"
    );
    assert_eq!(bytes.len(), 70);
    insta::assert_snapshot!(cassette.to_yaml().expect("YAML"));
}

#[test]
fn either_format_is_read_by_load_any_and_round_trips_through_rudder_yaml() {
    for name in ["v1-client-go.yaml", "v2-protobuf.yaml"] {
        let path = fixture(name);
        let text = std::fs::read_to_string(&path).expect("the fixture");
        assert!(govcr::is_govcr(&text), "{name}");
        let imported = govcr::load_any(&path).expect("go-vcr is detected");
        let folder = tempfile::tempdir().expect("a folder");
        let converted = folder.path().join("converted.yaml");
        imported.save(&converted).expect("the import saves");
        let converted_text = std::fs::read_to_string(&converted).expect("the saved cassette");
        assert!(
            !govcr::is_govcr(&converted_text),
            "{name}: a rudder cassette is not go-vcr"
        );
        assert_eq!(
            govcr::load_any(&converted).expect("a rudder cassette"),
            imported,
            "{name}"
        );
    }
}
