//! Custom resources as apiextensions-apiserver treats them: validated
//! against their version's structural schema and CEL rules (422 in the
//! server's words), pruned (Strict refuses, Warn warns), defaulted on write
//! and read, selected by their selectable fields; the CRD itself defaulted
//! and refused when its schema is not structural.

mod cluster_support;

use std::sync::Arc;

use cluster_support::*;
use http::Method;
use rudder::rest::{RequestBuilder, ResourcePath};
use rudder::types::{ApiResource, DynamicObject, ListParams, PostParams, Scope};
use rudder::{Dynamic, DynamicClient, Rest, Typed};
use rudder_testkit::FakeCluster;
use serde_json::{Value, json};

fn crds() -> ResourcePath {
    ResourcePath::new("apiextensions.k8s.io", "v1", "customresourcedefinitions")
}

fn foobars() -> ResourcePath {
    ResourcePath::new("example.com", "v1", "foobars").namespace("default")
}

/// The schema of FooBar's spec: every check the fake models.
fn spec_schema() -> Value {
    json!({
        "type": "object", "required": ["prop2"],
        "x-kubernetes-validations": [
            {"rule": "!has(self.replicas) || !has(self.maxReplicas) || self.replicas <= self.maxReplicas",
             "message": "replicas must not exceed maxReplicas"},
            {"rule": "!has(self.name) || self.name == self.name.lowerAscii()",
             "messageExpression": "'name ' + self.name + ' must be lowercase'", "fieldPath": ".name"}
        ],
        "properties": {
            "prop1": {"type": "string", "maxLength": 5, "pattern": "^[a-z]+$"},
            "prop2": {"type": "array", "items": {"type": "string"}, "maxItems": 3, "x-kubernetes-list-type": "set"},
            "mode": {"type": "string", "enum": ["fast", "slow"], "default": "fast"},
            "replicas": {"type": "integer", "minimum": 1, "maximum": 10},
            "maxReplicas": {"type": "integer", "minimum": 0, "exclusiveMinimum": true},
            "port": {"x-kubernetes-int-or-string": true},
            "note": {"type": "string", "nullable": true},
            "email": {"type": "string", "format": "email"},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}, "maxProperties": 2},
            "ports": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
                      "items": {"type": "object", "required": ["name"], "properties": {
                          "name": {"type": "string"}, "protocol": {"type": "string", "default": "TCP"}}}},
            "color": {"type": "string"},
            "name": {"type": "string"},
            "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
            "version": {"type": "integer", "x-kubernetes-validations": [
                {"rule": "self >= oldSelf", "message": "version may not go down"}]}
        }
    })
}

/// A CRD whose schema uses every check the fake models.
fn foobar_crd() -> Value {
    json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "foobars.example.com"},
        "spec": {
            "group": "example.com", "scope": "Namespaced",
            "names": {"plural": "foobars", "kind": "FooBar"},
            "versions": [{
                "name": "v1", "served": true, "storage": true,
                "subresources": {"status": {}},
                "selectableFields": [{"jsonPath": ".spec.color"}],
                "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                    "spec": spec_schema(),
                    "status": {"type": "object", "properties": {"ready": {"type": "boolean"}}}
                }}}
            }]
        }
    })
}

fn foobar(name: &str, spec: Value) -> Value {
    json!({"apiVersion": "example.com/v1", "kind": "FooBar", "metadata": {"name": name}, "spec": spec})
}

async fn cluster_with_foobars() -> FakeCluster {
    let cluster = FakeCluster::new();
    create(&cluster, &crds(), &foobar_crd()).await;
    cluster
}

/// The same CRD without CEL rules: the server then adds no note about rules it skipped.
async fn cluster_with_foobars_without_rules() -> FakeCluster {
    let mut crd = foobar_crd();
    let spec = &mut crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"];
    spec.as_object_mut().unwrap().remove("x-kubernetes-validations");
    spec["properties"]["version"]
        .as_object_mut()
        .unwrap()
        .remove("x-kubernetes-validations");
    let cluster = FakeCluster::new();
    create(&cluster, &crds(), &crd).await;
    cluster
}

/// A cause as (reason, field, message).
type Cause = (&'static str, &'static str, &'static str);

/// The cause the server adds when schema failures kept it from running CEL rules.
const RULES_NOT_CHECKED: Cause = (
    "FieldValueInvalid",
    "<nil>",
    "Invalid value: \"null\": some validation rules were not checked because the object was invalid; \
     correct the existing errors to complete validation",
);

/// Whether a failure of this reason keeps the server from running CEL rules.
fn blocks_rules(reason: &str) -> bool {
    matches!(
        reason,
        "FieldValueNotSupported"
            | "FieldValueRequired"
            | "FieldValueTooLong"
            | "FieldValueTooMany"
            | "FieldValueTypeInvalid"
    )
}

/// The causes of a 422, as (reason, field, message).
fn causes(body: &Value) -> Vec<(String, String, String)> {
    body["details"]["causes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|cause| {
            let text = |field: &str| cause[field].as_str().unwrap_or("").to_owned();
            (text("reason"), text("field"), text("message"))
        })
        .collect()
}

#[tokio::test]
async fn invalid_custom_resources_get_the_api_servers_422() {
    let cluster = cluster_with_foobars().await;
    let ok = json!(["a"]);
    let cases: Vec<(Value, Vec<Cause>)> = vec![
        (
            json!({}),
            vec![("FieldValueRequired", "spec.prop2", "Required value")],
        ),
        (
            json!({"prop2": true}),
            vec![(
                "FieldValueTypeInvalid",
                "spec.prop2",
                r#"Invalid value: "boolean": spec.prop2 in body must be of type array: "boolean""#,
            )],
        ),
        (
            json!({"prop2": ok, "prop1": "toolong"}),
            vec![(
                "FieldValueTooLong",
                "spec.prop1",
                "Too long: may not be longer than 5",
            )],
        ),
        (
            json!({"prop2": ok, "prop1": "AB"}),
            vec![(
                "FieldValueInvalid",
                "spec.prop1",
                r#"Invalid value: "AB": spec.prop1 in body should match '^[a-z]+$'"#,
            )],
        ),
        (
            json!({"prop2": ok, "mode": "medium"}),
            vec![(
                "FieldValueNotSupported",
                "spec.mode",
                r#"Unsupported value: "medium": supported values: "fast", "slow""#,
            )],
        ),
        (
            json!({"prop2": ok, "replicas": 0}),
            vec![(
                "FieldValueInvalid",
                "spec.replicas",
                "Invalid value: 0: spec.replicas in body should be greater than or equal to 1",
            )],
        ),
        (
            json!({"prop2": ok, "replicas": 11}),
            vec![(
                "FieldValueInvalid",
                "spec.replicas",
                "Invalid value: 11: spec.replicas in body should be less than or equal to 10",
            )],
        ),
        (
            json!({"prop2": ok, "maxReplicas": 0}),
            vec![(
                "FieldValueInvalid",
                "spec.maxReplicas",
                "Invalid value: 0: spec.maxReplicas in body should be greater than 0",
            )],
        ),
        (
            json!({"prop2": ["a", "b", "c", "d"]}),
            vec![(
                "FieldValueTooMany",
                "spec.prop2",
                "Too many: 4: must have at most 3 items",
            )],
        ),
        (
            json!({"prop2": ["a", "a"]}),
            vec![("FieldValueDuplicate", "spec.prop2[1]", r#"Duplicate value: "a""#)],
        ),
        (
            json!({"prop2": ok, "port": true}),
            vec![(
                "FieldValueTypeInvalid",
                "spec.port",
                r#"Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean""#,
            )],
        ),
        (
            json!({"prop2": ok, "email": "nobody"}),
            vec![(
                "FieldValueTypeInvalid",
                "spec.email",
                r#"Invalid value: "nobody": spec.email in body must be of type email: "nobody""#,
            )],
        ),
        (
            json!({"prop2": ok, "labels": {"a": "1", "b": "2", "c": "3"}}),
            vec![(
                "FieldValueTooMany",
                "spec.labels",
                "Too many: 3: must have at most 2 items",
            )],
        ),
        (
            json!({"prop2": ok, "ports": [{"name": "http"}, {"name": "http"}]}),
            vec![(
                "FieldValueDuplicate",
                "spec.ports[1]",
                r#"Duplicate value: map[string]interface {}{"name":"http"}"#,
            )],
        ),
        (
            json!({"prop2": ok, "replicas": 5, "maxReplicas": 3}),
            vec![(
                "FieldValueInvalid",
                "spec",
                r#"Invalid value: "object": replicas must not exceed maxReplicas"#,
            )],
        ),
        (
            json!({"prop2": ok, "name": "Bob"}),
            vec![(
                "FieldValueInvalid",
                "spec.name",
                r#"Invalid value: "object": name Bob must be lowercase"#,
            )],
        ),
        (
            json!({"replicas": 0, "port": 8080, "note": null}),
            vec![
                ("FieldValueRequired", "spec.prop2", "Required value"),
                (
                    "FieldValueInvalid",
                    "spec.replicas",
                    "Invalid value: 0: spec.replicas in body should be greater than or equal to 1",
                ),
            ],
        ),
    ];
    for (spec, mut expected) in cases {
        if expected.iter().any(|(reason, _, _)| blocks_rules(reason)) {
            expected.push(RULES_NOT_CHECKED);
        }
        let answer = send(
            &cluster,
            Method::POST,
            &foobars(),
            &[],
            Some(&foobar("fb3", spec.clone())),
        )
        .await;
        assert_eq!(answer.code, 422, "{spec} answered {:?}", answer.body);
        assert_eq!(answer.body["reason"], "Invalid");
        let expected: Vec<(String, String, String)> = expected
            .iter()
            .map(|(reason, field, message)| {
                ((*reason).to_owned(), (*field).to_owned(), (*message).to_owned())
            })
            .collect();
        assert_eq!(causes(&answer.body), expected, "{spec}");
    }
}

#[tokio::test]
async fn the_422_message_names_the_kind_the_object_and_every_failure() {
    let cluster = cluster_with_foobars_without_rules().await;
    let answer = send(
        &cluster,
        Method::POST,
        &foobars(),
        &[],
        Some(&foobar("fb3", json!({}))),
    )
    .await;
    assert_eq!(
        answer.body["message"],
        r#"FooBar.example.com "fb3" is invalid: spec.prop2: Required value"#
    );
    assert_eq!(answer.body["details"]["kind"], "FooBar");
    assert_eq!(answer.body["details"]["group"], "example.com");
    let two = send(
        &cluster,
        Method::POST,
        &foobars(),
        &[],
        Some(&foobar("fb3", json!({"prop2": true, "mode": "x"}))),
    )
    .await;
    assert_eq!(
        two.body["message"],
        r#"FooBar.example.com "fb3" is invalid: [spec.mode: Unsupported value: "x": supported values: "fast", "slow", spec.prop2: Invalid value: "boolean": spec.prop2 in body must be of type array: "boolean"]"#
    );
}

#[tokio::test]
async fn transition_rules_compare_with_the_stored_object() {
    let cluster = cluster_with_foobars().await;
    let created = create(
        &cluster,
        &foobars(),
        &foobar("v", json!({"prop2": ["a"], "version": 2})),
    )
    .await;
    let mut lower = created.clone();
    lower["spec"]["version"] = json!(1);
    let answer = send(&cluster, Method::PUT, &foobars().name("v"), &[], Some(&lower)).await;
    assert_eq!(answer.code, 422, "{:?}", answer.body);
    assert_eq!(
        causes(&answer.body),
        [(
            "FieldValueInvalid".to_owned(),
            "spec.version".to_owned(),
            r#"Invalid value: "integer": version may not go down"#.to_owned()
        )]
    );
    let mut higher = created;
    higher["spec"]["version"] = json!(3);
    let answer = send(&cluster, Method::PUT, &foobars().name("v"), &[], Some(&higher)).await;
    assert_eq!(answer.code, 200, "{:?}", answer.body);
}

/// A POST with `fieldValidation`, answered with its body and warnings.
async fn post_with_validation(
    cluster: &FakeCluster,
    object: &Value,
    rule: &str,
) -> (u16, Value, Vec<String>) {
    let request = RequestBuilder::new(Method::POST, &foobars())
        .unwrap()
        .query("fieldValidation", rule)
        .json(object)
        .unwrap()
        .build()
        .unwrap();
    let response = cluster.send(request).await.unwrap();
    let warnings = rudder::rest::warnings(&response);
    let body = serde_json::from_slice(response.body()).unwrap();
    (response.status().as_u16(), body, warnings)
}

#[tokio::test]
async fn unknown_fields_are_pruned_refused_under_strict_and_warned_about_under_warn() {
    let cluster = cluster_with_foobars().await;
    let object = foobar(
        "p",
        json!({"prop2": ["a"], "colour": "red", "free": {"any": {"thing": 1}}, "ports": [{"name": "a", "extra": 1}]}),
    );

    let (code, body, _) = post_with_validation(&cluster, &object, "Strict").await;
    assert_eq!(code, 400);
    assert_eq!(
        body["message"],
        r#"FooBar in version "v1" cannot be handled as a FooBar: strict decoding error: unknown field "spec.colour", unknown field "spec.ports[0].extra""#
    );

    let (code, body, warnings) = post_with_validation(&cluster, &object, "Warn").await;
    assert_eq!(code, 201, "{body:?}");
    assert_eq!(
        warnings,
        [
            r#"unknown field "spec.colour""#,
            r#"unknown field "spec.ports[0].extra""#
        ]
    );
    assert!(body["spec"].get("colour").is_none(), "pruned");
    assert_eq!(body["spec"]["ports"], json!([{"name": "a", "protocol": "TCP"}]));
    assert_eq!(
        body["spec"]["free"]["any"]["thing"], 1,
        "x-kubernetes-preserve-unknown-fields keeps it"
    );

    let mut ignored = object.clone();
    ignored["metadata"]["name"] = json!("q");
    let (code, _, warnings) = post_with_validation(&cluster, &ignored, "Ignore").await;
    assert_eq!(code, 201);
    assert!(warnings.is_empty());
}

#[tokio::test]
async fn schema_defaults_apply_on_create_update_and_read() {
    let cluster = cluster_with_foobars().await;
    let created = create(&cluster, &foobars(), &foobar("d", json!({"prop2": ["a"]}))).await;
    assert_eq!(created["spec"]["mode"], "fast", "defaulted on create");

    let mut cleared = created.clone();
    cleared["spec"]["mode"] = Value::Null;
    let updated = send(&cluster, Method::PUT, &foobars().name("d"), &[], Some(&cleared)).await;
    assert_eq!(updated.code, 200, "{:?}", updated.body);
    assert_eq!(
        updated.body["spec"]["mode"], "fast",
        "a null field takes its default on update"
    );

    // A default added to the CRD later shows up when stored objects are read.
    let mut crd = get(&cluster, &crds().name("foobars.example.com")).await.body;
    crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["color"]["default"] =
        json!("blue");
    let answer = send(
        &cluster,
        Method::PUT,
        &crds().name("foobars.example.com"),
        &[],
        Some(&crd),
    )
    .await;
    assert_eq!(answer.code, 200, "{:?}", answer.body);
    let read = get(&cluster, &foobars().name("d")).await.body;
    assert_eq!(read["spec"]["color"], "blue");
    let listed = get(&cluster, &foobars()).await.body;
    assert_eq!(listed["items"][0]["spec"]["color"], "blue");
}

#[tokio::test]
async fn selectable_fields_work_as_field_selectors() {
    let cluster = cluster_with_foobars().await;
    create(
        &cluster,
        &foobars(),
        &foobar("blue", json!({"prop2": ["a"], "color": "blue"})),
    )
    .await;
    create(
        &cluster,
        &foobars(),
        &foobar("red", json!({"prop2": ["a"], "color": "red"})),
    )
    .await;
    let blue = send(
        &cluster,
        Method::GET,
        &foobars(),
        &[("fieldSelector", "spec.color=blue")],
        None,
    )
    .await;
    let names: Vec<&str> = blue.body["items"].as_array().unwrap().iter().map(name).collect();
    assert_eq!(names, ["blue"]);
    let refused = send(
        &cluster,
        Method::GET,
        &foobars(),
        &[("fieldSelector", "spec.mode=fast")],
        None,
    )
    .await;
    assert_eq!(refused.code, 400);
    assert_eq!(refused.body["message"], "field label not supported: spec.mode");
}

#[tokio::test]
async fn a_created_crd_is_defaulted() {
    let cluster = FakeCluster::new();
    let crd = create(&cluster, &crds(), &foobar_crd()).await;
    assert_eq!(crd["spec"]["names"]["singular"], "foobar");
    assert_eq!(crd["spec"]["names"]["listKind"], "FooBarList");
    assert_eq!(crd["spec"]["conversion"], json!({"strategy": "None"}));
    assert_eq!(crd["status"]["storedVersions"], json!(["v1"]));
}

#[tokio::test]
async fn a_crd_whose_schema_is_not_structural_is_refused() {
    let cluster = FakeCluster::new();
    let mut crd = foobar_crd();
    let spec = &mut crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"];
    spec.as_object_mut().unwrap().remove("type");
    let answer = send(&cluster, Method::POST, &crds(), &[], Some(&crd)).await;
    assert_eq!(answer.code, 422, "{:?}", answer.body);
    assert_eq!(
        answer.body["message"],
        "CustomResourceDefinition.apiextensions.k8s.io \"foobars.example.com\" is invalid: \
         spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields"
    );
    let mut without = foobar_crd();
    without["spec"]["versions"][0]
        .as_object_mut()
        .unwrap()
        .remove("schema");
    let answer = send(&cluster, Method::POST, &crds(), &[], Some(&without)).await;
    assert_eq!(
        causes(&answer.body),
        [(
            "FieldValueRequired".to_owned(),
            "spec.versions[0].schema.openAPIV3Schema".to_owned(),
            "Required value: schemas are required".to_owned()
        )]
    );
}

#[tokio::test]
async fn deleting_a_crd_waits_for_its_custom_resources_finalizers() {
    let cluster = cluster_with_foobars().await;
    let mut kept = foobar("kept", json!({"prop2": ["a"]}));
    kept["metadata"]["finalizers"] = json!(["example.com/keep"]);
    create(&cluster, &foobars(), &kept).await;
    assert!(
        get(&cluster, &crds().name("foobars.example.com")).await.body["metadata"]
            .get("finalizers")
            .is_none(),
        "no finalizer before the first delete"
    );

    let answer = send(
        &cluster,
        Method::DELETE,
        &crds().name("foobars.example.com"),
        &[],
        None,
    )
    .await;
    assert_eq!(answer.code, 200);
    assert_eq!(
        answer.body["metadata"]["finalizers"],
        json!(["customresourcecleanup.apiextensions.k8s.io"])
    );
    assert!(answer.body["metadata"]["deletionTimestamp"].is_string());
    let waiting = get(&cluster, &foobars().name("kept")).await.body;
    assert!(
        waiting["metadata"]["deletionTimestamp"].is_string(),
        "its objects are being deleted"
    );
    assert_eq!(
        get(&cluster, &crds().name("foobars.example.com")).await.code,
        200,
        "the CRD waits"
    );

    let mut released = waiting.clone();
    released["metadata"]["finalizers"] = json!([]);
    let answer = send(
        &cluster,
        Method::PUT,
        &foobars().name("kept"),
        &[],
        Some(&released),
    )
    .await;
    assert_eq!(answer.code, 200, "{:?}", answer.body);
    assert_eq!(
        get(&cluster, &crds().name("foobars.example.com")).await.code,
        404,
        "then it goes"
    );
}

#[tokio::test]
async fn the_dynamic_client_over_http_sees_the_same_validation() {
    let cluster = cluster_with_foobars_without_rules().await;
    let server = cluster.serve().await.unwrap();
    let rest: Arc<dyn Rest> = Arc::new(rudder::HttpRest::new(server.config()).unwrap());
    let resource = ApiResource::new("example.com", "v1", "FooBar", "foobars", Scope::Namespaced);
    let client = DynamicClient::namespaced(rest, resource, "default").unwrap();
    let object: DynamicObject = serde_json::from_value(foobar("fb3", json!({"mode": "fast"}))).unwrap();
    let error = client.create(&PostParams::default(), &object).await.unwrap_err();
    let status = error.status().expect("a Status");
    assert_eq!(status.code, 422);
    assert_eq!(
        status.message,
        r#"FooBar.example.com "fb3" is invalid: spec.prop2: Required value"#
    );
    let cause = &status.details.as_ref().unwrap().causes[0];
    assert_eq!(
        (cause.reason.as_str(), cause.field.as_str()),
        ("FieldValueRequired", "spec.prop2")
    );

    let valid: DynamicObject = serde_json::from_value(foobar("fb4", json!({"prop2": ["x"]}))).unwrap();
    let created = client.create(&PostParams::default(), &valid).await.unwrap();
    assert_eq!(created.data["spec"]["mode"], "fast");
    let listed = client
        .list(&ListParams::default().fields("spec.color="))
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1);
}

#[tokio::test]
async fn a_tightened_schema_does_not_lock_existing_objects() {
    let cluster = cluster_with_foobars().await;
    let created = create(
        &cluster,
        &foobars(),
        &foobar("r", json!({"prop2": ["a"], "replicas": 5})),
    )
    .await;
    let mut crd = get(&cluster, &crds().name("foobars.example.com")).await.body;
    crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["replicas"]
        ["maximum"] = json!(2);
    let answer = send(
        &cluster,
        Method::PUT,
        &crds().name("foobars.example.com"),
        &[],
        Some(&crd),
    )
    .await;
    assert_eq!(answer.code, 200, "{:?}", answer.body);

    let mut recoloured = created.clone();
    recoloured["spec"]["color"] = json!("green");
    let answer = send(
        &cluster,
        Method::PUT,
        &foobars().name("r"),
        &[],
        Some(&recoloured),
    )
    .await;
    assert_eq!(
        answer.code, 200,
        "an unchanged invalid field is forgiven: {:?}",
        answer.body
    );

    let mut more = answer.body.clone();
    more["spec"]["replicas"] = json!(6);
    let answer = send(&cluster, Method::PUT, &foobars().name("r"), &[], Some(&more)).await;
    assert_eq!(answer.code, 422);
    assert_eq!(
        causes(&answer.body)[0].2,
        "Invalid value: 6: spec.replicas in body should be less than or equal to 2"
    );
}

/// FooBar as a typed resource, its spec left as JSON.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct FooBar {
    #[serde(default)]
    api_version: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    #[serde(default)]
    spec: Value,
}

rudder::resource!(FooBar {
    group: "example.com",
    version: "v1",
    kind: "FooBar",
    plural: "foobars",
    scope: Namespaced,
});

#[tokio::test]
async fn the_typed_api_sees_rules_defaults_and_strict_validation() {
    let cluster = cluster_with_foobars().await;
    let api: rudder::Api<FooBar> = rudder::Api::namespaced(Arc::new(cluster.clone()), "default");
    let typed = |name: &str, spec: Value| -> FooBar { serde_json::from_value(foobar(name, spec)).unwrap() };

    let refused = api
        .create(
            &PostParams::default(),
            &typed("t", json!({"prop2": ["a"], "replicas": 5, "maxReplicas": 3})),
        )
        .await
        .unwrap_err();
    assert_eq!(
        refused.status().map(|status| status.message.as_str()),
        Some(
            r#"FooBar.example.com "t" is invalid: spec: Invalid value: "object": replicas must not exceed maxReplicas"#
        )
    );

    let created = api
        .create(
            &PostParams::default(),
            &typed("t", json!({"prop2": ["a"], "ports": [{"name": "web"}]})),
        )
        .await
        .unwrap();
    assert_eq!(created.spec["mode"], "fast");
    assert_eq!(created.spec["ports"][0]["protocol"], "TCP");

    let strict = rudder::types::PatchParams::default().validation(rudder::types::FieldValidation::Strict);
    let patch = rudder::types::Patch::Merge(json!({"spec": {"colour": "red"}}));
    let refused = api.patch("t", &strict, &patch).await.unwrap_err();
    assert_eq!(refused.status().map(|status| status.code), Some(400), "{refused}");
}
