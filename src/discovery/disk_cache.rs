//! The discovery disk cache in kubectl's layout: `servergroups.json` and
//! `<group>/<version>/serverresources.json` (`v1/serverresources.json` for
//! the core group) in the server's folder, each fresh for a TTL after it was
//! written (its modification time, as client-go checks it).
//!
//! Nothing here is ever fatal: a missing, stale, unreadable or corrupt file is
//! a miss (logged), and a failed write only loses the cache.
//!
//! A server has dozens of group versions, so the files are read all together
//! in one blocking task (one hand-off to tokio's blocking pool rather than two
//! or three per file), and written in the background, in order, by the
//! process's queue of cache writes (`cache_writes`).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{APIGroupList, APIResourceList};
use serde::de::DeserializeOwned;

use crate::rest::validate_path_segment;

use super::cache_writes;
use super::convert;
use super::model::{ServedGroup, ServedResource, ServerApis};

const GROUPS_FILE: &str = "servergroups.json";
const RESOURCES_FILE: &str = "serverresources.json";

/// One server's folder of discovery documents.
#[derive(Clone, Debug)]
pub(crate) struct DiskCache {
    dir: PathBuf,
    /// `dir` as logs show it: the folder of the server URL without its user
    /// name and password (kubectl's folder name keeps them).
    shown_dir: PathBuf,
    ttl: Duration,
}

impl DiskCache {
    /// The cache in `dir`; `shown_dir` is the name logs give it.
    pub(crate) fn new(dir: PathBuf, shown_dir: PathBuf, ttl: Duration) -> Self {
        DiskCache { dir, shown_dir, ttl }
    }

    /// `path` (inside `dir`) as logs show it.
    fn shown(&self, path: &Path) -> PathBuf {
        match path.strip_prefix(&self.dir) {
            Ok(inside) => self.shown_dir.join(inside),
            Err(_) => self.shown_dir.clone(),
        }
    }

    /// Everything cached, when `servergroups.json` is fresh and readable:
    /// the groups, the resources of every group version whose file is fresh
    /// too, and the group versions whose files are missing or stale. Reads
    /// files: call it on the blocking pool.
    pub(crate) fn read_blocking(&self) -> Option<CachedApis> {
        let groups = self.read_groups()?;
        let mut cached = CachedApis::default();
        for group in &groups {
            for version in &group.versions {
                match self.read_resources(&group.name, version) {
                    Some(found) => cached.resources.extend(found),
                    None => cached.missing.push((group.name.clone(), version.clone())),
                }
            }
        }
        cached.groups = groups;
        Some(cached)
    }

    /// The groups, when `servergroups.json` is fresh and readable.
    fn read_groups(&self) -> Option<Vec<ServedGroup>> {
        let list: APIGroupList = self.read_fresh_json(&self.dir.join(GROUPS_FILE))?;
        let groups = convert::groups_of(list);
        // A group name from the file that could not be a folder cannot have
        // been written by us.
        let valid = groups.iter().all(|g| {
            g.versions
                .iter()
                .all(|v| self.resources_path(&g.name, v).is_some())
        });
        valid.then_some(groups)
    }

    /// One group version's resources, when its file is fresh and readable.
    fn read_resources(&self, group: &str, version: &str) -> Option<Vec<ServedResource>> {
        let path = self.resources_path(group, version)?;
        let list: APIResourceList = self.read_fresh_json(&path)?;
        if list.group_version != convert::group_version(group, version) {
            tracing::warn!(path = %self.shown(&path).display(), "discovery cache file is for another group version; ignored");
            return None;
        }
        Some(convert::resources_of(group, version, list))
    }

    /// Queues the write of the groups and every discovered group version's
    /// resources (see `cache_writes`): encoded and written in the background.
    pub(crate) fn queue_write(&self, apis: Arc<ServerApis>) {
        if apis.groups().is_empty() {
            return;
        }
        let cache = self.clone();
        cache_writes::enqueue(Box::new(move || cache.write_blocking(&apis)));
    }

    /// Every group version's file, then `servergroups.json` last: a reader
    /// that sees the new groups file also sees every new resources file.
    fn write_blocking(&self, apis: &ServerApis) {
        for group in apis.groups() {
            for version in &group.versions {
                let group_version = convert::group_version(&group.name, version);
                if apis.failures().iter().any(|f| f.group_version == group_version) {
                    continue;
                }
                let resources = apis.resources_for(&group.name, version);
                if let Some((path, bytes)) = self.encode_resources(&group.name, version, resources) {
                    self.write_file(&path, &bytes);
                }
            }
        }
        let groups = convert::group_list(apis.groups());
        if let Some((path, bytes)) = self.encode(self.dir.join(GROUPS_FILE), &groups) {
            self.write_file(&path, &bytes);
        }
    }

    /// Queues the write of group versions' resources (those fetched to fill
    /// gaps; few, so they are encoded here).
    pub(crate) fn queue_group_versions(&self, fetched: &[(String, String, Vec<ServedResource>)]) {
        let files: Vec<_> = fetched
            .iter()
            .filter_map(|(group, version, found)| self.encode_resources(group, version, found.iter()))
            .collect();
        if files.is_empty() {
            return;
        }
        let cache = self.clone();
        cache_writes::enqueue(Box::new(move || {
            for (path, bytes) in files {
                cache.write_file(&path, &bytes);
            }
        }));
    }

    /// One group version's file: its path and bytes.
    fn encode_resources<'a>(
        &self,
        group: &str,
        version: &str,
        resources: impl Iterator<Item = &'a ServedResource>,
    ) -> Option<(PathBuf, Vec<u8>)> {
        let Some(path) = self.resources_path(group, version) else {
            tracing::warn!(
                group,
                version,
                "group or version cannot be a folder name; not cached"
            );
            return None;
        };
        self.encode(path, &convert::resource_list(group, version, resources))
    }

    /// `<dir>/<group>/<version>/serverresources.json`, or `None` when the
    /// group or version (which come from the server) could leave the folder.
    fn resources_path(&self, group: &str, version: &str) -> Option<PathBuf> {
        let mut path = self.dir.clone();
        if !group.is_empty() {
            path.push(safe_segment(group)?);
        }
        path.push(safe_segment(version)?);
        Some(path.join(RESOURCES_FILE))
    }
}

fn safe_segment(segment: &str) -> Option<&str> {
    let ok = validate_path_segment("group or version", segment).is_ok()
        && !segment.contains('\\')
        && !segment.contains(':');
    ok.then_some(segment)
}

/// What the disk cache holds for a server.
#[derive(Default)]
pub(crate) struct CachedApis {
    pub(crate) groups: Vec<ServedGroup>,
    pub(crate) resources: Vec<ServedResource>,
    /// `(group, version)` whose files are missing or stale.
    pub(crate) missing: Vec<(String, String)>,
}

impl DiskCache {
    /// The bytes of `path` when it was written less than `ttl` ago.
    fn read_fresh(&self, path: &Path) -> Option<Vec<u8>> {
        let metadata = match std::fs::metadata(path) {
            Ok(metadata) => metadata,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return None,
            Err(error) => {
                tracing::warn!(path = %self.shown(path).display(), %error, "discovery cache file unreadable; ignored");
                return None;
            }
        };
        let modified = metadata.modified().ok()?;
        let age = SystemTime::now().duration_since(modified).unwrap_or_default();
        if age >= self.ttl {
            tracing::debug!(path = %self.shown(path).display(), ?age, "discovery cache file expired");
            return None;
        }
        match std::fs::read(path) {
            Ok(bytes) => Some(bytes),
            Err(error) => {
                tracing::warn!(path = %self.shown(path).display(), %error, "discovery cache file unreadable; ignored");
                None
            }
        }
    }

    fn read_fresh_json<T: DeserializeOwned>(&self, path: &Path) -> Option<T> {
        let bytes = self.read_fresh(path)?;
        match serde_json::from_slice(&bytes) {
            Ok(value) => Some(value),
            Err(error) => {
                tracing::warn!(path = %self.shown(path).display(), %error, "corrupt discovery cache file ignored");
                None
            }
        }
    }

    fn encode<T: serde::Serialize>(&self, path: PathBuf, value: &T) -> Option<(PathBuf, Vec<u8>)> {
        match serde_json::to_vec(value) {
            Ok(bytes) => Some((path, bytes)),
            Err(error) => {
                tracing::warn!(path = %self.shown(&path).display(), %error, "cannot encode a discovery cache file");
                None
            }
        }
    }

    /// Writes one file; a failure is logged with the path.
    fn write_file(&self, path: &Path, bytes: &[u8]) {
        if let Err(error) = write_atomically(path, bytes) {
            tracing::warn!(path = %self.shown(path).display(), %error, "cannot write a discovery cache file");
        }
    }
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over
/// `path`, so a reader (another kubectl or rudder process) sees the old file
/// or the new one, never half of one.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let parent = path.parent().unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(parent)?;
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("cache");
    let temporary = parent.join(format!(
        ".{file_name}.{}.{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let written = std::fs::write(&temporary, bytes).and_then(|()| std::fs::rename(&temporary, path));
    if written.is_err() {
        // Best effort: the temporary file may not exist.
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_versions_map_to_kubectls_paths() {
        let cache = DiskCache::new(
            PathBuf::from("/c/discovery/host"),
            PathBuf::from("/c/discovery/host"),
            Duration::from_secs(1),
        );
        assert_eq!(
            cache.resources_path("", "v1").unwrap(),
            Path::new("/c/discovery/host/v1/serverresources.json")
        );
        assert_eq!(
            cache.resources_path("apps", "v1").unwrap(),
            Path::new("/c/discovery/host/apps/v1/serverresources.json")
        );
    }

    #[test]
    fn hostile_group_names_from_a_server_get_no_path() {
        let cache = DiskCache::new(
            PathBuf::from("/c/discovery/host"),
            PathBuf::from("/c/discovery/host"),
            Duration::from_secs(1),
        );
        for (group, version) in [
            ("..", "v1"),
            ("a/b", "v1"),
            ("apps", ".."),
            ("apps", ""),
            ("a\\b", "v1"),
        ] {
            assert!(
                cache.resources_path(group, version).is_none(),
                "{group} {version}"
            );
        }
    }
}
