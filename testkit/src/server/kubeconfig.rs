//! The kubeconfig a server writes for its clients (kubectl, `Config` loaders).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::tls::PemIdentity;

/// The cluster, user and context name of a generated kubeconfig.
pub const CONTEXT_NAME: &str = "rudder-testkit";

/// What goes into a generated kubeconfig.
pub(crate) struct KubeconfigContents<'a> {
    pub server_url: &'a str,
    pub ca_pem: Option<&'a str>,
    pub token: Option<&'a str>,
    pub client: Option<&'a PemIdentity>,
}

/// The kubeconfig as YAML.
pub(crate) fn render(contents: &KubeconfigContents<'_>) -> String {
    let mut cluster = json!({ "server": contents.server_url });
    if let Some(ca) = contents.ca_pem {
        cluster["certificate-authority-data"] = STANDARD.encode(ca).into();
    }
    let mut user = json!({});
    if let Some(token) = contents.token {
        user["token"] = token.into();
    }
    if let Some(client) = contents.client {
        user["client-certificate-data"] = STANDARD.encode(&client.certificate_pem).into();
        user["client-key-data"] = STANDARD.encode(&client.key_pem).into();
    }
    let config: Value = json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{ "name": CONTEXT_NAME, "cluster": cluster }],
        "users": [{ "name": CONTEXT_NAME, "user": user }],
        "contexts": [{
            "name": CONTEXT_NAME,
            "context": { "cluster": CONTEXT_NAME, "user": CONTEXT_NAME, "namespace": "default" },
        }],
        "current-context": CONTEXT_NAME,
        "preferences": {},
    });
    // A serde_json::Value always serializes; JSON is valid YAML should it not.
    serde_saphyr::to_string(&config).unwrap_or_else(|_| config.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_http_kubeconfig_names_the_server_and_nothing_secret() {
        let yaml = render(&KubeconfigContents {
            server_url: "http://127.0.0.1:1234",
            ca_pem: None,
            token: None,
            client: None,
        });
        insta::assert_snapshot!(yaml);
    }

    #[test]
    fn a_token_kubeconfig_carries_the_token_and_the_ca() {
        let yaml = render(&KubeconfigContents {
            server_url: "https://127.0.0.1:1234",
            ca_pem: Some("-----BEGIN CERTIFICATE-----\n"),
            token: Some("s3cret"),
            client: None,
        });
        let parsed: Value = serde_saphyr::from_str(&yaml).expect("valid YAML");
        assert_eq!(parsed["users"][0]["user"]["token"], "s3cret");
        assert_eq!(
            parsed["clusters"][0]["cluster"]["certificate-authority-data"],
            STANDARD.encode("-----BEGIN CERTIFICATE-----\n")
        );
    }
}
