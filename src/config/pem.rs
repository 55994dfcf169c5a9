//! Decoding the certificates and keys a kubeconfig carries (base64 of PEM in
//! `-data` fields, PEM in files), with errors that name the field and never
//! quote the data.

use std::path::Path;

use base64::Engine;
use rustls_pki_types::pem::{self, PemObject};
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use super::error::{ConfigError, Field};

/// The PEM bytes of a certificate or key, from its `-data` field (base64 of
/// PEM; it wins, as in kubectl) or else from its file, and how messages
/// should call them.
pub(crate) fn data_or_file(
    data: Option<(&str, &Field)>,
    file: Option<(&Path, &Field)>,
) -> Result<Option<(Vec<u8>, String)>, ConfigError> {
    if let Some((data, field)) = data {
        return Ok(Some((
            decode_base64(data, field)?,
            "the decoded value".to_owned(),
        )));
    }
    if let Some((path, field)) = file {
        let bytes = std::fs::read(path).map_err(|source| field.unreadable(path, source))?;
        return Ok(Some((bytes, path.display().to_string())));
    }
    Ok(None)
}

/// Decodes standard base64, ignoring line breaks and spaces as Go's decoder does.
pub(crate) fn decode_base64(data: &str, field: &Field) -> Result<Vec<u8>, ConfigError> {
    let compact: String = data.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    // The decoder's own message quotes the offending byte, which may be part of a key.
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|_| field.invalid("is not valid base64"))
}

/// Every `CERTIFICATE` block in `pem`; `what` says where the PEM came from in messages.
pub(crate) fn certificates(
    pem: &[u8],
    field: &Field,
    what: &str,
) -> Result<Vec<CertificateDer<'static>>, ConfigError> {
    let certificates = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| field.invalid(format!("{what} {}", describe(&error))))?;
    if certificates.is_empty() {
        return Err(field.invalid(format!("{what} contains no PEM CERTIFICATE block")));
    }
    Ok(certificates)
}

/// The first private key in `pem`: PKCS#1 RSA, SEC1 EC or PKCS#8, and one
/// rustls can sign with (RSA, ECDSA, Ed25519).
pub(crate) fn private_key(
    pem: &[u8],
    field: &Field,
    what: &str,
) -> Result<PrivateKeyDer<'static>, ConfigError> {
    let key = PrivateKeyDer::from_pem_slice(pem).map_err(|error| match error {
        pem::Error::NoItemsFound => field.invalid(format!(
            "{what} contains no PEM private key (RSA PRIVATE KEY, EC PRIVATE KEY or PRIVATE KEY)"
        )),
        other => field.invalid(format!("{what} {}", describe(&other))),
    })?;
    rustls::crypto::ring::sign::any_supported_type(&key).map_err(|_| {
        field.invalid(format!(
            "{what} is not an RSA, ECDSA or Ed25519 private key rudder can use"
        ))
    })?;
    Ok(key)
}

/// What is wrong with some PEM, without quoting any of it.
fn describe(error: &pem::Error) -> &'static str {
    match error {
        pem::Error::MissingSectionEnd { .. } => "is not valid PEM: a block has no END line",
        pem::Error::IllegalSectionStart { .. } => "is not valid PEM: a BEGIN line is malformed",
        pem::Error::Base64Decode(_) => "is not valid PEM: a block is not valid base64",
        pem::Error::SectionTooLarge => "is not valid PEM: a block is larger than 256 MB",
        pem::Error::NoItemsFound => "contains no PEM block",
        _ => "is not valid PEM",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field() -> Field {
        Field::new(None, "users[u].user.client-key-data")
    }

    const CA: &str = include_str!("../../fixtures/kubeconfig/pki/ca.crt");
    const EC_KEY: &str = include_str!("../../fixtures/kubeconfig/pki/client-ec.key");

    #[test]
    fn base64_split_over_lines_decodes_as_in_go() {
        use base64::Engine;
        let encoded = base64::engine::general_purpose::STANDARD.encode(CA);
        let wrapped: String = encoded
            .as_bytes()
            .chunks(64)
            .map(|chunk| format!("{}\n", String::from_utf8_lossy(chunk)))
            .collect();
        assert_eq!(decode_base64(&wrapped, &field()).unwrap(), CA.as_bytes());
    }

    #[test]
    fn bad_base64_names_the_field_and_quotes_nothing() {
        let error = decode_base64("SECRET*value", &field()).unwrap_err().to_string();
        assert_eq!(
            error,
            "<in-memory>: users[u].user.client-key-data: is not valid base64"
        );
    }

    #[test]
    fn a_ca_bundle_yields_every_certificate() {
        let bundle = format!("{CA}{CA}");
        assert_eq!(
            certificates(bundle.as_bytes(), &field(), "the bundle")
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn a_block_without_its_end_line_is_reported_without_its_content() {
        let cut = &EC_KEY[..EC_KEY.len() / 2];
        let error = private_key(cut.as_bytes(), &field(), "the key")
            .unwrap_err()
            .to_string();
        assert!(
            error.ends_with("the key is not valid PEM: a block has no END line"),
            "{error}"
        );
        let body_line = EC_KEY.lines().nth(1).unwrap();
        assert!(!error.contains(body_line));
    }

    #[test]
    fn a_key_rustls_cannot_use_is_refused_early() {
        let garbage = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        let error = private_key(garbage.as_bytes(), &field(), "the key")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("is not an RSA, ECDSA or Ed25519 private key"),
            "{error}"
        );
    }

    #[test]
    fn the_data_field_wins_over_the_file() {
        use base64::Engine;
        let data = base64::engine::general_purpose::STANDARD.encode(CA);
        let (bytes, what) = data_or_file(
            Some((&data, &field())),
            Some((Path::new("/nonexistent/ca.crt"), &field())),
        )
        .unwrap()
        .unwrap();
        assert_eq!(bytes, CA.as_bytes());
        assert_eq!(what, "the decoded value");
    }
}
