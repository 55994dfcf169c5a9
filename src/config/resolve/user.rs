//! A kubeconfig user entry as request authentication, a client certificate
//! and impersonation.

use std::collections::BTreeMap;

use crate::config::client_config::{Auth, ClientIdentity, Impersonation};
use crate::config::error::{ConfigError, Field};
use crate::config::kubeconfig::{AuthInfo, NamedAuthInfo};
use crate::config::oidc::OidcConfig;
use crate::config::pem;
use crate::config::secret::SecretString;

use super::exec_plugin::exec_config;

/// What a user entry says about the client.
#[derive(Default)]
pub(super) struct UserSettings {
    pub auth: Auth,
    pub client_identity: Option<ClientIdentity>,
    pub impersonate: Option<Impersonation>,
}

/// Reads the selected user; `exec_extension` is the cluster's extension for exec plugins.
pub(super) fn resolve_user(
    named: Option<&NamedAuthInfo>,
    exec_extension: Option<&serde_json::Value>,
) -> Result<UserSettings, ConfigError> {
    let Some(named) = named else {
        return Ok(UserSettings::default());
    };
    let user = &named.user;
    let field = Field::new(named.origin.as_deref(), format!("users[{}].user", named.name));
    Ok(UserSettings {
        auth: auth(user, &field, exec_extension)?,
        client_identity: client_identity(user, &field)?,
        impersonate: impersonation(user, &field)?,
    })
}

/// The one way requests are authenticated. A client certificate may come
/// with any of them, as kubectl allows; so may an exec plugin, which is
/// then not run (the token or password given outright wins).
fn auth(
    user: &AuthInfo,
    field: &Field,
    exec_extension: Option<&serde_json::Value>,
) -> Result<Auth, ConfigError> {
    match (&user.auth_provider, &user.exec) {
        (Some(_), Some(_)) => {
            return Err(field
                .child("auth-provider")
                .invalid("cannot be combined with exec; remove the auth-provider entry"));
        }
        (Some(provider), None) if provider.name == "oidc" => {
            return Ok(Auth::Oidc(Box::new(oidc_config(
                &provider.config,
                &field.child("auth-provider.config"),
            )?)));
        }
        (Some(provider), None) => {
            return Err(field
                .child("auth-provider")
                .invalid(auth_provider_advice(&provider.name)));
        }
        (None, _) => {}
    }
    let has_token = user.token.is_some() || user.token_file.is_some();
    let has_basic = user.username.is_some() || user.password.is_some();
    // kubectl's rule: token and basic auth exclude each other; an exec plugin
    // may sit beside either, and then the fixed credential wins.
    if has_token && has_basic {
        return Err(field
            .invalid("more than one authentication method is set (token and username/password); keep one"));
    }
    if let Some(exec) = &user.exec {
        let exec = exec_config(exec, &field.child("exec"), exec_extension)?;
        if !has_token && !has_basic {
            return Ok(Auth::Exec(Box::new(exec)));
        }
        tracing::debug!(command = %exec.command, "the user has a token or password as well as an exec plugin; the plugin is not used");
    }
    if let Some(path) = &user.token_file {
        return Ok(Auth::BearerFile {
            path: path.clone(),
            fallback: user.token.clone(),
        });
    }
    if let Some(token) = &user.token {
        return Ok(Auth::Bearer(token.clone()));
    }
    if has_basic {
        return Ok(Auth::Basic {
            username: user.username.clone().unwrap_or_default(),
            password: user.password.clone().unwrap_or_default(),
        });
    }
    Ok(Auth::None)
}

/// Why an `auth-provider` entry no longer works, and what replaces it.
fn auth_provider_advice(name: &str) -> String {
    let replacement = match name {
        "gcp" => {
            "install gke-gcloud-auth-plugin and let `gcloud container clusters get-credentials` write an exec entry"
        }
        "azure" => "install kubelogin and run `kubelogin convert-kubeconfig` to write an exec entry",
        _ => "use an exec credential plugin (users[].user.exec) instead",
    };
    format!(
        "the {name:?} auth provider was removed from Kubernetes clients and is not supported; {replacement}"
    )
}

/// The `oidc` provider's settings, checked as client-go checks them: an
/// issuer URL and a client id are required.
fn oidc_config(settings: &BTreeMap<String, SecretString>, field: &Field) -> Result<OidcConfig, ConfigError> {
    let text = |key: &str| settings.get(key).filter(|value| !value.is_empty());
    let required = |key: &str| {
        text(key).map(|value| value.expose().to_owned()).ok_or_else(|| {
            field
                .child(key)
                .invalid("is missing: the oidc auth provider needs it")
        })
    };
    let issuer_url = required("idp-issuer-url")?;
    let client_id = required("client-id")?;
    let data_field = field.child("idp-certificate-authority-data");
    let file_field = field.child("idp-certificate-authority");
    let ca_file = text("idp-certificate-authority").map(|path| std::path::PathBuf::from(path.expose()));
    let ca = pem::data_or_file(
        text("idp-certificate-authority-data").map(|data| (data.expose(), &data_field)),
        ca_file.as_deref().map(|path| (path, &file_field)),
    )?;
    let issuer_root_certificates = match ca {
        Some((pem, what)) => {
            let used = if text("idp-certificate-authority-data").is_some() {
                &data_field
            } else {
                &file_field
            };
            pem::certificates(&pem, used, &what)?
        }
        None => Vec::new(),
    };
    Ok(OidcConfig {
        issuer_url,
        client_id,
        client_secret: text("client-secret").cloned(),
        id_token: text("id-token").cloned(),
        refresh_token: text("refresh-token").cloned(),
        issuer_root_certificates,
    })
}

/// The client certificate and key, from their `-data` fields or files.
fn client_identity(user: &AuthInfo, field: &Field) -> Result<Option<ClientIdentity>, ConfigError> {
    let certificate_data_field = field.child("client-certificate-data");
    let certificate_file_field = field.child("client-certificate");
    let key_data_field = field.child("client-key-data");
    let key_file_field = field.child("client-key");
    let certificate = pem::data_or_file(
        user.client_certificate_data
            .as_deref()
            .map(|data| (data, &certificate_data_field)),
        user.client_certificate
            .as_deref()
            .map(|path| (path, &certificate_file_field)),
    )?;
    let key = pem::data_or_file(
        user.client_key_data
            .as_ref()
            .map(|data| (data.expose(), &key_data_field)),
        user.client_key.as_deref().map(|path| (path, &key_file_field)),
    )?;
    let certificate_field = if user.client_certificate_data.is_some() {
        &certificate_data_field
    } else {
        &certificate_file_field
    };
    let key_field = if user.client_key_data.is_some() {
        &key_data_field
    } else {
        &key_file_field
    };
    match (certificate, key) {
        (None, None) => Ok(None),
        (Some(_), None) => Err(key_file_field
            .invalid("is missing: a client certificate needs its key (client-key or client-key-data)")),
        (None, Some(_)) => Err(certificate_file_field.invalid(
            "is missing: a client key needs its certificate (client-certificate or client-certificate-data)",
        )),
        (Some((certificate, certificate_what)), Some((key, key_what))) => Ok(Some(ClientIdentity {
            certificate_chain: pem::certificates(&certificate, certificate_field, &certificate_what)?,
            private_key: pem::private_key(&key, key_field, &key_what)?,
        })),
    }
}

/// `as`, `as-groups`, `as-uid`, `as-user-extra`.
fn impersonation(user: &AuthInfo, field: &Field) -> Result<Option<Impersonation>, ConfigError> {
    let Some(name) = &user.impersonate else {
        let partial = !user.impersonate_groups.is_empty()
            || user.impersonate_uid.is_some()
            || !user.impersonate_user_extra.is_empty();
        return match partial {
            // The API server refuses Impersonate-Group without Impersonate-User.
            true => Err(field
                .child("as")
                .invalid("is missing: as-groups, as-uid and as-user-extra need a user to impersonate")),
            false => Ok(None),
        };
    };
    Ok(Some(Impersonation {
        user: name.clone(),
        groups: user.impersonate_groups.clone(),
        uid: user.impersonate_uid.clone(),
        extra: user.impersonate_user_extra.clone(),
    }))
}
