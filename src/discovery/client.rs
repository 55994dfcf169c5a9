//! `DiscoveryClient`: discovery over any [`Rest`], with its caches.

use std::sync::Arc;
use std::time::Duration;

// tokio's clock, so that a test with paused time can step past the TTL.
use tokio::time::Instant;

use http::header::{CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use http::{Method, StatusCode};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{APIGroupList, APIResourceList, APIVersions};
use tokio::sync::Mutex;

use crate::config::RedactedUrl;
use crate::rest::{RequestBuilder, Rest, check_status, decode_body, validate_path_segment};
use crate::types::{GroupVersionKind, GroupVersionResource};
use crate::{Config, Error, Result};

use super::builder::DiscoveryClientBuilder;
use super::cache_writes;
use super::convert::{self, Found};
use super::disk_cache::{CachedApis, DiskCache};
use super::fetch::{Document, fetch_group_versions};
use super::http_cache::{HttpCache, Lookup, lookups_blocking};
use super::interface::Discovery;
use super::model::{DiscoverySource, ServedResource, ServerApis};
use super::resolve;
use super::version::ServerVersion;
use super::wire::{ACCEPT_DISCOVERY, ApiGroupDiscoveryList};

/// Discovery over any [`Rest`]: aggregated discovery first, legacy documents
/// when the server does not offer it; cached in memory, and (when asked) on
/// disk in kubectl's layout with an HTTP cache that revalidates by `ETag`.
/// The disk caches are written in the background, after discovery has
/// answered: [`flush_cache`](Self::flush_cache) waits for them.
///
/// ```no_run
/// # async fn run(rest: std::sync::Arc<dyn rudder::Rest>) -> rudder::Result<()> {
/// use rudder::discovery::{Discovery, DiscoveryClient};
///
/// let discovery = DiscoveryClient::builder(rest)
///     .disk_cache("https://10.0.0.1:6443")
///     .build();
/// let deployments = discovery.resolve("deploy").await?;
/// assert_eq!(deployments.resource.plural, "deployments");
/// assert!(deployments.subresource("scale").is_some());
/// # Ok(())
/// # }
/// ```
pub struct DiscoveryClient {
    rest: Arc<dyn Rest>,
    server: Option<String>,
    disk: Option<DiskCache>,
    http: Option<HttpCache>,
    ttl: Duration,
    max_concurrent_requests: usize,
    state: Mutex<CacheState>,
}

impl std::fmt::Debug for DiscoveryClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiscoveryClient")
            .field("server", &self.server.as_deref().map(RedactedUrl))
            .field("disk_cache", &self.disk.is_some())
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

#[derive(Default)]
struct CacheState {
    memory: Option<(Arc<ServerApis>, Instant)>,
    /// Set by `invalidate`: files on disk are older than the invalidation.
    skip_disk: bool,
}

/// Whether a load asked the server or used cached data.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Loaded {
    Cached,
    Fetched,
}

impl DiscoveryClient {
    /// A client that caches in memory only.
    pub fn new(rest: Arc<dyn Rest>) -> Self {
        DiscoveryClient::builder(rest).build()
    }

    /// A client for the server `config` names, cached in memory and on disk
    /// in kubectl's layout under `$KUBECACHEDIR` or `~/.kube/cache`.
    pub fn for_config(rest: Arc<dyn Rest>, config: &Config) -> Self {
        DiscoveryClient::builder(rest)
            .disk_cache(config.discovery_cache_key())
            .build()
    }

    pub(super) fn from_parts(
        rest: Arc<dyn Rest>,
        server: Option<String>,
        caches: Option<(DiskCache, HttpCache)>,
        ttl: Duration,
        max_concurrent_requests: usize,
    ) -> Self {
        let (disk, http) = caches.unzip();
        DiscoveryClient {
            rest,
            server,
            disk,
            http,
            ttl,
            max_concurrent_requests,
            state: Mutex::new(CacheState::default()),
        }
    }

    /// A builder, to add the disk cache or change the TTL.
    pub fn builder(rest: Arc<dyn Rest>) -> DiscoveryClientBuilder {
        DiscoveryClientBuilder::new(rest)
    }

    /// Waits until the disk and HTTP caches hold what discovery has fetched
    /// so far.
    ///
    /// Discovery answers as soon as the server's documents are decoded and
    /// writes the caches behind the answer, on tokio's blocking pool, in the
    /// order they were fetched (one queue for the whole process). Nothing in
    /// this process reads a cache that is still being written: a discovery
    /// client waits for the queued writes before it reads the disk. Another
    /// process (kubectl, the next run of this program) sees them once they
    /// land, so call this before a program exits when the next run should
    /// find a warm cache. Dropping a tokio runtime waits for the write in
    /// progress, but a process that exits at once (`std::process::exit`,
    /// `Runtime::shutdown_background`) may leave without a cache, which only
    /// costs the next run a cold discovery. A failed write is logged
    /// (`tracing`, with the file) and never fails discovery.
    ///
    /// ```no_run
    /// # async fn run(discovery: rudder::DiscoveryClient) -> rudder::Result<()> {
    /// use rudder::discovery::Discovery;
    ///
    /// let apis = discovery.server_apis().await?;
    /// println!("{} groups", apis.groups().len());
    /// discovery.flush_cache().await; // the next run of this program starts warm
    /// # Ok(())
    /// # }
    /// ```
    pub async fn flush_cache(&self) {
        cache_writes::flush().await;
    }

    /// Cached discovery when fresh, else the server's (`force` skips the caches).
    async fn load(&self, force: bool) -> Result<(Arc<ServerApis>, Loaded)> {
        // Held across the fetch, so concurrent callers wait for one fetch.
        let mut state = self.state.lock().await;
        let mut roots = None;
        if !force {
            if let Some((apis, at)) = &state.memory
                && at.elapsed() < self.ttl
            {
                return Ok((apis.clone(), Loaded::Cached));
            }
            if !state.skip_disk
                && let Some(disk) = &self.disk
            {
                match self.read_disk_after_writes(disk).await {
                    OnDisk::Fresh(cached) => {
                        let apis = Arc::new(self.complete_from_disk(disk, cached).await);
                        state.memory = Some((apis.clone(), Instant::now()));
                        return Ok((apis, Loaded::Cached));
                    }
                    OnDisk::Cold(lookups) => roots = Some(lookups),
                }
            }
        }
        let apis = Arc::new(self.fetch_all(roots).await?);
        if let Some(disk) = &self.disk {
            disk.queue_write(apis.clone());
        }
        state.memory = Some((apis.clone(), Instant::now()));
        state.skip_disk = false;
        Ok((apis, Loaded::Fetched))
    }

    /// The disk cache, once the writes queued so far have landed (so never
    /// one this process is still writing); when it has nothing fresh, what
    /// the HTTP cache holds for `/api` and `/apis`, read in the same hand-off
    /// to the blocking pool.
    async fn read_disk_after_writes(&self, disk: &DiskCache) -> OnDisk {
        cache_writes::flush().await;
        let keys = self.cache_keys(ROOTS, ACCEPT_DISCOVERY);
        let (disk, http, to_read) = (disk.clone(), self.http.clone(), keys.clone());
        let read = tokio::task::spawn_blocking(move || match disk.read_blocking() {
            Some(cached) => OnDisk::Fresh(cached),
            None => OnDisk::Cold(lookups_blocking(http.as_ref(), to_read)),
        });
        read.await.unwrap_or_else(|error| {
            tracing::warn!(%error, "reading the discovery cache failed; ignored");
            OnDisk::Cold(keys.map(Lookup::missed))
        })
    }

    /// Discovery from the disk cache; group versions whose files are missing
    /// or stale are fetched (and written back).
    async fn complete_from_disk(&self, disk: &DiskCache, cached: CachedApis) -> ServerApis {
        let CachedApis {
            groups,
            mut resources,
            missing,
        } = cached;
        let mut failures = Vec::new();
        if !missing.is_empty() {
            tracing::debug!(
                count = missing.len(),
                "group versions missing from the disk cache; fetching them"
            );
            let fetched = fetch_group_versions(self, missing, self.max_concurrent_requests).await;
            disk.queue_group_versions(&fetched.by_group_version);
            resources.extend(
                fetched
                    .by_group_version
                    .into_iter()
                    .flat_map(|(_, _, found)| found),
            );
            failures = fetched.failures;
        }
        ServerApis::new(groups, resources, failures, DiscoverySource::DiskCache)
    }

    /// Everything from the server: `/api` and `/apis` together, then (for a
    /// legacy answer) every group version's document. `roots`: what the HTTP
    /// cache holds for `/api` and `/apis`, when already read.
    async fn fetch_all(&self, roots: Option<[Lookup; 2]>) -> Result<ServerApis> {
        // Both cache entries in one hand-off to the blocking pool, so that
        // neither request waits for the other's lookup.
        let [core, groups] = match roots {
            Some(roots) => roots,
            None => self.lookup_all(ROOTS, ACCEPT_DISCOVERY).await,
        };
        let (core, groups) = tokio::join!(self.fetch_root("/api", core), self.fetch_root("/apis", groups));
        let (core, groups) = (core?, groups?);
        let aggregated = core.aggregated && groups.aggregated;
        let mut found = Found::default();
        let mut legacy_group_versions = Vec::new();
        for root in [core, groups] {
            if !root.aggregated {
                for group in &root.found.groups {
                    for version in &group.versions {
                        legacy_group_versions.push((group.name.clone(), version.clone()));
                    }
                }
            }
            found.extend(root.found);
        }
        let fetched = fetch_group_versions(self, legacy_group_versions, self.max_concurrent_requests).await;
        found.resources.extend(
            fetched
                .by_group_version
                .into_iter()
                .flat_map(|(_, _, found)| found),
        );
        found.failures.extend(fetched.failures);
        let source = if aggregated {
            DiscoverySource::Aggregated
        } else {
            DiscoverySource::Legacy
        };
        Ok(ServerApis::new(
            found.groups,
            found.resources,
            found.failures,
            source,
        ))
    }

    /// `/api` or `/apis`, in whichever form the server answers.
    async fn fetch_root(&self, prefix: &'static str, lookup: Lookup) -> Result<Root> {
        let document = match self.get_after(lookup, prefix, ACCEPT_DISCOVERY).await {
            Ok(document) => document,
            // client-go's rule: a server without /apis (or forbidding it) has no groups there.
            Err(error) if error.is_not_found() || error.is_forbidden() => {
                tracing::debug!(prefix, %error, "discovery root not served");
                return Ok(Root::default());
            }
            Err(error) => return Err(error),
        };
        if document.is_aggregated() {
            let list: ApiGroupDiscoveryList = document.decode()?;
            return Ok(Root {
                aggregated: true,
                found: convert::from_aggregated(list),
            });
        }
        let groups = if prefix == "/api" {
            let versions: APIVersions = document.decode()?;
            convert::core_group(versions).into_iter().collect()
        } else {
            let list: APIGroupList = document.decode()?;
            convert::groups_of(list)
        };
        Ok(Root {
            aggregated: false,
            found: Found {
                groups,
                ..Found::default()
            },
        })
    }

    /// The HTTP cache keys of GETs of `uris` (none without an HTTP cache).
    fn cache_keys<const N: usize>(&self, uris: [&str; N], accept: &str) -> [Option<String>; N] {
        uris.map(|uri| {
            self.server
                .as_deref()
                .filter(|_| self.http.is_some())
                .map(|server| HttpCache::key(server, uri, accept))
        })
    }

    /// What the HTTP cache holds for a GET of each of `uris`, read in one
    /// hand-off to the blocking pool.
    async fn lookup_all<const N: usize>(&self, uris: [&str; N], accept: &str) -> [Lookup; N] {
        let keys = self.cache_keys(uris, accept);
        if self.http.is_none() {
            return keys.map(Lookup::missed);
        }
        let (http, to_read) = (self.http.clone(), keys.clone());
        let read = tokio::task::spawn_blocking(move || lookups_blocking(http.as_ref(), to_read));
        read.await.unwrap_or_else(|error| {
            tracing::warn!(%error, "reading the HTTP cache failed; ignored");
            keys.map(Lookup::missed)
        })
    }

    /// A GET of a discovery document, through the HTTP cache.
    pub(crate) async fn get(&self, uri: &str, accept: &str) -> Result<Document> {
        let [lookup] = self.lookup_all([uri], accept).await;
        self.get_after(lookup, uri, accept).await
    }

    /// A GET of a discovery document, revalidating what `lookup` found.
    async fn get_after(&self, lookup: Lookup, uri: &str, accept: &str) -> Result<Document> {
        let Lookup { key, cached } = lookup;
        let mut builder = RequestBuilder::raw(Method::GET, uri).accept(accept);
        if let Some(cached) = &cached {
            builder = builder.header(IF_NONE_MATCH, cached.etag.clone());
        }
        let request = builder.build()?;
        let (method, request_uri) = (request.method().clone(), request.uri().clone());
        let response = self.rest.as_ref().send(request).await?;
        if response.status() == StatusCode::NOT_MODIFIED
            && let Some(cached) = cached
        {
            tracing::debug!(uri, "discovery document not modified; using the HTTP cache");
            return Ok(Document {
                uri: uri.to_owned(),
                content_type: cached.content_type.clone(),
                body: cached.body_bytes(),
            });
        }
        let response = check_status(&method, &request_uri, response)?;
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &http::HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header(CONTENT_TYPE);
        if let (Some(http), Some(key), Some(etag)) = (&self.http, key, header(ETAG)) {
            http.queue_put(key, etag, content_type.clone(), response.body().clone());
        }
        Ok(Document {
            uri: uri.to_owned(),
            content_type,
            body: response.into_body(),
        })
    }

    /// One group version's legacy document.
    pub(crate) async fn get_group_version(&self, group: &str, version: &str) -> Result<Vec<ServedResource>> {
        validate_path_segment("version", version)?;
        let uri = if group.is_empty() {
            format!("/api/{version}")
        } else {
            validate_path_segment("group", group)?;
            format!("/apis/{group}/{version}")
        };
        let list: APIResourceList = self.get(&uri, "application/json").await?.decode()?;
        Ok(convert::resources_of(group, version, list))
    }

    /// Finds with `find` in cached discovery; on a miss there, refreshes once.
    async fn resolve_with(
        &self,
        name: &str,
        find: impl Fn(&ServerApis) -> Option<&ServedResource>,
    ) -> Result<ServedResource> {
        let (apis, loaded) = self.load(false).await?;
        if let Some(found) = find(&apis) {
            return Ok(found.clone());
        }
        let apis = if loaded == Loaded::Cached {
            tracing::debug!(name, "not in cached discovery; refreshing once");
            self.invalidate().await;
            self.load(true).await?.0
        } else {
            apis
        };
        match find(&apis) {
            Some(found) => Ok(found.clone()),
            None => Err(Error::Discovery(resolve::not_found(&apis, name))),
        }
    }
}

/// The discovery roots, asked together.
const ROOTS: [&str; 2] = ["/api", "/apis"];

/// What a load found on disk.
enum OnDisk {
    /// The disk cache's groups (some group versions may be missing).
    Fresh(CachedApis),
    /// Nothing fresh; what the HTTP cache holds for the roots.
    Cold([Lookup; 2]),
}

/// What `/api` or `/apis` yielded.
#[derive(Default)]
struct Root {
    aggregated: bool,
    found: Found,
}

#[async_trait::async_trait]
impl Discovery for DiscoveryClient {
    async fn server_apis(&self) -> Result<Arc<ServerApis>> {
        Ok(self.load(false).await?.0)
    }

    async fn resolve(&self, name: &str) -> Result<ServedResource> {
        resolve::validate_name(name)?;
        self.resolve_with(name, |apis| resolve::find(apis, name)).await
    }

    async fn resolve_gvk(&self, gvk: &GroupVersionKind) -> Result<ServedResource> {
        let name = qualified(&gvk.kind, &gvk.version, &gvk.group);
        self.resolve_with(&name, |apis| resolve::find_gvk(apis, gvk))
            .await
    }

    async fn resolve_gvr(&self, gvr: &GroupVersionResource) -> Result<ServedResource> {
        let name = qualified(&gvr.resource, &gvr.version, &gvr.group);
        self.resolve_with(&name, |apis| resolve::find_gvr(apis, gvr))
            .await
    }

    async fn server_version(&self) -> Result<ServerVersion> {
        let request = RequestBuilder::raw(Method::GET, "/version").build()?;
        let (method, uri) = (request.method().clone(), request.uri().clone());
        let response = check_status(&method, &uri, self.rest.as_ref().send(request).await?)?;
        decode_body(method.as_str(), &uri, response.body())
    }

    async fn invalidate(&self) {
        let mut state = self.state.lock().await;
        state.memory = None;
        state.skip_disk = true;
    }
}

/// `deployments.v1.apps`: a GVK or GVR named as a resource argument.
fn qualified(name: &str, version: &str, group: &str) -> String {
    [name, version, group]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
#[path = "client_cache_tests.rs"]
mod cache_tests;
