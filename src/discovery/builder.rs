//! Building a [`DiscoveryClient`]: which caches, for how long, how many
//! requests at once.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::rest::Rest;

use crate::config::userinfo_redacted;

use super::cache_path::{default_cache_dir, http_cache_dir, server_cache_dir};
use super::client::DiscoveryClient;
use super::disk_cache::DiskCache;
use super::http_cache::HttpCache;

/// How long cached discovery stays fresh: kubectl's 6 hours.
pub const DEFAULT_TTL: Duration = Duration::from_secs(6 * 60 * 60);

/// How many group-version documents legacy discovery fetches at once.
pub const DEFAULT_MAX_CONCURRENT_REQUESTS: usize = 16;

/// Builds a [`DiscoveryClient`]. By default it caches in memory only.
#[derive(Clone)]
pub struct DiscoveryClientBuilder {
    rest: Arc<dyn Rest>,
    server: Option<String>,
    cache_dir: Option<PathBuf>,
    ttl: Duration,
    max_concurrent_requests: usize,
}

impl DiscoveryClientBuilder {
    pub(super) fn new(rest: Arc<dyn Rest>) -> Self {
        DiscoveryClientBuilder {
            rest,
            server: None,
            cache_dir: None,
            ttl: DEFAULT_TTL,
            max_concurrent_requests: DEFAULT_MAX_CONCURRENT_REQUESTS,
        }
    }

    /// Also caches on disk, for the server at `server` (the kubeconfig's
    /// `server:` URL, which names the cache folder as kubectl names it), and
    /// keeps an HTTP cache that revalidates with `ETag`.
    pub fn disk_cache(mut self, server: impl Into<String>) -> Self {
        self.server = Some(server.into());
        self
    }

    /// The cache root, instead of `$KUBECACHEDIR` or `~/.kube/cache`:
    /// documents go to `<dir>/discovery/<host_port>/`, HTTP entries to
    /// `<dir>/http/`. Only used with [`disk_cache`](Self::disk_cache).
    pub fn cache_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cache_dir = Some(dir.into());
        self
    }

    /// How long cached discovery (memory and disk) is used before asking
    /// the server again; default [`DEFAULT_TTL`] (6 hours, as kubectl).
    /// Zero always asks (through the HTTP cache).
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// How many group-version documents legacy discovery fetches at once;
    /// default [`DEFAULT_MAX_CONCURRENT_REQUESTS`]. At least one.
    pub fn max_concurrent_requests(mut self, max: usize) -> Self {
        self.max_concurrent_requests = max.max(1);
        self
    }

    /// The client.
    pub fn build(self) -> DiscoveryClient {
        let root = match (&self.server, self.cache_dir) {
            (None, _) => None,
            (Some(_), Some(dir)) => Some(dir),
            (Some(_), None) => {
                let dir = default_cache_dir();
                if dir.is_none() {
                    tracing::warn!("no KUBECACHEDIR or home folder: discovery is cached in memory only");
                }
                dir
            }
        };
        let caches = match (&self.server, root) {
            (Some(server), Some(root)) => Some((
                DiskCache::new(
                    server_cache_dir(&root, server),
                    server_cache_dir(&root, &userinfo_redacted(server)),
                    self.ttl,
                ),
                HttpCache::new(http_cache_dir(&root)),
            )),
            _ => None,
        };
        DiscoveryClient::from_parts(
            self.rest,
            self.server,
            caches,
            self.ttl,
            self.max_concurrent_requests,
        )
    }
}
