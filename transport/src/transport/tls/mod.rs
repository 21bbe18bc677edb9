//! TLS shared by both sides (spec digest §9 "TLS", §10): PEM loading, and peer trust by
//! OpenADR fingerprint or by CA file.
//!
//! Self-signed peer certificates must work: `openssl req -x509` makes them CA:TRUE, which
//! webpki refuses as an end-entity certificate, so [`PeerTrust`] accepts a peer whose
//! certificate is pinned by fingerprint or appears verbatim in the CA file, and otherwise
//! asks webpki for a chain to the CA file's roots. The handshake signature is always
//! verified, whatever the trust decision.

pub mod client;
#[cfg(feature = "openssl")]
pub mod openssl;
pub mod server;

use crate::sign::Fingerprint;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::Path;
use std::sync::Arc;

/// TLS setup errors.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// A PEM file could not be read or holds nothing usable.
    #[error("{path}: {reason}")]
    Pem {
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// rustls refused the configuration.
    #[error("TLS configuration: {0}")]
    Config(#[from] rustls::Error),
    /// OpenSSL refused the configuration (feature `openssl`).
    #[cfg(feature = "openssl")]
    #[error("OpenSSL: {0}")]
    OpenSsl(#[from] ::openssl::error::ErrorStack),
    /// The OpenSSL backend was asked for, but this build lacks the `openssl` feature.
    #[error("the OpenSSL TLS backend needs oadr built with `--features openssl`")]
    NoOpenSsl,
}

/// Which TLS implementation carries a connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Backend {
    /// rustls (ring): TLS 1.2 and 1.3 with AEAD suites only. The default.
    #[default]
    Rustls,
    /// OpenSSL (feature `openssl`): TLS 1.2 and 1.3, the spec's TLS 1.2 CBC suites offered
    /// first.
    OpenSsl,
    /// OpenSSL restricted to TLS 1.2 and the spec's two suites
    /// (`TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256`, `TLS_RSA_WITH_AES_128_CBC_SHA256`).
    OpenSslSpecSuites,
}

impl Backend {
    #[cfg(feature = "openssl")]
    fn suites(self) -> openssl::Suites {
        match self {
            Backend::OpenSslSpecSuites => openssl::Suites::SpecOnly,
            _ => openssl::Suites::Default,
        }
    }
}

/// The server side of a TLS listener, whichever the [`Backend`].
#[derive(Clone)]
#[non_exhaustive]
pub enum Acceptor {
    /// rustls.
    Rustls(tokio_rustls::TlsAcceptor),
    /// OpenSSL.
    #[cfg(feature = "openssl")]
    OpenSsl(::openssl::ssl::SslAcceptor),
}

impl std::fmt::Debug for Acceptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Acceptor::Rustls(_) => f.write_str("Acceptor::Rustls"),
            #[cfg(feature = "openssl")]
            Acceptor::OpenSsl(_) => f.write_str("Acceptor::OpenSsl"),
        }
    }
}

impl From<tokio_rustls::TlsAcceptor> for Acceptor {
    fn from(a: tokio_rustls::TlsAcceptor) -> Self {
        Acceptor::Rustls(a)
    }
}

impl Acceptor {
    /// A listener's TLS side with `backend`: our certificate and key, and which client
    /// certificates to accept (see [`server`] and, for OpenSSL, the `openssl` module).
    pub fn new(
        backend: Backend,
        cert: &Path,
        key: &Path,
        ca: Option<&Path>,
        fingerprints: &[Fingerprint],
        accept_any: bool,
    ) -> Result<Acceptor, TlsError> {
        match backend {
            Backend::Rustls => {
                server::acceptor(cert, key, ca, fingerprints, accept_any).map(Acceptor::Rustls)
            }
            #[cfg(feature = "openssl")]
            _ => openssl::acceptor(cert, key, ca, fingerprints, accept_any, backend.suites())
                .map(Acceptor::OpenSsl),
            #[cfg(not(feature = "openssl"))]
            _ => Err(TlsError::NoOpenSsl),
        }
    }
}

/// The client side of TLS connections to one server, whichever the [`Backend`].
#[derive(Clone)]
#[non_exhaustive]
pub enum Connector {
    /// rustls.
    Rustls(tokio_rustls::TlsConnector),
    /// OpenSSL.
    #[cfg(feature = "openssl")]
    OpenSsl(::openssl::ssl::SslConnector),
}

impl Connector {
    /// A connector with `backend` trusting `trust` and presenting `identity` when asked.
    pub fn new(
        backend: Backend,
        trust: PeerTrust,
        identity: Option<client::ClientIdentity>,
    ) -> Result<Connector, TlsError> {
        match backend {
            Backend::Rustls => Ok(Connector::Rustls(tokio_rustls::TlsConnector::from(
                Arc::new(client::client_config(trust, identity)?),
            ))),
            #[cfg(feature = "openssl")]
            _ => openssl::connector(trust, identity.as_ref(), backend.suites())
                .map(Connector::OpenSsl),
            #[cfg(not(feature = "openssl"))]
            _ => {
                let _ = (trust, identity);
                Err(TlsError::NoOpenSsl)
            }
        }
    }
}

/// Every certificate of a PEM file, in order.
pub fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let err = |reason: String| TlsError::Pem {
        path: path.display().to_string(),
        reason,
    };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| err(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| err(e.to_string()))?;
    if certs.is_empty() {
        return Err(err("no CERTIFICATE in the file".into()));
    }
    Ok(certs)
}

/// The first private key of a PEM file (PKCS#8, PKCS#1 or SEC1).
pub fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| TlsError::Pem {
        path: path.display().to_string(),
        reason: e.to_string(),
    })
}

/// Whom to trust as the TLS peer.
#[derive(Debug, Clone, Default)]
pub struct PeerTrust {
    /// Certificates pinned by OpenADR fingerprint (spec digest §9 "Fingerprint").
    pub fingerprints: Vec<Fingerprint>,
    /// CA certificates (or self-signed peer certificates) from a CA file.
    pub ca: Vec<CertificateDer<'static>>,
}

impl PeerTrust {
    /// Whether anything is configured.
    pub fn is_empty(&self) -> bool {
        self.fingerprints.is_empty() && self.ca.is_empty()
    }

    /// Trust decided without webpki: a pinned fingerprint, or the very certificate listed
    /// in the CA file (a self-signed peer).
    pub fn pinned(&self, end_entity: &CertificateDer<'_>) -> bool {
        let fp = Fingerprint::of_der(end_entity.as_ref());
        self.fingerprints.contains(&fp) || self.ca.iter().any(|c| c.as_ref() == end_entity.as_ref())
    }

    /// A root store of the CA file's certificates usable as trust anchors.
    pub fn root_store(&self) -> rustls::RootCertStore {
        let mut roots = rustls::RootCertStore::empty();
        // Certificates webpki cannot use as anchors are still honoured by `pinned`.
        let _ = roots.add_parsable_certificates(self.ca.iter().cloned());
        roots
    }
}

impl PeerTrust {
    /// The CA file's usable trust anchors for a webpki verifier, or `None` when there are none
    /// (trust is then by pin only).
    pub(crate) fn webpki_roots(&self) -> Option<Arc<rustls::RootCertStore>> {
        let roots = self.root_store();
        (!roots.is_empty()).then(|| Arc::new(roots))
    }
}

/// A webpki verifier could not be built.
pub(crate) fn verifier_error(e: impl std::fmt::Display) -> TlsError {
    TlsError::Config(rustls::Error::General(e.to_string()))
}

/// The crypto provider used everywhere (ring; TLS 1.2 and 1.3).
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinning_by_fingerprint_and_by_ca_file_entry() {
        let a = CertificateDer::from(vec![1u8, 2, 3]);
        let b = CertificateDer::from(vec![4u8, 5, 6]);
        let by_fp = PeerTrust {
            fingerprints: vec![Fingerprint::of_der(&[1, 2, 3])],
            ca: vec![],
        };
        assert!(by_fp.pinned(&a));
        assert!(!by_fp.pinned(&b));
        let by_ca = PeerTrust {
            fingerprints: vec![],
            ca: vec![b.clone()],
        };
        assert!(by_ca.pinned(&b));
        assert!(!by_ca.pinned(&a));
        assert!(PeerTrust::default().is_empty());
    }

    #[test]
    fn pem_errors_name_the_file() {
        let e = load_certs(Path::new("/nonexistent/x.pem")).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/x.pem"), "{e}");
    }
}
