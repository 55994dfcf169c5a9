//! Reading what an exec plugin printed: an `ExecCredential` object.
//!
//! Parsed by hand from a JSON value rather than with serde's derive, because
//! serde's messages quote the offending value, and that value may be a token.
//! Every message here names the field and what is wrong, never its content.

use serde_json::{Map, Value};

use crate::config::{ExecCredential, SecretString};

/// The credential in `stdout`, for a plugin configured with `api_version`.
/// The error says what is wrong (a sentence fragment, without secrets).
pub(crate) fn parse_exec_credential(stdout: &[u8], api_version: &str) -> Result<ExecCredential, String> {
    if stdout.iter().all(u8::is_ascii_whitespace) {
        return Err("printed nothing on standard output; an ExecCredential was expected".into());
    }
    let value: Value = serde_json::from_slice(stdout).map_err(|error| {
        format!(
            "its output is not an ExecCredential JSON object (invalid JSON at line {} column {})",
            error.line(),
            error.column()
        )
    })?;
    let Value::Object(object) = value else {
        return Err("its output is JSON but not an object; an ExecCredential was expected".into());
    };
    let status = credential_status(&object, api_version)?;
    let token = secret_field(status, "token")?;
    let client_certificate_data = optional_string(status, "clientCertificateData")
        .map_err(|message| format!("its output's status.{message}"))?
        .filter(|data| !data.is_empty())
        .map(str::to_owned);
    let client_key_data = secret_field(status, "clientKeyData")?;
    check_credential_parts(
        token.is_some(),
        client_certificate_data.is_some(),
        client_key_data.is_some(),
    )?;
    let expiration_timestamp = match optional_string(status, "expirationTimestamp")
        .map_err(|message| format!("its output's status.{message}"))?
    {
        Some(text) => Some(text.parse::<jiff::Timestamp>().map_err(|_| {
            format!("its output's status.expirationTimestamp {text:?} is not an RFC 3339 time")
        })?),
        None => None,
    };
    Ok(ExecCredential {
        token,
        client_certificate_data,
        client_key_data,
        expiration_timestamp,
    })
}

/// The `status` of an ExecCredential of `api_version`, after checking
/// `kind` and `apiVersion`.
fn credential_status<'a>(
    object: &'a Map<String, Value>,
    api_version: &str,
) -> Result<&'a Map<String, Value>, String> {
    let kind = optional_string(object, "kind").map_err(|message| format!("its output's {message}"))?;
    if kind != Some("ExecCredential") {
        return Err(format!("its output has kind {}, not ExecCredential", shown(kind)));
    }
    let output_version =
        optional_string(object, "apiVersion").map_err(|message| format!("its output's {message}"))?;
    if output_version != Some(api_version) {
        return Err(format!(
            "its output has apiVersion {}, but the kubeconfig asks for {api_version}",
            shown(output_version)
        ));
    }
    match object.get("status") {
        Some(Value::Object(status)) => Ok(status),
        Some(_) => Err("its output's status is not an object".into()),
        None => Err("its output has no status".into()),
    }
}

/// A credential is a token, a certificate and its key, or both; never half
/// a certificate.
fn check_credential_parts(token: bool, certificate: bool, key: bool) -> Result<(), String> {
    match (certificate, key) {
        (true, false) => {
            Err("its output has status.clientCertificateData without status.clientKeyData".into())
        }
        (false, true) => {
            Err("its output has status.clientKeyData without status.clientCertificateData".into())
        }
        (false, false) if !token => {
            Err("its output's status has neither a token nor clientCertificateData and clientKeyData".into())
        }
        _ => Ok(()),
    }
}

/// A field that is a string when present (`null` counts as absent).
fn optional_string<'a>(object: &'a Map<String, Value>, field: &str) -> Result<Option<&'a str>, String> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(format!("{field} is not a string")),
    }
}

/// A secret string field of `status`; empty counts as absent.
fn secret_field(status: &Map<String, Value>, field: &str) -> Result<Option<SecretString>, String> {
    Ok(optional_string(status, field)
        .map_err(|message| format!("its output's status.{message}"))?
        .filter(|text| !text.is_empty())
        .map(SecretString::new))
}

/// How a kind or apiVersion is named in a message: quoted and bounded.
fn shown(value: Option<&str>) -> String {
    match value {
        None => "(none)".into(),
        Some(text) => {
            let bounded: String = text.chars().take(64).collect();
            format!("{bounded:?}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &str = "client.authentication.k8s.io/v1";

    fn parse(json: &str) -> Result<ExecCredential, String> {
        parse_exec_credential(json.as_bytes(), V1)
    }

    #[test]
    fn a_token_and_its_expiry_are_read() {
        let credential = parse(
            r#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",
                "status":{"token":"t0k3n","expirationTimestamp":"2030-01-02T03:04:05Z"}}"#,
        )
        .unwrap();
        assert_eq!(credential.token.unwrap().expose(), "t0k3n");
        assert_eq!(
            credential.expiration_timestamp.unwrap().to_string(),
            "2030-01-02T03:04:05Z"
        );
    }

    #[test]
    fn a_client_certificate_is_read() {
        let credential = parse(
            r#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",
                "status":{"clientCertificateData":"CERT","clientKeyData":"KEY"}}"#,
        )
        .unwrap();
        assert_eq!(credential.client_certificate_data.as_deref(), Some("CERT"));
        assert!(credential.token.is_none());
    }

    #[test]
    fn bad_output_is_described_without_echoing_secrets() {
        let cases = [
            "",
            "not json at all s3cr3t",
            r#"["s3cr3t"]"#,
            r#"{"kind":"Secret","apiVersion":"client.authentication.k8s.io/v1","status":{"token":"s3cr3t"}}"#,
            r#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","status":{"token":"s3cr3t"}}"#,
            r#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1"}"#,
            r#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{}}"#,
            r#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"token":["s3cr3t"]}}"#,
            r#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"clientKeyData":"s3cr3t"}}"#,
            r#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"token":"s3cr3t","expirationTimestamp":"tomorrow"}}"#,
        ];
        let messages: Vec<String> = cases.iter().map(|case| parse(case).unwrap_err()).collect();
        for message in &messages {
            assert!(!message.contains("s3cr3t"), "{message}");
        }
        insta::assert_yaml_snapshot!(messages);
    }

    proptest::proptest! {
        #[test]
        fn random_output_is_an_error_not_a_panic(output in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            proptest::prop_assert!(parse_exec_credential(&output, V1).is_err());
        }
    }
}
