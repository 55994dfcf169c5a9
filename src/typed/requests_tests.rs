use http::header::{ACCEPT, CONTENT_TYPE};
use serde_json::json;

use super::*;
use crate::types::{PropagationPolicy, ResourceVersionMatch};

fn pods(namespace: Option<&str>) -> ResourceRequests {
    ResourceRequests::new(
        ApiResource::new("", "v1", "Pod", "pods", Scope::Namespaced),
        namespace,
    )
    .unwrap()
}

fn foos() -> ResourceRequests {
    let foos = ApiResource::new(
        "samplecontroller.k8s.io",
        "v1alpha1",
        "Foo",
        "foos",
        Scope::Namespaced,
    );
    ResourceRequests::new(foos, Some("default")).unwrap()
}

fn nodes() -> ResourceRequests {
    ResourceRequests::new(ApiResource::new("", "v1", "Node", "nodes", Scope::Cluster), None).unwrap()
}

/// `METHOD uri [content-type] body`, one line per request, for exact comparison.
fn line(request: Request) -> String {
    let content_type = request
        .headers()
        .get(CONTENT_TYPE)
        .map(|value| format!(" [{}]", value.to_str().unwrap()))
        .unwrap_or_default();
    let body = String::from_utf8(request.body().to_vec()).unwrap();
    format!("{} {}{content_type} {body}", request.method(), request.uri())
        .trim_end()
        .to_owned()
}

#[test]
fn every_verb_builds_its_exact_url_and_body() {
    let ns = pods(Some("default"));
    let apply = Patch::Apply(json!({"apiVersion": "v1", "kind": "Pod"}));
    let cases = [
        (
            ns.get("web", &GetParams::default()),
            "GET /api/v1/namespaces/default/pods/web",
        ),
        (
            ns.get("web", &GetParams::any()),
            "GET /api/v1/namespaces/default/pods/web?resourceVersion=0",
        ),
        (
            ns.list(&ListParams::default()),
            "GET /api/v1/namespaces/default/pods",
        ),
        (
            pods(None).list(&ListParams::default().limit(500).continue_token("abc")),
            "GET /api/v1/pods?limit=500&continue=abc",
        ),
        (
            ns.list(&ListParams::default().at("7", ResourceVersionMatch::Exact)),
            "GET /api/v1/namespaces/default/pods?resourceVersion=7&resourceVersionMatch=Exact",
        ),
        (
            ns.watch(&WatchParams::default().from_version("10").timeout(290)),
            "GET /api/v1/namespaces/default/pods?watch=true&resourceVersion=10&timeoutSeconds=290&allowWatchBookmarks=true",
        ),
        (
            ns.create(
                &PostParams::default().manager("rudder"),
                &json!({"metadata": {"name": "web"}}),
            ),
            r#"POST /api/v1/namespaces/default/pods?fieldManager=rudder [application/json] {"metadata":{"name":"web"}}"#,
        ),
        (
            ns.replace(
                "web",
                &PostParams::default().dry_run(),
                &json!({"metadata": {"name": "web", "resourceVersion": "3"}}),
            ),
            r#"PUT /api/v1/namespaces/default/pods/web?dryRun=All [application/json] {"metadata":{"name":"web","resourceVersion":"3"}}"#,
        ),
        (
            ns.patch(
                "web",
                &PatchParams::default(),
                &Patch::Merge(json!({"metadata": {"labels": {"a": "b"}}})),
            ),
            r#"PATCH /api/v1/namespaces/default/pods/web [application/merge-patch+json] {"metadata":{"labels":{"a":"b"}}}"#,
        ),
        (
            ns.patch(
                "web",
                &PatchParams::default(),
                &Patch::Json(json!([{"op": "remove", "path": "/metadata/labels/a"}])),
            ),
            r#"PATCH /api/v1/namespaces/default/pods/web [application/json-patch+json] [{"op":"remove","path":"/metadata/labels/a"}]"#,
        ),
        (
            ns.patch(
                "web",
                &PatchParams::default(),
                &Patch::Strategic(json!({"spec": {}})),
            ),
            r#"PATCH /api/v1/namespaces/default/pods/web [application/strategic-merge-patch+json] {"spec":{}}"#,
        ),
        (
            ns.patch("web", &PatchParams::apply("rudder").force(), &apply),
            r#"PATCH /api/v1/namespaces/default/pods/web?fieldManager=rudder&force=true [application/apply-patch+yaml] {"apiVersion":"v1","kind":"Pod"}"#,
        ),
        (
            ns.delete(
                "web",
                &DeleteParams::default().propagation(PropagationPolicy::Background),
            ),
            r#"DELETE /api/v1/namespaces/default/pods/web [application/json] {"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Background"}"#,
        ),
        (
            ns.delete_collection(
                &DeleteParams::default(),
                &ListParams::default().labels("app=web").limit(5),
            ),
            r#"DELETE /api/v1/namespaces/default/pods?labelSelector=app%3Dweb [application/json] {"kind":"DeleteOptions","apiVersion":"v1"}"#,
        ),
        (
            foos().get_subresource("status", "example-foo"),
            "GET /apis/samplecontroller.k8s.io/v1alpha1/namespaces/default/foos/example-foo/status",
        ),
        (
            foos().replace_subresource(
                "status",
                "example-foo",
                &PostParams::default(),
                &json!({"status": {"availableReplicas": 1}}),
            ),
            r#"PUT /apis/samplecontroller.k8s.io/v1alpha1/namespaces/default/foos/example-foo/status [application/json] {"status":{"availableReplicas":1}}"#,
        ),
        (
            foos().patch_subresource(
                "scale",
                "example-foo",
                &PatchParams::default(),
                &Patch::Merge(json!({"spec": {"replicas": 2}})),
            ),
            r#"PATCH /apis/samplecontroller.k8s.io/v1alpha1/namespaces/default/foos/example-foo/scale [application/merge-patch+json] {"spec":{"replicas":2}}"#,
        ),
        (
            ns.create_subresource(
                "eviction",
                "web",
                &PostParams::default(),
                &json!({"kind": "Eviction"}),
            ),
            r#"POST /api/v1/namespaces/default/pods/web/eviction [application/json] {"kind":"Eviction"}"#,
        ),
        (
            ns.logs(
                "web",
                &LogParams::default()
                    .container("app")
                    .follow()
                    .since(60)
                    .previous(),
            ),
            "GET /api/v1/namespaces/default/pods/web/log?container=app&follow=true&sinceSeconds=60&previous=true",
        ),
        (nodes().get("n1", &GetParams::default()), "GET /api/v1/nodes/n1"),
        (
            nodes().list(&ListParams::default().fields("metadata.name=n1")),
            "GET /api/v1/nodes?fieldSelector=metadata.name%3Dn1",
        ),
    ];
    for (request, expected) in cases {
        assert_eq!(line(request.unwrap()), expected);
    }
}

#[test]
fn logs_accept_plain_text_and_the_rest_json() {
    let ns = pods(Some("default"));
    assert_eq!(
        ns.logs("web", &LogParams::default()).unwrap().headers()[ACCEPT],
        "text/plain"
    );
    assert_eq!(
        ns.get("web", &GetParams::default()).unwrap().headers()[ACCEPT],
        "application/json"
    );
}

#[test]
fn an_all_namespaces_handle_cannot_name_an_object() {
    let all = pods(None);
    let error = all.get("web", &GetParams::default()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid request: get of pods needs a namespace; this handle is for all namespaces (use a namespaced handle)"
    );
    assert!(all.create(&PostParams::default(), &json!({})).is_err());
    assert!(all.delete("web", &DeleteParams::default()).is_err());
}

#[test]
fn a_cluster_scoped_resource_refuses_a_namespace() {
    let nodes = ApiResource::new("", "v1", "Node", "nodes", Scope::Cluster);
    let error = ResourceRequests::new(nodes, Some("default")).unwrap_err();
    assert!(error.to_string().contains("nodes is cluster-scoped"), "{error}");
}

#[test]
fn bad_names_and_params_are_refused_before_sending() {
    let ns = pods(Some("default"));
    assert!(ns.get("a/b", &GetParams::default()).is_err());
    assert!(
        ns.patch("web", &PatchParams::default(), &Patch::Apply(json!({})))
            .is_err()
    );
    assert!(
        ns.patch("web", &PatchParams::default(), &Patch::Json(json!({"op": "add"})))
            .is_err()
    );
}

#[test]
fn every_refusal_explains_itself() {
    let ns = pods(Some("default"));
    let refusals = [
        pods(None).get("web", &GetParams::default()).unwrap_err(),
        ResourceRequests::new(
            ApiResource::new("", "v1", "Node", "nodes", Scope::Cluster),
            Some("x"),
        )
        .unwrap_err(),
        ns.get("a/b", &GetParams::default()).unwrap_err(),
        ns.patch("web", &PatchParams::default(), &Patch::Apply(json!({})))
            .unwrap_err(),
        ns.patch("web", &PatchParams::default().force(), &Patch::Merge(json!({})))
            .unwrap_err(),
        ns.patch("web", &PatchParams::default(), &Patch::Json(json!({"op": "add"})))
            .unwrap_err(),
        ns.list(&ListParams {
            resource_version_match: Some(ResourceVersionMatch::Exact),
            ..ListParams::default()
        })
        .unwrap_err(),
        ns.list(&ListParams::default().at("0", ResourceVersionMatch::Exact))
            .unwrap_err(),
        ns.list(
            &ListParams::default()
                .at("5", ResourceVersionMatch::NotOlderThan)
                .continue_token("c"),
        )
        .unwrap_err(),
        ns.list(&ListParams::default().limit(0)).unwrap_err(),
        ns.watch(&WatchParams::default().initial_events().bookmarks(false))
            .unwrap_err(),
    ];
    let messages: Vec<String> = refusals.iter().map(ToString::to_string).collect();
    insta::assert_snapshot!(messages.join("\n"));
}
