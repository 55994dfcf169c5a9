//! Quickstart: infer a client configuration the way kubectl would, and show
//! what was found, without printing any secret.
//!
//! Until the fake cluster exists this reads the demo kubeconfig under
//! `fixtures/kubeconfig/`; point it at your own with
//! `cargo run --example quickstart -- ~/.kube/config`.
//!
//! ```sh
//! cargo run --example quickstart
//! ```

use std::path::PathBuf;

use rudder::config::{Auth, Config, KubeconfigOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/kubeconfig/demo.yaml"));
    let options = KubeconfigOptions {
        path: Some(path.clone()),
        ..KubeconfigOptions::default()
    };
    // An explicit path comes first in inference; without one, `Config::infer()`
    // would read KUBECONFIG, then ~/.kube/config, then the in-cluster files.
    let config = Config::infer_with(&options, &rudder::config::Environment::process())?;

    println!("kubeconfig: {}", path.display());
    println!("server:     {}", without_credentials(&config.cluster_url));
    println!("namespace:  {}", config.default_namespace);
    println!("auth:       {}", describe_auth(&config));
    println!("tls:        {}", describe_tls(&config));
    if let Some(proxy) = &config.proxy_url {
        println!(
            "proxy:      {}://{}",
            proxy.scheme(),
            proxy.host_str().unwrap_or("")
        );
    }
    if let Some(impersonate) = &config.impersonate {
        println!(
            "acting as:  {} (groups: {})",
            impersonate.user,
            impersonate.groups.join(", ")
        );
    }
    Ok(())
}

/// The URL without a user name or password, should the kubeconfig put them there.
fn without_credentials(url: &url::Url) -> url::Url {
    let mut url = url.clone();
    // Both only fail for URLs that cannot carry credentials, which have none to hide.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url
}

/// What kind of credentials the configuration carries; never their value.
fn describe_auth(config: &Config) -> String {
    let header = match &config.auth {
        Auth::None => "no Authorization header".to_owned(),
        Auth::Basic { username, .. } => format!("basic auth as {username}"),
        Auth::Bearer(_) => "bearer token".to_owned(),
        Auth::BearerFile { path, .. } => format!("bearer token read from {}", path.display()),
        Auth::Exec(exec) => format!("exec plugin `{}` ({})", exec.command, exec.api_version),
    };
    match &config.tls.client_identity {
        Some(identity) => format!(
            "{header}, client certificate ({} in chain)",
            identity.certificate_chain.len()
        ),
        None => header,
    }
}

fn describe_tls(config: &Config) -> String {
    let tls = &config.tls;
    let trust = if tls.insecure_skip_verify {
        "server certificate NOT verified (insecure-skip-tls-verify)".to_owned()
    } else if tls.root_certificates.is_empty() {
        "server verified against the system's root certificates".to_owned()
    } else {
        format!(
            "server verified against {} CA certificate(s)",
            tls.root_certificates.len()
        )
    };
    match &tls.server_name {
        Some(name) => format!("{trust}, as {name}"),
        None => trust,
    }
}
