//! Broken kubeconfigs: each gives an error naming the file and the field,
//! snapshotted so the messages stay readable, and none shows a secret.

mod support;

use rudder::config::{Config, ConfigError, Kubeconfig, KubeconfigOptions};
use support::{fixture, no_env};

fn load(file: &str, context: Option<&str>) -> Result<Config, ConfigError> {
    let mut options = KubeconfigOptions::default();
    options.path = Some(fixture(file));
    options.context = context.map(str::to_owned);
    Config::from_kubeconfig_with(&options, &no_env())
}

/// The message with the checkout's location replaced, so snapshots hold on any machine.
fn portable(message: String) -> String {
    message.replace(env!("CARGO_MANIFEST_DIR"), "<repo>")
}

fn error_message(file: &str, context: Option<&str>) -> String {
    match load(file, context) {
        Ok(config) => panic!("{file} {context:?} should fail, got {config:?}"),
        Err(error) => portable(error.to_string()),
    }
}

fn broken_context_names() -> Vec<String> {
    let kubeconfig = Kubeconfig::read(fixture("broken/errors.yaml")).unwrap();
    kubeconfig
        .contexts
        .iter()
        .map(|context| context.name.clone())
        .collect()
}

#[test]
fn every_broken_context_fails_with_a_message_naming_file_and_field() {
    let report: Vec<String> = broken_context_names()
        .iter()
        .map(|context| {
            format!(
                "{context}:\n  {}",
                error_message("broken/errors.yaml", Some(context))
            )
        })
        .collect();
    insta::assert_snapshot!(report.join("\n"));
}

#[test]
fn broken_files_fail_with_a_message_naming_the_file_and_where() {
    let cases = [
        ("broken/malformed.yaml", None),
        ("broken/wrong-shape.yaml", None),
        ("broken/duplicate-names.yaml", None),
        ("broken/unknown-current-context.yaml", None),
        ("broken/no-current-context.yaml", None),
        ("auth.yaml", Some("no-such-context")),
        ("broken/does-not-exist.yaml", None),
    ];
    let report: Vec<String> = cases
        .iter()
        .map(|(file, context)| format!("{file} {context:?}:\n  {}", error_message(file, *context)))
        .collect();
    insta::assert_snapshot!(report.join("\n"));
}

#[test]
fn a_malformed_file_reports_line_and_column() {
    let Err(ConfigError::Yaml { line, column, .. }) = load("broken/malformed.yaml", None) else {
        panic!("expected a YAML error")
    };
    // Where the parser finds the unclosed `[` of line 9 cannot go on: the next key.
    assert_eq!((line, column), (Some(10), Some(9)));
}

#[test]
fn an_unknown_context_lists_the_known_ones() {
    let Err(ConfigError::NotFound {
        kind,
        name,
        known,
        wanted_by,
        ..
    }) = load("broken/unknown-current-context.yaml", None)
    else {
        panic!("expected NotFound")
    };
    assert_eq!((kind, name.as_str()), ("context", "gone"));
    assert_eq!(known, ["dev", "prod"]);
    assert_eq!(wanted_by, "current-context");
}

#[test]
fn a_removed_auth_provider_error_names_the_provider_and_an_exec_plugin() {
    let gcp = error_message("broken/errors.yaml", Some("gcp"));
    assert!(
        gcp.contains("\"gcp\"") && gcp.contains("gke-gcloud-auth-plugin"),
        "{gcp}"
    );
    let azure = error_message("broken/errors.yaml", Some("azure"));
    assert!(
        azure.contains("\"azure\"") && azure.contains("kubelogin"),
        "{azure}"
    );
    // oidc is still supported, and says what its entry lacks.
    let oidc = error_message("broken/errors.yaml", Some("oidc"));
    assert!(
        oidc.contains("users[oidc].user.auth-provider.config.idp-issuer-url: is missing"),
        "{oidc}"
    );
}

#[test]
fn an_unreadable_ca_file_keeps_the_io_error_as_its_source() {
    let Err(error @ ConfigError::ReadReferenced { .. }) = load("broken/errors.yaml", Some("missing-ca-file"))
    else {
        panic!("expected ReadReferenced")
    };
    let source = std::error::Error::source(&error).expect("a source");
    let io = source.downcast_ref::<std::io::Error>().expect("an io::Error");
    assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
}

/// Every secret the fixtures hold, so no output can be checked for just some of them.
fn secrets() -> Vec<String> {
    let mut secrets = Vec::new();
    for file in [
        "auth.yaml",
        "broken/errors.yaml",
        "broken/malformed.yaml",
        "broken/duplicate-names.yaml",
    ] {
        let text = std::fs::read_to_string(fixture(file)).unwrap();
        for word in text.split(|c: char| c.is_whitespace() || "{}[],\"".contains(c)) {
            if let Some(start) = word.find("SECRET-") {
                secrets.push(word[start..].to_owned());
            }
        }
    }
    // The private keys themselves: their base64 (as in -data fields) and a line of their PEM body.
    for key in ["client-ec.key", "client-ec-pkcs8.key", "client-rsa.key"] {
        let pem = std::fs::read_to_string(fixture(&format!("pki/{key}"))).unwrap();
        use base64::Engine;
        let data = base64::engine::general_purpose::STANDARD.encode(&pem);
        secrets.push(data[..40].to_owned());
        secrets.push(pem.lines().nth(1).unwrap().to_owned());
    }
    assert!(
        secrets.len() > 15,
        "the fixtures hold the secrets this test looks for: {secrets:?}"
    );
    secrets
}

fn assert_no_secret(what: &str, text: &str) {
    for secret in secrets() {
        assert!(
            !text.contains(&secret),
            "{what} shows the secret {secret:?}:\n{text}"
        );
    }
}

#[test]
fn secrets_never_appear_in_config_debug_output() {
    let kubeconfig = Kubeconfig::read(fixture("auth.yaml")).unwrap();
    assert_no_secret("Kubeconfig Debug", &format!("{kubeconfig:?}"));
    for context in &kubeconfig.contexts {
        let config = load("auth.yaml", Some(&context.name)).unwrap();
        assert_no_secret(
            &format!("Config Debug for {}", context.name),
            &format!("{config:?} {config:#?}"),
        );
    }
}

#[test]
fn secrets_never_appear_in_errors() {
    let mut cases: Vec<(&str, Option<String>)> = broken_context_names()
        .into_iter()
        .map(|context| ("broken/errors.yaml", Some(context)))
        .collect();
    cases.push(("broken/malformed.yaml", None));
    cases.push(("broken/duplicate-names.yaml", None));
    for (file, context) in cases {
        let error = load(file, context.as_deref()).unwrap_err();
        assert_no_secret(
            &format!("the error for {file} {context:?}"),
            &format!("{error} {error:?}"),
        );
    }
    let kubeconfig = Kubeconfig::read(fixture("broken/errors.yaml")).unwrap();
    assert_no_secret("Kubeconfig Debug", &format!("{kubeconfig:?}"));
}

#[test]
fn a_password_in_a_server_or_proxy_url_is_redacted_in_debug_output() {
    let yaml = "clusters: [{name: k, cluster: {server: 'https://me:SECRET-url-password@h', proxy-url: 'http://p:SECRET-proxy-pass@proxy:3128'}}]\ncontexts: [{name: c, context: {cluster: k}}]\ncurrent-context: c";
    let config = Config::from_custom_kubeconfig(
        &Kubeconfig::from_yaml(yaml).unwrap(),
        &KubeconfigOptions::default(),
    )
    .unwrap();
    let debug = format!("{config:?}");
    assert!(
        !debug.contains("SECRET-url-password") && !debug.contains("SECRET-proxy-pass"),
        "{debug}"
    );
    assert!(debug.contains("https://redacted@h/"), "{debug}");
}

#[test]
fn insecure_skip_tls_verify_with_a_ca_is_refused_naming_the_cluster() {
    let ca = fixture("pki/ca.crt");
    let ca_data = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        std::fs::read(&ca).unwrap(),
    );
    let with_file = format!("certificate-authority: '{}'", ca.display());
    let with_data = format!("certificate-authority-data: {ca_data}");
    for ca_field in [with_file, with_data] {
        let yaml = format!(
            "clusters: [{{name: prod-east, cluster: {{server: 'https://h:6443', insecure-skip-tls-verify: true, {ca_field}}}}}]\ncontexts: [{{name: c, context: {{cluster: prod-east}}}}]\ncurrent-context: c"
        );
        let error = Config::from_custom_kubeconfig(
            &Kubeconfig::from_yaml(&yaml).unwrap(),
            &KubeconfigOptions::default(),
        )
        .expect_err("insecure with a CA must be refused");
        let message = error.to_string();
        assert!(
            message.contains("clusters[prod-east].cluster.insecure-skip-tls-verify"),
            "{message}"
        );
        assert!(
            message.contains("specifying a root certificates file with the insecure flag is not allowed"),
            "{message}"
        );
    }
}

#[test]
fn insecure_skip_verify_with_root_certificates_in_memory_is_refused() {
    let ca = std::fs::read(fixture("pki/ca.crt")).unwrap();
    let der = rustls_pki_types::pem::PemObject::from_pem_slice(&ca).unwrap();
    let mut config = Config::new("https://127.0.0.1:6443".parse().unwrap());
    config.tls.insecure_skip_verify = true;
    config.tls.root_certificates = vec![der];
    let error = rudder::HttpRest::new(config).expect_err("insecure with a CA must be refused");
    let message = error.to_string();
    assert!(message.contains("tls.insecure_skip_verify"), "{message}");
    assert!(
        message.contains("with the insecure flag is not allowed"),
        "{message}"
    );
}
