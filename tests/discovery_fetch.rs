//! Discovery from the real documents: aggregated when the server offers it,
//! the legacy fallback when it does not, partial failures, `/version`.

mod api_support;

use api_support::discovery::*;
use api_support::rest_for;
use rudder::discovery::{Discovery, DiscoveryClient, DiscoverySource};
use rudder::types::Scope;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn an_aggregated_server_is_discovered_in_two_requests() {
    let server = MockServer::start().await;
    mount_aggregated(&server).await;
    let discovery = DiscoveryClient::new(rest_for(&server));

    let apis = discovery.server_apis().await.unwrap();

    assert_eq!(apis.source(), DiscoverySource::Aggregated);
    assert!(apis.is_complete());
    let mut paths = requested_paths(&server).await;
    paths.sort();
    assert_eq!(paths, ["/api", "/apis"]);
    assert_eq!(apis.groups()[0].name, "", "the core group comes first");
    let autoscaling = apis.group("autoscaling").unwrap();
    assert_eq!(autoscaling.versions, ["v2", "v1"]);
    assert_eq!(autoscaling.preferred_version, "v2");
    let deployments = apis
        .resources_for("apps", "v1")
        .find(|r| r.resource.plural == "deployments")
        .unwrap();
    assert_eq!(deployments.resource.kind, "Deployment");
    assert_eq!(deployments.singular, "deployment");
    assert_eq!(deployments.short_names, ["deploy"]);
    assert_eq!(deployments.categories, ["all"]);
    assert!(deployments.supports("watch"));
    let scale = deployments.subresource("scale").unwrap();
    assert_eq!(scale.kind.api_version(), "autoscaling/v1");
    assert_eq!(scale.kind.kind, "Scale");
    let pods = apis
        .resources_for("", "v1")
        .find(|r| r.resource.plural == "pods")
        .unwrap();
    assert!(pods.subresource("status").is_some() && pods.subresource("log").is_some());
    let namespaces = apis
        .resources_for("", "v1")
        .find(|r| r.resource.plural == "namespaces")
        .unwrap();
    assert_eq!(namespaces.resource.scope, Scope::Cluster);
}

#[tokio::test]
async fn the_discovery_accept_header_asks_for_v2_then_v2beta1_then_json() {
    let server = MockServer::start().await;
    mount_aggregated(&server).await;
    DiscoveryClient::new(rest_for(&server))
        .server_apis()
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap();
    for request in requests {
        assert_eq!(
            request.headers["accept"],
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,\
             application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,\
             application/json"
        );
    }
}

#[tokio::test]
async fn a_legacy_only_server_gets_the_per_group_version_fallback() {
    let server = MockServer::start().await;
    mount_legacy(&server, false).await;
    let discovery = DiscoveryClient::new(rest_for(&server));

    let apis = discovery.server_apis().await.unwrap();

    assert_eq!(apis.source(), DiscoverySource::Legacy);
    assert!(apis.is_complete(), "{:?}", apis.failures());
    let mut paths = requested_paths(&server).await;
    paths.sort();
    assert_eq!(
        paths,
        [
            "/api",
            "/api/v1",
            "/apis",
            "/apis/apiextensions.k8s.io/v1",
            "/apis/apps/v1",
            "/apis/batch/v1",
            "/apis/coordination.k8s.io/v1",
        ]
    );
    let names: Vec<String> = apis.groups().iter().map(|g| g.name.clone()).collect();
    assert_eq!(
        names,
        ["", "apps", "batch", "apiextensions.k8s.io", "coordination.k8s.io"],
        "the server's order"
    );
    let deployments = apis
        .resources_for("apps", "v1")
        .find(|r| r.resource.plural == "deployments")
        .unwrap();
    assert_eq!(deployments.short_names, ["deploy"]);
    assert_eq!(deployments.subresource("scale").unwrap().kind.kind, "Scale");
    let crds = apis
        .resources_for("apiextensions.k8s.io", "v1")
        .find(|r| r.resource.plural == "customresourcedefinitions")
        .unwrap();
    assert_eq!(crds.short_names, ["crd", "crds"]);
    assert_eq!(crds.resource.scope, Scope::Cluster);
}

#[tokio::test]
async fn aggregated_and_legacy_discovery_agree_on_shared_resources() {
    let aggregated_server = MockServer::start().await;
    mount_aggregated(&aggregated_server).await;
    let legacy_server = MockServer::start().await;
    mount_legacy(&legacy_server, false).await;
    let aggregated = DiscoveryClient::new(rest_for(&aggregated_server))
        .server_apis()
        .await
        .unwrap();
    let legacy = DiscoveryClient::new(rest_for(&legacy_server))
        .server_apis()
        .await
        .unwrap();
    for (group, version) in [("", "v1"), ("batch", "v1"), ("apps", "v1")] {
        for from_legacy in legacy.resources_for(group, version) {
            let from_aggregated = aggregated
                .resources_for(group, version)
                .find(|r| r.resource.plural == from_legacy.resource.plural);
            // The documents come from different releases: compare what both have.
            if let Some(from_aggregated) = from_aggregated {
                assert_eq!(from_aggregated.resource, from_legacy.resource);
                assert_eq!(from_aggregated.short_names, from_legacy.short_names);
                assert_eq!(from_aggregated.singular, from_legacy.singular);
            }
        }
    }
}

#[tokio::test]
async fn an_aggregated_body_sent_as_plain_json_is_recognised_by_its_kind() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(aggregated_core().to_string(), "application/json"),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/apis"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(fixture("aggregated_v2.json"), "application/json"),
        )
        .mount(&server)
        .await;
    let apis = DiscoveryClient::new(rest_for(&server))
        .server_apis()
        .await
        .unwrap();
    assert_eq!(apis.source(), DiscoverySource::Aggregated);
    assert!(
        apis.resources_for("apps", "v1")
            .any(|r| r.resource.plural == "deployments")
    );
}

#[tokio::test]
async fn a_failed_group_version_is_reported_and_the_others_are_kept() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/apis/batch/v1"))
        .respond_with(ResponseTemplate::new(503).set_body_raw(
            r#"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"service unavailable","reason":"ServiceUnavailable","code":503}"#,
            "application/json",
        ))
        .with_priority(1)
        .mount(&server)
        .await;
    mount_legacy(&server, false).await;
    let discovery = DiscoveryClient::new(rest_for(&server));

    let apis = discovery.server_apis().await.unwrap();

    assert_eq!(apis.failures().len(), 1);
    let failure = &apis.failures()[0];
    assert_eq!(failure.group_version, "batch/v1");
    assert!(failure.error.is_service_unavailable(), "{}", failure.error);
    assert!(
        apis.resources_for("apps", "v1")
            .any(|r| r.resource.plural == "deployments")
    );
    assert_eq!(apis.resources_for("batch", "v1").count(), 0);
    let incomplete = apis.ensure_complete().unwrap_err();
    insta::assert_snapshot!(incomplete.to_string());
    // A resource in the failed group version: the miss says where it may be.
    let error = discovery.resolve("cronjobs").await.unwrap_err();
    insta::assert_snapshot!("miss_with_failed_group_version", error.to_string());
}

#[tokio::test]
async fn the_real_apis_list_with_missing_documents_keeps_what_answered() {
    let server = MockServer::start().await;
    mount_legacy(&server, true).await;
    let apis = DiscoveryClient::new(rest_for(&server))
        .server_apis()
        .await
        .unwrap();
    assert!(!apis.is_complete());
    let failed: Vec<&str> = apis.failures().iter().map(|f| f.group_version.as_str()).collect();
    assert!(failed.contains(&"autoscaling/v2"), "{failed:?}");
    assert!(!failed.contains(&"apps/v1"));
    assert!(apis.failures().iter().all(|f| f.error.is_not_found()));
    assert!(apis.resources_for("apps", "v1").count() > 0);
}

#[tokio::test]
async fn a_failing_discovery_root_is_an_error_but_a_missing_apis_is_not() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(fixture("api.json"), "application/json"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(fixture("api__v1.json"), "application/json"))
        .mount(&server)
        .await;
    // No /apis at all: wiremock answers 404, an old or core-only server.
    let apis = DiscoveryClient::new(rest_for(&server))
        .server_apis()
        .await
        .unwrap();
    assert_eq!(apis.groups().len(), 1);
    assert!(apis.resources_for("", "v1").any(|r| r.resource.plural == "pods"));

    let broken = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500).set_body_string("boom"))
        .mount(&broken)
        .await;
    let error = DiscoveryClient::new(rest_for(&broken))
        .server_apis()
        .await
        .unwrap_err();
    assert!(error.is_internal_error(), "{error}");
}

#[tokio::test]
async fn server_version_reads_slash_version() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/version"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"major":"1","minor":"31","gitVersion":"v1.31.2","gitCommit":"5864a4677267e6adeae276ad85882a8714d69d9d","gitTreeState":"clean","buildDate":"2024-10-22T20:28:14Z","goVersion":"go1.22.8","compiler":"gc","platform":"linux/amd64"}"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    let version = DiscoveryClient::new(rest_for(&server))
        .server_version()
        .await
        .unwrap();
    assert_eq!(version.major, "1");
    assert_eq!(version.minor, "31");
    assert_eq!(version.git_version, "v1.31.2");
    assert_eq!(version.platform, "linux/amd64");
}

#[tokio::test]
async fn a_version_body_that_is_not_json_is_a_decode_error_naming_the_url() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/version"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>"))
        .mount(&server)
        .await;
    let error = DiscoveryClient::new(rest_for(&server))
        .server_version()
        .await
        .unwrap_err();
    assert!(
        error.to_string().starts_with("GET /version: cannot decode"),
        "{error}"
    );
}

/// Serves the real legacy documents in-process and records how many
/// requests were in flight at once.
struct CountingFixtureRest {
    in_flight: std::sync::atomic::AtomicUsize,
    most_in_flight: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl rudder::Rest for CountingFixtureRest {
    async fn send(&self, request: rudder::rest::Request) -> rudder::Result<rudder::rest::Response> {
        use std::sync::atomic::Ordering::SeqCst;
        let now = self.in_flight.fetch_add(1, SeqCst) + 1;
        self.most_in_flight.fetch_max(now, SeqCst);
        // Let the other fetches start before this one answers.
        for _ in 0..4 {
            tokio::task::yield_now().await;
        }
        self.in_flight.fetch_sub(1, SeqCst);
        let name = match request.uri().path() {
            "/api" => Some("api.json".to_owned()),
            "/apis" => Some("apis.json".to_owned()),
            other => {
                let name = format!("{}.json", other.trim_start_matches('/').replace('/', "__"));
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("fixtures/discovery")
                    .join(&name)
                    .is_file()
                    .then_some(name)
            }
        };
        let response = match name {
            Some(name) => http::Response::builder().status(200).body(fixture(&name).into()),
            None => http::Response::builder().status(404).body(bytes::Bytes::new()),
        };
        Ok(response.unwrap())
    }

    async fn send_stream(
        &self,
        request: rudder::rest::Request,
    ) -> rudder::Result<rudder::rest::StreamResponse> {
        Err(rudder::Error::Transport {
            verb: request.method().to_string(),
            url: request.uri().to_string(),
            source: "discovery never streams".into(),
        })
    }
}

#[tokio::test]
async fn group_versions_are_fetched_concurrently_within_the_bound() {
    let rest = std::sync::Arc::new(CountingFixtureRest {
        in_flight: 0.into(),
        most_in_flight: 0.into(),
    });
    let discovery = DiscoveryClient::builder(rest.clone())
        .max_concurrent_requests(3)
        .build();
    let apis = discovery.server_apis().await.unwrap();
    let most = rest.most_in_flight.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(most, 3, "at most 3 at once, and 3 were used");
    assert!(apis.resources_for("apps", "v1").count() > 0);
    assert!(
        apis.failures().len() > 10,
        "the documents the fixtures lack are failures"
    );
}

#[tokio::test]
async fn a_v2beta1_server_and_a_stale_aggregated_api_are_handled() {
    let server = MockServer::start().await;
    let mut apis = fixture_json("aggregated_v2.json");
    apis["apiVersion"] = "apidiscovery.k8s.io/v2beta1".into();
    apis["items"].as_array_mut().unwrap().push(serde_json::json!({
        "metadata": {"name": "metrics.k8s.io"},
        "versions": [{"version": "v1beta1", "freshness": "Stale"}]
    }));
    let v2beta1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";
    for (prefix, body) in [("/api", aggregated_core()), ("/apis", apis)] {
        Mock::given(method("GET"))
            .and(path(prefix))
            .respond_with(ResponseTemplate::new(200).set_body_raw(body.to_string(), v2beta1))
            .mount(&server)
            .await;
    }

    let apis = DiscoveryClient::new(rest_for(&server))
        .server_apis()
        .await
        .unwrap();

    assert_eq!(apis.source(), DiscoverySource::Aggregated);
    assert_eq!(apis.failures().len(), 1);
    assert_eq!(apis.failures()[0].group_version, "metrics.k8s.io/v1beta1");
    insta::assert_snapshot!("stale_failure", apis.failures()[0].error.to_string());
    assert!(
        apis.group("metrics.k8s.io").is_some(),
        "the group is still listed"
    );
    assert!(apis.resources_for("apps", "v1").count() > 0);
}
