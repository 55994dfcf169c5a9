//! What starting a server can fail with.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Why a [`Server`](super::Server) could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The address could not be bound, usually because the port is in use.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The address asked for.
        address: SocketAddr,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The certificate authority or a certificate could not be generated.
    #[error("cannot generate the server's certificates: {0}")]
    Certificate(#[from] rcgen::Error),
    /// rustls refused the generated certificates.
    #[error("cannot configure TLS: {0}")]
    Tls(#[from] rustls::Error),
    /// The client-certificate verifier could not be built.
    #[error("cannot configure client-certificate authentication: {0}")]
    ClientVerifier(#[from] rustls::server::VerifierBuilderError),
    /// The kubeconfig could not be written.
    #[error("cannot write the kubeconfig to {path}: {source}")]
    WriteKubeconfig {
        /// Where it was to be written.
        path: PathBuf,
        /// What the file system said.
        #[source]
        source: std::io::Error,
    },
}
