//! The caches: kubectl's disk layout used with no server at all, the TTL,
//! corrupt files, ETag revalidation, hostile server names, invalidation.

mod api_support;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use api_support::discovery::*;
use api_support::rest_for;
use rudder::discovery::{Discovery, DiscoveryClient, DiscoverySource, server_cache_dir};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn cached_client(server: &MockServer, cache: &Path) -> DiscoveryClient {
    DiscoveryClient::builder(rest_for(server))
        .disk_cache(server.uri())
        .cache_dir(cache)
        .build()
}

fn host_dir(server: &MockServer, cache: &Path) -> PathBuf {
    server_cache_dir(cache, &server.uri())
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return files;
    };
    for entry in entries.flatten() {
        let entry_path = entry.path();
        if entry_path.is_dir() {
            files.extend(files_under(&entry_path));
        } else {
            files.push(entry_path);
        }
    }
    files
}

fn age(file: &Path, by: Duration) {
    let handle = std::fs::File::options().write(true).open(file).unwrap();
    handle.set_modified(SystemTime::now() - by).unwrap();
}

#[tokio::test]
async fn discovery_is_written_in_kubectls_layout() {
    let cache = tempfile::tempdir().unwrap();
    let server = MockServer::start().await;
    mount_aggregated(&server).await;
    let discovery = cached_client(&server, cache.path());
    discovery.server_apis().await.unwrap();
    // Written behind the answer: wait for the files.
    discovery.flush_cache().await;

    let port = server.address().port();
    let dir = cache.path().join("discovery").join(format!("127.0.0.1_{port}"));
    assert_eq!(dir, host_dir(&server, cache.path()));
    for file in [
        "servergroups.json",
        "v1/serverresources.json",
        "apps/v1/serverresources.json",
        "autoscaling/v2/serverresources.json",
        "autoscaling/v1/serverresources.json",
    ] {
        assert!(dir.join(file).is_file(), "{file} missing");
    }
    let groups: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("servergroups.json")).unwrap()).unwrap();
    assert_eq!(groups["kind"], "APIGroupList");
    assert_eq!(
        groups["groups"][0]["name"], "",
        "core group first, as client-go's ServerGroups"
    );
    assert_eq!(groups["groups"][0]["preferredVersion"]["groupVersion"], "v1");
    let apps: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("apps/v1/serverresources.json")).unwrap()).unwrap();
    assert_eq!(apps["kind"], "APIResourceList");
    assert_eq!(apps["groupVersion"], "apps/v1");
    let scale = apps["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "deployments/scale")
        .unwrap();
    assert_eq!(
        (scale["group"].as_str(), scale["kind"].as_str()),
        (Some("autoscaling"), Some("Scale"))
    );
    let batch: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("batch/v1/serverresources.json")).unwrap()).unwrap();
    insta::assert_json_snapshot!("batch_v1_serverresources", batch);
    // No temporary files are left behind by the atomic writes.
    assert!(
        files_under(cache.path())
            .iter()
            .all(|f| !f.to_string_lossy().ends_with(".tmp"))
    );
}

#[tokio::test]
async fn the_disk_cache_answers_with_no_server_at_all() {
    let cache = tempfile::tempdir().unwrap();
    let server = MockServer::start().await;
    mount_legacy(&server, false).await;
    let online = cached_client(&server, cache.path()).server_apis().await.unwrap();

    let offline = DiscoveryClient::builder(Arc::new(NoServer))
        .disk_cache(server.uri())
        .cache_dir(cache.path())
        .build();
    let deployments = offline.resolve("deploy").await.unwrap();

    assert_eq!(deployments.resource.api_version(), "apps/v1");
    assert_eq!(deployments.subresource("scale").unwrap().kind.kind, "Scale");
    let apis = offline.server_apis().await.unwrap();
    assert_eq!(apis.source(), DiscoverySource::DiskCache);
    assert!(apis.is_complete());
    assert_eq!(apis.groups(), online.groups());
    assert_eq!(apis.resources(), online.resources());
    assert!(offline.resolve("crd").await.is_ok());
}

#[tokio::test]
async fn with_no_server_and_no_cache_discovery_is_a_transport_error() {
    let cache = tempfile::tempdir().unwrap();
    let offline = DiscoveryClient::builder(Arc::new(NoServer))
        .disk_cache("https://10.0.0.1:6443")
        .cache_dir(cache.path())
        .build();
    let error = offline.resolve("pods").await.unwrap_err();
    assert!(matches!(error, rudder::Error::Transport { .. }), "{error}");
}

#[tokio::test]
async fn a_zero_ttl_asks_the_server_every_time() {
    let cache = tempfile::tempdir().unwrap();
    let server = MockServer::start().await;
    mount_aggregated(&server).await;
    let discovery = DiscoveryClient::builder(rest_for(&server))
        .disk_cache(server.uri())
        .cache_dir(cache.path())
        .ttl(Duration::ZERO)
        .build();
    discovery.server_apis().await.unwrap();
    discovery.server_apis().await.unwrap();
    let apis = requested_paths(&server)
        .await
        .iter()
        .filter(|p| *p == "/apis")
        .count();
    assert_eq!(apis, 2);
}

#[tokio::test]
async fn files_older_than_the_ttl_are_refetched() {
    let cache = tempfile::tempdir().unwrap();
    let server = MockServer::start().await;
    mount_aggregated(&server).await;
    let online = cached_client(&server, cache.path());
    online.server_apis().await.unwrap();
    online.flush_cache().await;
    // Seven hours later (kubectl's TTL is six).
    for file in files_under(&host_dir(&server, cache.path())) {
        age(&file, Duration::from_secs(7 * 60 * 60));
    }
    let offline = DiscoveryClient::builder(Arc::new(NoServer))
        .disk_cache(server.uri())
        .cache_dir(cache.path())
        .build();
    assert!(
        offline.server_apis().await.is_err(),
        "expired files must not be used"
    );

    let apis = cached_client(&server, cache.path()).server_apis().await.unwrap();
    assert_eq!(apis.source(), DiscoverySource::Aggregated);
    // Rewritten: fresh again for a client with no server.
    assert!(offline.server_apis().await.is_ok());
}

#[tokio::test]
async fn a_corrupt_groups_file_is_ignored_and_refetched() {
    let cache = tempfile::tempdir().unwrap();
    let server = MockServer::start().await;
    mount_aggregated(&server).await;
    let first = cached_client(&server, cache.path());
    first.server_apis().await.unwrap();
    first.flush_cache().await;
    let groups_file = host_dir(&server, cache.path()).join("servergroups.json");
    std::fs::write(&groups_file, b"{\"groups\": [tru").unwrap();

    let second = cached_client(&server, cache.path());
    let apis = second.server_apis().await.unwrap();
    second.flush_cache().await;

    assert_eq!(apis.source(), DiscoverySource::Aggregated);
    let rewritten: serde_json::Value = serde_json::from_slice(&std::fs::read(&groups_file).unwrap()).unwrap();
    assert_eq!(rewritten["kind"], "APIGroupList");
}

#[tokio::test]
async fn a_corrupt_group_version_file_refetches_only_that_group_version() {
    let cache = tempfile::tempdir().unwrap();
    let server = MockServer::start().await;
    mount_aggregated(&server).await;
    mount_legacy(&server, false).await;
    let first = cached_client(&server, cache.path());
    first.server_apis().await.unwrap();
    first.flush_cache().await;
    server.reset().await;
    mount_legacy(&server, false).await;
    let apps_file = host_dir(&server, cache.path()).join("apps/v1/serverresources.json");
    std::fs::write(&apps_file, b"\x00\x01 not json").unwrap();

    let discovery = cached_client(&server, cache.path());
    let deployments = discovery.resolve("deploy").await.unwrap();

    assert_eq!(deployments.resource.api_version(), "apps/v1");
    assert_eq!(requested_paths(&server).await, ["/apis/apps/v1"]);
    let apis = discovery.server_apis().await.unwrap();
    assert_eq!(apis.source(), DiscoverySource::DiskCache);
}

#[tokio::test]
async fn invalidate_makes_the_next_call_ask_the_server() {
    let cache = tempfile::tempdir().unwrap();
    let server = MockServer::start().await;
    mount_aggregated(&server).await;
    cached_client(&server, cache.path()).server_apis().await.unwrap();
    let discovery = cached_client(&server, cache.path());
    assert_eq!(
        discovery.server_apis().await.unwrap().source(),
        DiscoverySource::DiskCache
    );

    discovery.invalidate().await;

    assert_eq!(
        discovery.server_apis().await.unwrap().source(),
        DiscoverySource::Aggregated
    );
}

#[tokio::test]
async fn an_unchanged_document_is_revalidated_with_its_etag() {
    let cache = tempfile::tempdir().unwrap();
    let server = MockServer::start().await;
    for (prefix, body, etag) in [
        ("/api", aggregated_core().to_string(), "\"core-1\""),
        ("/apis", fixture("aggregated_v2.json"), "\"apis-1\""),
    ] {
        Mock::given(method("GET"))
            .and(path(prefix))
            .and(header("if-none-match", etag))
            .respond_with(ResponseTemplate::new(304).insert_header("etag", etag))
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(prefix))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_raw(body, AGGREGATED_CONTENT_TYPE)
                    .insert_header("etag", etag),
            )
            .mount(&server)
            .await;
    }
    let discovery = DiscoveryClient::builder(rest_for(&server))
        .disk_cache(server.uri())
        .cache_dir(cache.path())
        .ttl(Duration::ZERO)
        .build();

    discovery.server_apis().await.unwrap();
    let revalidated = discovery.server_apis().await.unwrap();

    assert_eq!(revalidated.source(), DiscoverySource::Aggregated);
    assert!(
        revalidated
            .resources_for("apps", "v1")
            .any(|r| r.resource.plural == "deployments")
    );
    let requests = server.received_requests().await.unwrap();
    let conditional: Vec<_> = requests
        .iter()
        .filter_map(|r| {
            r.headers
                .get("if-none-match")
                .map(|v| (r.url.path().to_owned(), v.clone()))
        })
        .collect();
    assert_eq!(
        conditional.len(),
        2,
        "the second load sends If-None-Match for /api and /apis"
    );
    assert!(
        files_under(&cache.path().join("http")).len() >= 2,
        "entries kept in <cache>/http"
    );
}

#[tokio::test]
async fn a_corrupt_http_cache_entry_is_a_plain_request() {
    let cache = tempfile::tempdir().unwrap();
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/apis"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(fixture("aggregated_v2.json"), AGGREGATED_CONTENT_TYPE)
                .insert_header("etag", "\"x\""),
        )
        .mount(&server)
        .await;
    let discovery = DiscoveryClient::builder(rest_for(&server))
        .disk_cache(server.uri())
        .cache_dir(cache.path())
        .ttl(Duration::ZERO)
        .build();
    discovery.server_apis().await.unwrap();
    discovery.flush_cache().await;
    let entries = files_under(&cache.path().join("http"));
    let written: Vec<serde_json::Value> = entries
        .iter()
        .map(|entry| serde_json::from_slice(&std::fs::read(entry).unwrap()).unwrap())
        .collect();
    for entry in &entries {
        std::fs::write(entry, b"garbage").unwrap();
    }
    discovery.server_apis().await.unwrap();
    discovery.flush_cache().await;
    let requests = server.received_requests().await.unwrap();
    assert!(requests.iter().all(|r| !r.headers.contains_key("if-none-match")));

    // Well-formed JSON whose ETag cannot be a header value (edited by hand,
    // or written by something else) is no better: a plain request again.
    for (entry, mut content) in entries.iter().zip(written) {
        content["etag"] = "\"x\"\r\nX-Injected: 1".into();
        std::fs::write(entry, content.to_string()).unwrap();
    }
    discovery.server_apis().await.unwrap();
    let requests = server.received_requests().await.unwrap();
    assert!(requests.iter().all(|r| !r.headers.contains_key("if-none-match")));
    assert!(requests.iter().all(|r| !r.headers.contains_key("x-injected")));
}

#[tokio::test]
async fn hostile_server_names_cannot_escape_the_cache_folder() {
    let outer = tempfile::tempdir().unwrap();
    let cache = outer.path().join("cache");
    let server = MockServer::start().await;
    mount_aggregated(&server).await;
    let hostile = [
        "https://../../escaped",
        "https://a/../../../escaped",
        "http://%2e%2e/%2e%2e/escaped",
        "..",
        "../..",
        "/",
        "",
        "/etc/passwd",
        "https://host//..//..//escaped",
        "https://h/./../..\\..\\escaped",
        "file:///../../escaped",
        "https://héllo/..",
    ];
    for server_name in hostile {
        let dir = server_cache_dir(&cache, server_name);
        assert!(
            dir.starts_with(cache.join("discovery")),
            "{server_name}: {}",
            dir.display()
        );
        assert_ne!(dir, cache.join("discovery"), "{server_name}");
        let discovery = DiscoveryClient::builder(rest_for(&server))
            .disk_cache(server_name)
            .cache_dir(&cache)
            .build();
        discovery.server_apis().await.unwrap();
    }
    for file in files_under(outer.path()) {
        let inside = file.starts_with(cache.join("discovery")) || file.starts_with(cache.join("http"));
        assert!(inside, "{} escaped", file.display());
        // Nothing climbed out through a `..` either.
        assert!(file.components().all(|c| c != std::path::Component::ParentDir));
    }
}

/// The folder kubectl would have written for a legacy server, made from the
/// real documents: `servergroups.json` (core group first) and one
/// `serverresources.json` per group version.
fn write_kubectl_cache(dir: &Path) {
    let mut apis = legacy_apis();
    let groups = apis["groups"].as_array_mut().unwrap();
    groups.insert(
        0,
        serde_json::json!({
            "name": "",
            "versions": [{"groupVersion": "v1", "version": "v1"}],
            "preferredVersion": {"groupVersion": "v1", "version": "v1"}
        }),
    );
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("servergroups.json"), apis.to_string()).unwrap();
    for (group_version, fixture_name) in LEGACY_DOCUMENTS {
        let folder = dir.join(group_version);
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("serverresources.json"), fixture(fixture_name)).unwrap();
    }
}

#[tokio::test]
async fn a_cache_folder_written_by_kubectl_is_used_with_no_server() {
    let cache = tempfile::tempdir().unwrap();
    let server = "https://10.96.0.1:443";
    write_kubectl_cache(&cache.path().join("discovery").join("10.96.0.1_443"));
    let offline = DiscoveryClient::builder(Arc::new(NoServer))
        .disk_cache(server)
        .cache_dir(cache.path())
        .build();
    for (argument, api_version) in [
        ("po", "v1"),
        ("deploy", "apps/v1"),
        ("cj", "batch/v1"),
        ("lease", "coordination.k8s.io/v1"),
        ("crd", "apiextensions.k8s.io/v1"),
    ] {
        let served = offline.resolve(argument).await.unwrap();
        assert_eq!(served.resource.api_version(), api_version, "{argument}");
    }
    assert_eq!(
        offline.server_apis().await.unwrap().source(),
        DiscoverySource::DiskCache
    );
}
