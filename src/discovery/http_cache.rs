//! An HTTP cache for discovery responses, keyed by URL and `Accept` (the
//! server varies on it), that revalidates with `ETag` / `If-None-Match`: a
//! `304 Not Modified` answer means the stored body is still right.
//!
//! Entries live in `<cache_dir>/http`, kubectl's HTTP cache folder, as one
//! small JSON file each, named by a hash of the key. The key is stored too
//! and checked on read, so a hash collision (even a crafted one) is a miss,
//! never another URL's body. A corrupt entry (bad JSON, or an ETag that
//! cannot be sent back as a header) is a miss.

use std::path::PathBuf;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::cache_writes;
use super::disk_cache::write_atomically;

/// A stored response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CachedResponse {
    /// The URL and `Accept` this answers.
    pub(crate) key: String,
    /// The server's `ETag`.
    pub(crate) etag: String,
    /// The response's `Content-Type`.
    #[serde(default)]
    pub(crate) content_type: Option<String>,
    /// The body (discovery documents are JSON text).
    pub(crate) body: String,
}

impl CachedResponse {
    pub(crate) fn body_bytes(&self) -> Bytes {
        Bytes::from(self.body.clone())
    }
}

/// The HTTP cache folder.
#[derive(Clone, Debug)]
pub(crate) struct HttpCache {
    dir: PathBuf,
}

impl HttpCache {
    pub(crate) fn new(dir: PathBuf) -> Self {
        HttpCache { dir }
    }

    /// The key of a request to `server` + `uri` asking for `accept`.
    pub(crate) fn key(server: &str, uri: &str, accept: &str) -> String {
        format!("{}{uri} accept={accept}", server.trim_end_matches('/'))
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir
            .join(format!("rudder-{:016x}.json", fnv1a(key.as_bytes())))
    }

    /// The stored response for `key`, if there is a readable one (a file
    /// read: call it on the blocking pool).
    pub(crate) fn get_blocking(&self, key: &str) -> Option<CachedResponse> {
        let path = self.path(key);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return None,
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "HTTP cache entry unreadable; ignored");
                return None;
            }
        };
        match serde_json::from_slice::<CachedResponse>(&bytes) {
            // The ETag goes back to the server as `If-None-Match`: one that
            // cannot be a header value would fail the request, so it is a miss.
            Ok(entry) if entry.key == key && http::HeaderValue::from_str(&entry.etag).is_ok() => Some(entry),
            Ok(entry) if entry.key == key => {
                tracing::warn!(path = %path.display(), "HTTP cache entry with an unusable ETag ignored");
                None
            }
            Ok(_) => None,
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "corrupt HTTP cache entry ignored");
                None
            }
        }
    }

    /// Queues the storing of a response that carried an `ETag` (see
    /// `cache_writes`); a body that is not UTF-8 is not stored.
    pub(crate) fn queue_put(&self, key: String, etag: String, content_type: Option<String>, body: Bytes) {
        let cache = self.clone();
        cache_writes::enqueue(Box::new(move || {
            let Ok(body) = std::str::from_utf8(&body) else {
                tracing::debug!("a discovery response that is not UTF-8 is not kept in the HTTP cache");
                return;
            };
            cache.put_blocking(&CachedResponse {
                key,
                etag,
                content_type,
                body: body.to_owned(),
            });
        }));
    }

    fn put_blocking(&self, entry: &CachedResponse) {
        let path = self.path(&entry.key);
        let written = match serde_json::to_vec(entry) {
            Ok(bytes) => write_atomically(&path, &bytes),
            Err(error) => Err(std::io::Error::other(error)),
        };
        if let Err(error) = written {
            tracing::warn!(path = %path.display(), %error, "cannot write an HTTP cache entry");
        }
    }
}

/// A request's HTTP cache key (when there is an HTTP cache) and the
/// response stored under it.
pub(crate) struct Lookup {
    pub(crate) key: Option<String>,
    pub(crate) cached: Option<CachedResponse>,
}

impl Lookup {
    /// Nothing stored under `key`.
    pub(crate) fn missed(key: Option<String>) -> Self {
        Lookup { key, cached: None }
    }
}

/// Reads what `http` holds under each key (on the blocking pool).
pub(crate) fn lookups_blocking<const N: usize>(
    http: Option<&HttpCache>,
    keys: [Option<String>; N],
) -> [Lookup; N] {
    keys.map(|key| {
        let cached = http
            .zip(key.as_deref())
            .and_then(|(http, key)| http.get_blocking(key));
        Lookup { key, cached }
    })
}

/// FNV-1a, 64 bits: a stable file name for a key (the key itself is checked
/// on read, so this need not resist collisions).
fn fnv1a(bytes: &[u8]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes
        .iter()
        .fold(OFFSET, |hash, byte| (hash ^ u64::from(*byte)).wrapping_mul(PRIME))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_reference_values() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[tokio::test]
    async fn an_entry_under_another_key_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let cache = HttpCache::new(dir.path().to_path_buf());
        let entry = CachedResponse {
            key: "https://a/apis accept=x".into(),
            etag: "\"1\"".into(),
            content_type: None,
            body: "{}".into(),
        };
        cache.put_blocking(&entry);
        assert_eq!(cache.get_blocking(&entry.key), Some(entry.clone()));
        // Same file name, different key inside: simulate a collision.
        let path = cache.path(&entry.key);
        let forged = CachedResponse {
            key: "https://b/apis accept=x".into(),
            ..entry.clone()
        };
        tokio::fs::write(&path, serde_json::to_vec(&forged).unwrap())
            .await
            .unwrap();
        assert_eq!(cache.get_blocking(&entry.key), None);
        tokio::fs::write(&path, b"not json").await.unwrap();
        assert_eq!(cache.get_blocking(&entry.key), None);
    }
}
