//! Reading kubeconfig files and merging several, as kubectl does.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::types::Kubeconfig;
use crate::config::environment::Environment;
use crate::config::error::{ConfigError, IN_MEMORY};

impl Kubeconfig {
    /// Parses a kubeconfig from YAML (or JSON, which is YAML too). Relative
    /// paths in it stay relative to the current directory.
    ///
    /// ```
    /// use rudder::config::Kubeconfig;
    ///
    /// let kubeconfig = Kubeconfig::from_yaml(
    ///     "clusters: [{name: dev, cluster: {server: 'https://127.0.0.1:6443'}}]\n\
    ///      current-context: dev\n",
    /// )?;
    /// assert_eq!(kubeconfig.clusters[0].name, "dev");
    /// # Ok::<(), rudder::config::ConfigError>(())
    /// ```
    pub fn from_yaml(text: &str) -> Result<Kubeconfig, ConfigError> {
        parse(text, None)
    }

    /// Reads a kubeconfig file. Relative paths in it (`certificate-authority`,
    /// `client-certificate`, `client-key`, `tokenFile`, an exec `command`
    /// with a path separator) are made relative to the file's folder.
    pub fn read(path: impl AsRef<Path>) -> Result<Kubeconfig, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        parse(&text, Some(path))
    }

    /// Merges `other` into this kubeconfig as kubectl merges the files of
    /// `KUBECONFIG`: an entry whose name this one already has is dropped
    /// whole (the first file wins), and `current-context` is taken from
    /// `other` only when this one has none.
    ///
    /// ```
    /// use rudder::config::Kubeconfig;
    ///
    /// let first = Kubeconfig::from_yaml("clusters: [{name: a, cluster: {server: 'https://first'}}]")?;
    /// let second = Kubeconfig::from_yaml(
    ///     "clusters: [{name: a, cluster: {server: 'https://second'}}, {name: b, cluster: {server: 'https://b'}}]\n\
    ///      current-context: b",
    /// )?;
    /// let merged = first.merge(second);
    /// assert_eq!(merged.clusters[0].cluster.server.as_deref(), Some("https://first"));
    /// assert_eq!(merged.clusters.len(), 2);
    /// assert_eq!(merged.current_context.as_deref(), Some("b"));
    /// # Ok::<(), rudder::config::ConfigError>(())
    /// ```
    pub fn merge(mut self, other: Kubeconfig) -> Kubeconfig {
        merge_named(&mut self.clusters, other.clusters, |entry| &entry.name);
        merge_named(&mut self.users, other.users, |entry| &entry.name);
        merge_named(&mut self.contexts, other.contexts, |entry| &entry.name);
        if self.current_context.is_none() {
            self.current_context = other.current_context;
        }
        self.sources.extend(other.sources);
        self
    }

    /// The kubeconfig kubectl would use: the files listed in `KUBECONFIG`
    /// (separated by `:`, `;` on Windows), merged, missing ones skipped; when
    /// `KUBECONFIG` is unset, `~/.kube/config`.
    ///
    /// # Errors
    /// [`ConfigError::NoKubeconfig`] when none of those files exists; any
    /// read or parse error of a file that does exist.
    pub fn load(env: &Environment) -> Result<Kubeconfig, ConfigError> {
        let candidates = candidate_files(env);
        let mut merged: Option<Kubeconfig> = None;
        for path in &candidates {
            if !path.exists() {
                tracing::debug!(path = %path.display(), "kubeconfig file does not exist; skipped");
                continue;
            }
            let kubeconfig = Kubeconfig::read(path)?;
            merged = Some(match merged {
                Some(merged) => merged.merge(kubeconfig),
                None => kubeconfig,
            });
        }
        merged.ok_or(ConfigError::NoKubeconfig { searched: candidates })
    }
}

/// The files [`Kubeconfig::load`] looks at, in order, without duplicates.
fn candidate_files(env: &Environment) -> Vec<PathBuf> {
    match env.var("KUBECONFIG") {
        Some(list) => {
            let mut seen = BTreeSet::new();
            std::env::split_paths(&list)
                .filter(|path| !path.as_os_str().is_empty())
                .filter(|path| seen.insert(path.clone()))
                .collect()
        }
        None => env
            .home_dir()
            .map(|home| home.join(".kube").join("config"))
            .into_iter()
            .collect(),
    }
}

fn merge_named<T>(into: &mut Vec<T>, from: Vec<T>, name: impl Fn(&T) -> &String) {
    for entry in from {
        if !into.iter().any(|existing| name(existing) == name(&entry)) {
            into.push(entry);
        }
    }
}

/// Parses `text`; `path` is the file it came from, if any.
fn parse(text: &str, path: Option<&Path>) -> Result<Kubeconfig, ConfigError> {
    let error_path = path.map_or_else(|| PathBuf::from(IN_MEMORY), Path::to_owned);
    // kubectl reads an empty file as an empty kubeconfig.
    let mut kubeconfig = if text.trim().is_empty() {
        Kubeconfig::default()
    } else {
        serde_saphyr::from_str_with_options::<Kubeconfig>(text, parse_options())
            .map_err(|error| yaml_error(&error_path, &error))?
    };
    check_unique_names(&kubeconfig, &error_path)?;
    if let Some(path) = path {
        let folder = path.parent().unwrap_or(Path::new(""));
        resolve_relative_paths(&mut kubeconfig, folder);
        for cluster in &mut kubeconfig.clusters {
            cluster.origin = Some(path.to_owned());
        }
        for user in &mut kubeconfig.users {
            user.origin = Some(path.to_owned());
        }
        for context in &mut kubeconfig.contexts {
            context.origin = Some(path.to_owned());
        }
        kubeconfig.sources = vec![path.to_owned()];
    }
    Ok(kubeconfig)
}

fn parse_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        // No source snippet: the lines around a mistake may hold a token or a key.
        with_snippet: false,
        // kubectl's YAML reader lets a repeated key replace the earlier one.
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::LastWins,
    }
}

fn yaml_error(path: &Path, error: &serde_saphyr::Error) -> ConfigError {
    let location = error.location();
    let known = location.filter(|location| location.line() > 0);
    ConfigError::Yaml {
        path: path.to_owned(),
        line: known.map(|location| location.line()),
        column: known.map(|location| location.column()),
        message: describe(error),
    }
}

/// The parser's message without its trailing `at line L, column C`, which
/// [`ConfigError::Yaml`] shows in `file:line:column` form.
fn describe(error: &serde_saphyr::Error) -> String {
    let message = error.without_snippet().to_string();
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_owned(),
        None => message,
    }
}

/// kubectl rejects a file that names two clusters (users, contexts) alike.
fn check_unique_names(kubeconfig: &Kubeconfig, path: &Path) -> Result<(), ConfigError> {
    let lists: [(&str, Vec<&String>); 3] = [
        (
            "clusters",
            kubeconfig.clusters.iter().map(|entry| &entry.name).collect(),
        ),
        (
            "users",
            kubeconfig.users.iter().map(|entry| &entry.name).collect(),
        ),
        (
            "contexts",
            kubeconfig.contexts.iter().map(|entry| &entry.name).collect(),
        ),
    ];
    for (list, names) in lists {
        let mut seen = BTreeSet::new();
        for name in names {
            if !seen.insert(name) {
                return Err(ConfigError::Invalid {
                    path: path.to_owned(),
                    field: format!("{list}[{name}]"),
                    message: "the name is used by more than one entry".into(),
                });
            }
        }
    }
    Ok(())
}

/// Makes the file references in a kubeconfig relative to `folder`, as kubectl does on load.
fn resolve_relative_paths(kubeconfig: &mut Kubeconfig, folder: &Path) {
    let resolve = |path: &mut Option<PathBuf>| {
        if let Some(path) = path
            && path.is_relative()
        {
            *path = join_relative(folder, path);
        }
    };
    for cluster in &mut kubeconfig.clusters {
        resolve(&mut cluster.cluster.certificate_authority);
    }
    for user in &mut kubeconfig.users {
        let user = &mut user.user;
        resolve(&mut user.client_certificate);
        resolve(&mut user.client_key);
        resolve(&mut user.token_file);
        // A bare command name is looked up on PATH; only a path is resolved.
        if let Some(exec) = &mut user.exec
            && exec.command.contains(std::path::is_separator)
            && Path::new(&exec.command).is_relative()
        {
            exec.command = join_relative(folder, Path::new(&exec.command))
                .to_string_lossy()
                .into_owned();
        }
    }
}

/// `folder/relative`, without the `.` parts (`./bin/plugin` is `folder/bin/plugin`).
fn join_relative(folder: &Path, relative: &Path) -> PathBuf {
    let mut joined = folder.to_owned();
    joined.extend(
        relative
            .components()
            .filter(|component| !matches!(component, std::path::Component::CurDir)),
    );
    joined
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn an_empty_file_is_an_empty_kubeconfig() {
        let kubeconfig = Kubeconfig::from_yaml(" \n").unwrap();
        assert!(kubeconfig.clusters.is_empty() && kubeconfig.current_context.is_none());
    }

    #[test]
    fn relative_paths_join_the_folder_and_absolute_ones_stay() {
        let mut kubeconfig = Kubeconfig::from_yaml(
            "clusters: [{name: a, cluster: {certificate-authority: ca.crt}}, {name: b, cluster: {certificate-authority: /etc/ca.crt}}]\n\
             users: [{name: u, user: {client-key: k/key.pem, exec: {command: plugin}}}]",
        )
        .unwrap();
        resolve_relative_paths(&mut kubeconfig, Path::new("/home/me/.kube"));
        assert_eq!(
            kubeconfig.clusters[0].cluster.certificate_authority.as_deref(),
            Some(Path::new("/home/me/.kube/ca.crt"))
        );
        assert_eq!(
            kubeconfig.clusters[1].cluster.certificate_authority.as_deref(),
            Some(Path::new("/etc/ca.crt"))
        );
        assert_eq!(
            kubeconfig.users[0].user.client_key.as_deref(),
            Some(Path::new("/home/me/.kube/k/key.pem"))
        );
        assert_eq!(kubeconfig.users[0].user.exec.as_ref().unwrap().command, "plugin");
    }

    #[test]
    fn a_yaml_error_has_its_location_apart_from_its_message() {
        let error = Kubeconfig::from_yaml("clusters: 5\n").unwrap_err();
        let ConfigError::Yaml { line, message, .. } = &error else {
            panic!("{error}")
        };
        assert_eq!(*line, Some(1));
        assert!(!message.contains(" at line "), "{message}");
    }

    #[test]
    fn a_repeated_key_replaces_the_earlier_one_as_in_kubectl() {
        let kubeconfig = Kubeconfig::from_yaml("current-context: a\ncurrent-context: b\n").unwrap();
        assert_eq!(kubeconfig.current_context.as_deref(), Some("b"));
    }

    proptest! {
        #[test]
        fn any_text_parses_or_fails_without_panicking(text in ".{0,200}") {
            let _ = Kubeconfig::from_yaml(&text);
        }

        #[test]
        fn kubeconfig_shaped_text_parses_or_fails_without_panicking(
            key in "(clusters|users|contexts|current-context|name|cluster|user|server|token|exec)",
            value in "[-a-z0-9:/\\[\\]{}, ]{0,40}",
            nested in proptest::bool::ANY,
        ) {
            let text = if nested {
                format!("{key}:\n- name: x\n  {key}: {value}\n")
            } else {
                format!("{key}: {value}\n")
            };
            let _ = Kubeconfig::from_yaml(&text);
        }
    }
}
