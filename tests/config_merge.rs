//! KUBECONFIG merging, one test per rule kubectl follows.

mod support;

use rudder::config::{Auth, Config, ConfigError, Environment, Kubeconfig, KubeconfigOptions};
use support::fixture;

/// An environment whose `KUBECONFIG` lists `files` (fixture paths, or any text for odd entries).
fn kubeconfig_env(entries: &[String]) -> Environment {
    let list = std::env::join_paths(entries).expect("fixture paths contain no separator");
    Environment::from_vars([("KUBECONFIG", list.to_string_lossy().into_owned())])
}

fn merged(files: &[&str]) -> Kubeconfig {
    let entries: Vec<String> = files
        .iter()
        .map(|file| fixture(file).display().to_string())
        .collect();
    Kubeconfig::load(&kubeconfig_env(&entries)).expect("the merge fixtures load")
}

fn server_of(kubeconfig: &Kubeconfig, cluster: &str) -> String {
    let entry = kubeconfig
        .clusters
        .iter()
        .find(|entry| entry.name == cluster)
        .expect("cluster present");
    entry.cluster.server.clone().expect("server set")
}

#[test]
fn the_first_file_that_defines_a_cluster_name_wins_the_whole_entry() {
    let kubeconfig = merged(&["merge/first.yaml", "merge/second.yaml"]);
    let shared = kubeconfig
        .clusters
        .iter()
        .find(|entry| entry.name == "shared")
        .unwrap();
    assert_eq!(
        shared.cluster.server.as_deref(),
        Some("https://first.example:6443")
    );
    // Not a field-by-field merge: second's insecure-skip-tls-verify is not taken.
    assert!(!shared.cluster.insecure_skip_tls_verify);
    assert_eq!(
        shared.origin.as_deref(),
        Some(fixture("merge/first.yaml").as_path())
    );
}

#[test]
fn the_first_file_that_defines_a_user_name_wins_the_whole_entry() {
    let kubeconfig = merged(&["merge/first.yaml", "merge/second.yaml"]);
    let mut options = KubeconfigOptions::default();
    options.context = Some("shared".into());
    let config = Config::from_custom_kubeconfig(&kubeconfig, &options).unwrap();
    let Auth::Bearer(token) = &config.auth else {
        panic!(
            "the first file's token user wins, not the second's basic user: {:?}",
            config.auth
        )
    };
    assert_eq!(token.expose(), "SECRET-first-shared-token");
}

#[test]
fn the_first_file_that_defines_a_context_name_wins_the_whole_entry() {
    let kubeconfig = merged(&["merge/first.yaml", "merge/second.yaml"]);
    let shared = kubeconfig
        .contexts
        .iter()
        .find(|entry| entry.name == "shared")
        .unwrap();
    assert_eq!(shared.context.cluster.as_deref(), Some("shared"));
    assert_eq!(shared.context.namespace.as_deref(), Some("from-first"));
}

#[test]
fn current_context_comes_from_the_first_file_that_sets_it() {
    // first.yaml sets none; second.yaml sets "second"; third.yaml's "third" is ignored.
    let kubeconfig = merged(&["merge/first.yaml", "merge/second.yaml", "merge/third.yaml"]);
    assert_eq!(kubeconfig.current_context.as_deref(), Some("second"));
    let config = Config::from_custom_kubeconfig(&kubeconfig, &KubeconfigOptions::default()).unwrap();
    assert_eq!(config.cluster_url.as_str(), "https://only-first.example:6443/");
    assert_eq!(config.default_namespace, "second-ns");
}

#[test]
fn entries_only_later_files_define_are_added_in_order() {
    let kubeconfig = merged(&["merge/first.yaml", "merge/second.yaml", "merge/third.yaml"]);
    let names: Vec<&str> = kubeconfig
        .clusters
        .iter()
        .map(|entry| entry.name.as_str())
        .collect();
    assert_eq!(names, ["shared", "only-first", "only-second", "third"]);
    assert_eq!(server_of(&kubeconfig, "third"), "https://third.example:6443");
    assert_eq!(
        kubeconfig.sources,
        [
            fixture("merge/first.yaml"),
            fixture("merge/second.yaml"),
            fixture("merge/third.yaml")
        ]
    );
}

#[test]
fn missing_files_in_kubeconfig_are_skipped() {
    let kubeconfig = merged(&["merge/does-not-exist.yaml", "merge/second.yaml"]);
    assert_eq!(kubeconfig.current_context.as_deref(), Some("second"));
    assert_eq!(kubeconfig.sources, [fixture("merge/second.yaml")]);
}

#[test]
fn empty_entries_in_kubeconfig_are_ignored() {
    let entries = [
        String::new(),
        fixture("merge/first.yaml").display().to_string(),
        String::new(),
    ];
    let kubeconfig = Kubeconfig::load(&kubeconfig_env(&entries)).unwrap();
    assert_eq!(kubeconfig.sources, [fixture("merge/first.yaml")]);
}

#[test]
fn a_file_listed_twice_is_read_once() {
    let kubeconfig = merged(&["merge/first.yaml", "merge/first.yaml"]);
    assert_eq!(kubeconfig.sources, [fixture("merge/first.yaml")]);
}

#[test]
fn null_lists_and_an_empty_current_context_as_kubectl_writes_them_are_empty() {
    let kubeconfig = merged(&["merge/empty.yaml", "merge/second.yaml"]);
    assert_eq!(kubeconfig.current_context.as_deref(), Some("second"));
    let empty = Kubeconfig::read(fixture("merge/empty.yaml")).unwrap();
    assert!(empty.clusters.is_empty() && empty.users.is_empty() && empty.contexts.is_empty());
    assert_eq!(empty.current_context, None);
}

#[test]
fn a_kubeconfig_list_of_only_missing_files_is_no_kubeconfig() {
    let entries = [fixture("merge/missing-1.yaml").display().to_string()];
    let error = Kubeconfig::load(&kubeconfig_env(&entries)).unwrap_err();
    let ConfigError::NoKubeconfig { searched } = error else {
        panic!("expected NoKubeconfig, got {error}")
    };
    assert_eq!(searched, [fixture("merge/missing-1.yaml")]);
}

#[test]
fn without_kubeconfig_the_home_kube_config_is_read() {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir(home.path().join(".kube")).unwrap();
    std::fs::copy(fixture("merge/second.yaml"), home.path().join(".kube/config")).unwrap();
    let env = Environment::from_vars([("HOME", home.path().display().to_string())]);
    let kubeconfig = Kubeconfig::load(&env).unwrap();
    assert_eq!(kubeconfig.sources, [home.path().join(".kube/config")]);
    assert_eq!(kubeconfig.current_context.as_deref(), Some("second"));
}

#[test]
fn merge_of_in_memory_kubeconfigs_follows_the_same_rules() {
    let first = Kubeconfig::from_yaml("users: [{name: u, user: {token: one}}]").unwrap();
    let second =
        Kubeconfig::from_yaml("users: [{name: u, user: {token: two}}, {name: v}]\ncurrent-context: c")
            .unwrap();
    let merged = first.merge(second);
    assert_eq!(merged.users.len(), 2);
    assert_eq!(merged.users[0].user.token.as_ref().unwrap().expose(), "one");
    assert_eq!(merged.current_context.as_deref(), Some("c"));
}

#[test]
fn with_neither_kubeconfig_nor_home_the_error_says_so() {
    let error = Kubeconfig::load(&Environment::from_vars::<&str, &str>([])).unwrap_err();
    insta::assert_snapshot!(error.to_string(), @"no kubeconfig found (KUBECONFIG is not set and there is no home folder (HOME) to look in)");
}
