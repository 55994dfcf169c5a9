//! Where the caches live: kubectl's layout under `KUBECACHEDIR` (default
//! `~/.kube/cache`), with one folder per server under `discovery/`.

use std::path::{Component, Path, PathBuf};

/// The cache root kubectl uses: `$KUBECACHEDIR`, else `~/.kube/cache`;
/// `None` when neither is known.
pub fn default_cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("KUBECACHEDIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    home_dir().map(|home| home.join(".kube").join("cache"))
}

fn home_dir() -> Option<PathBuf> {
    let var = if cfg!(windows) { "USERPROFILE" } else { "HOME" };
    std::env::var_os(var).filter(|h| !h.is_empty()).map(PathBuf::from)
}

/// The folder for one server's discovery documents:
/// `<cache_dir>/discovery/<host_port>`, named as kubectl names it (scheme
/// dropped, every character but ASCII letters, digits, `_`, `.`, `/`, `(`
/// and `)` replaced by `_`: `https://10.0.0.1:6443` → `10.0.0.1_6443`).
///
/// Unlike kubectl, the result can never leave `<cache_dir>/discovery`: `/`
/// still makes sub-folders (as kubectl does for a server URL with a path),
/// but empty, `.` and `..` segments are neutralised.
///
/// ```
/// use std::path::Path;
/// use rudder::discovery::server_cache_dir;
/// let dir = server_cache_dir(Path::new("/c"), "https://10.0.0.1:6443");
/// assert_eq!(dir, Path::new("/c/discovery/10.0.0.1_6443"));
/// let hostile = server_cache_dir(Path::new("/c"), "https://../../etc");
/// assert!(hostile.starts_with("/c/discovery/"));
/// ```
pub fn server_cache_dir(cache_dir: &Path, server: &str) -> PathBuf {
    let mut dir = cache_dir.join("discovery");
    for segment in host_segments(server) {
        dir.push(segment);
    }
    dir
}

/// The folder for the HTTP cache of discovery responses: `<cache_dir>/http`.
pub fn http_cache_dir(cache_dir: &Path) -> PathBuf {
    cache_dir.join("http")
}

/// The path segments kubectl's `computeDiscoverCacheDir` makes of a server
/// address, made safe.
fn host_segments(server: &str) -> Vec<String> {
    // Like Go's strings.Replace(host, scheme, "", 1): the first occurrence.
    let schemeless = server.replacen("https://", "", 1).replacen("http://", "", 1);
    let safe: String = schemeless
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '(' | ')') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut segments: Vec<String> = safe
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .map(|s| if s == ".." { "__".to_owned() } else { s.to_owned() })
        .collect();
    if segments.is_empty() {
        segments.push("_".to_owned());
    }
    debug_assert!(segments.iter().all(|s| matches!(
        Path::new(s).components().next(),
        Some(Component::Normal(_))
    ) && Path::new(s).components().count() == 1));
    segments
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_servers_get_kubectls_folder_names() {
        let root = Path::new("/cache");
        let cases = [
            ("https://10.0.0.1:6443", "10.0.0.1_6443"),
            ("https://10.0.0.1:6443/", "10.0.0.1_6443"),
            ("http://localhost:8080", "localhost_8080"),
            ("https://[::1]:6443", "___1__6443"),
            ("https://k8s.example.com", "k8s.example.com"),
            (
                "https://rancher.example.com/k8s/clusters/c-abc",
                "rancher.example.com/k8s/clusters/c_abc",
            ),
        ];
        for (server, expected) in cases {
            assert_eq!(
                server_cache_dir(root, server),
                root.join("discovery").join(expected),
                "{server}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn no_server_name_leaves_the_discovery_folder(server in "\\PC{0,40}", dots in "[./%2eE:\\\\]{0,12}") {
            let root = Path::new("/cache");
            for name in [server.clone(), format!("https://{dots}{server}"), format!("{server}/{dots}/..")] {
                let dir = server_cache_dir(root, &name);
                let relative = dir.strip_prefix(root.join("discovery")).unwrap();
                proptest::prop_assert!(relative.components().count() >= 1);
                proptest::prop_assert!(
                    relative.components().all(|c| matches!(c, Component::Normal(_))),
                    "{name:?} -> {}", dir.display()
                );
            }
        }
    }

    #[test]
    fn the_cache_root_is_kubecachedir_or_home() {
        // Read-only check of the rule; the environment is not changed here.
        let dir = default_cache_dir();
        match std::env::var_os("KUBECACHEDIR").filter(|d| !d.is_empty()) {
            Some(explicit) => assert_eq!(dir, Some(PathBuf::from(explicit))),
            None => {
                if let Some(dir) = dir {
                    assert!(dir.ends_with(".kube/cache"));
                }
            }
        }
    }
}
