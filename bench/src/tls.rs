//! The TLS side of the GET workloads: a CA and a loopback server certificate
//! generated at start (rudder-testkit's `ServerPki`, the one its test server
//! uses), the server's rustls configuration (ALPN `h2` then `http/1.1`), and
//! the CA handed to each child, which gives it to its client.

use std::sync::Arc;

use rudder_testkit::server::ServerPki;
use tokio_rustls::rustls::ServerConfig;

type Failure = Box<dyn std::error::Error + Send + Sync>;

/// The environment variable that carries the CA (DER, hex) to a child.
pub const CA_VARIABLE: &str = "RUDDER_BENCH_CA_DER_HEX";

/// A new CA and the server's TLS configuration; the CA as a child's
/// environment carries it.
pub fn server() -> Result<(Arc<ServerConfig>, (&'static str, String)), Failure> {
    let pki = ServerPki::generate()?;
    let config = pki.rustls_config()?;
    let ca = pki.ca_der().iter().map(|byte| format!("{byte:02x}")).collect();
    Ok((config, (CA_VARIABLE, ca)))
}

/// The CA the parent passed (DER), if it passed one.
pub fn ca_from_environment() -> Result<Option<Vec<u8>>, Failure> {
    let Ok(hex) = std::env::var(CA_VARIABLE) else {
        return Ok(None);
    };
    let der = (0..hex.len())
        .step_by(2)
        .map(|at| {
            hex.get(at..at + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or_else(|| format!("{CA_VARIABLE} is not hex at {at}"))
        })
        .collect::<Result<Vec<u8>, _>>()?;
    Ok(Some(der))
}
